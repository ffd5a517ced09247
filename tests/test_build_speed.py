"""What makes builds fast must not change what they build: plain segment
files, several processes, the stat-based change scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import build_index
from indexer.engine.whoosh import SearchIndex

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


CONTENT = Path(__file__).resolve().parent.parent / "content"
QUERIES = ["ภาษีที่ดิน", "การจัดซื้อจัดจ้าง", "ขออนุญาตก่อสร้างอาคาร", "เบี้ยยังชีพผู้สูงอายุ", "น้ำประปา", "ขยะ", "e-GP", "ซ่อมถนน"]


def _answers(index):
    from kmsearch.config import load_settings
    from kmsearch.search.repository import Repository

    repo = Repository(load_settings({"CONTENT_DIR": str(CONTENT), "INDEX_DIR": str(index)}))
    out = {}
    with repo.open_index() as ix:
        for q in QUERIES:
            page = repo.run_query(ix, q, pagelen=50, snippets=False)
            # documents of equal score may come in either order: compare by score, then id
            out[q] = (
                page.total,
                sorted(((round(h.score, 6), h.id) for h in page.hits), key=lambda p: (-p[0], p[1])),
                page.facets,
            )
    return out


@pytest.mark.slow
def test_two_processes_build_the_same_index_as_one(tmp_path, monkeypatch):
    from whoosh import index as whoosh_index

    from indexer import build as build_mod
    from indexer.engine.whoosh import backend as engine
    from indexer.engine.whoosh import postfile

    # the bundled content is small: let it reach both workers
    monkeypatch.setattr(build_mod, "PROCS_MIN_DOCS", 1)
    monkeypatch.setattr(engine, "PROCS_BATCH", 5)
    monkeypatch.setattr(postfile, "MIN_DOCS", 1)
    one = build_index(CONTENT, tmp_path / "p1", procs=1, full=True)
    two = build_index(CONTENT, tmp_path / "p2", procs=2, full=True)
    assert one.documents == two.documents > 20 and not one.problems and not two.problems
    assert len(whoosh_index.open_dir(two.index_path)._segments()) == 2, "each worker writes its own segment"
    assert len(list(Path(two.index_path).glob("*.kmpost"))) == 2, "and each segment its postfile"
    assert ids(tmp_path / "p1") == ids(tmp_path / "p2")
    a, b = _answers(tmp_path / "p1"), _answers(tmp_path / "p2")
    assert sum(total for total, _, _ in a.values()) > 0
    for q in QUERIES:
        (total_a, hits_a, facets_a), (total_b, hits_b, facets_b) = a[q], b[q]
        assert (total_a, facets_a) == (total_b, facets_b), q
        # kmsearch's own scorer reads the same postings from one segment or two
        assert hits_a == hits_b, q


def test_a_few_changed_documents_are_written_by_one_process(tmp_path, monkeypatch):
    from indexer.engine.whoosh import WhooshBackend

    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix", procs=2)
    seen = []
    original = WhooshBackend.write
    monkeypatch.setattr(WhooshBackend, "write", lambda *a, **k: seen.append(k["procs"]) or original(*a, **k))
    doc = content / "engineering" / "road-repair-lesson.md"
    doc.write_text(doc.read_text() + "\nอีกบรรทัด\n", encoding="utf-8")
    assert build_index(content, tmp_path / "ix", procs=2).added == 1
    assert seen == [1]


def test_one_markdown_converter_renders_each_document_as_a_fresh_one_would():
    import markdown

    from indexer.content import render

    docs = [
        "# หัวข้อ\n\nข้อความ[^1]\n\n[^1]: เชิงอรรถ\n",
        "## สอง {#two}\n\nA\n: def\n\n```\ncode\n```\n",
        "ย่อหน้า[^a] และ[^b]\n\n[^a]: หนึ่ง\n[^b]: สอง\n\n## หัวข้อ\n",
    ]
    fresh = [render.to_html(d) for d in docs]
    assert [render.to_html(d) for d in reversed(docs)][::-1] == fresh == [render.to_html(d) for d in docs]
    md = markdown.Markdown(extensions=render.EXTENSIONS, extension_configs=render.EXTENSION_CONFIGS)
    assert 'id="fn:1"' in fresh[0] and md.convert(docs[2]).count('class="footnote-ref"') == 2


def test_unchanged_files_are_not_read_and_changes_are_found_by_their_stat(tmp_path, monkeypatch):
    import os

    from indexer import build as build_mod

    monkeypatch.setattr(build_mod, "RACY_NS", 0)  # the files were written a moment ago
    content = write_corpus(tmp_path / "c")
    ix = tmp_path / "ix"
    assert build_index(content, ix).added == 6
    read = []
    real_hash = build_mod._file_hash
    monkeypatch.setattr(build_mod, "_file_hash", lambda path: read.append(path) or real_hash(path))

    again = build_index(content, ix)
    assert (again.added, read) == (0, []), "nothing changed: no file is read"

    doc = content / "engineering" / "road-repair-lesson.md"
    before = doc.stat()
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("สองสัปดาห์", "สามสัปดาห์"), encoding="utf-8")  # same size in bytes
    os.utime(doc, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old time
    assert doc.stat().st_size == before.st_size and doc.stat().st_mtime_ns == before.st_mtime_ns
    changed = build_index(content, ix)
    assert changed.added == 1, "the status-change time still tells"
    with SearchIndex(ix) as live:
        assert "สามสัปดาห์" in live.get("road-repair-lesson")["body"]

    read.clear()
    other = content / "finance" / "land-tax-manual.md"
    os.utime(other)  # touched, bytes the same
    touched = build_index(content, ix)
    assert touched.added == 0 and len(read) == 1, "read once to compare its bytes, not analysed"
