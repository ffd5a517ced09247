"""The word segmentation engine an office may choose (``segmenter:`` in
kmsearch.yaml): the same analysis at index and query time, the office's
word list kept, and a clear error for an unknown engine."""

from __future__ import annotations

import json

import pytest
import yaml

from indexer import ConfigError, build_index
from indexer.analysis import thai
from indexer.engine.whoosh.backend import SERVING, SearchIndex, live_path
from kmsearch.search.repository import Repository

from .corpus import write_corpus

TEXT = "เทศบาลตำบลโคกตูม จัดงานกวนข้าวทิพย์ ๒๕๖๗ ภาษีที่ดินและสิ่งปลูกสร้าง อปท."


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["nlpo3", "newmm", "longest"])
def test_every_engine_cuts_normalised_text_into_pieces_that_make_it_whole(engine):
    seg = thai.Segmenter(["โคกตูม", "ข้าวทิพย์"], engine)
    norm = thai.normalise(TEXT)
    assert "".join(seg.segment(norm)) == norm
    found = thai.words(TEXT, seg)
    assert {"โคกตูม", "ข้าวทิพย์", "2567", "อปท"} <= set(found)  # the word list, digits, abbreviations


def test_an_unknown_engine_is_named_in_the_error(tmp_path):
    content = write_corpus(tmp_path / "c")
    office = yaml.safe_load((content / "kmsearch.yaml").read_text(encoding="utf-8"))
    (content / "kmsearch.yaml").write_text(
        yaml.safe_dump({**office, "segmenter": "deepcut"}, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"kmsearch.yaml: segmenter: 'deepcut' is not one of nlpo3, newmm, longest"):
        build_index(content, tmp_path / "ix")


def test_the_chosen_engine_is_used_to_search_too(tmp_path):
    content = write_corpus(tmp_path / "c")
    office = yaml.safe_load((content / "kmsearch.yaml").read_text(encoding="utf-8"))
    (content / "kmsearch.yaml").write_text(
        yaml.safe_dump({**office, "segmenter": "newmm"}, allow_unicode=True), encoding="utf-8"
    )
    build_index(content, tmp_path / "ix")
    assert json.loads((live_path(tmp_path / "ix") / SERVING).read_text())["segmenter"] == "newmm"
    with SearchIndex(tmp_path / "ix") as ix:
        assert ix.segmenter.engine == "newmm"
        repo = Repository(
            {
                "CONTENT_DIR": str(content),
                "INDEX_DIR": str(tmp_path / "ix"),
                "MAX_QUERY_CHARS": 200,
                "SNIPPET_CHARS": 220,
            }
        )
        assert repo.run_query(ix, "ภาษีที่ดิน").hits[0].id == "land-tax-manual"


def test_an_index_written_before_the_choice_existed_searches_with_the_default(tmp_path):
    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix")
    serving = live_path(tmp_path / "ix") / SERVING
    info = json.loads(serving.read_text())
    del info["segmenter"]
    serving.write_text(json.dumps(info))
    with SearchIndex(tmp_path / "ix") as ix:
        assert ix.segmenter.engine == "nlpo3"
