"""Publishing by commit: a real git repository, a running server, changes
picked up without a restart."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest

from indexer import build_index
from kmsearch import create_app

from .corpus import write_corpus
from .servers import get, start_server, wait_for

NEW_MANUAL = """---
id: streetlight-manual
title: คู่มือการซ่อมไฟฟ้าส่องสว่างสาธารณะ
division: กองช่าง
type: manual
knowledge: explicit
date: 2025-01-06
---
รับแจ้งไฟฟ้าสาธารณะดับทางโทรศัพท์ แล้วออกซ่อมภายใน ๓ วันทำการ
"""


def git(repo, *args):
    subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "หัวหน้ากองช่าง",
            "GIT_AUTHOR_EMAIL": "head@example.org",
            "GIT_COMMITTER_NAME": "หัวหน้ากองช่าง",
            "GIT_COMMITTER_EMAIL": "head@example.org",
            "HOME": str(repo),
            "PATH": "/usr/bin:/bin",
        },
    )


def api_ids(base, q):
    status, body = get(base + "/api/search?" + urllib.parse.urlencode({"q": q}))
    return [r["id"] for r in json.loads(body)["results"]] if status == 200 else []


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.slow
def test_commit_rename_and_delete_reach_a_running_server(tmp_path):
    repo = write_corpus(tmp_path / "content")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "เริ่มต้นคลังความรู้")
    with start_server(repo, tmp_path / "ix") as base:
        # a new manual, committed
        (repo / "engineering" / "streetlight-manual.md").write_text(NEW_MANUAL, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "เพิ่มคู่มือซ่อมไฟฟ้า")
        assert wait_for(lambda: api_ids(base, "ไฟฟ้าส่องสว่าง")[:1] == ["streetlight-manual"])

        # renamed to a new id, the old one kept as an alias
        text = NEW_MANUAL.replace("id: streetlight-manual", "id: public-light-repair\naliases: [streetlight-manual]")
        (repo / "engineering" / "streetlight-manual.md").unlink()
        (repo / "engineering" / "public-light-repair.md").write_text(text, encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "เปลี่ยนรหัสเอกสาร")
        assert wait_for(lambda: api_ids(base, "ไฟฟ้าส่องสว่าง")[:1] == ["public-light-repair"])
        req = urllib.request.Request(base + "/a/streetlight-manual", method="GET")
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as moved:
            opener.open(req, timeout=10)
        with moved.value as answer:
            assert answer.code == 301 and answer.headers["Location"].endswith("/a/public-light-repair")

        # deleted: the link answers 410 with similar articles, not a bare 404
        (repo / "finance" / "egp-regulation.md").unlink()
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "ยกเลิกสรุประเบียบ")
        assert wait_for(lambda: get(base + "/a/egp-regulation")[0] == 410)
        status, body = get(base + "/a/egp-regulation")
        assert "ยกเลิกการเผยแพร่แล้ว" in body and "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP" in body
        assert get(base + "/a/never-existed")[0] == 404


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_one_document_change_is_fast(tmp_path):
    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix")
    doc = content / "education" / "tradition-note.md"
    doc.write_text(doc.read_text() + "\nเพิ่มเติม\n", encoding="utf-8")
    report = build_index(content, tmp_path / "ix")
    assert report.added == 1 and not report.full


def test_withdrawn_article_in_the_api(tmp_path):
    content = write_corpus(tmp_path / "c")
    build_index(content, tmp_path / "ix")
    (content / "finance" / "egp-regulation.md").unlink()
    build_index(content, tmp_path / "ix")
    client = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    resp = client.get("/api/articles/egp-regulation")
    assert resp.status_code == 410 and resp.get_json()["title"] == "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP"
