"""Security headers, error pages without tracebacks, ids and paths that
cannot reach files that are not content, and queries that cannot break or
stall the search."""

from __future__ import annotations

import html
import os
import random
import re
import time
from pathlib import Path

import pytest

from indexer import build_index
from indexer.analysis import thai
from indexer.content.loader import content_files, read_file
from indexer.content.office import load_office
from indexer.engine.whoosh import SearchIndex
from kmsearch import create_app
from kmsearch.search.query import parse

from .corpus import DATA, write_corpus
from .visible import unbreak

SECRET = "SECRET-MARKER-7f3a"


def text(resp) -> str:
    return unbreak(resp.get_data(as_text=True))


# --- headers -----------------------------------------------------------------

PAGES = [
    ("/", 200),
    ("/search?q=ภาษีที่ดิน", 200),
    ("/search?q=x&division=nowhere", 400),
    ("/a/land-tax-manual", 200),
    ("/a/land-tax", 301),
    ("/a/no-such-article", 404),
    ("/division/finance", 200),
    ("/division/nowhere", 404),
    ("/api/search?q=ภาษี", 200),
    ("/api/search?page=0", 400),
    ("/api/articles/land-tax-manual", 200),
    ("/api/articles/nope", 404),
    ("/api/suggest?q=ภาษี", 200),
    ("/static/style.css", 200),
    ("/nowhere", 404),
]


@pytest.mark.parametrize("url,status", PAGES)
def test_every_response_carries_the_security_headers(client, url, status):
    resp = client.get(url)
    assert resp.status_code == status
    csp = resp.headers["Content-Security-Policy"]
    directives = dict((d.split(" ", 1) + [""])[:2] for d in (p.strip() for p in csp.split(";")) if d)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    assert "http:" not in csp and "https:" not in csp, "nothing from other origins"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in resp.headers, "only over HTTPS"
    resp.close()  # a static file is sent from an open file


def test_hsts_over_https(client):
    resp = client.get("/", base_url="https://km.example.go.th")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search?q=ภาษีที่ดิน",
        "/a/land-tax-manual",
        "/division/finance",
        "/a/no-such-article",
        "/search?q=x&division=nowhere",
    ],
)
def test_pages_need_nothing_the_policy_blocks(client, url):
    """No inline script, inline style or event handler in any template."""
    body = text(client.get(url))
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", body, re.I), "inline script"
    assert not re.search(r"<style", body, re.I), "inline <style>"
    assert not re.search(r"\sstyle=", body, re.I), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", body, re.I), "event handler attribute"
    for m in re.finditer(r"<(link|script|img)\b[^>]*\b(href|src)=\"([^\"]+)\"", body):
        tag, _, url_ = m.groups()
        if tag == "link" and "stylesheet" not in m.group(0) and "icon" not in m.group(0):
            continue  # canonical, alternate: addresses, not loaded resources
        assert url_.startswith("/") and not url_.startswith("//"), f"{tag} loads {url_} from another origin"


def test_the_stylesheet_loads_nothing_from_elsewhere(client):
    resp = client.get("/static/style.css")
    css = text(resp)
    resp.close()
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css) + re.findall(r"@import\s+['\"]([^'\"]+)", css):
        assert not re.match(r"^(https?:)?//", url), url


# --- errors ------------------------------------------------------------------


def _app_with_a_bug(built, **settings):
    app = create_app({**built, "USAGE_DB": "off", **settings})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: /etc/shadow")

    return app


def test_an_error_in_production_is_a_plain_thai_page(built):
    app = _app_with_a_bug(built)
    assert not app.debug and not app.testing
    resp = app.test_client().get("/boom")
    body = text(resp)
    assert resp.status_code == 500
    assert "ระบบขัดข้อง" in body and 'lang="th"' in body
    assert "Traceback" not in body and "RuntimeError" not in body and "/etc/shadow" not in body
    assert "Werkzeug" not in body and "debugger" not in body.lower()
    assert resp.headers["Content-Security-Policy"]


def test_an_api_error_in_production_is_json(built):
    app = create_app({**built, "USAGE_DB": "off"})

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("internals")

    resp = app.test_client().get("/api/boom")
    assert resp.status_code == 500 and resp.is_json
    assert "internals" not in text(resp)


