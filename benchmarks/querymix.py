"""The query mix of the scale benchmark: what people type into the search page.

- natural questions from thai-qa-dev (queries.jsonl), as typed;
- 1-3 word queries, the words of those questions without question words;
- filtered and faceted searches (division, type, knowledge, fiscal year,
  area; some with no words at all, a listing);
- page 5 of results; newest first (sort=date).

Deterministic: seeded with a string, the same on every machine.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from .corpus import DATA_DIR

SEED = "kmsearch-scale-queries-1"
# kind: share of the mix
KINDS = {"natural": 0.32, "words": 0.28, "filtered": 0.18, "facet-only": 0.05, "page5": 0.12, "date": 0.05}
FISCAL_YEARS = ("2564", "2565", "2566", "2567", "2568")
# request parameter of the API for each index field
API_PARAM = {
    "division": "division",
    "type": "type",
    "knowledge": "knowledge",
    "area": "area",
    "fiscal_year": "year",
    "tag": "tag",
}


@lru_cache(maxsize=1)
def skipped_words() -> frozenset[str]:
    """The query reader's question words, and the commonest function words: a
    "words" query of the mix is what someone types after dropping both."""
    # Imported here: the baseline's query process reads the mix and should
    # not load kmsearch (its memory is measured).
    from kmsearch.search.query import QUESTION_WORDS

    return frozenset(QUESTION_WORDS).union("คือ เป็น มี ได้ ที่ ของ ใน และ หรือ ว่า จาก กับ โดย ให้ ซึ่ง ไป มา อยู่ แล้ว ปี".split())


@dataclass(frozen=True)
class Search:
    kind: str
    q: str
    filters: dict = field(default_factory=dict)  # index field -> tuple of values
    page: int = 1
    sort: str = "relevance"

    def api_path(self, limit: int = 10) -> str:
        params: list[tuple[str, str]] = [("q", self.q)]
        for name, values in self.filters.items():
            params.append((API_PARAM[name], ",".join(values)))
        if self.page != 1:
            params.append(("page", str(self.page)))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        params.append(("limit", str(limit)))
        return "/api/search?" + urlencode(params)


def _questions(data_dir: Path) -> list[str]:
    lines = (data_dir / "thai-qa-dev" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [" ".join(json.loads(line)["query"].split()) for line in lines if line.strip()]


def _content_words(question: str, segmenter) -> list[str]:
    from indexer.analysis.thai import words

    return [w for w in words(question, segmenter) if w not in skipped_words() and len(w) > 1]


def _filters(rng: random.Random, office: dict) -> dict[str, tuple[str, ...]]:
    divisions = [d["slug"] for d in office["divisions"]]
    types = [t["slug"] for t in office["types"]]
    areas = [a["slug"] for a in office.get("areas", [])]
    pick = rng.random()
    if pick < 0.35:
        return {"division": (rng.choice(divisions),)}
    if pick < 0.55:
        return {"type": (rng.choice(types),)}
    if pick < 0.65:
        return {"knowledge": ("tacit",)}
    if pick < 0.80:
        return {"fiscal_year": (rng.choice(FISCAL_YEARS),)}
    if pick < 0.88:
        return {"area": (rng.choice(areas),)}
    return {"division": (rng.choice(divisions),), "type": (rng.choice(types),)}


def build(count: int, segmenter, office: dict, data_dir: Path = DATA_DIR, seed: str = SEED) -> list[Search]:
    rng = random.Random(seed)
    questions = _questions(data_dir)
    rng.shuffle(questions)
    it = iter(questions)

    def short() -> str:
        while True:
            words = _content_words(next(it), segmenter)
            if words:
                k = min(len(words), rng.choice((1, 1, 2, 2, 3)))
                start = rng.randrange(len(words) - k + 1)
                return " ".join(words[start : start + k])

    out: list[Search] = []
    for kind, share in KINDS.items():
        for _ in range(round(count * share)):
            if kind == "natural":
                out.append(Search(kind, next(it)))
            elif kind == "words":
                out.append(Search(kind, short()))
            elif kind == "filtered":
                out.append(Search(kind, short(), _filters(rng, office)))
            elif kind == "facet-only":
                out.append(Search(kind, "", _filters(rng, office)))
            elif kind == "page5":
                out.append(Search(kind, next(it) if rng.random() < 0.5 else short(), page=5))
            else:
                out.append(Search(kind, short(), sort="date"))
    rng.shuffle(out)
    return out


def dump(mix: list[Search], path: Path) -> None:
    path.write_text("\n".join(json.dumps(asdict(s), ensure_ascii=False) for s in mix) + "\n", encoding="utf-8")


def load(path: Path) -> list[Search]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            d["filters"] = {k: tuple(v) for k, v in d["filters"].items()}
            out.append(Search(**d))
    return out
