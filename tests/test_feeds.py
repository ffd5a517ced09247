"""What other sites read: Atom feeds, sitemap.xml, robots.txt, share cards
and canonical links; and heading anchors that survive edits around them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from indexer.content.render import heading_id, to_html

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def entries(resp) -> list[ET.Element]:
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    return ET.fromstring(resp.data).findall(ATOM + "entry")


def test_feed_lists_new_and_updated_articles_newest_first(client):
    resp = client.get("/feed.atom")
    feed = ET.fromstring(resp.data)
    assert feed.findtext(ATOM + "title") == "คลังความรู้ เทศบาลตำบลทดสอบ"
    assert feed.find(ATOM + "link[@rel='self']").get("href") == "http://localhost/feed.atom"
    items = entries(resp)
    titles = [e.findtext(ATOM + "title") for e in items]
    assert len(titles) == 6
    # by last change: the road lesson (1 Oct 2024) before the training report (30 Sep 2024),
    # the land tax manual by its update (1 Feb 2024), the tradition note last (2020)
    assert titles[0] == "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน"
    assert titles[1] == "รายงานผลการฝึกอบรมครูผู้ดูแลเด็กศูนย์พัฒนาเด็กเล็ก"
    assert titles[2] == "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง"
    assert titles[-1] == "ประเพณีกวนข้าวทิพย์ของชุมชน"
    land = items[2]
    assert land.find(ATOM + "link").get("href") == "http://localhost/a/land-tax-manual"
    assert land.findtext(ATOM + "id") == "http://localhost/a/land-tax-manual"
    assert land.findtext(ATOM + "published").startswith("2023-11-15T00:00:00+07:00")
    assert land.findtext(ATOM + "updated").startswith("2024-02-01T00:00:00+07:00")
    assert "ภาษีที่ดิน" in land.findtext(ATOM + "summary")
    assert {c.get("label") for c in land.findall(ATOM + "category")} == {"กองคลัง", "คู่มือปฏิบัติงาน"}
    assert feed.findtext(ATOM + "updated").startswith("2024-10-01")


def test_feed_per_division(client):
    resp = client.get("/division/engineering/feed.atom")
    feed = ET.fromstring(resp.data)
    assert feed.findtext(ATOM + "title").startswith("กองช่าง")
    assert [e.findtext(ATOM + "title") for e in entries(resp)] == [
        "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน",
        "คู่มือการขออนุญาตก่อสร้างอาคาร",
    ]
    # by Thai name: a permanent redirect to the slug
    moved = client.get("/division/กองช่าง/feed.atom")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/division/engineering/feed.atom")
    assert client.get("/division/nowhere/feed.atom").status_code == 404


def test_public_url_setting_makes_absolute_links(make_app):
    client = make_app(PUBLIC_URL="https://km.example.go.th/").test_client()
    feed = ET.fromstring(client.get("/feed.atom").data)
    assert feed.findtext(ATOM + "entry/" + ATOM + "id").startswith("https://km.example.go.th/a/")
    page = client.get("/a/land-tax-manual").get_data(as_text=True)
    assert '<link rel="canonical" href="https://km.example.go.th/a/land-tax-manual">' in page
    assert '<meta property="og:image" content="https://km.example.go.th/static/share.png">' in page


def test_sitemap_has_every_article_and_listing(client):
    resp = client.get("/sitemap.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    urls = {u.findtext(SITEMAP + "loc"): u.findtext(SITEMAP + "lastmod") for u in ET.fromstring(resp.data)}
    assert urls["http://localhost/a/land-tax-manual"] == "2024-02-01"
    assert urls["http://localhost/a/egp-regulation"] == "2022-05-03"
    assert "http://localhost/" in urls and "http://localhost/division/finance" in urls
    assert "http://localhost/knowledge/tacit" in urls
    assert sum("/a/" in u for u in urls) == 6


def test_robots_points_at_the_sitemap_and_keeps_crawlers_off_search(client):
    resp = client.get("/robots.txt")
    assert resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in text
    assert "Disallow: /search" in text and "Disallow: /api/" in text


def meta(page: str, prop: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', page)
    assert found, prop
    return found.group(1)


def test_article_share_card_and_canonical(client):
    page = client.get("/a/land-tax-manual").get_data(as_text=True)
    assert meta(page, "og:title") == "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง"
    assert meta(page, "og:description").startswith("ขั้นตอนการประเมินและจัดเก็บภาษีที่ดิน")
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:url") == "http://localhost/a/land-tax-manual"
    assert meta(page, "og:image") == "http://localhost/static/share.png"
    assert meta(page, "og:locale") == "th_TH"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "article:published_time") == "2023-11-15"
    assert '<link rel="canonical" href="http://localhost/a/land-tax-manual">' in page
    assert 'href="/division/finance/feed.atom"' in page


def test_old_id_canonical_is_the_new_one(client):
    page = client.get("/a/land-tax", follow_redirects=True).get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/a/land-tax-manual">' in page


def test_share_image_and_icons_are_served(client):
    with client.get("/static/share.png") as png:
        assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png.data[16:20], "big"), int.from_bytes(png.data[20:24], "big")
    assert (width, height) == (1200, 630)  # what LINE and Facebook show best
    for path in ("/static/icon.svg", "/static/icon.png", "/static/fonts/sarabun-thai-400-normal.woff2"):
        with client.get(path) as resp:
            assert resp.status_code == 200, path


def test_search_pages_are_not_indexed_but_articles_are(client):
    assert 'name="robots" content="noindex' in client.get("/search?q=ภาษี").get_data(as_text=True)
    assert 'name="robots"' not in client.get("/a/land-tax-manual").get_data(as_text=True)


# --- heading anchors -----------------------------------------------------


def ids(markdown: str) -> list[str]:
    return re.findall(r'<h[1-6] id="([^"]+)"', to_html(markdown))


def test_heading_ids_come_from_the_heading_itself():
    before = ids("## วัตถุประสงค์\n\nข้อความ\n\n## ขั้นตอนการปฏิบัติงาน\n")
    after = ids("## บทนำ\n\nใหม่\n\n## วัตถุประสงค์\n\nข้อความที่แก้แล้ว\n\n## ขั้นตอนการปฏิบัติงาน\n")
    assert after[1:] == before, "a section added above does not move the anchors below"
    assert len(set(after)) == 3


def test_heading_ids_ignore_spacing_and_invisible_characters():
    assert heading_id("ขั้นตอน  การปฏิบัติงาน") == heading_id("ขั้นตอน การปฏิบัติงาน\u200b")


@pytest.mark.parametrize(
    "source, expect",
    [
        ("## Step one: e-GP!", "step-one-e-gp"),  # ASCII: a readable slug
        ("## สมัครระบบ e-GP {#egp-signup}", "egp-signup"),  # explicit id wins
    ],
)
def test_readable_and_explicit_heading_ids(source, expect):
    assert ids(source) == [expect]


def test_thai_heading_id_keeps_its_latin_words_and_a_short_hash():
    (anchor,) = ids("## ขั้นตอนที่ 2 ลงทะเบียน e-GP")
    assert re.fullmatch(r"2-e-gp-[0-9a-f]{6}", anchor)
    (thai,) = ids("## วัตถุประสงค์")
    assert re.fullmatch(r"h-[0-9a-f]{6}", thai)


def test_repeated_headings_get_distinct_ids():
    first, second = ids("## หมายเหตุ\n\nก\n\n## หมายเหตุ\n\nข\n")
    assert first != second and second.startswith(first)


def test_long_article_has_a_table_of_contents_linking_to_its_headings(client):
    page = client.get("/a/land-tax-manual").get_data(as_text=True)
    # two headings: too short for a table of contents
    assert 'class="toc"' not in page
    anchor = heading_id("ขั้นตอนการปฏิบัติงาน")
    assert f'id="{anchor}"' in page
