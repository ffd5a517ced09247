"""Every page and API route through the test client, asserting on what a
reader sees."""

from __future__ import annotations

import pytest

from kmsearch import create_app
from tests.corpus import write_corpus
from tests.sites import on_backend
from tests.visible import unbreak

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines


def text(resp) -> str:
    return unbreak(resp.get_data(as_text=True))


def test_home_shows_divisions_with_counts_and_newest(client):
    body = text(client.get("/"))
    assert 'lang="th"' in body
    assert "เทศบาลตำบลทดสอบ" in body
    assert "กองคลัง" in body and "2 เรื่อง" in body
    assert "ความรู้ที่ฝังอยู่ในตัวคน" in body
    assert body.index("เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน") < body.index("ประเพณีกวนข้าวทิพย์ของชุมชน"), "newest first"


def test_search_page_shows_thai_results_with_highlights_and_be_dates(client):
    body = text(client.get("/search", query_string={"q": "ภาษีที่ดิน"}))
    assert "พบ" in body
    assert body.index("คู่มือการจัดเก็บ") < body.index("<mark>ภาษีที่ดิน</mark>")
    assert "<mark>ภาษีที่ดิน</mark>" in body
    assert "15 พ.ย. 2566" in body
    assert "คู่มือปฏิบัติงาน" in body and "กองคลัง" in body


def test_search_with_facets_and_chips(client):
    body = text(client.get("/search?q=ที่ดิน&division=engineering"))
    assert "คู่มือการขออนุญาตก่อสร้างอาคาร" in body
    assert "คู่มือการจัดเก็บภาษีที่ดิน" not in body
    assert "เอาตัวกรอง กองช่าง ออก" in body


def test_empty_results_suggest_what_to_try(client):
    body = text(client.get("/search?q=ดาวอังคาร"))
    assert "ไม่พบเอกสารที่ตรงกับคำค้น" in body


def test_bad_filter_is_a_400_page(client):
    resp = client.get("/search?q=x&division=nowhere")
    assert resp.status_code == 400 and "nowhere" in text(resp)


def test_article_page(client):
    resp = client.get("/a/land-tax-manual")
    body = text(resp)
    assert resp.status_code == 200
    assert "<h1>คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง</h1>" in body
    assert "<h2" in body and "ขั้นตอนการปฏิบัติงาน" in body
    assert "ปีงบประมาณ" in body and "2567" in body
    assert 'href="/division/finance"' in body  # breadcrumb


def test_tacit_article_names_the_person_to_ask(client):
    body = text(client.get("/a/road-repair-lesson")).split("</article>")[0]
    # once, in the box that links to them in the people directory (tests/test_latest_people_help.py)
    assert "สอบถามผู้รู้" in body and body.count("นายช่างประสิทธิ์ ทำดี") == 1


def test_old_id_redirects_permanently(client):
    resp = client.get("/a/land-tax")
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/a/land-tax-manual")


def test_unknown_article_is_404_with_a_way_on(client):
    resp = client.get("/a/no-such-thing")
    assert resp.status_code == 404 and "ค้นหา" in text(resp)


@pytest.mark.parametrize(
    "url, expect",
    [
        ("/division/finance", "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง"),
        ("/type/lesson", "ประเพณีกวนข้าวทิพย์ของชุมชน"),
        ("/knowledge/tacit", "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน"),
    ],
)
def test_listing_pages(client, url, expect):
    resp = client.get(url)
    assert resp.status_code == 200 and expect in text(resp)


def test_listing_by_thai_name_redirects_to_the_slug(client):
    resp = client.get("/division/กองช่าง")
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/division/engineering")


def test_unknown_listing_is_404(client):
    assert client.get("/division/nowhere").status_code == 404


def test_api_search(client):
    data = client.get("/api/search?q=ภาษีที่ดิน&limit=2").get_json()
    assert data["query"] == "ภาษีที่ดิน"
    assert data["total"] >= 1
    first = data["results"][0]
    assert set(first) >= {"id", "title", "url", "division", "type", "knowledge", "date", "snippet", "score"}
    assert first["id"] == "land-tax-manual" and first["url"] == "/a/land-tax-manual"
    assert len(data["results"]) <= 2


def test_api_filters_by_slug_or_thai_name(client):
    a = client.get("/api/search?division=กองช่าง").get_json()
    b = client.get("/api/search?division=engineering").get_json()
    assert a["total"] == b["total"] == 2


@pytest.mark.parametrize(
    "qs, param",
    [
        ("limit=0", "limit"),
        ("limit=51", "limit"),
        ("limit=abc", "limit"),
        ("page=0", "page"),
        ("division=nowhere", "division"),
        ("type=memo", "type"),
        ("knowledge=secret", "knowledge"),
        ("year=25x", "year"),
        ("sort=random", "sort"),
        ("colour=red", "colour"),
    ],
)
def test_api_bad_parameters_are_400_json(client, qs, param):
    resp = client.get(f"/api/search?q=x&{qs}")
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == param


def test_api_limit_50_is_allowed(client):
    assert client.get("/api/search?limit=50").status_code == 200


def test_api_article(client):
    data = client.get("/api/articles/egp-regulation").get_json()
    assert data["title"] == "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP"
    assert data["tags"] == ["e-GP", "จัดซื้อจัดจ้าง"]
    assert data["fiscal_year"] == 2565
    assert client.get("/api/articles/nothing").status_code == 404
    assert client.get("/api/articles/land-tax").status_code == 301


def test_no_index_yet_is_a_clear_page(backend, cluster, tmp_path):
    content = on_backend(write_corpus(tmp_path / "content"), backend, cluster)  # never built
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "empty"), "USAGE_DB": "off"})
    client = app.test_client()
    resp = client.get("/search?q=x")
    assert resp.status_code == 503 and "kmsearch build" in text(resp)
