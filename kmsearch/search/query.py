"""Turn what a person typed into a QuerySpec.

Syntax people know from web search: "quoted phrases", -exclusion, OR, and
field filters (division:, type:, knowledge:, area:, tag:, year:).  Anything
malformed falls back to plain words; parsing never fails.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple, Protocol

from indexer.analysis import thai
from indexer.content.office import Office
from indexer.engine import ranking
from indexer.engine.spec import Alternative, Group, Need, QuerySpec
from indexer.thaidate import BadYear, other_era, parse_year
from kmsearch.search.snippets import Marks

_TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+|ปี):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|"')
# query prefix -> the office table its value is looked up in (None: taken as written)
FILTER_FIELDS: dict[str, str | None] = {
    "division": "divisions",
    "type": "types",
    "knowledge": "knowledge",
    "area": "areas",
    "tag": None,
    "year": None,
    "ปี": None,
}
_HAS_THAI = re.compile("[\u0e00-\u0e7f]")


TYPO_WEIGHT = 0.7
TYPO_CANDIDATES = 2  # indexed words searched for one typo: dev set typo MRR@10 +0.005, fragment +0.01
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
# A query word that is no word (น่วย, ถานีร) also ranks the indexed words
# holding it (หน่วยความจำ, สถานีรถไฟ), at this weight each: dev set,
# fragment MRR@10 0.818 -> 0.821 (0.6: 0.819), the other families unchanged.
FRAGMENT_WEIGHT = 0.3
COMMON_SHARE = 0.2  # a word in more than this share of documents is common
MIN_DOCS_FOR_COMMON = 100  # below this, "common" says little
MAX_CORRECTION_WINDOW = 4
MAX_VERBATIM_CHARS = 24


# Office labels a query may name, and the index field each one filters.
NAMED_FACETS = (("divisions", "division"), ("types", "type"), ("knowledge", "knowledge"))


@dataclass
class ParsedQuery:
    spec: QuerySpec
    marks: Marks = Marks()  # what highlights mark
    suggestion: str | None = None  # the query with its typos corrected
    named: list[tuple[str, str]] = field(default_factory=list)  # (field, slug) the query names: filter chips


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """PyThaiNLP's Thai word list (shipped with the package, no download)."""
    from pythainlp.corpus import thai_words

    return frozenset(thai_words())


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """การ ที่ และ ของ ใน ได้ …: PyThaiNLP's Thai stop words."""
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai.normalise(w) for w in (*thai_stopwords(), *QUESTION_WORDS, *FRAMING_WORDS))


# Question words are not in PyThaiNLP's stop words, and no document holds
# them for the answer: "ลาป่วยกี่วัน" asks about ลาป่วย, not about กี่.
QUESTION_WORDS = ("อะไร ใคร เท่าไร เท่าไหร่ ที่ไหน ไหน เมื่อไร เมื่อไหร่ อย่างไร ยังไง กี่ ใด ไร หรือไม่ ไหม บ้าง").split()
# Words that frame what is asked rather than name it: "ขั้นตอนการเบิกเงิน"
# asks for the disbursement rules, which never say ขั้นตอน.  They still
# rank; they do not decide what is found.
FRAMING_WORDS = "ขั้นตอน วิธี วิธีการ หลักเกณฑ์ แนวทาง รายละเอียด ข้อมูล เรื่อง".split()


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


