"""Turn what a person typed into a QuerySpec.

Syntax people know from web search: "quoted phrases", -exclusion, OR, and
field filters (division:, type:, knowledge:, area:, tag:, year:).  Anything
malformed falls back to plain words; parsing never fails.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer import thai
from indexer.office import Office
from indexer.spec import Alternative, Group, QuerySpec

_TOKEN = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+|ปี):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))|"')
FILTER_FIELDS = {
    "division": "divisions", "type": "types", "knowledge": "knowledge", "area": "areas",
    "tag": None, "year": None, "ปี": None,
}
BE_OFFSET = 543


@dataclass
class ParsedQuery:
    spec: QuerySpec
    terms: list[str] = field(default_factory=list)   # normalised words to highlight
    texts: list[str] = field(default_factory=list)   # normalised strings for sub-word highlights


def alternative(text: str, segmenter: thai.Segmenter, weight: float = 1.0) -> Alternative | None:
    words = tuple(thai.words(text, segmenter))
    if not words:
        return None
    return Alternative(words, tuple(g.text for g in thai.grams(text)), weight)


def _year_alternatives(word: str) -> list[str]:
    """2567 and 2024 name the same year; staff write either."""
    if word.isdigit() and len(word) == 4:
        year = int(word)
        if 2400 < year < 2700:
            return [str(year - BE_OFFSET)]
        if 1900 < year < 2200:
            return [str(year + BE_OFFSET)]
    return []


def _synonym_table(groups, segmenter) -> list[tuple[tuple[str, ...], list[str]]]:
    table = []
    for members in groups:
        for m in members:
            seq = tuple(thai.words(m, segmenter))
            if seq:
                table.append((seq, list(members)))
    table.sort(key=lambda row: -len(row[0]))
    return table


def _word_groups(text: str, segmenter, synonyms) -> list[Group]:
    words = thai.words(text, segmenter)
    groups: list[Group] = []
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
            alts = [Alternative((w,), tuple(g.text for g in thai.grams(w)))]
            alts += [Alternative((y,), (y,), 0.8) for y in _year_alternatives(w)]
            groups.append(Group(tuple(alts)))
            i += 1
    return groups


def parse(raw: str, segmenter: thai.Segmenter, office: Office | None = None,
          synonyms: list[tuple[str, ...]] = (), filters: dict | None = None,
          sort: str = "relevance") -> ParsedQuery:
    table = _synonym_table(synonyms, segmenter)
    groups: list[Group] = []
    exclude: list[Group] = []
    found_filters: dict[str, list[str]] = {k: list(v) for k, v in (filters or {}).items()}
    terms: list[str] = []
    texts: list[str] = []
    pending_or = False

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
        if fname:  # not a field we know: the whole thing is text
            text = f"{fname}:{text}"
        if word == "OR" and not neg:
            pending_or = bool(groups)
            continue
        if phrase is not None:
            alt = alternative(phrase, segmenter)
            new = [Group((alt,), required=True)] if alt else []
        else:
            new = _word_groups(text, segmenter, table)
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

    spec = QuerySpec(tuple(groups), tuple(exclude),
                     {k: tuple(dict.fromkeys(v)) for k, v in found_filters.items() if v}, sort)
    return ParsedQuery(spec, list(dict.fromkeys(terms)), list(dict.fromkeys(texts)))


def _filter_value(name: str, value: str, office: Office | None) -> tuple[str, str] | None:
    value = value.strip()
    if not value:
        return None
    if name in ("year", "ปี"):
        digits = thai.normalise(value)
        if digits.isdigit():
            year = int(digits)
            return ("fiscal_year", str(year if year > 2400 else year + BE_OFFSET))
        return None
    if name == "tag":
        return ("tag", value)
    kind = FILTER_FIELDS[name]
    index_field = "area" if name == "area" else name
    if office is not None:
        entry = office.resolve(kind, value)
        return (index_field, entry.slug) if entry else (index_field, value)
    return (index_field, value)
