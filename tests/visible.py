"""Pages as a reader's eyes and a copy-paste see the text: without the
markup that tells the browser where Thai words end (kmsearch/search/
wordbreak.py), which adds no character."""

from __future__ import annotations

import re

_WORD = re.compile(r'<span class="w">([^<]*)</span>|<wbr>')


def unbreak(html: str) -> str:
    return _WORD.sub(lambda m: m.group(1) or "", html)


_HIDDEN = re.compile(r'<span class="visually-hidden">[^<]*</span>')
_TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    """What a sighted reader sees of ``html``: no markup, no text meant only
    for screen readers, white space collapsed."""
    import html as entities

    text = _TAG.sub("", _HIDDEN.sub("", unbreak(html)))
    return " ".join(entities.unescape(text).split())
