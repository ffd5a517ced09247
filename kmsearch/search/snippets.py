"""Highlighted snippets that show the best passage and never cut a Thai
character cluster (a base letter with its vowels and tone marks) in half.

Matches are found with the same analysis as the index, and only where a
reader would call them the word: whole words and phrases (บ้า is not
marked inside บ้าน, กอง of กองช่าง not in กองคลัง), the typed string where it
starts and ends on word boundaries, and pieces of words only for a query
word that the index holds nowhere as a word (a place name the dictionary
cuts), which the search labels as such.  Offsets always point into the
original text.  A snippet starts and ends on a word boundary; a highlight
starts and ends on a cluster boundary.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from markupsafe import Markup, escape

from indexer.analysis import thai

ELLIPSIS = "…"


@dataclass(frozen=True)
class Marks:
    """What a highlight marks (see the module's docstring)."""

    forms: tuple[tuple[str, ...], ...] = ()  # words, and phrases of words, analysed
    verbatim: tuple[str, ...] = ()  # typed strings, normalised
    fragments: tuple[str, ...] = ()  # normalised strings that may sit inside a word
    inside: tuple[tuple[str, str], ...] = ()  # (compound, word): mark only the word inside the compound

    def __bool__(self) -> bool:
        return bool(self.forms or self.verbatim or self.fragments)

    @property
    def needles(self) -> list[str]:
        return list(
            dict.fromkeys(n for n in (*(w for f in self.forms for w in f), *self.verbatim, *self.fragments) if n)
        )


def find_matches(text: str, marks: Marks, tokens: list[thai.Token]) -> list[tuple[int, int, str]]:
    """(start, end, key) of every match in ``text``; key names the query word.

    Overlapping or touching matches are merged into one.
    """
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for form in marks.forms:
        by_first.setdefault(form[0], []).append(form)
    inside = dict(marks.inside)
    words = [t.text for t in tokens]
    spans = []
    for i, tok in enumerate(tokens):
        if tok.text in inside:
            spans += _inside(text, tok, inside[tok.text])
            continue
        for form in by_first.get(tok.text, ()):
            if tuple(words[i : i + len(form)]) == form:
                spans.append((tok.start, tokens[i + len(form) - 1].end, " ".join(form)))
    if marks.verbatim or marks.fragments:
        norm = thai.normalise_spans(text)
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        for needle in marks.verbatim:
            for s, e in _occurrences(norm, needle):
                if s in starts and e in ends:
                    spans.append((s, e, needle))
        for needle in marks.fragments:
            for s, e in _occurrences(norm, needle):
                spans.append((*_snap(thai.cluster_bounds_near(text, s, e), s, e), needle))
    merged: list[tuple[int, int, str]] = []
    for s, e, k in sorted(spans):
        if merged and s <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(e, last[1]), last[2] + " " + k)
        else:
            merged.append((s, e, k))
    return merged


def _inside(text: str, tok: thai.Token, word: str) -> list[tuple[int, int, str]]:
    norm = thai.normalise_spans(text[tok.start : tok.end])
    return [(tok.start + s, tok.start + e, word) for s, e in _occurrences(norm, word)]


def _occurrences(norm: thai.Normalised, needle: str, most: int = 200):
    at = norm.text.find(needle) if len(needle) > 1 else -1
    for _ in range(most):
        if at == -1:
            return
        yield norm.span(at, at + len(needle))
        at = norm.text.find(needle, at + len(needle))


def _snap(bounds: list[int], lo: int, hi: int) -> tuple[int, int]:
    """Widen [lo, hi) to the nearest boundaries in ``bounds``."""
    i = bisect.bisect_right(bounds, lo) - 1
    j = bisect.bisect_left(bounds, hi)
    return bounds[max(i, 0)], bounds[min(j, len(bounds) - 1)]


def best_window(text: str, matches, size: int) -> tuple[int, int]:
    """The window of about ``size`` characters covering the most distinct
    query words (then the most matches), preferring earlier text."""
    if not matches:
        return 0, min(len(text), size)
    best, best_score = (0, 0), (-1, -1)
    starts = [m[0] for m in matches]
    for s, _, _ in matches:
        lo = max(0, s - size // 4)
        hi = min(len(text), lo + size)
        inside = matches[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)]
        keys = {w for *_, k in inside for w in k.split(" ")}
        score = (len(keys), len(inside))
        if score > best_score:
            best, best_score = (lo, hi), score
    return best


