"""The page a result opens: the link names the passage, the article marks
the query's words by the snippets' rule, and a link clears them (the
browser tests check the scroll position and what is marked on screen)."""

from __future__ import annotations

import html
import re
import urllib.parse

import pytest

from indexer import build_index
from indexer.analysis import thai
from indexer.content.render import heading_id
from kmsearch import create_app
from kmsearch.search.passage import fragment_text, mark_html, passage_target, result_url
from kmsearch.search.snippets import Marks

from .browser.corpus import write_browser_corpus
from .visible import unbreak

HANDBOOK = "/a/tax-collection-handbook"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("passage")
    content = write_browser_corpus(root / "content")
    build_index(content, root / "index")
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "USAGE_DB": "off"})
    return app.test_client()


def page(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return unbreak(resp.get_data(as_text=True))


def result_links(body: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'<li class="hit">\s*<h3><a href="([^"]+)"', body)]


def marked(body: str) -> list[str]:
    article = body[
        body.index('<div class="body">') : body.index('<section class="related"') if 'class="related"' in body else None
    ]
    return re.findall(r"<mark>([^<]*)</mark>", article)


def test_a_result_opens_its_article_at_the_passage_with_the_query(client):
    links = result_links(page(client, "/search?q=" + urllib.parse.quote("เงินเพิ่มร้อยละ")))
    (link,) = [u for u in links if u.startswith(HANDBOOK)]
    url = urllib.parse.urlsplit(link)
    assert urllib.parse.parse_qs(url.query) == {"hl": ["เงินเพิ่มร้อยละ"]}
    anchor, _, words = url.fragment.partition(":~:text=")
    # the section the words are in: its heading, and the passage's own words
    assert anchor == heading_id("การติดตามหนี้ค้างชำระ")
    assert urllib.parse.unquote(words) == "ผู้ไม่ชำระภายในกำหนดต้องเสียเงินเพิ่มร้อยละ"


def test_a_passage_before_the_first_heading_has_no_heading_anchor(client):
    links = result_links(page(client, "/search?q=" + urllib.parse.quote("เจ้าหน้าที่งานพัฒนาและจัดเก็บรายได้")))
    (link,) = [u for u in links if u.startswith(HANDBOOK)]
    fragment = urllib.parse.urlsplit(link).fragment
    assert fragment.startswith(":~:text=")
    assert urllib.parse.unquote(fragment.split("=", 1)[1]).startswith("คู่มือนี้ใช้สำหรับ")


def test_the_article_marks_the_query_words_and_links_to_the_plain_page(client):
    body = page(client, HANDBOOK + "?hl=" + urllib.parse.quote("ภาษีป้าย"))
    # the phrase, or either of its words where it stands alone: as the snippets mark them
    assert "ภาษีป้าย" in marked(body) and set(marked(body)) <= {"ภาษีป้าย", "ภาษี", "ป้าย"}
    bar = body[body.index('<p class="hl-bar">') : body.index("</p>", body.index('<p class="hl-bar">'))]
    assert f"{len(marked(body))} แห่ง" in bar
    assert f'<a class="hl-clear" href="{HANDBOOK}">ล้างไฮไลต์</a>' in bar
    # the canonical address, the share card and the copy-link stay the plain article
    assert re.search(r'<link rel="canonical" href="http://[^"]+/a/tax-collection-handbook">', body)
    assert re.search(r'<meta property="og:url" content="http://[^"]+/a/tax-collection-handbook">', body)
    assert 'data-url="http://localhost/a/tax-collection-handbook"' in body
    plain = page(client, HANDBOOK)
    assert "<mark>" not in plain and "hl-bar" not in plain


def test_function_words_and_pieces_of_other_words_are_never_marked(client):
    # การ alone is a function word; ภาษี inside ภาษีป้าย is a whole word, ป้า is not one there
    assert marked(page(client, HANDBOOK + "?hl=" + urllib.parse.quote("การ"))) == []
    assert marked(page(client, HANDBOOK + "?hl=" + urllib.parse.quote("ป้า"))) == []
    body = page(client, HANDBOOK + "?hl=" + urllib.parse.quote("ไม่มีคำนี้ในเอกสาร"))
    assert 'ไม่พบคำค้น “<span class="hl-query">ไม่มีคำนี้ในเอกสาร</span>” ในเนื้อหาเอกสารนี้' in body


def test_the_table_of_contents_and_heading_ids_are_left_as_they_were(client):
    plain = page(client, HANDBOOK)
    body = page(client, HANDBOOK + "?hl=" + urllib.parse.quote("ประเมินภาษี"))
    toc = lambda b: b[b.index('<nav class="toc"') : b.index("</nav>", b.index('<nav class="toc"'))]  # noqa: E731
    assert toc(body) == toc(plain)
    assert f'<h3 id="{heading_id("ประเมินภาษี")}"><mark>ประเมินภาษี</mark></h3>' in body


def test_the_api_keeps_the_permalink_and_says_where_a_result_opens(client):
    first = client.get("/api/search?q=" + urllib.parse.quote("ภาษีป้าย")).get_json()["results"][0]
    assert first["url"] == "/a/" + first["id"]
    assert first["open"].startswith("/a/" + first["id"] + "?hl=")


SEG = thai.Segmenter()


def test_marks_go_in_text_only_never_in_tags_or_attributes():
    source = '<p><a href="/search?q=ภาษี" title="ภาษี">ภาษี</a> &amp; ภาษี&lt;ป้าย&gt;</p><h2 id="h-1" title="a>b">ภาษี</h2>'
    out, count = mark_html(source, Marks(forms=(("ภาษี",),)), SEG)
    assert str(out) == (
        '<p><a href="/search?q=ภาษี" title="ภาษี"><mark>ภาษี</mark></a> &amp; <mark>ภาษี</mark>&lt;ป้าย&gt;</p>'
        '<h2 id="h-1" title="a>b"><mark>ภาษี</mark></h2>'
    )
    assert count == 3


def test_a_match_across_two_elements_or_two_blocks_is_not_marked():
    marks = Marks(forms=(("ภาษี", "ป้าย"),))
    assert mark_html("<p><strong>ภาษี</strong>ป้าย</p>", marks, SEG)[1] == 0
    assert mark_html("<li>ภาษี</li><li>ป้าย</li>", marks, SEG)[1] == 0
    assert mark_html("<p>ยื่นภาษีป้ายทุกปี</p>", marks, SEG) == ("<p>ยื่น<mark>ภาษีป้าย</mark>ทุกปี</p>", 1)


def test_the_heading_before_a_passage_and_words_found_once():
    f = {
        "html": '<p>นำ</p><h2 id="a">ก่อน</h2><p>ข้อความแรก ของส่วนแรก</p><h2 id="b">หลัง</h2><p>ข้อความแรก ของส่วนหลัง</p>',
        "body": "นำ\nก่อน\nข้อความแรก ของส่วนแรก\nหลัง\nข้อความแรก ของส่วนหลัง",
        "title": "t",
        "summary": "",
    }
    assert passage_target(f, 0) == ("", "นำ")
    second = f["body"].rindex("ข้อความแรก")
    # ข้อความแรก alone is in both sections: the words go on until they are found once
    assert passage_target(f, second) == ("b", "ข้อความแรก ของส่วนหลัง")
    assert fragment_text(f["body"], second, elsewhere=("ข้อความแรก ของส่วนหลัง",)) == ""
    assert result_url("x", "ก ข", "b", "a-b,c") == "/a/x?hl=%E0%B8%81+%E0%B8%82#b:~:text=a%2Db%2Cc"
