"""Links between articles, attachments, and metadata from git."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from indexer import build_index, check_content
from kmsearch import create_app

from .corpus import DOCS, write_corpus

WITH_LINKS = (
    DOCS["finance/land-tax-manual.md"]
    + """
## แบบฟอร์มที่เกี่ยวข้อง
- [แบบ ภ.ด.ส.๓](forms/pds3.pdf)
- ![แผนผังขั้นตอน](flow.png)
- ดูเพิ่มเติม [สรุประเบียบ e-GP](egp-regulation.md) และ [การขออนุญาตก่อสร้าง](/a/building-permit)
- [ลิงก์เสีย](missing.md) [ไม่มีรหัสนี้](/a/no-such-id) [ไม่มีไฟล์](forms/none.pdf)
- [หลุดออกนอกโฟลเดอร์](../../etc/passwd) [เว็บไซต์](https://www.example.org/)
- [สคริปต์](tool.sh)
"""
)


@pytest.fixture
def site(tmp_path):
    content = write_corpus(tmp_path / "c", {**DOCS, "finance/land-tax-manual.md": WITH_LINKS})
    (content / "finance" / "forms").mkdir()
    (content / "finance" / "forms" / "pds3.pdf").write_bytes(b"%PDF-1.4 test form\n" * 100)
    (content / "finance" / "flow.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (content / "finance" / "tool.sh").write_text("echo hi\n")
    return content, tmp_path / "ix"


def test_check_reports_each_broken_link_with_its_line(site):
    content, _ = site
    problems = [str(p) for p in check_content(content).problems]
    head = WITH_LINKS.count("\n", 0, WITH_LINKS.index("## แบบฟอร์มที่เกี่ยวข้อง")) + 1
    assert f"finance/land-tax-manual.md:{head + 4}: link: 'missing.md': no such article" in problems
    assert f"finance/land-tax-manual.md:{head + 4}: link: no article with id 'no-such-id'" in problems
    assert f"finance/land-tax-manual.md:{head + 4}: attachment: 'forms/none.pdf': file not found" in problems
    assert (
        f"finance/land-tax-manual.md:{head + 5}: link: '../../etc/passwd' points outside the content folder" in problems
    )
    assert any("tool.sh" in p and "not served" in p for p in problems)
    assert len(problems) == 5


def test_links_become_permalinks_and_attachments_are_served(site):
    content, index = site
    report = build_index(content, index)
    assert report.documents == 6, "a broken link is reported, the article still published"
    client = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index)}).test_client()
    body = client.get("/a/land-tax-manual").get_data(as_text=True)
    assert 'href="/a/egp-regulation"' in body and 'href="/a/building-permit"' in body
    assert 'href="/a/land-tax-manual/files/forms/pds3.pdf"' in body
    assert 'src="/a/land-tax-manual/files/flow.png"' in body and 'alt="แผนผังขั้นตอน"' in body
    assert "ไฟล์แนบ" in body and "PDF · 1.9 KB" in body

    pdf = client.get("/a/land-tax-manual/files/forms/pds3.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    pdf.close()
    for bad in ("tool.sh", "../kmsearch.yaml", "forms/../../kmsearch.yaml", "forms/none.pdf", "land-tax-manual.md"):
        assert client.get(f"/a/land-tax-manual/files/{bad}").status_code == 404, bad
    old = client.get("/a/land-tax/files/flow.png")
    assert old.status_code == 301


def test_symlink_out_of_the_content_folder_is_not_an_attachment(site, tmp_path):
    content, index = site
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF secret")
    (content / "finance" / "forms" / "none.pdf").symlink_to(secret)
    problems = [str(p) for p in check_content(content).problems]
    assert any("forms/none.pdf" in p and "file not found" in p for p in problems)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_updated_and_author_default_to_the_last_commit(tmp_path):
    content = write_corpus(tmp_path / "c")
    env = {
        "GIT_AUTHOR_NAME": "สมศรี ผู้เขียน",
        "GIT_AUTHOR_EMAIL": "a@example.org",
        "GIT_COMMITTER_NAME": "x",
        "GIT_COMMITTER_EMAIL": "x@example.org",
        "GIT_AUTHOR_DATE": "2025-02-03T10:00:00+07:00",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "first"]):
        subprocess.run(["git", "-C", str(content), *args], check=True, env=env, capture_output=True)
    build_index(content, tmp_path / "ix")
    client = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    road = client.get("/api/articles/road-repair-lesson").get_json()
    assert road["updated"] == "2025-02-03" and road["author"] == "สมศรี ผู้เขียน"
    land = client.get("/api/articles/land-tax-manual").get_json()
    assert land["updated"] == "2024-02-01" and land["author"] == "นางสาวสมใจ ใจดี", "front-matter wins"
    assert dt.date.fromisoformat(road["updated"]).year == 2025