def test_an_error_page_that_cannot_render_still_answers_in_thai(built, tmp_path):
    app = _app_with_a_bug(built)

    @app.context_processor
    def broken():
        raise RuntimeError("the office configuration is broken")

    resp = app.test_client().get("/boom")
    assert resp.status_code == 500 and "ขัดข้อง" in text(resp) and "Traceback" not in text(resp)


def test_other_http_errors_are_thai_too(client):
    resp = client.post("/search")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]
    assert 'lang="th"' in text(resp) and "Method Not Allowed" not in text(resp)
    resp = client.post("/api/search")
    assert resp.status_code == 405 and resp.is_json


def test_no_debugger_without_debug(built):
    app = create_app({**built, "USAGE_DB": "off"})
    assert app.debug is False
    assert not app.config.get("PROPAGATE_EXCEPTIONS")


# --- ids and paths -----------------------------------------------------------


@pytest.fixture(scope="module")
def walled(tmp_path_factory):
    """A content folder with things beside the documents that must never be
    served: a secret file, a draft, a git config, and links out."""
    root = tmp_path_factory.mktemp("walled")
    outside = root / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text(_doc("outside-secret", f"ความลับ {SECRET}"), encoding="utf-8")
    (outside / "folder" / "inner.md").write_text(_doc("outside-inner", f"ความลับ {SECRET}"), encoding="utf-8")
    (outside / "secret.pdf").write_text(SECRET)
    content = write_corpus(root / "content")
    (content / "secret.txt").write_text(SECRET)
    (content / "_drafts").mkdir()
    (content / "_drafts" / "draft.md").write_text(_doc("draft", SECRET), encoding="utf-8")
    (content / ".git").mkdir()
    (content / ".git" / "config").write_text(f"[remote]\nurl = https://user:{SECRET}@example.org/x.git\n")
    os.symlink(outside / "secret.md", content / "finance" / "linked-secret.md")
    os.symlink(outside / "folder", content / "linked-folder")
    os.symlink(content / ".git" / "config", content / "finance" / "git-config.md")
    os.symlink(content / "secret.txt", content / "finance" / "secret-text.md")
    (content / "finance" / "forms").mkdir()
    os.symlink(outside / "secret.pdf", content / "finance" / "forms" / "evil.pdf")
    (content / "_drafts" / "notes.txt").write_text(SECRET)
    (content / ".git" / "notes.txt").write_text(SECRET)
    # Links to a file outside (through a link), and to files in folders that
    # are not content (drafts, git): none of them becomes an attachment.
    (content / "finance" / "with-form.md").write_text(
        _doc(
            "with-form",
            "แบบฟอร์ม [ดาวน์โหลด](forms/evil.pdf) [ร่าง](../_drafts/notes.txt) "
            "[git](../.git/notes.txt) [ตั้งค่า](../kmsearch.yaml) [ร่าง](../_drafts/draft.md)",
        ),
        encoding="utf-8",
    )
    index = root / "index"
    report = build_index(content, index)
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index)})
    app.testing = True
    return {"content": content, "index": index, "report": report, "client": app.test_client()}


def _doc(doc_id: str, body: str) -> str:
    return (
        f"---\nid: {doc_id}\ntitle: เอกสาร {doc_id}\ndivision: กองคลัง\ntype: manual\n"
        f"knowledge: explicit\ndate: 2024-01-01\n---\n{body}\n"
    )


def test_links_out_of_the_content_folder_are_not_followed(walled):
    problems = {p.path: p.message for p in walled["report"].problems}
    assert "outside the content folder" in problems["finance/linked-secret.md"]
    assert "not a content document" in problems["finance/git-config.md"]
    assert "not a content document" in problems["finance/secret-text.md"]
    with SearchIndex(walled["index"]) as ix:
        ids = {d["id"] for d in ix.all()}
        assert {"outside-secret", "outside-inner", "draft"}.isdisjoint(ids)
        assert "land-tax-manual" in ids
        assert all(SECRET not in (d.get("body", "") + d.get("html", "")) for d in ix.all())
    listed = {p.relative_to(walled["content"]).as_posix() for p in content_files(walled["content"])}
    assert not any(p.startswith(("linked-folder", "_drafts", ".git")) for p in listed)


def test_the_content_folder_itself_may_be_a_link(walled, tmp_path):
    link = tmp_path / "content-link"
    os.symlink(walled["content"], link)
    paths = list(content_files(link))
    raw = read_file(link / "finance" / "land-tax-manual.md", link)
    assert any(p.name == "land-tax-manual.md" for p in paths)
    assert raw.metadata["id"] == "land-tax-manual"


