"""Thai lines broken between the office's words, not inside them.

Thai is written without spaces between words; browsers find line breaks
with a dictionary of their own (ICU's in Chromium), which does not know the
office's words and breaks inside them: โคก|ตูม, เตรี|ยม.  Here the rendered
HTML says where words end, with the segmentation search uses
(indexer.analysis.thai, office words included):

- each Thai word is a ``<span class="w">``, which static/style.css keeps on
  one line (``white-space: nowrap``), so the browser's own dictionary cannot
  break inside it;
- a ``<wbr>`` between two Thai words is where a line may break.

Neither adds a character: copied text is the text as written (a zero-width
space would be copied with it and then break a search or a document it is
pasted into).  Words longer than LONGEST characters are left to the
browser, so a run the segmenter could not split never overflows a phone.

Text is segmented a block at a time (a paragraph, a list item, a cell), its
text nodes joined, as mark_html (kmsearch.search.passage) and the index read
it; a word that crosses an element boundary (a highlight inside a word) is
left as the elements cut it.  Tags and attributes are never touched, nor
anything inside <pre>, <code>, <kbd>, <samp>, <script>, <style> or
<textarea>.  This runs after highlighting, so the <mark>s of a search stay
as they were.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from collections import OrderedDict

from markupsafe import Markup, escape

from indexer.analysis import thai
from kmsearch.search.passage import _BLOCKS, _TAG

LONGEST = 24  # characters; about 200 px at 16 px, well inside a 360 px phone
WORD_OPEN, WORD_CLOSE, BREAK = '<span class="w">', "</span>", "<wbr>"
_VERBATIM = frozenset("pre code kbd samp script style textarea".split())
_THAI_RUN = re.compile("[\u0e01-\u0e4f]+")
# Never at the start of a line: the repetition mark and the abbreviation
# mark belong to the word before them.
_NOT_FIRST = frozenset("\u0e46\u0e2f") | thai.COMBINING
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, str], str] = OrderedDict()
_cache_lock = threading.Lock()


def _is_thai(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e4f"


def word_breaks(text: str, segmenter: thai.Segmenter) -> list[int]:
    """Offsets in ``text`` between two Thai words, where a line may break.

    A word longer than LONGEST (an act's full name in the office's words:
    พระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง) may break between the words
    of PyThaiNLP's dictionary it is made of, so it fits a phone.
    """
    bounds = set()
    for t in thai.analyse(text, segmenter):
        bounds.add(t.start)
        bounds.add(t.end)
        if t.end - t.start > LONGEST:
            bounds.update(_inner(text, t.start, t.end, segmenter))
    return sorted(
        p
        for p in bounds
        if 0 < p < len(text) and _is_thai(text[p - 1]) and _is_thai(text[p]) and text[p] not in _NOT_FIRST
    )


def _inner(text: str, start: int, end: int, segmenter: thai.Segmenter) -> list[int]:
    plain = thai.Segmenter((), segmenter.engine)
    return [start + t.start for t in thai.analyse(text[start:end], plain)]


def _wrap_words(text: str) -> str:
    """Escaped ``text`` (one word or the part of one, or text between words)
    with each Thai run of it in a word span."""
    out, at = [], 0
    for m in _THAI_RUN.finditer(text):
        run = m.group()
        if len(run) < 2 or len(run) > LONGEST:
            continue
        out.append(str(escape(text[at : m.start()])) + WORD_OPEN + str(escape(run)) + WORD_CLOSE)
        at = m.end()
    out.append(str(escape(text[at:])))
    return "".join(out)


def _node(text: str, cuts: list[int]) -> str:
    """One text node, cut at ``cuts`` (offsets in it; 0 = before it)."""
    out, at = [], 0
    for c in cuts:
        out.append(_wrap_words(text[at:c]) + BREAK)
        at = c
    out.append(_wrap_words(text[at:]))
    return "".join(out)


def _split(html: str) -> tuple[list[str], list[list[int]]]:
    """The parts of ``html`` (tags and text nodes) and, per block, the
    indices of its text nodes outside verbatim elements."""
    parts: list[str] = []
    runs: list[list[int]] = []
    texts: list[int] = []
    verbatim = 0
    at = 0
    for m in _TAG.finditer(html):
        if m.start() > at:
            if not verbatim:
                texts.append(len(parts))
            parts.append(html[at : m.start()])
        parts.append(m.group(0))
        name = m.group(2).lower()
        if name in _VERBATIM:
            verbatim = max(0, verbatim + (-1 if m.group(1) else 1))
        if name in _BLOCKS or name in _VERBATIM:
            runs.append(texts)
            texts = []
        at = m.end()
    if at < len(html):
        if not verbatim:
            texts.append(len(parts))
        parts.append(html[at:])
    runs.append(texts)
    return parts, runs


def _break_block(parts: list[str], run: list[int], segmenter: thai.Segmenter) -> None:
    plain = [html_lib.unescape(parts[i]) for i in run]
    joined = "".join(plain)
    if not _THAI_RUN.search(joined):
        return
    breaks = word_breaks(joined, segmenter)
    start = 0
    for i, text in zip(run, plain):
        end = start + len(text)
        cuts = [p - start for p in breaks if start <= p < end and (p > start or start > 0)]
        if _THAI_RUN.search(text):
            parts[i] = _node(text, cuts)
        elif cuts:
            parts[i] = BREAK + parts[i]
        start = end


def break_html(html: str, segmenter: thai.Segmenter) -> Markup:
    """Sanitised ``html`` (an article, a snippet, a highlighted title) with
    its Thai words marked for line breaking; the last results are kept, as
    an article is read again and again."""
    key = (segmenter.key, html)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return Markup(hit)
    parts, runs = _split(html)
    for run in runs:
        _break_block(parts, run, segmenter)
    result = "".join(parts)
    with _cache_lock:
        _cache[key] = result
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return Markup(result)


def break_text(text: str, segmenter: thai.Segmenter) -> Markup:
    """Plain ``text`` (a title) escaped and marked for line breaking."""
    return break_html(str(escape(text)), segmenter)