def corrections(
    words: list[str],
    vocabulary: Vocabulary,
    budget: Budget | None = None,
    known_words: frozenset[str] | set[str] = frozenset(),
    one_run: bool = False,
) -> list[tuple[int, int, list[str]]]:
    """(start, end, words): runs of query words to replace by an indexed
    word, the likeliest (most frequent) first.

    Only typos are corrected: a word of the index, of PyThaiNLP's word
    list or of ``known_words`` (the office's words and synonyms) is a
    word, even when the office has not written about it (โดรน, บ้า): that
    is a knowledge gap, not a typo.  A typo inside a Thai word makes the
    segmenter cut it into odd pieces (ที่ดืน -> ที่ + ดืน; ภาษีทีดิน ->
    ภาษี + ที + ดิน, where every piece is a word), so in a run typed
    without spaces a piece of one or two letters that stands beside its
    neighbours nowhere in the index counts as unknown too; the pieces
    around an unknown one are joined and looked up together, longest run
    first, and a run that joins into a dictionary word is left alone.
    """

    def is_word(w: str) -> bool:
        return vocabulary.frequency(w) > 0 or w in dictionary() or w in known_words

    together = getattr(vocabulary, "written_together", None)

    def known(i: int) -> bool:
        w = words[i]
        if not is_word(w):
            return False
        if one_run and together is not None and len(w) <= 2 and len(words) > 1 and _HAS_THAI.search(w):
            # asked only of the pieces the loop reaches: each asks the index
            beside = [words[j : j + 2] for j in (i - 1, i) if 0 <= j and j + 1 < len(words)]
            return any(together(tuple(pair)) for pair in beside)
        return True

    out: list[tuple[int, int, list[str]]] = []
    budget = budget or Budget()
    i = 0
    while i < len(words) and budget.lookups > 0:
        if known(i):
            i += 1
            continue
        best: tuple[int, int, list[str]] | None = None
        for size in range(min(MAX_CORRECTION_WINDOW, len(words)), 0, -1):
            for a in range(max(0, i - size + 1), min(i, len(words) - size) + 1):
                if out and a < out[-1][1]:
                    continue
                joined = "".join(words[a : a + size])
                if not 3 <= len(joined) <= MAX_CORRECTED_CHARS or (size > 1 and joined in dictionary()):
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


class _OfficeWords(NamedTuple):
    """What an office's word list and synonyms say about query words."""

    synonyms: list[tuple[tuple[str, ...], list[str]]]  # each synonym as a word sequence, longest first
    # Words though no dictionary lists them: the office's own and its
    # synonyms'.  One set while neither changes: what it decides is
    # remembered by the set (``_in_words``).
    known: frozenset[str]


_tables: dict[tuple, _OfficeWords] = {}


def _office_words(groups, segmenter) -> _OfficeWords:
    """Cached until the synonyms file or the word list changes."""
    key = (segmenter.key, tuple(groups))
    found = _tables.get(key)
    if found is None:
        if len(_tables) > 8:
            _tables.clear()
        table = _build_synonym_table(groups, segmenter)
        known = frozenset(segmenter.words) | {w for seq, _ in table for w in seq}
        found = _tables[key] = _OfficeWords(table, known)
    return found


def _build_synonym_table(groups, segmenter) -> list[tuple[tuple[str, ...], list[str]]]:
    table = []
    for members in groups:
        for m in members:
            seq = tuple(thai.words(m, segmenter))
            if seq:
                table.append((seq, list(members)))
    table.sort(key=lambda row: -len(row[0]))
    return table


