"""The page a result opens: its article at the passage the snippet came
from, with the query's words marked.

A result links to ``/a/<id>?hl=<query>#<heading>:~:text=<words>``.  The
heading is the one before the passage (ids from indexer.render.heading_id),
so any browser jumps near it without script; the text fragment
(``:~:text=``, in Chromium, Safari and Firefox) brings the passage itself
into view, and a browser that cannot find it falls back to the heading.
On the article, the server marks the query's words with the snippets' own
rule (kmsearch.snippets.find_matches: whole words and phrases, never a
piece of another word, never a function word alone), in text only: tags
and attributes of the sanitised HTML are never touched.
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
import urllib.parse

from markupsafe import Markup, escape

from indexer.analysis import thai
from kmsearch.search.snippets import Marks, find_matches

# A tag of nh3's output: attributes are always double-quoted there, and a
# ">" inside a quoted value does not end the tag.
_TAG = re.compile(r'<(/?)([A-Za-z][A-Za-z0-9]*)(?:[^>"]|"[^"]*")*>')
# Elements that end a run of text: words are never matched across them,
# as the body text the index and the snippets read has a line break there.
_BLOCKS = frozenset(
    """address article aside blockquote br caption dd details div dl dt figcaption figure footer
    h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th thead tr ul""".split()
)
# A text fragment is the words from a space (or the start of a line) at or
# before the passage up to a space after it: Chromium matches it only on
# word boundaries, and a space is one for every segmenter.
FRAGMENT_MIN_CHARS = 12
FRAGMENT_MAX_CHARS = 160
FRAGMENT_LOOKBACK = 80


# A heading of nh3's output with its id (attributes double-quoted there).
_HEADING = re.compile(r'<(h[1-6])\b[^>]*?\sid="([^"]+)"[^>]*>(.*?)</\1>', re.S)
_INNER_TAG = re.compile(r"<[^>]*>")


def heading_offsets(html: str, body: str) -> list[tuple[int, str, str]]:
    """(offset in ``body``, id, text) of each heading of ``html``.

    ``body`` is the article's text as indexed (indexer.render.to_text: one
    block a line), where each heading is a line of its own; headings are
    found in order, each on the first line after the previous one that
    reads the same.
    """
    # a regular expression, not an HTML parser: this runs for every result
    headings = [
        (m.group(2), " ".join(html_lib.unescape(_INNER_TAG.sub("", m.group(3))).split()))
        for m in _HEADING.finditer(html)
    ]
    lines, at = [], 0
    for line in body.split("\n"):
        lines.append((at, line))
        at += len(line) + 1
    out, i = [], 0
    for anchor, text in headings:
        if not text:
            continue
        j = i
        while j < len(lines) and lines[j][1] != text:
            j += 1
        if j < len(lines):
            out.append((lines[j][0], anchor, text))
            i = j + 1
    return out


def fragment_text(body: str, offset: int, elsewhere: tuple[str, ...] = ()) -> str:
    """Words of ``body`` at ``offset`` for a text fragment: from a space
    or a line start at or before it to a space after it, found once only
    in the article (``elsewhere``: its title, summary and headings, shown
    before the body); "" when no such words are there."""
    line_start = body.rfind("\n", 0, offset) + 1
    line_end = body.find("\n", offset)
    line_end = len(body) if line_end == -1 else line_end
    space = body.rfind(" ", line_start, offset + 1)
    start = space + 1 if space != -1 and offset - space <= FRAGMENT_LOOKBACK else line_start
    if offset - start > FRAGMENT_LOOKBACK:
        return ""
    end = min(start + FRAGMENT_MIN_CHARS, line_end)
    while True:
        space = body.find(" ", end, line_end)
        end = line_end if space == -1 else space
        words = body[start:end]
        if len(words) > FRAGMENT_MAX_CHARS or not words.strip():
            return ""
        if body.count(words) == 1 and not any(words in other for other in elsewhere):
            return words
        if end >= line_end:
            return ""
        end += 1


def _encode_directive(text: str) -> str:
    # "-", "," and "&" mean something inside a text directive.
    return urllib.parse.quote(text, safe="").replace("-", "%2D")


def result_url(doc_id: str, query: str, anchor: str = "", words: str = "") -> str:
    """Where a result opens: the article with the query to mark, at the
    heading before the passage and at the passage's own words."""
    url = f"/a/{doc_id}"
    if query:
        url += "?" + urllib.parse.urlencode({"hl": query})
    if anchor or words:
        url += "#" + anchor + (":~:text=" + _encode_directive(words) if words else "")
    return url


def passage_target(f: dict, offset: int) -> tuple[str, str]:
    """(heading id, text-fragment words) for a passage at ``offset`` of the
    stored document ``f``'s body."""
    body, html = f.get("body", ""), f.get("html", "")
    found = heading_offsets(html, body)
    i = bisect.bisect_right([o for o, _, _ in found], offset) - 1
    anchor = found[i][1] if i >= 0 else ""
    elsewhere = (f.get("title", ""), f.get("summary", ""), *(t for _, _, t in found))
    return anchor, fragment_text(body, offset, elsewhere)


def mark_html(html: str, marks: Marks, segmenter: thai.Segmenter) -> tuple[Markup, int]:
    """``html`` with the matches of ``marks`` in <mark>, and how many.

    Text is matched a block at a time (a paragraph, a list item, a table
    cell), its text nodes joined, so words segment as in the indexed body
    text; a match is marked only when it lies within one text node (a
    <mark> cannot straddle another element, and half a word marked would
    read as a piece of another word).
    """
    if not marks or not html:
        return Markup(html), 0
    parts: list[str] = []
    texts: list[int] = []  # indices in parts of the text nodes of the current block
    runs: list[list[int]] = []
    at = 0
    for m in _TAG.finditer(html):
        if m.start() > at:
            texts.append(len(parts))
            parts.append(html[at : m.start()])
        parts.append(m.group(0))
        if m.group(2).lower() in _BLOCKS:
            runs.append(texts)
            texts = []
        at = m.end()
    if at < len(html):
        texts.append(len(parts))
        parts.append(html[at:])
    runs.append(texts)
    count = 0
    for run in runs:
        plain = [html_lib.unescape(parts[i]) for i in run]
        joined = "".join(plain)
        if not joined.strip():
            continue
        matches = find_matches(joined, marks, thai.analyse(joined, segmenter))
        if not matches:
            continue
        start = 0
        for i, text in zip(run, plain):
            end = start + len(text)
            inside = [(s - start, e - start) for s, e, _ in matches if start <= s and e <= end]
            if inside:
                out, pos = [], 0
                for s, e in inside:
                    out.append(str(escape(text[pos:s])) + "<mark>" + str(escape(text[s:e])) + "</mark>")
                    pos = e
                parts[i] = "".join(out) + str(escape(text[pos:]))
                count += len(inside)
            start = end
    return Markup("".join(parts)), count
