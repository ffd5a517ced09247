"""A new office before its first document, and a server started on a
damaged build: both are working sites that say what to do."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from indexer.engine.whoosh.backend import CURRENT, SERVING
from kmsearch import create_app
from kmsearch.cli import cli

from .corpus import DATA, write_corpus
from .servers import KMSEARCH, start_server
from .visible import unbreak

# each test starts a server or a build in a process of its own
pytestmark = pytest.mark.slow

EMPTY_STATE = "คลังความรู้ยังไม่มีเอกสาร"


def only_the_office(root: Path) -> Path:
    """mkdir E; cp kmsearch.yaml E/"""
    root.mkdir(parents=True)
    shutil.copy(DATA / "kmsearch.yaml", root / "kmsearch.yaml")
    return root


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    root = tmp_path_factory.mktemp("empty")
    content, index = only_the_office(root / "E"), root / "EI"
    built = CliRunner().invoke(cli, ["build", "--content", str(content), "--index", str(index)])
    assert built.exit_code == 0 and "จัดทำดัชนีแล้ว 0 จาก 0 เรื่อง" in built.output
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index), "USAGE_DB": str(root / "u.db")})
    app.testing = True
    return app.test_client()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search",
        "/search?q=ภาษี",
        "/search?q=&division=finance&sort=date",
        "/division/finance",
        "/type/manual",
        "/knowledge/tacit",
        "/km",
        "/km/report.md",
        "/km/report.csv",
        "/km/report.html",
        "/api/search?q=ภาษี",
        "/api/suggest?q=ภา",
        "/feed.atom",
        "/sitemap.xml",
        "/robots.txt",
    ],
)
def test_every_page_of_an_empty_office_answers(empty, url):
    resp = empty.get(url)
    assert resp.status_code == 200, url
    if url.startswith("/api/search"):
        assert resp.get_json()["total"] == 0


@pytest.mark.parametrize("url", ["/", "/search?q=ภาษี", "/division/finance"])
def test_an_empty_office_says_how_to_add_the_first_document(empty, url):
    body = empty.get(url).get_data(as_text=True)
    assert EMPTY_STATE in body
    assert 'kmsearch new --type manual --division finance "ชื่อเรื่อง"' in body
    assert "kmsearch check" in body and "<code>finance</code> กองคลัง" in body


def test_an_office_with_documents_shows_no_empty_state(client):
    for url in ("/", "/search?q=ดาวอังคาร", "/division/finance"):
        assert EMPTY_STATE not in client.get(url).get_data(as_text=True)


# --- the real server ------------------------------------------------------------


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, dict(resp.headers), unbreak(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        with e:
            return e.code, dict(e.headers), e.read().decode("utf-8")


def test_serve_starts_for_an_empty_office(tmp_path):
    with start_server(only_the_office(tmp_path / "E"), tmp_path / "EI") as base:
        status, _, body = fetch(base + "/")
        assert status == 200 and EMPTY_STATE in body and "kmsearch new" in body


def test_serve_starts_on_a_damaged_live_build_and_recovers_with_a_good_one(tmp_path):
    content, index = write_corpus(tmp_path / "c"), tmp_path / "ix"
    assert CliRunner().invoke(cli, ["build", "--content", str(content), "--index", str(index)]).exit_code == 0
    live = (index / CURRENT).resolve()
    (live / "kmsearch.json").write_text("{ broken")
    (live / SERVING).write_text("{ broken")
    with start_server(content, index, "--no-watch") as base:
        status, headers, body = fetch(base + "/search?q=" + quote("ภาษี"))
        assert status == 503 and headers["Retry-After"].isdigit()
        assert 'lang="th"' in body and "ดัชนีค้นหาชุดที่ใช้อยู่เสียหาย" in body and "Traceback" not in body
        assert headers["Content-Security-Policy"]
        status, headers, body = fetch(base + "/api/search?q=" + quote("ภาษี"))
        assert status == 503 and "เสียหาย" in body and headers["Content-Type"].startswith("application/json")
        rebuilt = subprocess.run(
            [KMSEARCH, "build", "--content", str(content), "--index", str(index)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        status, _, body = fetch(base + "/search?q=" + quote("ภาษีที่ดิน"))
        assert status == 200 and "<mark>ภาษีที่ดิน</mark>" in body
