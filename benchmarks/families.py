"""The judged data and its deterministic variants (document-side and query-side).

Every random choice comes from ``random.Random`` seeded with a string, which
Python hashes with SHA-512: the same families come out on every machine and
under any PYTHONHASHSEED.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from kmsearch.search.query import QUESTION_WORDS

SEED = "kmsearch-relevance-1"

THAI_CONSONANTS = [chr(c) for c in range(0x0E01, 0x0E2F)]

# (abbreviation, expansion).  ม. = มหาวิทยาลัย is left out: ม. also stands for
# หมู่ and มัธยม, so as a synonym it would pull in unrelated documents.
ABBREVIATIONS = (
    ("กทม.", "กรุงเทพมหานคร"),
    ("สหรัฐ", "สหรัฐอเมริกา"),
    ("ร.ร.", "โรงเรียน"),
    ("รพ.", "โรงพยาบาล"),
    ("จ.", "จังหวัด"),
    ("อ.", "อำเภอ"),
    ("ต.", "ตำบล"),
    ("พ.ศ.", "พุทธศักราช"),
    ("ค.ศ.", "คริสต์ศักราช"),
    ("อบต.", "องค์การบริหารส่วนตำบล"),
    ("ส.ส.", "สมาชิกสภาผู้แทนราษฎร"),
    ("ส.ว.", "สมาชิกวุฒิสภา"),
    ("ครม.", "คณะรัฐมนตรี"),
    ("กม.", "กิโลเมตร"),
    ("ตร.กม.", "ตารางกิโลเมตร"),
    ("ม.ร.ว.", "หม่อมราชวงศ์"),
    ("ม.ล.", "หม่อมหลวง"),
    ("พล.อ.", "พลเอก"),
    ("จุฬาฯ", "จุฬาลงกรณ์มหาวิทยาลัย"),
    ("ม.ค.", "มกราคม"),
    ("ก.พ.", "กุมภาพันธ์"),
    ("มี.ค.", "มีนาคม"),
    ("เม.ย.", "เมษายน"),
    ("พ.ค.", "พฤษภาคม"),
    ("มิ.ย.", "มิถุนายน"),
    ("ก.ค.", "กรกฎาคม"),
    ("ส.ค.", "สิงหาคม"),
    ("ก.ย.", "กันยายน"),
    ("ต.ค.", "ตุลาคม"),
    ("พ.ย.", "พฤศจิกายน"),
    ("ธ.ค.", "ธันวาคม"),
)


def synonyms_file() -> str:
    """The abbreviation table in the project's synonyms.txt format."""
    return "".join(f"{abbr} = {full}\n" for abbr, full in ABBREVIATIONS)


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    relevant: tuple[str, ...]


@dataclass
class Family:
    name: str
    docs: str  # the document variant it runs against
    queries: list[Query]
    note: str
    baseline: str | None = None  # the clean family its MRR is compared with
    # The same qids unperturbed, run against clean documents, for the ratio.
    clean: list[Query] = field(default_factory=list)


# --- data --------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@lru_cache(maxsize=2)
def load_docs(data_dir: str) -> tuple[Doc, ...]:
    return tuple(Doc(d["id"], d["title"], d["text"]) for d in _jsonl(Path(data_dir) / "docs.jsonl"))


def load_queries(data_dir: str) -> list[Query]:
    return [Query(q["qid"], q["query"], tuple(q["relevant"])) for q in _jsonl(Path(data_dir) / "queries.jsonl")]


# --- document variants -------------------------------------------------------

_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def _thai_digits(s: str) -> str:
    return s.translate(_THAI_DIGITS)


def _sara_am(s: str) -> str:
    return s.replace("\u0e33", "\u0e4d\u0e32")