def _word_groups(
    text: str, segmenter, office_words: _OfficeWords, vocabulary: Vocabulary | None, budget: Budget | None = None
) -> tuple[list[Group], list[Need], str]:
    """Groups (what ranks) and needs (what a match must hold) for a run of
    plain words, and the run with its typos corrected."""
    words = thai.words(text, segmenter)
    groups: list[Group] = []
    spans: list[tuple[int, int, Need]] = []  # words[a:b] -> what a document must hold of them
    one_run = len(words) > 1 and not any(c.isspace() for c in text.strip())
    piece = PIECE_WEIGHT if one_run else 1.0
    synonyms, known = office_words
    i = 0
    while i < len(words):
        for seq, members in synonyms:
            if tuple(words[i : i + len(seq)]) == seq:
                alts = tuple(dict.fromkeys(alt for m in members if (alt := alternative(m, segmenter))))
                groups.append(Group(alts))
                spans.append((i, i + len(seq), Need("".join(seq), tuple(alt.words for alt in alts))))
                i += len(seq)
                break
        else:
            w = words[i]
            grams = tuple(thai.grams(w, segmenter))
            year = other_era(w)  # 2567 and 2024 name the same year; staff write either
            forms: list[tuple[str, ...]] = [(w,), (year,)] if year else [(w,)]
            pieces: list[tuple[str, ...]] = []
            if vocabulary is not None and not vocabulary.frequency(w):
                # A dictionary word the office writes only in pieces
                # (การเบิกเงิน: เบิก ... เงิน).
                pieces = _pieces(w, vocabulary)
            options = [Alternative((w,), grams, piece)] + [
                Alternative(f, tuple(thai.grams("".join(f), segmenter)), piece if len(f) > 1 else 0.8)
                for f in (*forms[1:], *pieces)
            ]
            if vocabulary is not None and w not in function_words():
                forms += [(c,) for c in _compounds(w, vocabulary, known)]
            if pieces:  # each content piece is what a document must hold
                spans += [(i, i + 1, Need(p, ((p,),))) for p in pieces[-1]]
            else:
                fallback: tuple[tuple[str, ...], ...] = ()
                if vocabulary is not None and _matched_inside(w, forms, vocabulary, known):
                    fallback = _containing(w, vocabulary)
                options += [Alternative(c, (), FRAGMENT_WEIGHT * piece) for c in fallback]
                spans.append((i, i + 1, Need(w, tuple(forms), fallback=fallback)))
            groups.append(Group(tuple(options)))
            i += 1
    # A short run can be a piece of a longer word; a long one (a question
    # typed without spaces) is held by its words: no document holds all its
    # sub-word pairs, and each need would ask for them all (Lucene's clause
    # limit counts every one).
    short_run = one_run and len(text.strip()) <= MAX_VERBATIM_CHARS
    run_text = thai.normalise(text).strip()
    holders: tuple[tuple[str, ...], ...] = ()  # indexed words holding a run that is no word
    if short_run and vocabulary is not None and not _is_word(run_text, known):
        holders = _containing(run_text, vocabulary)
    if one_run:
        # Typed as one run (เบี้ยยังชีพ): the run as a whole, in order, is
        # stronger evidence than its pieces scattered over a document; and
        # when the run is no word (ผู้สูงอา, half typed), so are the indexed
        # words holding it (ผู้สูงอายุ).
        whole = alternative(text, segmenter, RUN_WEIGHT)
        holding = tuple(Alternative(c, (), FRAGMENT_WEIGHT) for c in holders)
        if whole or holding:
            groups.append(Group(((whole,) if whole else ()) + holding))
    fixes = corrections(words, vocabulary, budget, known, one_run) if vocabulary is not None and words else []
    for a, b, found in fixes:
        groups.append(
            Group(tuple(Alternative((word,), tuple(thai.grams(word, segmenter)), TYPO_WEIGHT) for word in found))
        )
        # the typed pieces as one need, held by them side by side or by the correction
        typed = "".join(words[a:b])
        inside = [n for x, y, n in spans if a <= x and y <= b]
        spans = [sp for sp in spans if not (a <= sp[0] and sp[1] <= b)] + [
            (
                a,
                b,
                Need(
                    typed,
                    (tuple(words[a:b]),) if b - a > 1 else inside[0].words if inside else ((typed,),),
                    tuple((w,) for w in found),
                    # น่วย is as likely a piece of หน่วยความจำ as a typo of หน่วย
                    fallback=inside[0].fallback if b - a == 1 and inside else (),
                ),
            )
        ]
    corrected = text
    if fixes:
        parts, at = [], 0
        for a, b, found in fixes:
            parts += words[at:a] + [found[0]]
            at = b
        corrected = "".join(parts + words[at:]) if not any(c.isspace() for c in text) else " ".join(parts + words[at:])
    needs = [n for _, _, n in sorted(spans, key=lambda sp: sp[0])]
    if short_run:
        run = tuple(thai.grams(text, segmenter))
        if holders and any(n.fallback or n.corrections for n in needs):
            # A piece of it is a word nowhere in the index (อา of ผู้สูงอา)
            # or looks like a typo (ทะเบีย): the run was typed as a piece of
            # the words holding it, one need, marked inside them as typed
            # (ผู้สูงอา of ผู้สูงอายุ).
            fixed = tuple(dict.fromkeys(c for n in needs for c in n.corrections))
            needs = [Need(run_text, (tuple(words), *holders), fixed, run=run)]
        else:
            needs = [replace(n, run=run) for n in needs]
    return groups, needs, corrected


MAX_PIECES_CHARS = 30
MAX_FALLBACK_WORDS = 20


def _pieces(word: str, vocabulary: Vocabulary) -> list[tuple[str, ...]]:
    """``word`` cut into the fewest indexed words, at cluster boundaries
    (การเบิกเงิน -> การ เบิก เงิน), and the same without its function words
    (เบิก เงิน); nothing when it cannot be cut so."""
    if not 4 <= len(word) <= MAX_PIECES_CHARS:
        return []
    bounds = sorted(thai.cluster_bounds(word) | {0, len(word)})
    best: dict[int, tuple[str, ...]] = {0: ()}
    for end in bounds[1:]:
        for start in bounds:
            if start >= end or start not in best or (end - start) == len(word):
                continue
            piece = word[start:end]
            if vocabulary.frequency(piece):  # from the term table: at most a few hundred for 30 characters
                cut = best[start] + (piece,)
                if end not in best or len(cut) < len(best[end]):
                    best[end] = cut
    whole = best.get(len(word), ())
    if len(whole) < 2:
        return []
    content = tuple(p for p in whole if p not in function_words())
    return list(dict.fromkeys(f for f in (whole, content) if f))