def _mark(text: str, lo: int, hi: int, matches) -> Markup:
    parts, at = [], lo
    for s, e, _ in matches:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        parts.append(escape(text[at:s]))
        parts.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        at = e
    parts.append(escape(text[at:hi]))
    return Markup("".join(str(p) for p in parts))


@dataclass(frozen=True)
class Passage:
    """A snippet and where it sits in the text: [start, end) of the
    characters it shows and the start of its first match (``start`` when
    nothing is marked), so a result can open its article there."""

    html: Markup
    start: int = 0
    end: int = 0
    first: int = 0


def snippet(text: str, marks: Marks, segmenter: thai.Segmenter, size: int = 220) -> Markup:
    return passage(text, marks, segmenter, size).html


def passage(text: str, marks: Marks, segmenter: thai.Segmenter, size: int = 220) -> Passage:
    """The snippet of ``text`` (see ``snippet``) with its offsets in ``text``."""
    if not text:
        return Passage(Markup(""))
    lo, hi = _region(text, marks.needles, size)
    part = text[lo:hi]
    tokens = thai.analyse(part, segmenter)
    matches = find_matches(part, marks, tokens)
    a, b = best_window(part, matches, size)
    words = sorted({0, len(part)} | {t.start for t in tokens} | {t.end for t in tokens})
    a, b = _snap(words, a, b)
    body = _mark(part, a, b, matches)
    flat = Markup(" ").join(Markup(line) for line in str(body).split())
    first = next((max(s, a) for s, e, _ in matches if e > a and s < b), a)
    return Passage(
        Markup((ELLIPSIS if lo + a > 0 else "") + flat + (ELLIPSIS if lo + b < len(text) else "")),
        lo + a,
        lo + b,
        lo + first,
    )


def _region(text: str, needles: list[str], size: int) -> tuple[int, int]:
    """The stretch of a long text worth analysing: around the place where
    most query words occur close together, found by plain search in the
    normalised text, so a 20 KB manual is not segmented for one snippet."""
    if len(text) <= 2 * size:
        return 0, len(text)
    # Most documents are already in normal form, where the query's words
    # are found as they are: normalising a whole manual costs more than
    # the rest of the snippet, so it is done only when that finds nothing.
    hits = _find_all(text, needles)
    if not hits:
        # Thai digits, case, decomposed sara am: folded at C speed, and
        # when that keeps every offset in place it is as good as normalising.
        quick = thai.quick_normalise(text)
        if len(quick) == len(text):
            hits = _find_all(quick, needles)
    if hits:
        anchor = _densest(hits, size)
    else:
        norm = thai.normalise_spans(text)
        hits = _find_all(norm.text, needles)
        if not hits:
            return 0, _space_after(text, min(len(text), 2 * size))
        best = _densest(hits, size)
        anchor = norm.span(best, best + 1)[0]
    # The window best_window picks around the anchor starts a quarter of
    # ``size`` before it: a little more on each side is all worth segmenting.
    return _space_before(text, max(0, anchor - size // 3)), _space_after(text, min(len(text), anchor + 5 * size // 4))


def _find_all(text: str, needles: list[str], most: int = 50) -> list[tuple[int, str]]:
    hits: list[tuple[int, str]] = []
    for needle in needles:
        at = text.find(needle)
        for _ in range(most):
            if at == -1:
                break
            hits.append((at, needle))
            at = text.find(needle, at + len(needle))
    return hits


def _densest(hits: list[tuple[int, str]], size: int) -> int:
    """Where most distinct needles (then most hits) fall within ``size``."""
    hits.sort()
    best, best_score = hits[0][0], (0, 0)
    for i, (pos, _) in enumerate(hits):
        near = [n for p, n in hits[i:] if p < pos + size]
        score = (len(set(near)), len(near))
        if score > best_score:
            best, best_score = pos, score
    return best


def _space_before(text: str, at: int) -> int:
    cut = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at))
    return cut + 1 if cut != -1 and at - cut < 80 else at if at == 0 else _cluster_edge(text, at)


def _space_after(text: str, at: int) -> int:
    found = [i for i in (text.find(" ", at), text.find("\n", at)) if i != -1 and i - at < 80]
    return min(found) if found else (len(text) if at >= len(text) else _cluster_edge(text, at))


def _cluster_edge(text: str, at: int) -> int:
    bounds = thai.cluster_bounds_near(text, at, at)
    return bounds[max(0, bisect.bisect_right(bounds, at) - 1)]


def highlight(text: str, marks: Marks, segmenter: thai.Segmenter) -> Markup:
    """The whole text (a title) with its matches marked."""
    matches = find_matches(text, marks, thai.analyse(text, segmenter))
    return _mark(text, 0, len(text), matches)
