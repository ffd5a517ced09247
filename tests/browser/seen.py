"""What a person sees on a page, measured in the browser: whether it slides
sideways, and what its highlights mark, compared with the segmentation."""

from __future__ import annotations

from functools import lru_cache

from indexer.analysis import thai

# For each <mark>: the text of the block it is in (a paragraph, a list item,
# a cell, a snippet) and where the mark starts and ends in that text.
_MARKS_JS = """() => [...document.querySelectorAll('mark')].map(m => {
    const block = m.closest('p, li, td, th, dd, dt, h1, h2, h3, h4, h5, h6, '
    + 'pre, caption, blockquote, div') || document.body;
    const before = document.createRange();
    before.setStart(block, 0);
    before.setEndBefore(m);
    const start = before.toString().length;
    return [block.textContent, start, start + m.textContent.length];
})"""


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def marks(page) -> list[tuple[str, int, int]]:
    return [tuple(m) for m in page.evaluate(_MARKS_JS)]


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from pythainlp.corpus import thai_words

    return frozenset(thai_words())


def _in_words(text: str, words: frozenset[str]) -> bool:
    """Can ``text`` be cut into ``words``?"""
    text = thai.normalise(text)
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in words for start in range(max(0, end - 24), end))
    return ok[-1]


def inside_a_word(text: str, at: int, segmenter: thai.Segmenter) -> bool:
    """Does offset ``at`` of ``text`` fall inside a word, as the search's
    own segmentation cuts ``text``?  Between two words of a compound
    (ที่ดิน in โฉนดที่ดิน, where both sides are words) is not inside."""
    words = _dictionary() | frozenset(segmenter.words)
    for tok in thai.analyse(text, segmenter):
        if tok.start < at < tok.end:
            return not (_in_words(text[tok.start : at], words) and _in_words(text[at : tok.end], words))
    return False


def marks_inside_words(page, segmenter: thai.Segmenter) -> list[str]:
    """Each highlight that starts or ends inside a word, shown in its text."""
    bad = []
    for text, start, end in marks(page):
        if inside_a_word(text, start, segmenter) or inside_a_word(text, end, segmenter):
            bad.append(f"{text[max(0, start - 15) : start]}[{text[start:end]}]{text[end : end + 15]}")
    return bad


def png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGBA bytes) of a screenshot: enough PNG to
    read Chromium's own (8-bit RGB or RGBA, not interlaced)."""
    import struct
    import zlib

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, data, width = 8, b"", 0
    while at < len(png):
        size, kind = struct.unpack(">I4s", png[at : at + 8])
        chunk = png[at + 8 : at + 8 + size]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            channels = 4 if color == 6 else 3
        elif kind == b"IDAT":
            data += chunk
        at += 12 + size
    raw, stride, rows, prev = zlib.decompress(data), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(
            bytes(line) if channels == 4 else b"".join(bytes(line[i : i + 3]) + b"\xff" for i in range(0, stride, 3))
        )
        prev = line
    return width, height, rows


def edge_shade(png: bytes, x0: float, x1: float) -> float:
    """How dark the columns between the fractions ``x0`` and ``x1`` of a
    screenshot's width are where they are lightest (0 white .. 255 black):
    text darkens some rows, a shadow darkens every one."""
    width, height, rows = png_pixels(png)
    a, b = int(width * x0), max(int(width * x0) + 1, int(width * x1))
    shades = []
    for row in rows[2:-2]:  # not the box's border
        total = sum(255 - sum(row[4 * x : 4 * x + 3]) / 3 for x in range(a, b))
        shades.append(total / (b - a))
    return min(shades)
