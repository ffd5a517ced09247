"""Scoring a QuerySpec over every document at once, with numpy.

Whoosh walks a tree of matchers document by document in Python: a question
that matches half of 10 000 documents cost a second.  Here each term's
postings are read once per build (ids and BM25 scores, cached), and a query
is a handful of array operations over one score per document, so its cost
grows with the number of terms, not with the number of matching documents.

Each term scores as Whoosh's BM25F scores it, and terms combine as the
Whoosh query tree combined them (a sum over fields, alternatives and words;
phrases and sub-word pairs only where all their parts match);
``tests/test_scoring.py`` checks the two agree.  Two things are the
project's own, tuned on the relevance benchmark's dev set: a document's
score scales with the share of the query's words it matches, and the best
documents gain when they hold what was typed verbatim.  What the postings
are read from is the ``Source`` protocol, implemented in ``backend.py``.
The policy itself (weights, coordination, verbatim bonus) is stated in
``indexer/engine/ranking.py``; this module is how the Whoosh backend
computes it.
"""

from __future__ import annotations

import time
from typing import Protocol

import numpy as np

from indexer.analysis import thai
from indexer.engine.ranking import (
    COORDINATION,
    GRAMS_WEIGHTS,
    GROUP_COORDINATION,
    K1,
    QUESTION_GRAMS_WEIGHT,
    VERBATIM_BONUS,
    VERBATIM_DEPTH,
    WORD_FIELDS,
    B,
)
from indexer.engine.spec import Alternative, Group, Need, QuerySpec

EMPTY = np.zeros(0, dtype=np.int64)