def _is_thai(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e5b"


def _starts_cluster(ch: str) -> bool:
    # A consonant or a leading vowel: a break before it never strands a mark.
    return "\u0e01" <= ch <= "\u0e2e" or "\u0e40" <= ch <= "\u0e44"


def _zero_width(s: str, every: int = 7) -> str:
    """U+200B inside Thai runs, as Word and PDF exports leave it."""
    out, run = [], 0
    for i, ch in enumerate(s):
        out.append(ch)
        run = run + 1 if _is_thai(ch) else 0
        if run >= every and i + 1 < len(s) and _starts_cluster(s[i + 1]):
            out.append("\u200b")
            run = 0
    return "".join(out)


_TEXT_VARIANTS: dict[str, Callable[[str], str]] = {
    "clean": lambda s: s,
    "thai-digits": _thai_digits,
    "sara-am": _sara_am,
    "zero-width": _zero_width,
}
VARIANTS = tuple(_TEXT_VARIANTS)


def variant_docs(data_dir: str, variant: str) -> list[Doc]:
    change = _TEXT_VARIANTS[variant]
    return [replace(d, title=change(d.title), text=change(d.text)) for d in load_docs(data_dir)]


# --- query variants ----------------------------------------------------------


def _rng(qid: str, purpose: str) -> random.Random:
    return random.Random(f"{SEED}:{qid}:{purpose}")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()).union(QUESTION_WORDS)


