"""เอกสารใหม่ (/latest), ทำเนียบผู้รู้ (/people), วิธีค้นหา (/help), the Atom
feeds as a browser reads them, and what an empty search says: on a corpus
of this module's own, through the Flask test client."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer import build_index, check_content
from kmsearch import create_app
from kmsearch.km.figures import holder_anchor
from kmsearch.search.repository import Repository
from kmsearch.search.synonyms import thai_words_for

from .corpus import DOCS, write_corpus
from .sites import on_backend

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines

ATOM = "{http://www.w3.org/2005/Atom}"
KM = "{https://kmsearch.invalid/ns/feed}"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
BUNDLED = Path(__file__).resolve().parents[1] / "content"

# The road lesson's holder again, written with another position: one person.
SECOND_ROAD_LESSON = """---
id: culvert-lesson
title: เรื่องเล่าการวางท่อระบายน้ำลอดถนน
division: กองช่าง
type: lesson
knowledge: tacit
area: [community-data]
holder: นายช่างประสิทธิ์  ทำดี (นายช่างโยธาอาวุโส)
summary: วางท่อลอดถนนอย่างไรไม่ให้ทรุด
date: 2023-06-01
---
ท่อระบายน้ำลอดถนนต้องรองพื้นด้วยทรายและบดอัดเป็นชั้น
"""
CONTACTS = """
show_contacts: {show}
people:
  - name: นายช่างประสิทธิ์ ทำดี
    phone: 036 411 222 ต่อ 12
    email: prasit@example.go.th
"""


def make_site(root: Path, show: bool | None = None, synonyms: str = "", backend: str = "whoosh", cluster=None) -> dict:
    content = write_corpus(root / "content", {**DOCS, "engineering/culvert-lesson.md": SECOND_ROAD_LESSON})
    on_backend(content, backend, cluster)
    if show is not None:
        with open(content / "kmsearch.yaml", "a", encoding="utf-8") as fh:
            fh.write(CONTACTS.format(show="true" if show else "false"))
    if synonyms:
        with open(content / "synonyms.txt", "a", encoding="utf-8") as fh:
            fh.write(synonyms)
    report = build_index(content, root / "index")
    assert report.problems == []
    return {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "USAGE_DB": "off"}


def client_for(settings: dict):
    app = create_app(settings)
    app.testing = True
    return app.test_client()


@pytest.fixture
def site(backend, cluster, sites):
    """This module's corpus, built once a session per backend."""
    return sites.get(
        "pages", backend, lambda root: make_site(root, synonyms="งบประมาณ = budget\n", backend=backend, cluster=cluster)
    )


@pytest.fixture
def client(site):
    return client_for(site)


