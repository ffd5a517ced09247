"""Turn what a person typed into a QuerySpec.

Syntax people know from web search: "quoted phrases", -exclusion, OR, and
field filters (division:, type:, knowledge:, area:, tag:, year:).  Anything
malformed falls back to plain words; parsing never fails.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Protocol

from indexer import thai
from indexer.office import Office
from indexer.spec import Alternative, Group, QuerySpec

from .thaidate import BadYear, other_era, parse_year

_TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+|ปี):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|"')
FILTER_FIELDS = {
    "division": "divisions", "type": "types", "knowledge": "knowledge", "area": "areas",
    "tag": None, "year": None, "ปี": None,
}


TYPO_WEIGHT = 0.7
TYPO_CANDIDATES = 2       # indexed words searched for one typo: dev set typo MRR@10 +0.005, fragment +0.01
# Correction looks words up one by one: a long query of unknown text must
# not hold a server thread, so the work per query is bounded.
MAX_LOOKUPS = 24
MAX_CORRECTED_CHARS = 20
CORRECTION_SECONDS = 0.25
# A run typed without spaces counts as a whole (a phrase, and all of its
# sub-word pairs) above its pieces: a fragment or a misspelt word breaks
# into short common pieces that match everywhere.  Tuned on the dev set:
# fragment MRR@10 0.61 -> 0.68, typo 0.66 -> 0.70, others unchanged.
RUN_WEIGHT = 1.75
PIECE_WEIGHT = 0.5
COMMON_SHARE = 0.2           # a word in more than this share of documents is common
MIN_DOCS_FOR_COMMON = 100    # below this, "common" says little
MAX_CORRECTION_WINDOW = 4
MAX_VERBATIM_CHARS = 24


@dataclass
class ParsedQuery:
    spec: QuerySpec
    terms: list[str] = field(default_factory=list)   # normalised words to highlight
    texts: list[str] = field(default_factory=list)   # normalised strings for sub-word highlights
    suggestion: str | None = None                    # the query with its typos corrected


class Vocabulary(Protocol):
    def frequency(self, word: str) -> int: ...
    def similar_words(self, word: str, maxdist: int = 1, limit: int = 3) -> list[str]: ...


class Budget:
    """Work left for spelling correction in one query."""

    def __init__(self, lookups: int = MAX_LOOKUPS, seconds: float = CORRECTION_SECONDS):
        self.lookups = lookups
        self.deadline = time.monotonic() + seconds

    def take(self) -> bool:
        if self.lookups <= 0 or time.monotonic() > self.deadline:
            return False
        self.lookups -= 1
        return True


def corrections(words: list[str], vocabulary: Vocabulary, budget: Budget | None = None) -> list[tuple[int, int, list[str]]]:
    """(start, end, words): runs of query words to replace by an indexed
    word, the likeliest (most frequent) first.

    A typo inside a Thai word makes the segmenter cut it into odd pieces
    (ที่ดืน -> ที่ + ดืน), so the pieces around an unknown one are joined and
    looked up together, longest run first.
    """
    known = [vocabulary.frequency(w) > 0 for w in words]
    out: list[tuple[int, int, str]] = []
    budget = budget or Budget()
    i = 0
    while i < len(words) and budget.lookups > 0:
        if known[i]:
            i += 1
            continue
        best = None
        for size in range(min(MAX_CORRECTION_WINDOW, len(words)), 0, -1):
            for a in range(max(0, i - size + 1), min(i, len(words) - size) + 1):
                if out and a < out[-1][1]:
                    continue
                joined = "".join(words[a:a + size])
                if not 3 <= len(joined) <= MAX_CORRECTED_CHARS:
                    continue
                if not budget.take():
                    return out
                # Two edits only for long runs: the lookup costs 4x more.
                similar = vocabulary.similar_words(joined, 1 if len(joined) < 10 else 2, TYPO_CANDIDATES)
                if similar:
                    best = (a, a + size, similar)
                    break
            if best:
                break
        if best:
            out.append(best)
            i = best[1]
        else:
            i += 1
    return out


def alternative(text: str, segmenter: thai.Segmenter, weight: float = 1.0) -> Alternative | None:
    words = tuple(thai.words(text, segmenter))
    if not words:
        return None
    return Alternative(words, tuple(thai.grams(text, segmenter)), weight)


_tables: dict[tuple, list] = {}


def _synonym_table(groups, segmenter) -> list[tuple[tuple[str, ...], list[str]]]:
    """Each synonym as a word sequence, longest first; cached until the
    synonyms file or the word list changes."""
    key = (segmenter.key, tuple(groups))
    table = _tables.get(key)
    if table is None:
        if len(_tables) > 8:
            _tables.clear()
        table = _tables[key] = _build_synonym_table(groups, segmenter)
    return table


def _build_synonym_table(groups, segmenter) -> list[tuple[tuple[str, ...], list[str]]]:
    table = []
    for members in groups:
        for m in members:
            seq = tuple(thai.words(m, segmenter))
            if seq:
                table.append((seq, list(members)))
    table.sort(key=lambda row: -len(row[0]))
    return table


def _word_groups(text: str, segmenter, synonyms, vocabulary: Vocabulary | None,
                 budget: Budget | None = None) -> tuple[list[Group], str]:
    """Groups for a run of plain words, and the run with its typos corrected."""
    words = thai.words(text, segmenter)
    groups: list[Group] = []
    one_run = len(words) > 1 and not any(c.isspace() for c in text.strip())
    piece = PIECE_WEIGHT if one_run else 1.0
    i = 0
    while i < len(words):
        for seq, members in synonyms:
            if tuple(words[i:i + len(seq)]) == seq:
                alts = [a for m in members if (a := alternative(m, segmenter))]
                groups.append(Group(tuple(dict.fromkeys(alts))))
                i += len(seq)
                break
        else:
            w = words[i]
            alts = [Alternative((w,), tuple(thai.grams(w, segmenter)), piece)]
            if year := other_era(w):     # 2567 and 2024 name the same year; staff write either
                alts.append(Alternative((year,), (year,), 0.8))
            groups.append(Group(tuple(alts)))
            i += 1
    if one_run:
        # Typed as one run (เบี้ยยังชีพ): the run as a whole, in order, is
        # stronger evidence than its pieces scattered over a document.
        whole = alternative(text, segmenter, RUN_WEIGHT)
        if whole:
            groups.append(Group((whole,)))
    fixes = corrections(words, vocabulary, budget) if vocabulary is not None and words else []
    for _, _, found in fixes:
        groups.append(Group(tuple(Alternative((word,), tuple(thai.grams(word, segmenter)), TYPO_WEIGHT)
                                  for word in found)))
    corrected = text
    if fixes:
        parts, at = [], 0
        for a, b, found in fixes:
            parts += words[at:a] + [found[0]]
            at = b
        corrected = "".join(parts + words[at:]) if not any(c.isspace() for c in text) else " ".join(parts + words[at:])
    return groups, corrected


def parse(raw: str, segmenter: thai.Segmenter, office: Office | None = None,
          synonyms: list[tuple[str, ...]] = (), filters: dict | None = None,
          sort: str = "relevance", vocabulary: Vocabulary | None = None) -> ParsedQuery:
    table = _synonym_table(synonyms, segmenter)
    groups: list[Group] = []
    exclude: list[Group] = []
    found_filters: dict[str, list[str]] = {k: list(v) for k, v in (filters or {}).items()}
    terms: list[str] = []
    texts: list[str] = []
    pending_or = False
    suggestion: list[str] = []
    corrected_any = False
    budget = Budget()
    verbatim: list[str] = []

    for m in _TOKEN.finditer(raw):
        if m.group(0) == '"':
            continue  # an unbalanced quote: ignore it, keep the words
        neg, fname, phrase, word = m.group("neg"), m.group("field"), m.group("phrase"), m.group("word")
        text = phrase if phrase is not None else word
        if fname and fname.lower() in FILTER_FIELDS or fname == "ปี":
            value = _filter_value(fname.lower() if fname != "ปี" else "year", text, office)
            if value:
                found_filters.setdefault(value[0], []).append(value[1])
                continue
            if not text.strip():
                continue
        if fname:  # not a field we know, or a value it cannot hold (year:12): the whole thing is text
            text = f"{fname}:{text}"
        if word == "OR" and not neg:
            pending_or = bool(groups)
            continue
        if phrase is not None:
            alt = alternative(phrase, segmenter)
            new = [Group((alt,), required=True)] if alt else []
            suggestion.append(m.group(0))
        elif neg:
            new, _ = _word_groups(text, segmenter, table, None)
            suggestion.append(m.group(0))
        else:
            new, fixed = _word_groups(text, segmenter, table, vocabulary, budget)
            corrected_any |= fixed != text
            suggestion.append(fixed)
            # Not a sentence: no document holds a question verbatim, and
            # each check reads a document.  A whole indexed word is kept:
            # a middle fragment of a compound often is one (dev set:
            # leaving those out cost fragment MRR@10 0.02).
            if 2 <= len(plain := thai.normalise(text).strip()) <= MAX_VERBATIM_CHARS:
                verbatim.append(plain)
        if not new:
            continue
        if neg:
            exclude.extend(new)
            continue
        for g in new:
            for a in g.alternatives:
                terms.extend(a.words)
                texts.append("".join(a.words))
        if pending_or and groups:
            prev = groups.pop()
            merged = prev.alternatives + tuple(a for g in new for a in g.alternatives)
            groups.append(Group(merged, required=prev.required and all(g.required for g in new)))
        else:
            groups.extend(new)
        pending_or = False

    groups = _without_common_words(groups, vocabulary)
    spec = QuerySpec(tuple(groups), tuple(exclude),
                     {k: tuple(dict.fromkeys(v)) for k, v in found_filters.items() if v}, sort,
                     tuple(dict.fromkeys(verbatim)) if groups else ())
    return ParsedQuery(spec, list(dict.fromkeys(terms)), list(dict.fromkeys(texts)),
                       " ".join(suggestion) if corrected_any else None)


def _without_common_words(groups: list[Group], vocabulary: Vocabulary | None) -> list[Group]:
    """Leave out words found in most documents (ที่, เป็น, ของ ...) when the
    query has others: they barely change the ranking, yet every document
    they match must be scored, which is most of a long question's cost."""
    n = getattr(vocabulary, "doc_count", 0) if vocabulary is not None else 0
    if len(groups) < 2 or n < MIN_DOCS_FOR_COMMON:
        return groups

    def common(g: Group) -> bool:
        return not g.required and all(
            len(a.words) == 1 and vocabulary.frequency(a.words[0]) > COMMON_SHARE * n
            for a in g.alternatives)

    kept = [g for g in groups if not common(g)]
    return kept or groups


def _filter_value(name: str, value: str, office: Office | None) -> tuple[str, str] | None:
    value = value.strip()
    if not value:
        return None
    if name in ("year", "ปี"):
        try:
            return ("fiscal_year", str(parse_year(value)))
        except BadYear:
            return None
    if name == "tag":
        return ("tag", value)
    kind = FILTER_FIELDS[name]
    index_field = "area" if name == "area" else name
    if office is not None:
        entry = office.resolve(kind, value)
        return (index_field, entry.slug) if entry else (index_field, value)
    return (index_field, value)