MAX_COMPOUNDS = 50


def _compounds(word: str, vocabulary: Vocabulary, known: frozenset[str]) -> list[str]:
    """Indexed words made of ``word`` and other dictionary words
    (โฉนดที่ดิน, เจ้าของที่ดิน for ที่ดิน): they hold the word.  บ้าน does not
    hold บ้า, nor เครื่องหมาย หมา: what is left (น, ย) is no word."""
    find = getattr(vocabulary, "words_containing", None)
    # A word of two letters is too short to be seen inside others: อายุ is
    # no อา + ยุ, nor ตาราง ตา + ราง, though each piece is a word.
    if find is None or len(word) < 3:
        return []
    return [c for c in find(word, MAX_COMPOUNDS) if _splits_around(c, word, known)]


def _splits_around(compound: str, word: str, known: frozenset[str]) -> bool:
    at = compound.find(word)
    while at != -1:
        if _in_words(compound[:at], known) and _in_words(compound[at + len(word) :], known):
            return True
        at = compound.find(word, at + 1)
    return False


@lru_cache(maxsize=65536)  # the same ends recur (เจ้าของ, การ): a query's words cost a millisecond each
def _in_words(text: str, known: frozenset[str], longest: int = 24) -> bool:
    """Can ``text`` be cut into dictionary words or ``known`` ones (empty text can)?"""
    # a union of the two sets would copy PyThaiNLP's 60 000 words for every query word
    dictionary_words = dictionary()
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(
            ok[start] and (text[start:end] in dictionary_words or text[start:end] in known)
            for start in range(max(0, end - longest), end)
        )
    return ok[-1]


def _matched_inside(word: str, forms: list[tuple[str, ...]], vocabulary: Vocabulary, known: frozenset[str]) -> bool:
    """Whether a document holding ``word`` only inside other words holds it:
    when no form of it is an indexed word (เบี้ย, which the office writes
    only in เบี้ยยังชีพ), or when it is no Thai word at all (น่วย, typed as
    the piece of หน่วย it is; that the segmenter also leaves it as a token
    of some unknown string does not make it a word).  บ้า is a word: บ้าน
    does not hold it."""
    return not any(all(vocabulary.frequency(w) for w in f) for f in forms) or not _is_word(word, known)


def _is_word(text: str, known: frozenset[str]) -> bool:
    """Whether ``text`` is a word of a word list (PyThaiNLP's, the office's,
    its synonyms); text with no Thai in it counts as one: only Thai is
    typed as a piece of a longer word."""
    return not _HAS_THAI.search(text) or text in dictionary() or text in known


def _containing(word: str, vocabulary: Vocabulary) -> tuple[tuple[str, ...], ...]:
    find = getattr(vocabulary, "words_containing", None)
    if find is None or len(word) < 2:
        return ()
    return tuple((w,) for w in find(word, MAX_FALLBACK_WORDS))


def _named_facet(text: str, office: Office | None) -> tuple[str, str] | None:
    """(field, slug) when ``text`` is the name of a division, a type or a
    kind of knowledge of the office (กองช่าง, คู่มือ, ความรู้ฝังลึก)."""
    if office is None or len(text) < 3:
        return None
    for kind, index_field in NAMED_FACETS:
        entry = office.resolve(kind, text)
        if entry is not None:
            return index_field, entry.slug
    return None


def _content_needs(needs: list[Need]) -> list[Need]:
    """Function words decide nothing unless the query holds nothing else."""
    stop = function_words()

    def function(n: Need) -> bool:
        return not n.corrections and not n.facets and all(len(f) == 1 and f[0] in stop for f in n.words)

    content = [n for n in needs if not function(n)]
    return content or needs


