"""The postings file written beside each segment (indexer/engine/whoosh/postfile.py) and
what a build does with it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import build_index
from indexer.engine.whoosh import postfile
from indexer.engine.whoosh.backend import SearchIndex, live_path
from kmsearch.search.repository import Repository

from .corpus import write_corpus


def postings(ids):
    return np.array(ids, dtype=np.int64), np.arange(1, len(ids) + 1, dtype=np.float64)


def test_terms_frequencies_and_postings_read_back(tmp_path):
    path = tmp_path / "seg.kmpost"
    postfile.write(
        path,
        {
            "body": [(b"zz", 2, postings([1, 2])), ("ที่ดิน".encode(), 1, None), ("ภาษี".encode(), 3, postings([0, 4, 9]))],
            "title": [],
        },
    )
    pf = postfile.PostFile(path)
    assert "body" in pf and "title" in pf and "tags" not in pf
    ids, tfs = pf.postings("body", "ภาษี".encode())
    assert ids.tolist() == [0, 4, 9] and tfs.tolist() == [1.0, 2.0, 3.0]
    assert pf.frequency("body", "ที่ดิน".encode()) == 1
    assert pf.postings("body", "ที่ดิน".encode()) is None  # too rare: Whoosh reads it
    assert [len(a) for a in pf.postings("body", b"absent")] == [0, 0]
    assert pf.frequency("body", b"absent") == pf.frequency("title", b"zz") == 0
    assert pf.postings("body", b"zz")[0].tolist() == [1, 2]
    pf.close()


def test_terms_out_of_order_are_refused_and_nothing_is_left(tmp_path):
    path = tmp_path / "seg.kmpost"
    with pytest.raises(ValueError, match="out of order"):
        postfile.write(path, {"body": [(b"b", 1, None), (b"a", 1, None)]})
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_postings_file_is_named(tmp_path):
    path = tmp_path / "seg.kmpost"
    path.write_bytes(b"not a postings file at all")
    with pytest.raises(ValueError, match="seg.kmpost"):
        postfile.PostFile(path)


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=6),
        st.lists(st.integers(0, 500), min_size=1, max_size=20, unique=True),
        max_size=150,  # several of the reader's stretches of 32 terms
    )
)
def test_every_term_is_found_by_binary_search(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("pf") / "seg.kmpost"
    terms = sorted((w.encode(), sorted(ids)) for w, ids in table.items())
    postfile.write(path, {"body": [(t, len(ids), postings(ids)) for t, ids in terms]})
    pf = postfile.PostFile(path)
    for t, ids in terms:
        assert pf.postings("body", t)[0].tolist() == ids
        assert pf.postings("body", t + b"\x00")[0].tolist() == dict(terms).get(t + b"\x00", [])
        assert pf.frequency("body", t[:-1]) == len(dict(terms).get(t[:-1], []))
    assert pf.frequency("body", b"") == 0
    pf.close()


def test_builds_write_one_per_segment_and_drop_those_of_merged_segments(tmp_path, monkeypatch):
    monkeypatch.setattr(postfile, "MIN_POSTINGS", 1)  # the few documents here store every term
    monkeypatch.setattr(postfile, "MIN_DOCS", 1)
    content, index_dir = write_corpus(tmp_path / "c"), tmp_path / "ix"
    build_index(content, index_dir, procs=1)
    doc = content / "engineering" / "road-repair-lesson.md"
    for word in ("ใช้หินคลุก", "บดอัดด้วยรถบด"):
        doc.write_text(doc.read_text().replace("สองสัปดาห์", "สองสัปดาห์ " + word, 1), encoding="utf-8")
        assert build_index(content, index_dir, procs=1).added == 1
        live = live_path(index_dir)
        with SearchIndex(index_dir) as ix:
            segments = {seg.segment().segment_id() for seg, _ in ix._searcher.reader().leaf_readers()}
            assert {p.name for p in live.glob("*" + postfile.SUFFIX)} == {s + postfile.SUFFIX for s in segments}
            assert all(pf is not None for pf in ix._source._postfiles)
            repo = Repository(
                {"CONTENT_DIR": str(content), "INDEX_DIR": str(index_dir), "MAX_QUERY_CHARS": 200, "SNIPPET_CHARS": 220}
            )
            assert [h.id for h in repo.run_query(ix, word).hits][:1] == ["road-repair-lesson"]


def test_a_damaged_postfile_is_passed_over_and_search_answers_the_same(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(postfile, "MIN_POSTINGS", 1)
    monkeypatch.setattr(postfile, "MIN_DOCS", 1)
    content, index_dir = write_corpus(tmp_path / "c"), tmp_path / "ix"
    build_index(content, index_dir, procs=1)
    settings = {"CONTENT_DIR": str(content), "INDEX_DIR": str(index_dir), "MAX_QUERY_CHARS": 200, "SNIPPET_CHARS": 220}

    def answers():
        with SearchIndex(index_dir) as ix:
            page = Repository(settings).run_query(ix, "ภาษีที่ดิน")
            return [(h.id, round(h.score, 9)) for h in page.hits], page.total

    before = answers()
    assert before[1] > 0
    (damaged,) = live_path(index_dir).glob("*" + postfile.SUFFIX)
    damaged.write_bytes(damaged.read_bytes()[:-40])  # cut short, as by a full disk
    assert answers() == before
    assert damaged.name in caplog.text and "cut short" in caplog.text


def test_small_segments_are_left_to_whoosh(tmp_path, monkeypatch):
    monkeypatch.setattr(postfile, "MIN_DOCS", 7)
    content, index_dir = write_corpus(tmp_path / "c"), tmp_path / "ix"
    build_index(content, index_dir, procs=1)  # six documents: one segment
    assert list(live_path(index_dir).glob("*" + postfile.SUFFIX)) == []
    monkeypatch.setattr(postfile, "MIN_DOCS", 6)
    build_index(content, index_dir, procs=1, full=True)
    assert len(list(live_path(index_dir).glob("*" + postfile.SUFFIX))) == 1
