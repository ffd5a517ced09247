"""Ranking metrics at a cut-off, binary relevance; shared by the benchmark and the tests."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

K = 10


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int = K) -> float:
    wanted = set(relevant)
    for i, doc in enumerate(ranked[:k]):
        if doc in wanted:
            return 1.0 / (i + 1)
    return 0.0


def recall(ranked: Sequence[str], relevant: Iterable[str], k: int = K) -> float:
    wanted = set(relevant)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def hit_rate(ranked: Sequence[str], relevant: Iterable[str], k: int = K) -> float:
    """1.0 if any relevant document is in the top ``k`` (HR@k), else 0.0."""
    wanted = set(relevant)
    return 1.0 if any(doc in wanted for doc in ranked[:k]) else 0.0


def ndcg(ranked: Sequence[str], relevant: Iterable[str], k: int = K) -> float:
    wanted = set(relevant)
    gain = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in wanted)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(wanted), k)))
    return gain / ideal if ideal else 0.0


@dataclass(frozen=True)
class Scores:
    n: int
    mrr: float
    recall: float
    ndcg: float

    def as_dict(self) -> dict:
        return {"n": self.n, "mrr@10": self.mrr, "recall@10": self.recall, "ndcg@10": self.ndcg}


def score(runs: Iterable[tuple[Sequence[str], Iterable[str]]], k: int = K) -> Scores:
    """Mean of each metric over (ranked ids, relevant ids) pairs."""
    rr = rc = nd = 0.0
    n = 0
    for ranked, relevant in runs:
        relevant = list(relevant)
        rr += reciprocal_rank(ranked, relevant, k)
        rc += recall(ranked, relevant, k)
        nd += ndcg(ranked, relevant, k)
        n += 1
    return Scores(n, rr / n, rc / n, nd / n) if n else Scores(0, 0.0, 0.0, 0.0)


def read_judged(path: str | Path) -> list[dict]:
    """A judged query set: one JSON object a line with "query" and "relevant"."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not row.get("query") or not row.get("relevant"):
            raise ValueError(f"{path}:{number}: needs a non-empty 'query' and 'relevant'")
        rows.append(row)
    return rows