def content_words(text: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    out: list[str] = []
    for w in word_tokenize(text, engine="newmm"):
        w = w.strip()
        if w and any(c.isalnum() for c in w) and w not in _stopwords() and w not in out:
            out.append(w)
    return out


def keywords(q: Query) -> list[str] | None:
    """The longest 2 or 3 content words, in question order; None if fewer than 2."""
    words = content_words(q.text)
    if len(words) < 2:
        return None
    k = _rng(q.qid, "keywords").choice((2, 3))
    longest = sorted(range(len(words)), key=lambda i: (-len(words[i]), i))[:k]
    return [words[i] for i in sorted(longest)]


def _longest(words: list[str]) -> int:
    return max(range(len(words)), key=lambda i: (len(words[i]), -i))


def typo(q: Query, words: list[str]) -> str | None:
    """Delete, double or replace one consonant inside the longest word."""
    i = _longest(words)
    w = words[i]
    spots = [j for j in range(1, len(w) - 1) if w[j] in THAI_CONSONANTS]
    if not spots:
        return None
    rng = _rng(q.qid, "typo")
    j = rng.choice(spots)
    op = rng.choice(("delete", "double", "replace"))
    if op == "delete":
        new = w[:j] + w[j + 1 :]
    elif op == "double":
        new = w[:j] + w[j] + w[j:]
    else:
        new = w[:j] + rng.choice([c for c in THAI_CONSONANTS if c != w[j]]) + w[j + 1 :]
    return " ".join(words[:i] + [new] + words[i + 1 :])


def fragment(q: Query, words: list[str]) -> str | None:
    """The longest word cut to 3 or more of its middle character clusters."""
    from pythainlp.tokenize import subword_tokenize

    i = _longest(words)
    if not all(_is_thai(c) for c in words[i]):
        return None
    cl = subword_tokenize(words[i], engine="tcc")
    if len(cl) < 5:  # one cluster off each end and three kept
        return None
    rng = _rng(q.qid, "fragment")
    a = rng.randint(1, len(cl) - 4)
    b = rng.randint(a + 3, len(cl) - 1)
    return " ".join(words[:i] + ["".join(cl[a:b])] + words[i + 1 :])


def _readable(abbr: str) -> bool:
    """Whether an abbreviation found in a question can be expanded.

    Single letters (จ. อ. ต.) and undotted ones (สหรัฐ, also in
    สหรัฐอาหรับเอมิเรตส์) are parts of other words too often.
    """
    letters = abbr.replace(".", "").replace("ฯ", "")
    return len(letters) >= 2 and letters != abbr


_FOLLOWS_QUESTION = re.compile(r"\s*(?:" + "|".join(sorted(QUESTION_WORDS, key=len, reverse=True)) + r")")


def abbreviate(text: str) -> str | None:
    """Swap the first table term of ``text`` for its other form.

    Longer terms claim their span first (ตารางกิโลเมตร before กิโลเมตร).
    An expansion right before a question word stays (จังหวัดใด, not จ.ใด).
    """
    forms = [(full, abbr) for abbr, full in ABBREVIATIONS] + [
        (abbr, full) for abbr, full in ABBREVIATIONS if _readable(abbr)
    ]
    forms.sort(key=lambda f: -len(f[0]))
    taken: list[tuple[int, int, str]] = []
    for term, other in forms:
        for m in re.finditer(re.escape(term), text):
            a, b = m.span()
            if any(a < e and s < b for s, e, _ in taken):
                continue
            if a > 0 and text[a - 1] == ".":  # the tail of another abbreviation
                continue
            taken.append((a, b, other))
    usable = [
        (a, b, other)
        for a, b, other in sorted(taken)
        if not (len(other) < len(text[a:b]) and _FOLLOWS_QUESTION.match(text, b))
    ]
    if not usable:
        return None
    a, b, other = usable[0]
    return text[:a] + other + text[b:]


# --- families ----------------------------------------------------------------


def families(data_dir: str, sample: int) -> list[Family]:
    """Every family; the sample is the head of one fixed shuffle of the questions."""
    docs = {d.id: d for d in load_docs(data_dir)}
    order = load_queries(data_dir)
    _rng("all", "order").shuffle(order)

    def passage_has(q: Query, pattern: str) -> bool:
        return any(re.search(pattern, docs[r].text + docs[r].title) for r in q.relevant)

    natural = order[:sample]
    kw = {q.qid: words for q in natural if (words := keywords(q))}
    kw_queries = [Query(q.qid, " ".join(kw[q.qid]), q.relevant) for q in natural if q.qid in kw]
    kw_by_qid = {q.qid: q for q in kw_queries}

    def from_keywords(change) -> tuple[list[Query], list[Query]]:
        out = [Query(q.qid, t, q.relevant) for q in natural if q.qid in kw and (t := change(q, kw[q.qid]))]
        return out, [kw_by_qid[q.qid] for q in out]

    def doc_side(name: str, queries: list[Query], note: str) -> Family:
        return Family(name, name.split(":")[0], queries, note, "natural", queries)

    # Abbreviated terms are rare: drawn from all questions, not just the sample.
    abbr_pool = [q for q in order if abbreviate(q.text) is not None][:sample]
    typo_q, typo_base = from_keywords(typo)
    frag_q, frag_base = from_keywords(fragment)
    digits = [q for q in natural if passage_has(q, r"[0-9]")]
    return [
        Family("natural", "clean", natural, "the questions as written"),
        Family("keywords", "clean", kw_queries, "2-3 longest content words of the question"),
        Family(
            "typo",
            "clean",
            typo_q,
            "keywords, one consonant deleted/doubled/replaced in the longest word",
            "keywords",
            typo_base,
        ),
        Family(
            "fragment",
            "clean",
            frag_q,
            "keywords, longest word cut to a middle fragment (>= 3 clusters)",
            "keywords",
            frag_base,
        ),
        Family(
            "abbreviations",
            "clean",
            [Query(q.qid, abbreviate(q.text), q.relevant) for q in abbr_pool],
            "questions (from all, not only the sample) with one table term swapped for its other form",
            "natural",
            abbr_pool,
        ),
        doc_side("thai-digits", digits, "documents in Thai digits; sampled questions whose passage has a digit"),
        doc_side(
            "thai-digits:q",
            [q for q in digits if re.search(r"[0-9]", q.text)],
            "the thai-digits questions that contain a digit themselves",
        ),
        doc_side("sara-am", natural, "documents with sara am decomposed; all sampled questions"),
        doc_side(
            "sara-am:q",
            [q for q in natural if "\u0e33" in q.text],
            "the sara-am questions that contain sara am themselves",
        ),
        doc_side("zero-width", natural, "documents with U+200B inside Thai words; all sampled questions"),
    ]
