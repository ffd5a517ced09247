"""Pages as a reader's eyes and a copy-paste see the text: without the
markup that tells the browser where Thai words end (kmsearch/search/
wordbreak.py), which adds no character."""

from __future__ import annotations

import re

_WORD = re.compile(r'<span class="w">([^<]*)</span>|<wbr>')


def unbreak(html: str) -> str:
    return _WORD.sub(lambda m: m.group(1) or "", html)
