"""What the HTML report needs to be one file: the site's stylesheet with
its fonts inside it.

The report is opened from a USB stick or an e-mail on computers that often
have no Thai font; a font that points at ``fonts/...`` beside the file shows
Thai as boxes there.  Every ``url(fonts/NAME.woff2)`` of the stylesheet
becomes a ``data:`` URL of that file (the six Sarabun subsets, 65 KB, about
88 KB in base64): no subsetting library is in the lock, and the files are
already cut to the Thai and the Latin ranges.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

_FONT_URL = re.compile(r"url\((['\"]?)fonts/([\w.-]+\.woff2)\1\)")


def embed_fonts(css: str, static_dir: Path) -> str:
    """``css`` with each font it names under fonts/ inlined; a missing file
    is an error that names it (a broken install, never a silently tofu report)."""

    def inline(m: re.Match[str]) -> str:
        data = (static_dir / "fonts" / m[2]).read_bytes()
        return "url(data:font/woff2;base64," + base64.b64encode(data).decode("ascii") + ")"

    return _FONT_URL.sub(inline, css)


def report_css(static_dir: Path) -> str:
    """The site's stylesheet, fonts inside, for the standalone report."""
    return embed_fonts((static_dir / "style.css").read_text(encoding="utf-8"), static_dir)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string (for ``content:`` in a margin box) that
    cannot end the string or the <style> element it sits in."""
    out = []
    for ch in text:
        if ch in '\\"<>&' or ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
