"""The search and article pages' finer points, through the test client (the
browser tests in tests/browser/ cover the same pages as a person uses them)."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from indexer import build_index
from indexer.content.render import heading_id
from kmsearch import create_app

from .browser.corpus import write_browser_corpus
from .visible import unbreak


def text(resp) -> str:
    return unbreak(resp.get_data(as_text=True))


def hrefs(body: str, label: str) -> list[str]:
    return [
        urllib.parse.unquote(h.replace("&amp;", "&"))
        for h in re.findall(rf'<a href="([^"]+)" aria-label="{re.escape(label)}"', body)
    ]


def test_chips_remove_filters_however_they_were_written(client):
    # a division by its Thai name, a year in the Common Era, two values in one parameter
    body = text(client.get("/search?q=ที่ดิน&division=กองช่าง,finance&year=2023"))
    (remove_engineering,) = hrefs(body, "เอาตัวกรอง กองช่าง ออก")
    assert "division=finance" in remove_engineering and "engineering" not in remove_engineering
    assert "กองช่าง" not in remove_engineering and "year=2566" in remove_engineering
    (remove_year,) = hrefs(body, "เอาตัวกรอง ปีงบประมาณ 2566 ออก")
    assert "year" not in remove_year and "division=engineering" in remove_year


def test_new_query_keeps_filters_and_sort(client):
    body = text(client.get("/search?q=ภาษี&division=finance&sort=date"))
    form = body[body.index('<form class="searchbox"') : body.index("</form>")]
    assert '<input type="hidden" name="division" value="finance">' in form
    assert '<input type="hidden" name="sort" value="date">' in form
    home = text(client.get("/"))
    assert 'type="hidden"' not in home[home.index('<form class="searchbox"') : home.index("</form>")]


def test_results_show_fiscal_year_update_and_person_to_ask(client):
    body = text(client.get("/search?q=ถนนลูกรัง"))
    assert "ปีงบประมาณ 2568" in body  # 1 Oct 2024 opens FY 2568
    assert "ผู้รู้ที่สอบถามได้: นายช่างประสิทธิ์ ทำดี" in body
    body = text(client.get("/search?q=ภาษีที่ดิน"))
    assert "15 พ.ย. 2566" in body and 'ปรับปรุง <time datetime="2024-02-01">1 ก.พ. 2567</time>' in body


def test_pager_numbers_pages_and_keeps_the_query(make_app):
    client = make_app(PAGE_SIZE=2).test_client()
    body = text(client.get("/search?q=&sort=date"))
    assert "แสดงเรื่องที่ 1–2" in body
    assert re.search(r'<a aria-current="page" href="[^"]*"><span class="visually-hidden">หน้า </span>1</a>', body)
    nxt = re.search(r'<a class="step" rel="next" href="([^"]+)"', body).group(1)
    assert "page=2" in nxt and "sort=date" in nxt
    assert "แสดงเรื่องที่ 3–4" in text(client.get(nxt.replace("&amp;", "&")))


def test_related_articles_share_an_area_or_tag(client):
    body = text(client.get("/a/land-tax-manual"))
    related = body[body.index('id="related-title"') :]
    assert "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP" in related  # the same knowledge area
    assert "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง" not in related


def test_related_articles_are_worked_out_once_a_build(tmp_path):
    from .corpus import DOCS, write_corpus

    content = write_corpus(tmp_path / "content")
    build_index(content, tmp_path / "index")
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "index"), "USAGE_DB": "off"})
    client = app.test_client()
    assert "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP" in text(client.get("/a/land-tax-manual"))
    repo = app.extensions["kmsearch"]
    ix = repo.open_index()
    searches = []
    search = ix.search
    ix.search = lambda *a, **k: searches.append(a) or search(*a, **k)
    client.get("/a/land-tax-manual")
    assert searches == []  # the second reader's page asks the engine nothing for them
    # a new build: a new article in the same area is among them
    note = DOCS["finance/egp-regulation.md"].replace("id: egp-regulation", "id: tax-appeal-note")
    note = note.replace("title: สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP", "title: สรุปการอุทธรณ์ภาษีที่ดิน")
    (content / "finance" / "tax-appeal.md").write_text(note, encoding="utf-8")
    build_index(content, tmp_path / "index")
    assert "สรุปการอุทธรณ์ภาษีที่ดิน" in text(client.get("/a/land-tax-manual"))


@pytest.fixture(scope="module")
def long_manual(tmp_path_factory):
    root = tmp_path_factory.mktemp("long")
    content = write_browser_corpus(root / "content")
    build_index(content, root / "index")
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "USAGE_DB": "off"})
    return text(app.test_client().get("/a/tax-collection-handbook"))


def test_table_of_contents_nests_subsections(long_manual):
    toc = long_manual[
        long_manual.index('<nav class="toc"') : long_manual.index("</nav>", long_manual.index('<nav class="toc"'))
    ]
    steps = heading_id("ขั้นตอนการปฏิบัติงาน")
    assert f'<li><a href="#{steps}">ขั้นตอนการปฏิบัติงาน</a>' in toc
    assert '<li><a href="#notice">แจ้งการประเมิน</a></li>' in toc  # explicit {#notice}
    assert toc.index(steps) < toc.index("ประเมินภาษี") < toc.index("ตัวอย่างการคำนวณ")


def test_wide_tables_scroll_in_a_focusable_region(long_manual):
    assert (
        '<div class="table-scroll" role="region" tabindex="0" aria-label="ตาราง (เลื่อนซ้าย–ขวาได้)"><table>' in long_manual
    )
    assert long_manual.count('class="table-scroll"') == long_manual.count("</table></div>") == 1


def test_manual_extensions(long_manual):
    assert "<dl>" in long_manual and "<dt>ภ.ป.1</dt>" in long_manual  # definition list
    assert 'class="footnote"' in long_manual  # footnotes
    assert "<pre><code>" in long_manual  # fenced code
    assert '<td align="right">52</td>' in long_manual  # column alignment, no style=""
    assert "style=" not in long_manual
