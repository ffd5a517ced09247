"""What a careless or malicious committer's file can do to a build and a
site: each case is a file that once crashed, stalled or leaked, and must
now be one ``path:line: field: message`` problem while the rest is served."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import build_index, check_content
from indexer.content import render as render_module
from indexer.engine.whoosh import SearchIndex
from kmsearch import create_app

from .corpus import write_corpus


def doc(doc_id: str, body: str, extra: str = "") -> str:
    return (
        f"---\nid: {doc_id}\ntitle: เอกสาร {doc_id}\ndivision: กองคลัง\ntype: manual\n"
        f"knowledge: explicit\ndate: 2024-01-01\n{extra}---\n{body}\n"
    )


def problems_of(report) -> dict[str, str]:
    return {p.path: str(p) for p in report.problems}


def ids_in(index: Path) -> set[str]:
    with SearchIndex(index) as ix:
        return {d["id"] for d in ix.all()}


def fetch(client, url: str) -> tuple[int, bytes]:
    """Status and body, the response closed (a served file stays open until then)."""
    with client.get(url) as resp:
        return resp.status_code, resp.data


def client_for(content: Path, index: Path):
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index), "USAGE_DB": "off"})
    app.testing = True
    return app.test_client()


@pytest.fixture
def site(tmp_path):
    content = write_corpus(tmp_path / "content")
    (content / "finance" / "forms").mkdir()
    (content / "finance" / "forms" / "kor1.pdf").write_bytes(b"%PDF-1.4 form\n")
    (content / "finance" / "form-doc.md").write_text(
        doc("form-doc", "แบบคำขอ [ดาวน์โหลด](forms/kor1.pdf)"), encoding="utf-8"
    )
    return content, tmp_path / "index"


# --- attachments ---------------------------------------------------------------


def test_an_attachment_replaced_by_a_link_after_the_build_is_never_served(site):
    content, index = site
    assert build_index(content, index).problems == []
    client = client_for(content, index)
    assert fetch(client, "/a/form-doc/files/forms/kor1.pdf")[1].startswith(b"%PDF")
    pdf = content / "finance" / "forms" / "kor1.pdf"
    pdf.unlink()
    os.symlink("/etc/passwd", pdf)
    status, body = fetch(client, "/a/form-doc/files/forms/kor1.pdf")  # before any rebuild
    assert status == 404 and b"root:" not in body
    report = build_index(content, index)  # the build notices the file under the link
    assert "finance/form-doc.md:9: attachment: 'forms/kor1.pdf': file not found" in [str(p) for p in report.problems]
    assert report.added == 1
    assert "/a/form-doc/files/" not in client.get("/a/form-doc").get_data(as_text=True)


def test_a_folder_on_the_way_replaced_by_a_link_is_not_followed(site, tmp_path):
    content, index = site
    build_index(content, index)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kor1.pdf").write_text("root:x:0:0:secret")
    forms = content / "finance" / "forms"
    (forms / "kor1.pdf").unlink()
    forms.rmdir()
    os.symlink(elsewhere, forms)
    assert fetch(client_for(content, index), "/a/form-doc/files/forms/kor1.pdf")[0] == 404


def test_a_fifo_as_attachment_neither_hangs_the_build_nor_the_page(site):
    content, index = site
    pdf = content / "finance" / "forms" / "kor1.pdf"
    pdf.unlink()
    os.mkfifo(pdf)
    report = build_index(content, index)
    assert "file not found" in problems_of(report)["finance/form-doc.md"]
    assert fetch(client_for(content, index), "/a/form-doc/files/forms/kor1.pdf")[0] == 404


def test_an_article_committed_before_its_form_gets_it_when_the_form_arrives(site):
    content, index = site
    pdf = content / "finance" / "forms" / "kor1.pdf"
    pdf.unlink()
    assert "file not found" in problems_of(build_index(content, index))["finance/form-doc.md"]
    pdf.write_bytes(b"%PDF-1.4 arrived later\n")
    assert check_content(content).problems == []
    report = build_index(content, index)
    assert report.problems == [] and report.added == 1
    client = client_for(content, index)
    assert "/a/form-doc/files/forms/kor1.pdf" in client.get("/a/form-doc").get_data(as_text=True)
    assert fetch(client, "/a/form-doc/files/forms/kor1.pdf")[1] == b"%PDF-1.4 arrived later\n"


def test_forms_in_a_sibling_folder_and_names_with_spaces_are_served(site):
    content, index = site
    (content / "forms").mkdir()
    (content / "forms" / "shared.pdf").write_bytes(b"%PDF shared")
    (content / "finance" / "forms" / "แบบ คำร้อง.pdf").write_bytes(b"%PDF spaced")
    (content / "finance" / "more-forms.md").write_text(
        doc("more-forms", "[ร่วม](../forms/shared.pdf) [คำร้อง](<forms/แบบ คำร้อง.pdf>) [อีกแบบ](forms/แบบ%20คำร้อง.pdf)"),
        encoding="utf-8",
    )
    assert build_index(content, index).problems == []
    client = client_for(content, index)
    page = client.get("/a/more-forms").get_data(as_text=True)
    hrefs = {h.split('"')[0] for h in page.split('href="/a/more-forms/files/')[1:]}
    assert len(hrefs) == 2 and all(".." not in h and " " not in h for h in hrefs)
    bodies = {fetch(client, "/a/more-forms/files/" + h)[1] for h in hrefs}
    assert bodies == {b"%PDF shared", b"%PDF spaced"}


def test_links_are_read_from_the_parsed_markdown(site):
    content, index = site
    (content / "finance" / "code.md").write_text(
        doc(
            "code",
            "ตัวอย่างการเขียนลิงก์:\n\n```\n[แบบฟอร์ม](forms/ไม่มี.pdf)\n```\n\n"
            "และ `[x](nothing.md)`\n\nดู [คู่มือ][ref] ด้วย\n\n[ref]: missing-manual.md\n",
        ),
        encoding="utf-8",
    )
    found = [str(p) for p in check_content(content).problems]
    assert found == ["finance/code.md:19: link: 'missing-manual.md': no such article"]


# --- front-matter ----------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """In a process of its own, so that a crash of a C extension shows as
    an exit status instead of taking the test run down."""
    return subprocess.run([sys.executable, "-m", "kmsearch", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize("depth", [50_000, 15_000, 25])
def test_deeply_nested_front_matter_is_a_problem_not_a_crash(site, depth):
    content, index = site
    (content / "finance" / "deep.md").write_text(
        doc("deep", "เนื้อหา", extra="tags: " + "[" * depth + "]" * depth + "\n"), encoding="utf-8"
    )
    checked = run_cli("check", "--content", str(content))
    assert checked.returncode == 1, checked.stderr
    assert "finance/deep.md:" in checked.stderr and "front-matter:" in checked.stderr
    built = run_cli("build", "--content", str(content), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert "land-tax-manual" in ids_in(index) and "deep" not in ids_in(index)


def test_a_field_given_twice_is_reported_at_the_second(site):
    content, _ = site
    (content / "finance" / "twice.md").write_text(doc("twice", "เนื้อหา", extra="division: กองช่าง\n"), encoding="utf-8")
    assert (
        problems_of(check_content(content))["finance/twice.md"]
        == "finance/twice.md:8: division: is given twice (first on line 4); keep one"
    )


def test_a_thousand_tags_are_refused(site):
    content, _ = site
    tags = ", ".join(f"t{i}" for i in range(1_000))
    (content / "finance" / "tags.md").write_text(doc("tags", "เนื้อหา", extra=f"tags: {tags}\n"), encoding="utf-8")
    assert "tags: has 1000 entries; at most 200" in problems_of(check_content(content))["finance/tags.md"]


def test_a_huge_file_is_refused_before_it_is_read(site):
    content, index = site
    (content / "finance" / "huge.md").write_text(doc("huge", "ภาษี " * 600_000), encoding="utf-8")
    report = build_index(content, index)
    assert (
        "finance/huge.md:1: file: is 7.4 MB; a document may be at most 2 MB" in problems_of(report)["finance/huge.md"]
    )
    assert "land-tax-manual" in ids_in(index)


# --- bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["*" * 2000 + "x" + "*" * 2000, "".join("    " * i + "- ข้อ\n" for i in range(500))])
@pytest.mark.slow
def test_a_body_that_breaks_markdown_is_one_problem_and_the_rest_is_indexed(site, body):
    content, index = site
    (content / "finance" / "bomb.md").write_text(doc("bomb", body), encoding="utf-8")
    (content / "finance" / "zz-after.md").write_text(doc("zz-after", "ภาษีโรงเรือน"), encoding="utf-8")
    assert "finance/bomb.md:9: body:" in problems_of(check_content(content)).get("finance/bomb.md", "")
    report = build_index(content, index)
    assert "finance/bomb.md:9: body:" in problems_of(report)["finance/bomb.md"]
    assert {"zz-after", "land-tax-manual"} <= ids_in(index) and "bomb" not in ids_in(index)
    again = build_index(content, index)  # tried again, reported again, never recorded as built
    assert "finance/bomb.md" in problems_of(again)


def test_a_body_that_takes_too_long_to_render_is_stopped(site, monkeypatch):
    content, index = site
    monkeypatch.setattr(render_module, "SECONDS_PER_DOCUMENT", 0.3)
    (content / "finance" / "slow.md").write_text(doc("slow", "[" * 12_000), encoding="utf-8")
    report = build_index(content, index)
    assert (
        "finance/slow.md:9: body: rendering the Markdown took more than 0.3 s" in problems_of(report)["finance/slow.md"]
    )
    assert "land-tax-manual" in ids_in(index)


def test_a_broken_edit_keeps_the_last_good_version_serving(site):
    content, index = site
    build_index(content, index)
    (content / "finance" / "form-doc.md").write_text(doc("form-doc", "*" * 2000 + "x" + "*" * 2000), encoding="utf-8")
    report = build_index(content, index)
    assert "finance/form-doc.md" in problems_of(report)
    assert "form-doc" in ids_in(index)
    (content / "finance" / "form-doc.md").write_text(doc("form-doc", "ฉบับแก้ไขแล้ว"), encoding="utf-8")
    assert build_index(content, index).problems == []
    assert "ฉบับแก้ไขแล้ว" in client_for(content, index).get("/a/form-doc").get_data(as_text=True)


# --- build folders --------------------------------------------------------------


def test_a_killed_builds_folder_goes_at_the_next_build_even_with_nothing_to_do(site):
    content, index = site
    build_index(content, index)
    debris = index / "build-20240101-000000-1-1"
    (debris / "half").mkdir(parents=True)
    report = build_index(content, index)
    assert report.added == 0
    assert not debris.exists()
    assert ids_in(index)


@pytest.mark.slow
def test_pathological_thai_is_analysed_in_linear_time(site):
    content, index = site
    (content / "finance" / "marks.md").write_text(doc("marks", "ก" + "\u0e48" * 64_000), encoding="utf-8")
    (content / "finance" / "word.md").write_text(doc("word", "กข" * 300_000), encoding="utf-8")
    report = build_index(content, index)
    assert report.problems == []
    assert {"marks", "word"} <= ids_in(index)
