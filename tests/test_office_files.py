"""The office's own files (kmsearch.yaml, words.txt, synonyms.txt) as Thai
offices really save them, and a running server following them."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from indexer import build_index, check_content, load_office
from indexer.content.loader import read_file
from kmsearch import create_app
from kmsearch.publish.authoring import new_document

from .corpus import write_corpus
from .servers import get, start_server, wait_for


def app_client(content: Path, index: Path):
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index), "USAGE_DB": "off"})
    app.testing = True
    return app.test_client()


def problems(content: Path) -> list[str]:
    return [str(p) for p in check_content(content).problems]


@pytest.fixture
def content(tmp_path):
    return write_corpus(tmp_path / "content")


def test_a_tis620_synonyms_file_is_read_and_named(content, tmp_path):
    with open(content / "synonyms.txt", "ab") as fh:
        fh.write("\nภาษี = ภาษีที่ดิน\n".encode("cp874"))
    index = tmp_path / "index"
    build_index(content, index)
    client = app_client(content, index)
    assert client.get("/search?q=ภาษี").status_code == 200
    assert client.get("/a/land-tax-manual").status_code == 200
    assert "synonyms.txt:5: encoding: is saved as TIS-620 (cp874) and was read as such; save it as UTF-8" in problems(
        content
    )


def test_tis620_words_and_office_files_build_and_are_named(content, tmp_path):
    for name in ("words.txt", "kmsearch.yaml"):
        text = (content / name).read_text(encoding="utf-8")
        (content / name).write_bytes(text.encode("cp874"))
    found = problems(content)
    assert any(p.startswith("kmsearch.yaml:") and ": encoding: is saved as TIS-620" in p for p in found)
    assert any(p.startswith("words.txt:2: encoding:") for p in found)
    report = build_index(content, tmp_path / "index")
    assert report.documents > 0
    assert app_client(content, tmp_path / "index").get("/division/finance").status_code == 200


def test_bytes_in_no_thai_encoding_are_named_not_raised(content):
    (content / "words.txt").write_bytes(b"\xff\xfe\x00garbage\n")
    assert any(p.startswith("words.txt:1: encoding: is neither UTF-8 nor TIS-620") for p in problems(content))


def test_lines_that_mean_nothing_are_named(content):
    (content / "synonyms.txt").write_text("อปท. = องค์กรปกครองส่วนท้องถิ่น\nเบี้ยคนชรา\n", encoding="utf-8")
    (content / "words.txt").write_text("โคกตูม\nสอง คำ\n", encoding="utf-8")
    found = problems(content)
    assert "synonyms.txt:2: synonyms: needs two or more words joined by '=', e.g. อปท. = องค์กรปกครองส่วนท้องถิ่น" in found
    assert "words.txt:2: words: 'สอง คำ' holds a space: one word a line" in found


def test_deep_nesting_in_the_office_file_is_a_config_problem(content):
    (content / "kmsearch.yaml").write_text("office: " + "[" * 30_000 + "]" * 30_000 + "\n", encoding="utf-8")
    [problem] = problems(content)
    assert problem.endswith("kmsearch.yaml:1: config: lists or fields nested more than 20 deep")


def test_a_new_division_is_served_after_the_rebuild_without_a_restart(content, tmp_path):
    index = tmp_path / "index"
    build_index(content, index)
    client = app_client(content, index)
    assert client.get("/division/disaster").status_code == 404
    config = yaml.safe_load((content / "kmsearch.yaml").read_text(encoding="utf-8"))
    config["divisions"].append({"slug": "disaster", "name": "งานป้องกันและบรรเทาสาธารณภัย"})
    (content / "kmsearch.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    build_index(content, index)
    page = client.get("/division/disaster")
    assert page.status_code == 200 and "งานป้องกันและบรรเทาสาธารณภัย" in page.get_data(as_text=True)
    assert client.get("/search?q=ภาษี&division=disaster").status_code == 200


def test_the_office_shown_is_the_built_one_until_the_next_build(content, tmp_path):
    """An edit of kmsearch.yaml that is not built yet does not half-apply."""
    index = tmp_path / "index"
    build_index(content, index)
    client = app_client(content, index)
    config = yaml.safe_load((content / "kmsearch.yaml").read_text(encoding="utf-8"))
    renamed = config["divisions"][0]["name"] + " (ชื่อใหม่)"
    config["divisions"][0]["name"] = renamed
    (content / "kmsearch.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    assert renamed not in client.get("/").get_data(as_text=True)
    build_index(content, index)
    assert renamed in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("title", ["null", "~", "yes", "2567", "คู่มือ: การรับชำระภาษี #1", '"อ้าง" \\ ทาง'])
def test_new_writes_a_title_that_reads_back_as_written(content, title):
    (content / "_templates").mkdir()
    (content / "_templates" / "manual.md").write_text(
        "---\nid: $id\ntitle: $title\ndivision: $division\ntype: manual\nknowledge: explicit\n"
        "author: $author\ndate: $date\n---\n## ขั้นตอน\n",
        encoding="utf-8",
    )
    path = new_document(content, load_office(content), "manual", "กองคลัง", title, author="no")
    raw = read_file(path, content)
    assert raw.metadata["title"] == title
    assert raw.metadata["division"] == "กองคลัง" and raw.metadata["author"] == "no"


DEEP = (
    "---\nid: deep\ntitle: ซ้อนลึก\ndivision: กองคลัง\ntype: manual\nknowledge: explicit\ndate: 2024-01-01\n"
    "tags: " + "[" * 15_000 + "]" * 15_000 + "\n---\nเนื้อหา\n"
)
LATER = (
    "---\nid: later-doc\ntitle: เอกสารที่มาทีหลัง\ndivision: กองคลัง\ntype: manual\nknowledge: explicit\n"
    "date: 2024-01-01\n---\nการเก็บค่าธรรมเนียมจอดรถ\n"
)
BOMB = (
    "---\nid: bomb\ntitle: ระเบิด\ndivision: กองคลัง\ntype: manual\nknowledge: explicit\ndate: 2024-01-01\n"
    "---\n" + "*" * 2000 + "x" + "*" * 2000 + "\n"
)


@pytest.mark.slow
def test_a_watching_server_outlives_hostile_files_and_keeps_publishing(content, tmp_path):
    with start_server(content, tmp_path / "index") as base:
        (content / "finance" / "deep.md").write_text(DEEP, encoding="utf-8")
        (content / "finance" / "bomb.md").write_text(BOMB, encoding="utf-8")
        time.sleep(0.5)
        (content / "finance" / "later.md").write_text(LATER, encoding="utf-8")

        def published() -> bool:
            status, body = get(base + "/api/search?" + urllib.parse.urlencode({"q": "ค่าธรรมเนียมจอดรถ"}))
            return status == 200 and "later-doc" in [r["id"] for r in json.loads(body)["results"]]

        assert wait_for(published, 60)
        assert get(base + "/a/land-tax-manual")[0] == 200
        assert get(base + "/a/deep")[0] == 404 and get(base + "/a/bomb")[0] == 404
        with urllib.request.urlopen(base + "/", timeout=10) as r:
            assert r.status == 200
