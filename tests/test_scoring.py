"""The numpy scorer ranks as Whoosh's own query evaluation would.

The reference is the Whoosh query tree the engine used to run (kept here,
not in the engine): BM25F per term, summed over fields and alternatives,
phrases and sub-word pairs only where all parts match, a coordination
bonus.  Both run on the bundled content for the judged staff queries.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import query

from indexer import scoring
from indexer.engine import SearchIndex
from indexer.spec import Alternative, Group, QuerySpec
from kmsearch.query import parse
from kmsearch.search import Repository

QUERIES = Path(__file__).parent.parent / "benchmarks" / "queries-content.jsonl"


def whoosh_alternative(alt: Alternative) -> query.Query:
    parts = []
    for name, boost in scoring.WORD_FIELDS.items():
        b = boost * alt.weight
        if len(alt.words) == 1:
            parts.append(query.Term(name, alt.words[0], boost=b))
        elif alt.words:
            parts.append(query.Phrase(name, list(alt.words), boost=b))
    for name, boost in scoring.GRAMS_WEIGHTS.items():
        b = boost * alt.weight
        if len(alt.grams) == 1:
            parts.append(query.Term(name, alt.grams[0], boost=b))
        elif alt.grams:
            parts.append(query.And([query.Term(name, g) for g in dict.fromkeys(alt.grams)], boost=b))
    return query.Or(parts)


def whoosh_group(group: Group) -> query.Query:
    alts = [whoosh_alternative(a) for a in group.alternatives]
    return alts[0] if len(alts) == 1 else query.Or(alts)


def whoosh_query(spec: QuerySpec) -> query.Query:
    required = [whoosh_group(g) for g in spec.groups if g.required]
    optional = [whoosh_group(g) for g in spec.groups if not g.required]
    q = query.Or(optional, scale=scoring.COORDINATION) if optional else None
    if required:
        q = query.And(required) if q is None else query.AndMaybe(query.And(required), q)
    if spec.exclude:
        q = query.AndNot(q, query.Or([whoosh_group(g) for g in spec.exclude]))
    return q


def reference(ix: SearchIndex, spec: QuerySpec) -> dict[str, float]:
    searcher = ix._searcher
    results = searcher.search(whoosh_query(spec), limit=None)
    return {hit["id"]: hit.score for hit in results}


@pytest.fixture(scope="module")
def index(built):
    with SearchIndex(built["INDEX_DIR"]) as ix:
        yield ix


def specs(built, index) -> list[tuple[str, QuerySpec]]:
    repo = Repository({**built, "MAX_QUERY_CHARS": 200})
    rows = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    extra = ['"ผู้สูงอายุ" เบี้ยยังชีพ', "ภาษี -ป้าย", "อบต. OR เทศบาล", "ขั้นตอน การ ขอ อนุญาต ก่อสร้าง อาคาร"]
    texts = [r["query"] for r in rows] + extra
    return [(t, parse(t, index.segmenter, repo.office, repo.synonyms.groups(), vocabulary=index).spec) for t in texts]


def test_every_alternative_scores_as_in_whoosh(built, index):
    """BM25F per field, phrases, sub-word pairs, boosts: identical scores."""
    seen = set()
    for _, spec in specs(built, index):
        for group in spec.groups + spec.exclude:
            for alt in group.alternatives:
                if alt in seen:
                    continue
                seen.add(alt)
                want = {h["id"]: h.score for h in index._searcher.search(whoosh_alternative(alt), limit=None)}
                score = np.zeros(index._source.size)
                index._scorer.alternative(alt, score, np.zeros(index._source.size, dtype=np.int32))
                got = {index._searcher.stored_fields(int(d))["id"]: score[d] for d in np.flatnonzero(score)}
                assert got == pytest.approx(want, rel=1e-9), alt
    assert len(seen) > 200


def test_whole_queries_match_the_same_documents_ranked_alike(built, index):
    """The coordination bonus is computed once per query here, where Whoosh
    recounts it as its matchers run out: scores differ by a few percent,
    the documents found and the first ones do not."""
    same_first, queries = 0, 0
    for text, spec in specs(built, index):
        want = reference(index, spec)
        got = index.search(spec, pagelen=max(len(want), 1), facets=())
        assert got.total == len(want), text
        assert {h.fields["id"] for h in got.hits} == set(want), text
        if want:
            queries += 1
            best = max(want.values())
            same_first += want[got.hits[0].fields["id"]] == best
    assert same_first >= 0.95 * queries


def test_facets_count_every_hit_and_filters_restrict(index):
    spec = QuerySpec((Group((Alternative(("ภาษี",), ()),)),))
    everything = index.search(spec, pagelen=100)
    assert sum(everything.facets["division"].values()) == everything.total
    division, count = next(iter(everything.facets["division"].items()))
    narrowed = index.search(QuerySpec(spec.groups, filters={"division": (division,)}), pagelen=100)
    assert narrowed.total == count
    assert {h.fields["division"] for h in narrowed.hits} == {division}


def test_browsing_is_newest_first_then_by_id(index):
    found = index.search(QuerySpec(), pagelen=1000, facets=())
    keys = [(-h.fields["changed"].toordinal(), h.fields["id"]) for h in found.hits]
    assert keys == sorted(keys)
    assert found.total == index.doc_count


def test_pages_follow_on(index):
    spec = QuerySpec((Group((Alternative(("การ",), ()),)),))
    first = [h.fields["id"] for h in index.search(spec, page=1, pagelen=5, facets=()).hits]
    second = [h.fields["id"] for h in index.search(spec, page=2, pagelen=5, facets=()).hits]
    both = [h.fields["id"] for h in index.search(spec, page=1, pagelen=10, facets=()).hits]
    assert first + second == both
