"""ประวัติการแก้ไข: an article's commits and what changed, read from a real
git repository the test makes (commits by Thai authors, dated in 2567)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from indexer import build_index
from indexer.content import gitlog
from kmsearch import create_app

from .corpus import DOCS, write_corpus
from .sites import on_backend

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines

LAND = "finance/land-tax-manual.md"
ADDED = "ผู้เสียภาษีที่ชำระผ่านแอปพลิเคชันของธนาคารได้รับใบเสร็จทางอีเมล"
REMOVED = "2. แจ้งการประเมินภาษีภายในเดือนกุมภาพันธ์"


def git(root, *args, author="นางสาวสมใจ ใจดี", when="2024-03-12T09:30:00+07:00"):
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "author@example.go.th",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "author@example.go.th",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo_site(backend, cluster, sites):
    """A content repository: the corpus committed, then the land-tax manual
    changed by another author, then renamed (once a session per backend)."""
    return sites.get("history", backend, lambda root: make_repo_site(root, backend, cluster))


def make_repo_site(root, backend, cluster):
    content = on_backend(write_corpus(root / "content"), backend, cluster)
    git(content, "init", "-q", "-b", "main")
    git(content, "add", ".")
    git(content, "commit", "-q", "-m", "เพิ่มคู่มือภาษีที่ดินและเอกสารชุดแรก")
    land = content / LAND
    text = land.read_text(encoding="utf-8").replace(REMOVED + "\n", "")
    land.write_text(text + "\n" + ADDED + "\n", encoding="utf-8")
    git(
        content,
        "commit",
        "-q",
        "-am",
        "ปรับขั้นตอนการชำระภาษีตามระเบียบใหม่",
        author="นายช่างประสิทธิ์ ทำดี",
        when="2024-05-20T14:05:00+07:00",
    )
    git(content, "mv", LAND, "finance/land-tax.md")
    git(content, "commit", "-q", "-m", "เปลี่ยนชื่อไฟล์", when="2024-06-01T08:00:00+07:00")
    index = root / "index"
    assert build_index(content, index).problems == []
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index), "USAGE_DB": "off"})
    app.testing = True
    return app


def page(client, url) -> tuple[int, str]:
    resp = client.get(url)
    return resp.status_code, resp.get_data(as_text=True)


def test_the_article_links_to_its_history(repo_site):
    _, body = page(repo_site.test_client(), "/a/land-tax-manual")
    assert 'href="/a/land-tax-manual/history"' in body and "ประวัติการแก้ไข" in body


def test_history_lists_commits_newest_first_with_be_dates_authors_and_messages(repo_site):
    code, body = page(repo_site.test_client(), "/a/land-tax-manual/history")
    assert code == 200
    assert "แก้ไข 3 ครั้ง" in body
    assert body.index("1 มิ.ย. 2567") < body.index("20 พ.ค. 2567 เวลา 14:05 น.") < body.index("12 มี.ค. 2567")
    assert "นายช่างประสิทธิ์ ทำดี" in body and "นางสาวสมใจ ใจดี" in body
    assert "ปรับขั้นตอนการชำระภาษีตามระเบียบใหม่" in body and "เปลี่ยนชื่อไฟล์" in body
    assert "เพิ่มคู่มือภาษีที่ดินและเอกสารชุดแรก" in body  # before the rename: --follow


def test_diff_shows_added_and_removed_passages(repo_site):
    client = repo_site.test_client()
    revisions = gitlog.history(repo_site.config["CONTENT_DIR"], "finance/land-tax.md")
    first, changed = revisions[2], revisions[1]
    code, body = page(client, f"/a/land-tax-manual/diff?from={first.rev[:7]}&to={changed.rev}")
    assert code == 200
    assert f"<ins>{ADDED}</ins>" in body
    assert f"<del>{REMOVED}</del>" in body
    assert "ข้อความที่เพิ่ม" in body and "ข้อความที่ลบ" in body
    assert "12 มี.ค. 2567" in body and "20 พ.ค. 2567" in body
    # the newest change by default: a rename only, the same text
    code, body = page(client, "/a/land-tax-manual/diff")
    assert code == 200 and "สองรุ่นนี้มีเนื้อหาเหมือนกัน" in body
    # the first version: everything is new
    code, body = page(client, f"/a/land-tax-manual/diff?from=&to={first.rev}")
    assert code == 200 and "<del>" not in body.split('class="diff"')[1] and REMOVED in body


def test_the_history_page_links_each_change(repo_site):
    client = repo_site.test_client()
    _, body = page(client, "/a/land-tax-manual/history")
    link = body.split("ดูสิ่งที่เปลี่ยนในครั้งนี้")[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    code, diff = page(client, link)
    assert code == 200 and "สิ่งที่เปลี่ยน" in diff


@pytest.mark.parametrize("bad", ["zzzzzzz", "HEAD", "..%2F..%2Fetc", "abc", "1234567;rm"])
def test_a_revision_that_is_no_commit_id_is_refused(repo_site, bad):
    code, body = page(repo_site.test_client(), f"/a/land-tax-manual/diff?to={bad}")
    assert code == 400 and "เลขฐานสิบหก" in body


def test_a_commit_of_another_file_is_not_found(repo_site):
    code, _ = page(repo_site.test_client(), "/a/land-tax-manual/diff?to=0000000")
    assert code == 404


def test_not_a_repository_says_so(make_app):
    client = make_app().test_client()
    code, body = page(client, "/a/land-tax-manual/history")
    assert code == 200 and "ไม่ได้อยู่ในคลัง git" in body
    code, body = page(client, "/a/land-tax-manual/diff")
    assert code == 200 and "ไม่ได้อยู่ในคลัง git" in body


def test_without_git_says_so(repo_site, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, body = page(repo_site.test_client(), "/a/land-tax-manual/history")
    assert code == 200 and "ไม่มีโปรแกรม git" in body


def test_a_git_that_hangs_does_not_stall_the_page(repo_site, monkeypatch, tmp_path):
    fake = tmp_path / "git"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setattr(gitlog, "GIT_SECONDS", 0.5)
    started = time.monotonic()
    code, body = page(repo_site.test_client(), "/a/land-tax-manual/history")
    assert code == 200 and "ไม่ทันเวลา" in body
    assert time.monotonic() - started < 5


def test_a_draft_has_no_public_history(backend, cluster, tmp_path):
    content = write_corpus(tmp_path / "content", {LAND: DOCS[LAND].replace("aliases:", "status: ร่าง\naliases:")})
    on_backend(content, backend, cluster)
    build_index(content, tmp_path / "index")
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "index"), "USAGE_DB": "off"})
    assert app.test_client().get("/a/land-tax-manual/history").status_code == 404


def test_passages_split_front_matter_lines_items_and_paragraphs():
    text = "---\nid: x\ntitle: ก\n---\n## หัวข้อ\nย่อหน้าแรก\nต่อบรรทัด\n\n1. ข้อหนึ่ง\n2. ข้อสอง\n"
    assert gitlog.passages(text) == ["id: x", "title: ก", "## หัวข้อ", "ย่อหน้าแรก\nต่อบรรทัด", "1. ข้อหนึ่ง", "2. ข้อสอง"]