def page(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- เอกสารใหม่ -------------------------------------------------------------------


def changes(html: str) -> list[tuple[str, str, str]]:
    """(label, Thai date, title) of each listed document, in order."""
    rows = re.findall(
        r'<span class="change-label[^"]*">([^<]+)</span>\s*<time[^>]*>([^<]+)</time></p>\s*'
        r'<h2><a href="[^"]+">([^<]+)</a>',
        html,
    )
    return [(a, b, unescape(c)) for a, b, c in rows]


def test_latest_lists_new_and_updated_documents_newest_first(client):
    rows = changes(page(client.get("/latest")))
    assert len(rows) == 7
    assert rows[0] == ("ใหม่", "1 ต.ค. 2567", "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน")
    assert rows[1] == ("ใหม่", "30 ก.ย. 2567", "รายงานผลการฝึกอบรมครูผู้ดูแลเด็กศูนย์พัฒนาเด็กเล็ก")
    # published 15 Nov 2023, updated 1 Feb 2024: listed by its update, and says so
    assert rows[2] == ("ปรับปรุง", "1 ก.พ. 2567", "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง")
    assert rows[-1][2] == "ประเพณีกวนข้าวทิพย์ของชุมชน"
    assert "เผยแพร่ 15 พ.ย. 2566" in plain(page(client.get("/latest")))


def test_latest_per_division(client):
    html = page(client.get("/latest/engineering"))
    assert "<h1>เอกสารใหม่ของกองช่าง</h1>" in html
    assert [r[2] for r in changes(html)] == [
        "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน",
        "เรื่องเล่าการวางท่อระบายน้ำลอดถนน",
        "คู่มือการขออนุญาตก่อสร้างอาคาร",
    ]
    assert 'href="/division/engineering/feed.atom"' in html
    moved = client.get("/latest/กองช่าง")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/latest/engineering")
    assert client.get("/latest/nowhere").status_code == 404
    assert client.get("/latest?page=abc").status_code == 400


def test_latest_is_in_the_menu_and_the_footer_next_to_the_feed(client):
    html = page(client.get("/"))
    menu = re.search(r'<nav class="mainnav" aria-label="เมนูหลัก">(.*?)</nav>', html, re.S).group(1)
    assert [plain(a) for a in re.findall(r"<a [^>]*>(.*?)</a>", menu)] == ["เอกสารใหม่", "ทำเนียบผู้รู้", "วิธีค้นหา"]
    footer = re.search(r"<footer.*?</footer>", html, re.S).group(0)
    assert '<a href="/latest">เอกสารใหม่</a> (<a href="/feed.atom" type="application/atom+xml">ฟีด Atom</a>)' in footer
    assert 'aria-current="page">เอกสารใหม่<' in page(client.get("/latest"))


# --- feeds in a browser ------------------------------------------------------------


def test_feed_names_its_stylesheet_and_stays_atom(client):
    resp = client.get("/feed.atom")
    assert resp.mimetype == "application/atom+xml"  # a feed reader's request
    assert resp.data.splitlines()[1] == b'<?xml-stylesheet href="/static/feed.xsl" type="text/xsl"?>'
    feed = ET.fromstring(resp.data)
    assert feed.tag == ATOM + "feed"
    assert feed.find(ATOM + "link[@rel='alternate']").get("href") == "http://localhost/latest"
    land = next(e for e in feed.findall(ATOM + "entry") if "ภาษีที่ดิน" in e.findtext(ATOM + "title"))
    assert (land.findtext(KM + "change"), land.findtext(KM + "date")) == ("ปรับปรุง", "1 ก.พ. 2567")
    assert "Accept" in resp.headers["Vary"]
    xsl = client.get("/static/feed.xsl")
    assert xsl.status_code == 200 and b"xsl:stylesheet" in xsl.data
    xsl.close()


def test_a_browser_gets_the_feed_as_xml_so_that_it_applies_the_stylesheet(client):
    resp = client.get("/division/engineering/feed.atom", headers={"Accept": BROWSER_ACCEPT})
    assert resp.mimetype == "application/xml"
    assert ET.fromstring(resp.data).find(ATOM + "link[@rel='alternate']").get("href").endswith("/latest/engineering")
    reader = client.get("/feed.atom", headers={"Accept": "application/atom+xml, application/rss+xml;q=0.9, */*;q=0.1"})
    assert reader.mimetype == "application/atom+xml"


# --- ทำเนียบผู้รู้ ------------------------------------------------------------------


def people(html: str) -> dict[str, str]:
    """name -> the text of their box."""
    boxes = html.split('<li class="person"')[1:]
    return {plain(re.search(r"<h2>(.*?)</h2>", b).group(1)): plain(b.split('<p class="note">')[0]) for b in boxes}


def test_people_lists_each_holder_once_with_what_they_know(client):
    html = page(client.get("/people"))
    found = people(html)
    assert sorted(found) == ["นางบุญมา ศรีสุข", "นายช่างประสิทธิ์ ทำดี"]
    prasit = found["นายช่างประสิทธิ์ ทำดี"]
    assert "นายช่างโยธาอาวุโส" in prasit and "กองช่าง" in prasit
    assert "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน" in prasit and "เรื่องเล่าการวางท่อระบายน้ำลอดถนน" in prasit
    assert "ข้อมูลพื้นฐานและสภาพพื้นที่ของชุมชน" in prasit  # the area of the culvert lesson
    assert "ปราชญ์ชาวบ้าน" in found["นางบุญมา ศรีสุข"]
    assert 'href="/a/culvert-lesson"' in html
    assert "โทรศัพท์" not in html and "อีเมล" not in html


def test_the_article_names_the_holder_once_with_a_link_to_the_directory(client):
    html = page(client.get("/a/road-repair-lesson"))
    article = re.search(r"<article.*?</article>", html, re.S).group(0)  # not the related articles after it
    assert article.count("นายช่างประสิทธิ์ ทำดี") == 1
    anchor = holder_anchor("นายช่างประสิทธิ์ ทำดี")
    assert f'<a href="/people#{anchor}">นายช่างประสิทธิ์ ทำดี</a>' in html
    # the other article writes the name with two spaces and a position: the same person
    assert f'href="/people#{anchor}"' in page(client.get("/a/culvert-lesson"))
    assert f'id="{anchor}"' in page(client.get("/people"))


def test_the_dashboard_directory_is_the_same_one(client):
    html = page(client.get("/km"))
    section = plain(re.search(r'<section class="km-section" id="km-holders".*?</section>', html, re.S).group(0))
    assert section.count("นายช่างประสิทธิ์ ทำดี") == 1


@pytest.mark.slow
def test_contacts_only_when_the_office_turns_them_on(backend, cluster, tmp_path):
    hidden = page(client_for(make_site(tmp_path / "off", show=False, backend=backend, cluster=cluster)).get("/people"))
    assert "036 411 222" not in hidden and "prasit@example.go.th" not in hidden
    shown = page(client_for(make_site(tmp_path / "on", show=True, backend=backend, cluster=cluster)).get("/people"))
    prasit = people(shown)["นายช่างประสิทธิ์ ทำดี"]
    assert "โทรศัพท์ 036 411 222 ต่อ 12" in prasit and "อีเมล prasit@example.go.th" in prasit
    assert 'href="mailto:prasit@example.go.th"' in shown


@pytest.mark.parametrize(
    "people_yaml, problem",
    [
        ("people:\n  - name: ก\n    email: no-at-sign\n", ":{n}: config: people[0].email: “no-at-sign” ไม่ใช่ที่อยู่อีเมล"),
        ("people:\n  - name: ก\n  - name: ข\n    fax: 1\n", ":{m}: config: people[1]: ไม่รู้จักช่อง fax"),
        ("people:\n  - phone: '036'\n", ":{n}: config: people[0].name: ต้องระบุชื่อ"),
        (
            "people:\n  - name: นาย ก\n  - name: นาย ก (ช่าง)\n",
            ":{m}: config: people[1].name: “นาย ก (ช่าง)” ซ้ำกับ people[0]",
        ),
        ("show_contacts: maybe\n", ":{s}: config: show_contacts: ต้องเป็น true หรือ false"),
    ],
)
def test_bad_people_entries_name_file_and_line(tmp_path, people_yaml, problem):
    content = write_corpus(tmp_path / "content", {})
    config = content / "kmsearch.yaml"
    before = len(config.read_text(encoding="utf-8").splitlines())
    config.write_text(config.read_text(encoding="utf-8") + people_yaml, encoding="utf-8")
    expected = problem.format(n=before + 2, m=before + 3, s=before + 1)
    [found] = [str(p) for p in check_content(content).problems]
    assert found.startswith(str(config)) and expected in found, found


# --- วิธีค้นหา and empty searches --------------------------------------------------


@pytest.mark.slow
def test_every_example_on_the_help_page_finds_results_in_the_bundled_content(backend, cluster, tmp_path):
    content = BUNDLED
    if backend != "whoosh":  # the bundled folder stays as it is: a copy names the engine
        content = on_backend(Path(shutil.copytree(BUNDLED, tmp_path / "content")), backend, cluster)
    report = build_index(content, tmp_path / "index")
    assert report.problems == []
    client = client_for({"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "index"), "USAGE_DB": "off"})
    html = page(client.get("/help"))
    links = re.findall(r'<a class="example" href="([^"]+)"><code>([^<]+)</code>', html)
    assert len(links) == 12, "every example works here: none was left out"
    syntax = {unescape(q) for _, q in links}
    assert {'"ภาษีค้างชำระ"', "ภาษี -ป้าย", "ไข้เลือดออก OR ยุงลาย", "แผน ปี:2566", "tag:e-GP"} <= syntax
    assert "คู่มือ division:สำนักปลัดเทศบาล" in syntax
    for href, query in links:
        assert parse_qs(urlsplit(unescape(href)).query)["q"] == [unescape(query)]
        results = page(client.get(unescape(href)))
        summary = plain(re.search(r'<p id="results-summary".*?</p>', results, re.S).group(0))
        assert re.match(r"พบ [1-9]\d* เรื่อง", summary), (query, summary)


def test_the_search_box_areas_link_the_help(client):
    for url in ("/", "/search?q=ถนน", "/search?q=ดาวอังคาร"):
        assert 'href="/help"' in page(client.get(url)), url
    assert "ดาวอังคาร" not in page(client.get("/help"))


def test_an_english_query_that_finds_nothing_says_the_content_is_thai(client):
    html = page(client.get("/search?q=flood"))
    notice = plain(re.search(r'<p class="notice latin".*?</p>', html, re.S).group(0))
    assert notice.startswith("เนื้อหาในคลังความรู้เป็นภาษาไทย") and "เช่น" not in notice  # no word invented
    # an office synonym group holding the English word: its Thai words are offered
    html = page(client.get("/search?q=Budget"))
    notice = re.search(r'<p class="notice latin".*?</p>', html, re.S).group(0)
    assert "เช่น" in notice and ">งบประมาณ</a>" in notice
    assert "notice latin" not in page(client.get("/search?q=ดาวอังคาร"))  # Thai: no such notice


def test_thai_words_for_english_come_only_from_synonym_groups():
    groups = [("e-GP", "ระบบการจัดซื้อจัดจ้างภาครัฐ"), ("KM", "การจัดการความรู้"), ("หมา", "สุนัข")]
    assert thai_words_for("e-gp", groups) == ["ระบบการจัดซื้อจัดจ้างภาครัฐ"]
    assert thai_words_for("km plan", groups) == ["การจัดการความรู้"]
    assert thai_words_for("flood", groups) == []
    assert thai_words_for("หมา", groups) is None and thai_words_for("2567", groups) is None


def test_a_filtered_search_that_finds_nothing_says_how_many_without_the_filter(client, monkeypatch):
    searches = []
    real = Repository.run_query

    def counting(self, ix, text, filters=None, *args, **kwargs):
        searches.append(filters)
        return real(self, ix, text, filters, *args, **kwargs)

    monkeypatch.setattr(Repository, "run_query", counting)
    html = page(client.get("/search?q=ถนน&division=finance"))
    assert searches == [{"division": ("finance",)}, None]  # the one extra search, unfiltered
    notice = re.search(r'<p class="notice unfiltered".*?</p>', html, re.S).group(0)
    assert plain(notice).startswith("พบ 2 เรื่องเมื่อไม่กรอง")
    href = unescape(re.search(r'href="([^"]+)"', notice).group(1))
    assert parse_qs(urlsplit(href).query) == {"q": ["ถนน"]}  # the filters removed
    searches.clear()
    page(client.get("/search?q=ถนน&division=engineering"))  # found: no extra search
    assert searches == [{"division": ("engineering",)}]
    searches.clear()
    assert "notice unfiltered" not in page(client.get("/search?q=ดาวอังคาร&division=finance"))
    assert searches == [{"division": ("finance",)}, None]
