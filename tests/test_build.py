from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer import build_index
from indexer.build import BuildLocked, build_lock
from indexer.engine.whoosh import backend as engine
from indexer.engine.whoosh.backend import SearchIndex, live_path, read_info

from .corpus import write_corpus


def ids(index_dir):
    with SearchIndex(index_dir) as ix:
        return sorted(d["id"] for d in ix.all())


def test_build_indexes_every_valid_document_and_reports_the_rest(tmp_path):
    content = write_corpus(tmp_path / "c")
    (content / "finance" / "broken.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    report = build_index(content, tmp_path / "ix")
    assert report.documents == 6 and report.files == 7
    assert {p.field for p in report.problems} >= {"division", "type", "knowledge", "date"}
    assert "land-tax-manual" in ids(tmp_path / "ix")


def test_rebuild_swaps_atomically_and_keeps_the_previous_build(tmp_path):
    content = write_corpus(tmp_path / "c")
    first = build_index(content, tmp_path / "ix").index_path
    (content / "finance" / "egp-regulation.md").unlink()
    second = build_index(content, tmp_path / "ix").index_path
    assert live_path(tmp_path / "ix") == Path(second).resolve()
    assert "egp-regulation" not in ids(tmp_path / "ix")
    assert os.path.isdir(first), "a server may still read the previous build"
    (content / "finance" / "land-tax-manual.md").write_text(
        (content / "finance" / "land-tax-manual.md").read_text() + "\nเพิ่มเติม\n", encoding="utf-8"
    )
    third = build_index(content, tmp_path / "ix").index_path
    assert not os.path.exists(first) and os.path.isdir(second) and os.path.isdir(third)


def test_a_failed_build_leaves_the_old_index_serving(tmp_path, monkeypatch):
    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix")
    before = live_path(tmp_path / "ix")

    def explode(doc):
        raise OSError("disk full")

    monkeypatch.setattr(engine, "to_fields", explode)
    with pytest.raises(OSError):
        build_index(content, tmp_path / "ix", full=True)
    assert live_path(tmp_path / "ix") == before
    assert len(list((tmp_path / "ix").glob("build-*"))) == 1, "the half-written build is removed"
    monkeypatch.undo()
    assert "land-tax-manual" in ids(tmp_path / "ix")


def test_two_builds_at_once_do_not_share_a_folder(tmp_path):
    content = write_corpus(tmp_path / "c")
    with build_lock(tmp_path / "ix"):
        with pytest.raises(BuildLocked):
            build_index(content, tmp_path / "ix")


def test_missing_office_configuration_is_a_clear_error(tmp_path):
    from indexer import ConfigError

    (tmp_path / "c").mkdir()
    with pytest.raises(ConfigError, match="kmsearch.yaml: not found"):
        build_index(tmp_path / "c", tmp_path / "ix")
    assert live_path(tmp_path / "ix") is None


def test_incremental_build_analyses_only_what_changed(tmp_path):
    content = write_corpus(tmp_path / "c")
    ix = tmp_path / "ix"
    first = build_index(content, ix)
    assert first.full and first.added == 6

    same = build_index(content, ix)
    assert not same.full and same.added == 0 and same.index_path == first.index_path

    doc = content / "engineering" / "road-repair-lesson.md"
    doc.write_text(doc.read_text().replace("สองสัปดาห์", "สองสัปดาห์ ใช้หินคลุก"), encoding="utf-8")
    (content / "finance" / "egp-regulation.md").unlink()
    changed = build_index(content, ix)
    assert (changed.added, changed.removed, changed.full) == (1, 1, False)
    with SearchIndex(ix) as live:
        assert "ใช้หินคลุก" in live.get("road-repair-lesson")["body"]
    assert "egp-regulation" not in ids(ix)
    assert len(ids(ix)) == 5
    # the previous build, which a server may still read, is untouched
    with SearchIndex(ix) as live:
        assert live.path != first.index_path
    from whoosh import index as wi

    with wi.open_dir(first.index_path).searcher() as old:
        assert old.document(id="egp-regulation") is not None

    info = read_info(ix)[1]
    assert info["gone"] == {"egp-regulation": "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP"}


def test_word_list_change_rebuilds_everything(tmp_path):
    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix")
    (content / "words.txt").write_text("โคกตูม\nข้าวทิพย์\nลูกรัง\n", encoding="utf-8")
    report = build_index(content, tmp_path / "ix")
    assert report.full and report.added == 6


def test_full_flag_rebuilds_everything(tmp_path):
    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix")
    assert build_index(content, tmp_path / "ix", full=True).added == 6
