"""The numpy scorer ranks as Whoosh's own query evaluation would.

The reference is the Whoosh query tree the engine used to run (kept here,
not in the engine): BM25F per term, summed over fields and alternatives,
phrases and sub-word pairs only where all parts match, a coordination
bonus.  Both run on the bundled content for the judged staff queries.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from whoosh import query

from indexer import build_index, engine
from indexer.engine import ranking
from indexer.engine.spec import Alternative, Group, QuerySpec
from indexer.engine.whoosh import SearchIndex, postfile, scoring
from indexer.engine.whoosh import backend as whoosh_backend
from kmsearch.search.query import parse
from kmsearch.search.repository import Repository

# each test compares whole corpora against Whoosh's own scoring
pytestmark = pytest.mark.slow

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


def whoosh_scores(ix: SearchIndex, q: query.Query) -> dict[str, float]:
    """Whoosh's own scores, with the ranking policy's BM25F parameters."""
    from whoosh.scoring import BM25F

    searcher = ix._searcher
    saved, searcher.weighting = searcher.weighting, BM25F(B=ranking.B, K1=ranking.K1)
    try:
        return {hit["id"]: hit.score for hit in searcher.search(q, limit=None)}
    finally:
        searcher.weighting = saved


def reference(ix: SearchIndex, spec: QuerySpec) -> dict[str, float]:
    return whoosh_scores(ix, whoosh_query(spec))


CONTENT = Path(__file__).parent.parent / "content"


@pytest.fixture(scope="module", params=["postings-in-postfiles", "postings-from-whoosh"])
def site(request, tmp_path_factory):
    """The bundled knowledge base: the judged queries are about it.  Built
    twice: once with every term's postings in the postfiles, once reading
    them all from Whoosh's blocks (what a rare term does)."""
    index_dir = tmp_path_factory.mktemp("scoring") / "index"
    with pytest.MonkeyPatch.context() as mp:
        least = 1 if request.param == "postings-in-postfiles" else 10**9
        mp.setattr(postfile, "MIN_POSTINGS", least)
        mp.setattr(postfile, "MIN_WORD_POSTINGS", least)
        mp.setattr(postfile, "MIN_DOCS", 1)
        assert build_index(CONTENT, index_dir, procs=1).problems == []
    return {"CONTENT_DIR": str(CONTENT), "INDEX_DIR": str(index_dir)}


@pytest.fixture(scope="module")
def index(site):
    with SearchIndex(site["INDEX_DIR"]) as ix:
        yield ix


def specs(site, index) -> list[tuple[str, QuerySpec]]:
    repo = Repository({**site, "MAX_QUERY_CHARS": 200})
    rows = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    extra = ['"ผู้สูงอายุ" เบี้ยยังชีพ', "ภาษี -ป้าย", "อบต. OR เทศบาล", "ขั้นตอน การ ขอ อนุญาต ก่อสร้าง อาคาร"]
    texts = [r["query"] for r in rows] + extra
    return [(t, parse(t, index.segmenter, repo.office, repo.synonyms.groups(), vocabulary=index).spec) for t in texts]


def test_every_alternative_scores_as_in_whoosh(site, index):
    """BM25F per field, phrases, sub-word pairs, boosts: identical scores."""
    seen = set()
    for _, spec in specs(site, index):
        for group in spec.groups + spec.exclude:
            for alt in group.alternatives:
                if alt in seen:
                    continue
                seen.add(alt)
                want = whoosh_scores(index, whoosh_alternative(alt))
                score = np.zeros(index._source.size)
                index._scorer.alternative(alt, score, np.zeros(index._source.size, dtype=np.int32))
                got = {index._searcher.stored_fields(int(d))["id"]: score[d] for d in np.flatnonzero(score)}
                assert got == pytest.approx(want, rel=1e-9), alt
    assert len(seen) > 200


def test_whole_queries_match_the_same_documents(site, index):
    """Coordination is the project's own (the share of the query's words a
    document matches); without it, a query scores as in Whoosh."""
    single = 0
    for text, spec in specs(site, index):
        # the project's own: the verbatim bonus (below), and what a match must hold (test_search.py)
        spec = dataclasses.replace(spec, verbatim=(), needs=(), boosts=(), pairs=())
        want = reference(index, spec)
        got = index.search(spec, pagelen=max(len(want), 1), facets=())
        assert got.total == len(want), text
        assert {h.fields["id"] for h in got.hits} == set(want), text
        if len([g for g in spec.groups if not g.required]) <= 1:
            single += 1
            assert {h.fields["id"]: h.score for h in got.hits} == pytest.approx(want, rel=1e-9), text
    assert single >= 10


