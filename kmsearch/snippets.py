"""Highlighted snippets that show the best passage and never cut a Thai
character cluster (a base letter with its vowels and tone marks) in half.

Matches are found with the same analysis as the index: whole words first,
then, for query words that match no whole word (a fragment of a compound,
a name the dictionary lacks), their normalised text inside the normalised
body.  Offsets always point into the original text.  A snippet starts and
ends on a word boundary; a highlight starts and ends on a cluster boundary.
"""
from __future__ import annotations

import bisect

from markupsafe import Markup, escape

from indexer import thai

ELLIPSIS = "…"


def find_matches(text: str, terms: list[str], texts: list[str], tokens: list[thai.Token]) -> list[tuple[int, int, str]]:
    """(start, end, key) of every match in ``text``; key names the query word.

    Overlapping or touching matches are merged into one.
    """
    wanted = set(terms)
    # Whole words end on cluster boundaries already (the segmenter never
    # cuts a cluster); only a fragment found inside a word needs widening.
    spans = [(t.start, t.end, t.text) for t in tokens if t.text in wanted]
    seen = {key for _, _, key in spans}
    missing = [s for s in texts if len(s) > 1 and s not in seen]
    if missing:
        norm = thai.normalise_spans(text)
        for needle in missing:
            at = norm.text.find(needle)
            while at != -1:
                s, e = norm.span(at, at + len(needle))
                spans.append((*_snap(thai.cluster_bounds_near(text, s, e), s, e), needle))
                at = norm.text.find(needle, at + len(needle))
    merged: list[tuple[int, int, str]] = []
    for s, e, k in sorted(spans):
        if merged and s <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(e, last[1]), last[2] + " " + k)
        else:
            merged.append((s, e, k))
    return merged


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
        inside = matches[bisect.bisect_left(starts, lo): bisect.bisect_left(starts, hi)]
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


def snippet(text: str, terms: list[str], texts: list[str], segmenter: thai.Segmenter, size: int = 220) -> Markup:
    if not text:
        return Markup("")
    lo, hi = _region(text, terms, texts, size)
    part = text[lo:hi]
    tokens = thai.analyse(part, segmenter)
    matches = find_matches(part, terms, texts, tokens)
    a, b = best_window(part, matches, size)
    words = sorted({0, len(part)} | {t.start for t in tokens} | {t.end for t in tokens})
    a, b = _snap(words, a, b)
    body = _mark(part, a, b, matches)
    flat = Markup(" ").join(Markup(line) for line in str(body).split())
    return Markup((ELLIPSIS if lo + a > 0 else "") + flat + (ELLIPSIS if lo + b < len(text) else ""))


def _region(text: str, terms: list[str], texts: list[str], size: int) -> tuple[int, int]:
    """The stretch of a long text worth analysing: around the place where
    most query words occur close together, found by plain search in the
    normalised text, so a 20 KB manual is not segmented for one snippet."""
    if len(text) <= 2 * size:
        return 0, len(text)
    needles = list(dict.fromkeys(n for n in (*terms, *texts) if n))
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


def highlight(text: str, terms: list[str], texts: list[str], segmenter: thai.Segmenter) -> Markup:
    """The whole text (a title) with its matches marked."""
    matches = find_matches(text, terms, texts, thai.analyse(text, segmenter))
    return _mark(text, 0, len(text), matches)