def parse(
    raw: str,
    segmenter: thai.Segmenter,
    office: Office | None = None,
    synonyms: Sequence[tuple[str, ...]] = (),
    filters: dict | None = None,
    sort: str = "relevance",
    vocabulary: Vocabulary | None = None,
) -> ParsedQuery:
    office_words = _office_words(synonyms, segmenter)
    groups: list[Group] = []
    exclude: list[Group] = []
    found_filters: dict[str, list[str]] = {k: list(v) for k, v in (filters or {}).items()}
    pending_or = False
    suggestion: list[str] = []
    corrected_any = False
    budget = Budget()
    verbatim: list[str] = []
    needs: list[Need] = []
    named: list[tuple[str, str]] = []
    said: list[str] = []  # the plain words, as typed

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
        named_facet = None
        if phrase is not None:
            alt = alternative(phrase, segmenter)
            new = [Group((alt,), required=True)] if alt else []
            new_needs = [Need(phrase, (alt.words,))] if alt else []
            suggestion.append(m.group(0))
        elif neg:
            new, _, _ = _word_groups(text, segmenter, office_words, None)
            new_needs = []
            suggestion.append(m.group(0))
        else:
            new, new_needs, fixed = _word_groups(text, segmenter, office_words, vocabulary, budget)
            named_facet = _named_facet(text, office)
            if named_facet is not None:
                fixed = text  # an office's name is never a typo
                typed = tuple(thai.words(text, segmenter))
                new_needs = [Need(text, (typed,) if typed else (), facets=(named_facet,))]
                if named_facet not in named:
                    named.append(named_facet)
            corrected_any |= fixed != text
            suggestion.append(fixed)
            said.append(text)
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
        if pending_or and groups:
            prev = groups.pop()
            merged = prev.alternatives + tuple(a for g in new for a in g.alternatives)
            groups.append(Group(merged, required=prev.required and all(g.required for g in new)))
            if needs and new_needs:  # either side of OR will do
                last = needs.pop()
                needs.append(
                    Need(
                        f"{last.label} OR " + " ".join(n.label for n in new_needs),
                        last.words + tuple(f for n in new_needs for f in n.words),
                        last.corrections + tuple(c for n in new_needs for c in n.corrections),
                        last.facets + tuple(f for n in new_needs for f in n.facets),
                    )
                )
            else:
                needs.extend(new_needs)
        else:
            groups.extend(new)
            needs.extend(new_needs)
        pending_or = False

    groups = _without_common_words(groups, vocabulary)
    filters_found = {k: tuple(dict.fromkeys(v)) for k, v in found_filters.items() if v}
    content = _content_needs(needs) if groups else []
    named = [f for f in named if f[1] not in filters_found.get(f[0], ())]
    question = len(content) >= ranking.QUESTION_GRAMS_NEEDS
    spec = QuerySpec(
        tuple(groups),
        tuple(exclude),
        filters_found,
        sort,
        tuple(dict.fromkeys(verbatim)) if groups else (),
        tuple(content),
        tuple(named),
        tuple(dict.fromkeys(thai.grams(" ".join(said), segmenter))) if question else (),
    )
    return ParsedQuery(spec, _marks(content, verbatim), " ".join(suggestion) if corrected_any else None, named)


def _marks(needs: list[Need], verbatim: list[str]) -> Marks:
    """Whole words and phrases of the content words, and the typed strings:
    never a function word on its own."""
    stop = function_words()
    forms = (f for n in needs for f in (*n.words, *n.corrections))
    # a compound that holds the word (โฉนดที่ดิน for ที่ดิน): the word is marked inside it
    # (a correction is marked whole: งบประมาณ for งบประมา)
    inside = (
        (f[0], n.label)
        for n in needs
        for f in n.words
        if len(f) == 1 and f[0] != n.label and n.label in f[0] and f not in n.corrections
    )
    return Marks(
        tuple(dict.fromkeys(f for f in forms if f and not (len(f) == 1 and f[0] in stop))),
        tuple(dict.fromkeys(v for v in verbatim if v not in stop)),
        inside=tuple(dict.fromkeys(inside)),
    )


def _without_common_words(groups: list[Group], vocabulary: Vocabulary | None) -> list[Group]:
    """Leave out words found in most documents (ที่, เป็น, ของ ...) when the
    query has others: they barely change the ranking, yet every document
    they match must be scored, which is most of a long question's cost."""
    n = getattr(vocabulary, "doc_count", 0) if vocabulary is not None else 0
    if vocabulary is None or len(groups) < 2 or n < MIN_DOCS_FOR_COMMON:
        return groups
    frequency = vocabulary.frequency

    def common(g: Group) -> bool:
        return not g.required and all(
            len(a.words) == 1 and frequency(a.words[0]) > COMMON_SHARE * n for a in g.alternatives
        )

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
    if office is not None and kind is not None:
        entry = office.resolve(kind, value)
        return (index_field, entry.slug) if entry else (index_field, value)
    return (index_field, value)