TRAVERSALS = [
    "/secret.txt",
    "/content/secret.txt",
    "/kmsearch.yaml",
    "/.git/config",
    "/_drafts/draft.md",
    "/static/../secret.txt",
    "/static/%2e%2e/%2e%2e/content/secret.txt",
    "/static/..%2f..%2fsecret.txt",
    "/static/..%5c..%5csecret.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/a/../../secret.txt",
    "/a/..%2f..%2fsecret.txt",
    "/a/%2e%2e",
    "/a/%00",
    "/a/outside-secret",
    "/a/draft",
    "/a/" + "a" * 5000,
    "/a/LAND-TAX-MANUAL",
    "/a/land-tax-manual%0a",
    "/a/land-tax-manual/",
    "/api/articles/..%2fsecret",
    "/api/articles/outside-secret",
    "/api/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/a/with-form/files/forms/evil.pdf",
    "/a/with-form/files/../secret.txt",
    "/a/with-form/files/..%2f..%2fsecret.txt",
    "/a/with-form/files/%2e%2e/%2e%2e/secret.txt",
    "/a/with-form/files//etc/passwd",
    "/a/with-form/files/secret.txt",
    "/a/with-form/files/../../.git/config",
    "/a/land-tax-manual/files/land-tax-manual.md",
    "/a/with-form/files/../_drafts/notes.txt",
    "/a/with-form/files/..%2f_drafts%2fnotes.txt",
    "/a/with-form/files/../.git/notes.txt",
    "/a/with-form/files/../kmsearch.yaml",
    "/a/with-form/files/../_drafts/draft.md",
    "/a/land-tax-manual/files/../../kmsearch.yaml",
    "/a/land-tax-manual/files/%00",
    "/division/..%2f..%2fsecret.txt",
    "/search?q=../../secret.txt&tag=../../../etc/passwd",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_no_url_serves_a_file_that_is_not_content(walled, url):
    resp = walled["client"].get(url)
    body = text(resp)
    resp.close()  # a served file would stay open
    assert resp.status_code in (200, 301, 308, 400, 404, 410), resp.status_code
    assert SECRET not in body
    if resp.status_code == 200:
        assert url.startswith("/search"), f"{url} answered 200"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_invalid_ids_never_reach_the_index(client, monkeypatch):
    from kmsearch.search import repository

    def fail(doc_id):
        raise AssertionError(f"looked up {doc_id!r}")

    monkeypatch.setattr(repository, "article", fail)
    for bad in ["..", "A", "a_b", "-a", "a-", "a" * 81, "ก", "a.b", "a b"]:
        assert client.get(f"/a/{bad}").status_code == 404
        assert client.get(f"/api/articles/{bad}").status_code == 404


# --- queries -----------------------------------------------------------------

HOSTILE_QUERIES = [
    '"ภาษีที่ดิน',
    'ภาษี"',
    '"',
    '""',
    '"""',
    "-",
    "--",
    "- -",
    "-ภาษี",
    '-"',
    "*",
    "**",
    "?",
    "ภาษี*",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "/",
    "%",
    "&",
    "|",
    "^",
    "~",
    "OR",
    "OR OR",
    "ภาษี OR",
    "OR ภาษี",
    "AND",
    "NOT",
    "division:",
    "division:nowhere",
    "type:",
    'tag:"',
    "year:",
    "year:abc",
    "year:99999999999999999999999",
    "year:-1",
    "ปี:",
    "ปี:๙๙๙๙",
    "area:ไม่มี",
    ":",
    "::",
    "a:b:c",
    "😀",
    "😀" * 200,
    "ภาษี😀ที่ดิน",
    "\x00",
    "\x00ภาษี",
    "\x1b[31mภาษี",
    "\x7f",
    "\u200b",
    "\u202eภาษี",
    "\ufeff",
    "\ud7ff",
    "\uffff",
    "่่่่",
    "ำำำ",
    "ก" * 10_000,
    "ภาษีที่ดิน " * 1000,
    "a" * 10_000,
    "x " * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "%s%s%s",
    "{{7*7}}",
    "${jndi:ldap://x}",
]


@pytest.mark.parametrize("q", HOSTILE_QUERIES, ids=lambda q: repr(q[:20]))
def test_malformed_queries_never_fail(client, q):
    page = client.get("/search", query_string={"q": q})
    assert page.status_code == 200
    resp = client.get("/api/search", query_string={"q": q})
    assert resp.status_code == 200
    data = resp.get_json()
    assert len(data["query"]) <= 500
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", data["query"]), "control characters dropped"


def test_long_queries_are_cut_to_the_setting(make_app):
    client = make_app(MAX_QUERY_CHARS=20).test_client()
    data = client.get("/api/search", query_string={"q": "ภาษีที่ดิน" * 100}).get_json()
    assert len(data["query"]) <= 20 and "ภาษี" in data["query"]  # its words, each once
    body = text(client.get("/search", query_string={"q": "ภาษีที่ดิน" * 100}))
    assert "ภาษีที่ดิน" * 3 not in body


@pytest.mark.parametrize("url", ["/search?q=ภาษี", "/api/search?q=ภาษี", "/division/finance"])
@pytest.mark.parametrize(
    "page,status",
    [
        ("1", 200),
        ("100", 200),
        ("0", 400),
        ("-1", 400),
        ("101", 400),
        ("99999999999999999999999", 400),
        ("abc", 400),
        ("1.5", 400),
        ("", 200),
    ],
)
def test_page_limits(client, url, page, status):
    resp = client.get(f"{url}&page={page}" if "?" in url else f"{url}?page={page}")
    assert resp.status_code == status


def test_page_limit_follows_the_setting(make_app):
    client = make_app(MAX_PAGE=3).test_client()
    assert client.get("/search?q=ภาษี&page=3").status_code == 200
    assert client.get("/search?q=ภาษี&page=4").status_code == 400
    assert client.get("/api/search?q=ภาษี&page=4").get_json()["parameter"] == "page"


def test_filters_are_bounded(client):
    many = ",".join(f"t{i}" for i in range(21))
    assert client.get(f"/api/search?tag={many}").status_code == 400
    assert client.get("/api/search", query_string={"tag": "x" * 101}).status_code == 400
    assert client.get("/search", query_string={"tag": "x" * 101}).status_code == 400
    assert client.get("/api/search?limit=51").status_code == 400
    assert client.get("/api/search?limit=0").status_code == 400


def test_a_slow_search_is_cut_and_says_so(make_app):
    # A limit no search can meet: the first word is scored, the rest cut.
    client = make_app(SEARCH_TIME_LIMIT=1e-9).test_client()
    resp = client.get("/api/search", query_string={"q": "ภาษี ป้าย ขยะ"})
    assert resp.status_code == 200 and resp.get_json()["partial"] is True
    assert resp.get_json()["total"] > 0
    body = text(client.get("/search", query_string={"q": "ภาษี ป้าย ขยะ"}))
    assert "ใช้เวลานานเกินกำหนด" in body


class _CountingVocabulary:
    """Knows no word, so every query word is a typo: the worst case."""

    def __init__(self):
        self.lookups = 0

    def frequency(self, word: str) -> int:
        return 0

    def similar_words(self, word: str, maxdist: int = 1, limit: int = 3) -> list[str]:
        self.lookups += 1
        return []


def test_spelling_correction_work_is_bounded():
    rnd = random.Random("kmsearch-dos")
    letters = [chr(c) for c in range(0x0E01, 0x0E2F)] + list("ะาิีุู่้เแ")
    for q in [
        "".join(rnd.choice(letters) for _ in range(500)),
        " ".join("".join(rnd.choice(letters) for _ in range(5)) for _ in range(80)),
        "ที่ดืน " * 80,
    ]:
        vocabulary = _CountingVocabulary()
        parse(q, thai.Segmenter([]), None, (), None, "relevance", vocabulary)
        assert vocabulary.lookups <= 30, vocabulary.lookups


def test_query_parsing_of_the_longest_allowed_query_is_quick():
    """Without the vocabulary (no spelling correction) parsing is linear."""
    import time

    office = load_office(DATA)
    q = "".join(random.Random(1).choice('ภาษีที่ดินกขค "-:') for _ in range(500))
    started = time.perf_counter()
    parsed = parse(q, thai.Segmenter([]), office, (), None, "relevance", None)
    assert time.perf_counter() - started < 2.0
    assert parsed.spec is not None


def test_paths_outside_stay_outside(walled):
    """The content folder of the app is where documents come from, and only
    documents: the whole folder's files are not reachable one by one."""
    client = walled["client"]
    for path in Path(walled["content"]).rglob("*"):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(walled["content"]).as_posix()
            for url in (f"/{rel}", f"/static/{rel}", f"/content/{rel}"):
                resp = client.get(url)
                resp.close()
                assert resp.status_code == 404, url


@pytest.mark.slow
def test_serve_runs_waitress_and_the_development_server_only_with_debug(built, monkeypatch):
    from click.testing import CliRunner
    from flask import Flask

    from kmsearch.cli import cli
    from kmsearch.web import server

    calls = []
    monkeypatch.setattr(server, "serve", lambda app, **kw: calls.append(("waitress", app.debug)))
    monkeypatch.setattr(Flask, "run", lambda self, **kw: calls.append(("flask", kw.get("debug"))))
    args = ["serve", "--content", built["CONTENT_DIR"], "--index", built["INDEX_DIR"], "--port", "1"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert CliRunner().invoke(cli, [*args, "--debug"]).exit_code == 0
    assert calls == [("waitress", False), ("flask", True)]


# --- URL parameters ------------------------------------------------------------


def hrefs(resp) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', text(resp))]


@pytest.mark.parametrize(
    "url",
    ["/search?q=ภาษี&division=finance&sort=date", "/search?q=&type=manual", "/division/finance", "/type/manual", "/"],
)
def test_unknown_parameters_never_reach_a_link(client, url):
    junk = "&utm_source=line&fbclid=ABC&evil=%22%3E%3Cscript%3E&q2=x&division_=y"
    resp = client.get(url + ("&" if "?" in url else "?") + junk.lstrip("&"))
    assert resp.status_code == 200
    links = hrefs(resp)
    assert links
    for name in ("utm_source", "fbclid", "evil", "q2", "division_"):
        assert not any(name + "=" in h for h in links), name
    if "division=finance" in url:
        search_links = [h for h in links if h.startswith("/search?")]
        assert search_links and all("division=finance" in h or "division" not in h for h in search_links)
        assert any("sort=date" in h for h in search_links)


def test_a_214_kb_url_of_25000_parameters_is_a_normal_page_at_once(client):
    normal = client.get("/search?q=ภาษีที่ดิน")
    url = "/search?q=ภาษีที่ดิน&" + "&".join(f"p{i}=x" for i in range(25_000))
    assert len(url) > 200_000
    started = time.monotonic()
    resp = client.get(url)
    assert time.monotonic() - started < 1.0
    assert resp.status_code == 200
    assert len(resp.data) < len(normal.data) + 2_000
    assert "<mark>ภาษีที่ดิน</mark>" in text(resp) and "p1=" not in text(resp)


def test_many_unknown_parameters_give_a_normal_page(client):
    normal = client.get("/search?q=ภาษี")
    url = "/search?q=ภาษี&" + "&".join(f"p{i}=x" for i in range(1_500))
    assert len(url) < 16 * 1024
    started = time.monotonic()
    resp = client.get(url)
    assert time.monotonic() - started < 1.0
    assert resp.status_code == 200
    assert len(resp.data) < len(normal.data) + 2_000
    assert "p1=" not in text(resp)


def test_parameters_past_the_limit_are_not_read(client):
    """Only the first 128 parameters count: a bad filter after them is never parsed."""
    junk = "&".join(f"p{i}=x" for i in range(200))
    assert client.get(f"/search?q=ภาษี&{junk}&division=nowhere").status_code == 200
    assert client.get(f"/search?q=ภาษี&division=nowhere&{junk}").status_code == 400


def test_a_large_form_is_refused(make_app):
    client = make_app(KM_TOKEN="t0ken").test_client()
    resp = client.post("/km/login", data={"token": "x" * 20_000})
    assert resp.status_code == 413 and "ใหญ่เกินไป" in text(resp)


@pytest.mark.parametrize(
    "qs", ["sort=random", "page=²", "page=๒๐๐", "page=%20", "division=nowhere", "year=²²²²", "tag=" + "x" * 101]
)
def test_one_parser_per_parameter_for_pages_and_api(client, qs):
    """The page and the API refuse the same values with the same Thai message."""
    page = client.get(f"/search?q=ภาษี&{qs}")
    api = client.get(f"/api/search?q=ภาษี&{qs}")
    assert page.status_code == api.status_code == 400
    message = api.get_json()["error"]
    assert re.search("[ก-๙]", message), "Thai"
    assert html.escape(message, quote=True).replace("&#x27;", "&#39;") in text(page)
