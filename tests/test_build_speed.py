"""What makes builds fast must not change what they build: plain segment
files, several processes, the stat-based change scan."""
from __future__ import annotations

from pathlib import Path

from indexer import build_index
from indexer.engine import SearchIndex

from .corpus import write_corpus


def ids(index_dir):
    with SearchIndex(index_dir) as ix:
        return sorted(d["id"] for d in ix.all())


def test_segments_are_plain_files_not_one_compound_file(tmp_path):
    content = write_corpus(tmp_path / "c")
    path = Path(build_index(content, tmp_path / "ix").index_path)
    assert not list(path.glob("*.seg")), "a compound segment is copied into memory on every open"
    assert list(path.glob("*.trm")) and list(path.glob("*.pst"))
    # an incremental build from the hard-linked copy keeps working
    doc = content / "engineering" / "road-repair-lesson.md"
    doc.write_text(doc.read_text() + "\nคำใหม่ทดสอบ\n", encoding="utf-8")
    again = build_index(content, tmp_path / "ix")
    assert again.added == 1 and not again.full
    assert not list(Path(again.index_path).glob("*.seg"))
    assert len(ids(tmp_path / "ix")) == 6
    with SearchIndex(tmp_path / "ix") as live:
        assert "คำใหม่ทดสอบ" in live.get("road-repair-lesson")["body"]
