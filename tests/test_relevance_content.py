"""Ranking quality on the bundled content: judged queries must find their documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.metrics import read_judged, reciprocal_rank, score
from indexer import build_index, load_documents
from kmsearch.config import load_settings
from kmsearch.search.repository import Repository

# builds the bundled content and runs its relevance set
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
JUDGED = REPO / "benchmarks" / "queries-content.jsonl"
MIN_MRR = 0.9


@pytest.fixture(scope="module")
def judged():
    return read_judged(JUDGED)


@pytest.fixture(scope="module")
def ranked(tmp_path_factory, judged):
    """Query -> ids of the top ten hits, over an index of content/ built once."""
    index = tmp_path_factory.mktemp("content-index")
    build_index(CONTENT, index)
    repo = Repository(load_settings({"CONTENT_DIR": str(CONTENT), "INDEX_DIR": str(index)}))
    with repo.open_index() as ix:
        return {j["query"]: [h.id for h in repo.run_query(ix, j["query"], snippets=False).hits] for j in judged}


def test_judged_documents_exist(judged):
    # A misspelt id would make its query unanswerable and pass for bad ranking.
    ids = {d.id for d in load_documents(CONTENT)[0]}
    unknown = sorted({d for j in judged for d in j["relevant"]} - ids)
    assert not unknown, f"{JUDGED.name} names documents that content/ does not have: {unknown}"


def test_mrr_at_10_on_the_content(judged, ranked):
    got = score((ranked[j["query"]], j["relevant"]) for j in judged)
    misses = [
        f"  {j['query']!r}: expected {j['relevant']}, got {ranked[j['query']][:3]}"
        for j in judged
        if reciprocal_rank(ranked[j["query"]], j["relevant"]) < 1
    ]
    assert got.mrr >= MIN_MRR, (
        f"MRR@10 {got.mrr:.3f} < {MIN_MRR} over {got.n} queries; not ranked first:\n" + "\n".join(misses)
    )