class Source(Protocol):
    """Postings and statistics of one index generation."""

    size: int  # document numbers run from 0 to size - 1
    live: np.ndarray  # bool per document number: False once deleted

    def postings(self, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted live document numbers containing ``word``, and its frequency in each."""

    def frequency(self, field: str, word: str) -> int:
        """Documents containing ``word`` (from the term index: no postings read)."""

    def lengths(self, field: str) -> np.ndarray: ...
    def average_length(self, field: str) -> float: ...
    def idf(self, field: str, word: str) -> float: ...

    def phrase(self, field: str, words: tuple[str, ...], candidates: np.ndarray) -> np.ndarray:
        """Those of ``candidates`` (sorted) where ``words`` occur in order, side by side."""

    def text(self, doc: int) -> str:
        """The document's title and body, normalised (``thai.quick_normalise``)."""


class Scorer:
    """Scores for one index generation; shared by threads (numpy releases
    nothing shared: every query works on arrays of its own)."""

    def __init__(self, source: Source, cache_postings: int = 2_000_000):
        # 2 million cached postings: about 24 MB (int32 ids, float64 scores).
        self.source = source
        self._terms: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._phrases: dict[tuple[str, tuple[str, ...]], tuple[np.ndarray, np.ndarray]] = {}
        self._written: dict[tuple[str, ...], bool] = {}
        self._cached = 0
        self._limit = cache_postings

    def term(self, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Documents containing ``word`` in ``field`` and its BM25 score there."""
        key = (field, word)
        found = self._terms.get(key)
        if found is None:
            # A need asks for every form of a word in every word field, and
            # most are in no title, tag or summary: the term table (its
            # counts remembered for the build) says so without reading
            # every segment's postings.
            ids, tf = self.source.postings(field, word) if self.source.frequency(field, word) else (EMPTY, EMPTY)
            if len(ids):
                dl = self.source.lengths(field)[ids]
                avg = self.source.average_length(field) or 1.0
                idf = self.source.idf(field, word)
                scores = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dl / avg))
            else:
                scores = np.zeros(0)
            found = (ids, scores)
            if self._cached + len(ids) > self._limit:
                self._terms.clear()
                self._cached = 0
            self._terms[key] = found
            self._cached += len(ids)
        return found

    def phrase(self, field: str, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Documents where ``words`` occur side by side, in order; scored as
        Whoosh scores a phrase, by the sum of its words' scores."""
        key = (field, words)
        found = self._phrases.get(key)
        if found is None:
            ids, scores = self._all_of(field, words)
            if len(ids):
                keep = np.isin(ids, self.source.phrase(field, words, ids), assume_unique=True)
                ids, scores = ids[keep], scores[keep]
            if len(self._phrases) > 4096:
                self._phrases.clear()
            found = self._phrases[key] = (ids, scores)
        return found

    def _all_of(self, field: str, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Documents containing every one of ``words``, and their scores summed.

        Rarest first, stopping when nothing is left: the whole of a long
        question rarely occurs anywhere, and its common words and pairs
        have the longest postings to read."""
        freq = {w: self.source.frequency(field, w) for w in words}
        if not all(freq.values()):
            return EMPTY, np.zeros(0)
        order = sorted(dict.fromkeys(words), key=freq.__getitem__)
        ids, scores = self.term(field, order[0])
        for w in order[1:]:
            if not len(ids):
                break
            more_ids, more = self.term(field, w)
            ids, a, b = np.intersect1d(ids, more_ids, assume_unique=True, return_indices=True)
            scores = scores[a] + more[b]
        for w in order:
            extra = words.count(w) - 1  # a word twice in a phrase scores twice, as in Whoosh
            if extra and len(ids):
                w_ids, w_scores = self.term(field, w)
                scores = scores + extra * w_scores[np.searchsorted(w_ids, ids)]
        return ids, scores

    def alternative(self, alt: Alternative, score: np.ndarray, count: np.ndarray) -> int:
        """Add ``alt``'s scores; return how many of its leaf terms are in
        the index (what Whoosh's coordination counts)."""
        leaves = 0
        if alt.words:
            for name, boost in WORD_FIELDS.items():
                if len(alt.words) == 1:
                    ids, s = self.term(name, alt.words[0])
                    present = 1 if len(ids) else 0
                else:
                    present = len(alt.words) if all(self.source.frequency(name, w) for w in alt.words) else 0
                    ids, s = self.phrase(name, alt.words)
                _add(score, count, ids, s, boost * alt.weight, len(alt.words))
                leaves += present
        grams = tuple(dict.fromkeys(alt.grams))
        if grams:
            for name, boost in GRAMS_WEIGHTS.items():
                # Pairs are indexed without positions: all pairs present
                # stands in for the phrase.
                ids, s = self._all_of(name, grams)
                _add(score, count, ids, s, boost * alt.weight, len(grams))
                leaves += sum(1 for g in grams if self.source.frequency(name, g))
        return leaves

    def group(self, group: Group) -> tuple[np.ndarray, np.ndarray, int]:
        score = np.zeros(self.source.size)
        count = np.zeros(self.source.size, dtype=np.int32)
        leaves = sum(self.alternative(a, score, count) for a in group.alternatives)
        return score, count, leaves

    def score(
        self, spec: QuerySpec, deadline: float | None = None, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, bool]:
        """A score per document (0: no match, or not ``allowed``) and whether
        the deadline cut the query short (the groups scored so far are kept)."""
        n = self.source.size
        allowed = self.shown(spec, allowed)
        if spec.empty:
            return allowed.astype(float), False
        timed_out = False
        optional = np.zeros(n)
        matched = np.zeros(n, dtype=np.int32)
        leaves = 0
        required: np.ndarray | None = None
        optional_groups = 0
        groups_matched = np.zeros(n, dtype=np.int32)
        for i, g in enumerate(spec.groups):
            if i and deadline is not None and time.monotonic() > deadline:
                timed_out = True
                break
            s, c, k = self.group(g)
            if g.required:
                required = s if required is None else np.where((required > 0) & (s > 0), required + s, 0.0)
            else:
                optional += s
                matched += c
                groups_matched += s > 0
                leaves += k
                optional_groups += 1
        if optional_groups > 1:
            optional = _coordinate(optional, matched, leaves)
            if GROUP_COORDINATION:
                optional *= (groups_matched / optional_groups) ** GROUP_COORDINATION
        if required is not None:
            total = np.where(required > 0, required + optional, 0.0)
        else:
            total = optional
        if spec.pairs:
            total += QUESTION_GRAMS_WEIGHT * self._pairs(spec.pairs)
        total[~allowed] = 0.0
        if spec.verbatim:
            self._verbatim(total, spec.verbatim)
        return total, timed_out

    def _pairs(self, pairs: tuple[str, ...]) -> np.ndarray:
        """Per document, the summed scores of ``pairs`` in the body's gram field."""
        out = np.zeros(self.source.size)
        for g in dict.fromkeys(pairs):
            ids, s = self.term("grams", g)
            out[ids] += s
        return out

    def shown(self, spec: QuerySpec, allowed: np.ndarray | None = None) -> np.ndarray:
        """Documents a search may show: live, ``allowed`` (the filters) and
        holding nothing the query excludes."""
        shown = self.source.live if allowed is None else allowed & self.source.live
        for g in spec.exclude:
            s, _, _ = self.group(g)
            shown = shown & (s <= 0)
        return shown

    def _verbatim(self, total: np.ndarray, needles: tuple[str, ...]) -> None:
        found = np.flatnonzero(total)
        if len(found) > VERBATIM_DEPTH:
            found = found[np.argpartition(-total[found], VERBATIM_DEPTH - 1)[:VERBATIM_DEPTH]]
        for d in found:
            text = self.source.text(int(d))
            share = sum(n in text for n in needles) / len(needles)
            total[d] *= 1 + VERBATIM_BONUS * share

    # --- what a document holds: the count, the facets, the gap log ------

    def holding(self, forms: tuple[tuple[str, ...], ...]) -> np.ndarray:
        """Per document: does it hold any of ``forms`` as whole words (a
        phrase: its words side by side) in any field?  บ้า inside บ้าน is
        not บ้า: segmentation made บ้าน one word."""
        held = np.zeros(self.source.size, dtype=bool)
        for words in forms:
            for name in WORD_FIELDS:
                ids = self.term(name, words[0])[0] if len(words) == 1 else self.phrase(name, words)[0]
                if len(ids):
                    held[ids] = True
        return held

    def written_together(self, words: tuple[str, ...]) -> bool:
        """Does any document write ``words`` one after another, without a
        space: side by side in a word field, holding the sub-word pairs
        across their joins (``thai.joining_pairs``)?

        Those pairs leave few candidates (ประเทศ ใด: 270 documents hold
        both words, none ศใด), and positions are read for a few candidates
        at a time, more each round: a pair of common words written together
        (เกิด ใน) is found among the first of thousands, whose positions
        would take tens of milliseconds to read."""
        found = self._written.get(words)
        if found is None:
            if len(self._written) > 4096:
                self._written.clear()
            found = self._written[words] = self._together(words)
        return found

    def _together(self, words: tuple[str, ...]) -> bool:
        joined: np.ndarray | None = None
        for pair in thai.joining_pairs(words):
            held = np.unique(np.concatenate([self.term(name, pair)[0] for name in GRAMS_WEIGHTS]))
            joined = held if joined is None else np.intersect1d(joined, held, assume_unique=True)
            if not len(joined):
                return False
        for name in reversed(WORD_FIELDS):  # the body first: the likeliest
            ids, _ = self._all_of(name, words)
            if joined is not None:
                ids = ids[np.isin(ids, joined, assume_unique=True)]
            at, step = 0, 4
            while at < len(ids):
                if len(self.source.phrase(name, words, ids[at : at + step])):
                    return True
                at, step = at + step, step * 4
        return False

    def fragments(self, grams: tuple[str, ...]) -> np.ndarray:
        """Per document: does it hold all of ``grams`` (sub-word pairs)?"""
        held = np.zeros(self.source.size, dtype=bool)
        grams = tuple(dict.fromkeys(grams))
        if grams:
            for name in GRAMS_WEIGHTS:
                held[self._all_of(name, grams)[0]] = True
        return held

    def need(self, need: Need, facets) -> tuple[np.ndarray, np.ndarray, bool]:
        """(held, held as typed, matched as fragments) for one need;
        ``facets(field, value)`` is the per-document mask of a facet value.

        As typed means by the word, a synonym or a facet it names, not by a
        correction or a fragment: what the knowledge-gap log counts.
        """
        typed = self.holding(need.words)
        for field, value in need.facets:
            typed |= facets(field, value)
        if need.run:
            typed |= self.fragments(need.run)
        held = typed | self.holding(need.corrections) if need.corrections else typed
        fragment = False
        if need.fallback:
            inside = self.holding(need.fallback) & ~held
            fragment = bool(inside.any())
            held = held | inside
        return held, typed, fragment


def _add(score: np.ndarray, count: np.ndarray, ids: np.ndarray, scores: np.ndarray, boost: float, leaves: int) -> None:
    if len(ids):
        score[ids] += scores * boost
        count[ids] += leaves


def _coordinate(score: np.ndarray, matched: np.ndarray, leaves: int) -> np.ndarray:
    """Whoosh's coordination bonus (Or with ``scale``, the "SQR" of V-Twin):
    a little more for each more leaf term matched."""
    if leaves <= 1 or leaves == COORDINATION:
        return score
    bonus = (matched - 1) / (leaves - COORDINATION) ** 2
    return np.where(score > 0, (score + bonus) * ((leaves - 1) / leaves), 0.0)