def test_a_document_matching_half_the_words_gets_half_the_credit(index):
    words = (Group((Alternative(("เด็ก",), ()),)), Group((Alternative(("ประชาชน",), ()),)))
    both = {h.fields["id"]: h.score for h in index.search(QuerySpec(words), pagelen=100, facets=()).hits}
    alone = [
        {h.fields["id"]: h.score for h in index.search(QuerySpec((g,)), pagelen=100, facets=()).hits} for g in words
    ]
    assert set(alone[0]) & set(alone[1]) and set(alone[0]) ^ set(alone[1])
    ratios = []
    for doc_id, score in both.items():
        found = [a[doc_id] for a in alone if doc_id in a]
        ratios.append(score / (sum(found) * len(found) / len(words)))
    # Whoosh's own bonus scales every score alike, give or take a few percent.
    assert max(ratios) / min(ratios) < 1.05


def test_what_was_typed_found_verbatim_ranks_up(index):
    """A fragment of a compound word: documents holding it character for
    character gain on those that only share its pieces."""
    spec = QuerySpec((Group((Alternative(("ภาษี",), ()),)),))
    plain = {h.fields["id"]: h.score for h in index.search(spec, pagelen=100, facets=()).hits}
    typed = {
        h.fields["id"]: h.score
        for h in index.search(dataclasses.replace(spec, verbatim=("ภาษีป้าย",)), pagelen=100, facets=()).hits
    }
    holding = {i for i in plain if "ภาษีป้าย" in index.get(i)["title"] + index.get(i)["body"]}
    assert holding and set(plain) - holding
    for doc_id, score in plain.items():
        gain = 1 + scoring.VERBATIM_BONUS if doc_id in holding else 1
        assert typed[doc_id] == pytest.approx(score * gain)


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


def test_warming_reads_what_searches_need(site):
    with SearchIndex(site["INDEX_DIR"]) as ix:
        ix.warm()
        assert {"vocabulary", "column:changed", "column:id", *engine.FACET_FIELDS} <= set(ix._read)
        assert ix.similar_words("ภาษา", 1, 3)  # served from what was read


def test_the_vocabulary_counts_what_the_term_tables_count(site):
    """Read once for all words, from postfiles or Whoosh's own term tables:
    the same count as asking the engine word by word, field by field."""
    with SearchIndex(site["INDEX_DIR"]) as ix:
        counts = ix._vocabulary().counts
        assert len(counts) > 500
        source = ix._source
        for word in list(counts)[::7]:
            assert counts[word] == max(source.frequency(f, word) for f in whoosh_backend.VOCABULARY_FIELDS)


def test_words_holding_a_piece_come_most_frequent_first():
    from indexer.engine.vocabulary import Vocabulary

    vocabulary = Vocabulary({"ที่ดิน": 9, "โฉนดที่ดิน": 2, "เจ้าของที่ดิน": 5, "ภาษีที่ดิน": 5, "บ้าน": 7, "ไร่นา": 0})
    assert vocabulary.containing("ที่ดิน", 10) == ["ภาษีที่ดิน", "เจ้าของที่ดิน", "โฉนดที่ดิน"]
    assert vocabulary.containing("ที่ดิน", 2) == ["ภาษีที่ดิน", "เจ้าของที่ดิน"]
    assert vocabulary.containing("นา", 5) == []  # held by no live document
    assert vocabulary.with_prefix("ภาษี", 5) == [("ภาษีที่ดิน", 5)]
    assert vocabulary.similar("ที่ดืน", 1, 3) == ["ที่ดิน"]


def test_a_server_reads_only_the_small_serving_file(site):
    """kmsearch.json holds an entry per file for the next build; searching
    needs only the word list and the withdrawn articles."""
    live = whoosh_backend.live_path(site["INDEX_DIR"])
    serving = json.loads((live / whoosh_backend.SERVING).read_text())
    assert set(serving) == set(engine.SERVING_KEYS) - ({"gone"} - set(serving))
    with SearchIndex(site["INDEX_DIR"]) as ix:
        assert set(ix.info) <= set(engine.SERVING_KEYS)


def test_a_build_no_longer_used_is_freed_at_once(site):
    """A server replaces its open build after every rebuild: the old one
    must go with its last reference, not wait for the cyclic collector."""
    import gc
    import weakref

    gc.disable()
    try:
        ix = SearchIndex(site["INDEX_DIR"])
        ix.warm()
        ix.search(specs(site, ix)[0][1])
        gone = weakref.ref(ix)
        del ix
        assert gone() is None
    finally:
        gc.enable()
