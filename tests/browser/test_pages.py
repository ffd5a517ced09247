"""Search, filter, page, read, share and print as staff do, in Chromium at
a desktop and a phone width, asserting on what a person sees."""

from __future__ import annotations

import re
import urllib.parse
import xml.etree.ElementTree as ET

from playwright.sync_api import expect

from indexer.content.render import heading_id

ATOM = "{http://www.w3.org/2005/Atom}"
HANDBOOK = "คู่มือปฏิบัติงานจัดเก็บภาษีป้ายและค่าธรรมเนียม"


def hit_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("ol.hits > li.hit h3").all_inner_texts()]


def open_filters(visit):
    """On a phone the filters start folded: open them as a person would."""
    filters = visit.page.locator("details.filters")
    if visit.width_name == "phone":
        expect(filters).not_to_have_attribute("open", "")
        expect(filters.get_by_role("link", name=re.compile("กองคลัง"))).to_be_hidden()
        filters.locator("summary").first.click()
    expect(filters).to_have_attribute("open", "")


def facet(page, group: str, name: str):
    section = page.locator("details.filters section").filter(has=page.get_by_role("heading", name=group, exact=True))
    return section.get_by_role("link", name=re.compile(re.escape(name)))


def test_search_filter_and_page_through(visit):
    page = visit.go("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ค้นหาความรู้ของเทศบาลตำบลทดสอบ")
    visit.shot("home", full_page=False)
    box = page.get_by_role("combobox", name="ค้นหาความรู้")
    box.fill("ภาษี")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ผลการค้นหา “ภาษี”")
    expect(page.locator("#results-summary")).to_contain_text("พบ 5 เรื่อง")
    expect(page.locator("#results-summary")).to_contain_text("แสดงเรื่องที่ 1–2")
    assert len(hit_titles(page)) == 2
    expect(page.locator("mark").first).to_have_text("ภาษี")
    visit.shot("search-1-results", full_page=False)

    # Filter by division: counts follow the query, a chip appears, the URL keeps it.
    open_filters(visit)
    finance = facet(page, "ส่วนราชการ", "กองคลัง")
    expect(finance).to_contain_text("4")
    finance.click()
    expect(page).to_have_url(re.compile(r"division=finance"))
    chips = page.locator("ul.chips")
    expect(chips.get_by_role("link", name="เอาตัวกรอง กองคลัง ออก")).to_be_visible()
    expect(page.locator("#results-summary")).to_contain_text("พบ 4 เรื่อง")
    for meta in page.locator("li.hit .meta").all_inner_texts():
        assert "กองคลัง" in meta

    # A second filter combines with the first.
    open_filters(visit)
    facet(page, "ประเภทเอกสาร", "คู่มือปฏิบัติงาน").click()
    expect(page).to_have_url(re.compile(r"division=finance.*type=manual|type=manual.*division=finance"))
    expect(page.locator("#results-summary")).to_contain_text("พบ 2 เรื่อง")
    assert sorted(hit_titles(page)) == sorted([HANDBOOK, "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง"])
    expect(chips.get_by_role("link", name="เอาตัวกรอง คู่มือปฏิบัติงาน ออก")).to_be_visible()
    visit.shot("search-2-two-filters")

    # The URL is the whole state: opened afresh it shows the same page.
    shared = page.url
    page.goto(shared)
    expect(page.locator("#results-summary")).to_contain_text("พบ 2 เรื่อง")

    # Remove one chip: the other filter stays.
    chips.get_by_role("link", name="เอาตัวกรอง กองคลัง ออก").click()
    expect(page).not_to_have_url(re.compile(r"division="))
    expect(chips.get_by_role("link", name="เอาตัวกรอง คู่มือปฏิบัติงาน ออก")).to_be_visible()
    expect(chips.get_by_role("link", name=re.compile("กองคลัง"))).to_have_count(0)
    chips.get_by_role("link", name="ล้างตัวกรองทั้งหมด").click()
    expect(page.locator("ul.chips")).to_have_count(0)
    expect(page.locator("#results-summary")).to_contain_text("พบ 5 เรื่อง")

    # Page through: two a page, three pages, nothing seen twice.
    seen = hit_titles(page)
    pager = page.get_by_role("navigation", name="หน้าผลการค้นหา")
    expect(pager.locator("[aria-current=page]")).to_have_text("หน้า 1")
    pager.get_by_role("link", name="ถัดไป ›").click()
    expect(page.locator("#results-summary")).to_contain_text("แสดงเรื่องที่ 3–4")
    expect(pager.locator("[aria-current=page]")).to_have_text("หน้า 2")
    seen += hit_titles(page)
    visit.shot("search-3-page-2", full_page=False)
    pager.get_by_role("link", name="หน้า 3").click()
    expect(page.locator("#results-summary")).to_contain_text("แสดงเรื่องที่ 5–5")
    expect(pager.get_by_role("link", name="ถัดไป ›")).to_have_count(0)
    seen += hit_titles(page)
    assert len(seen) == len(set(seen)) == 5
    pager.get_by_role("link", name="‹ ก่อนหน้า").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("หน้า 2")

    # Sort by date: newest first, on every page.
    page.get_by_role("link", name="วันที่ล่าสุด").click()
    expect(page).to_have_url(re.compile(r"sort=date"))
    expect(page.locator("#results-summary")).to_contain_text("แสดงเรื่องที่ 1–2")
    assert hit_titles(page)[0] == "แผนพัฒนาการจัดเก็บรายได้และภาษีท้องถิ่น ปีงบประมาณ 2568"
    # each hit shows its date, and when it was last updated; the latest change sorts
    shown = page.locator("li.hit .meta").evaluate_all(
        "metas => metas.map(m => [...m.querySelectorAll('time')].pop().getAttribute('datetime'))"
    )
    assert shown == sorted(shown, reverse=True)
    pager.get_by_role("link", name="ถัดไป ›").click()
    expect(page.locator("li.hit").nth(1)).to_contain_text("ปรับปรุง 1 ก.พ. 2567")  # land tax manual
    shown += page.locator("li.hit .meta").evaluate_all(
        "metas => metas.map(m => [...m.querySelectorAll('time')].pop().getAttribute('datetime'))"
    )
    assert shown == sorted(shown, reverse=True)
    pager.get_by_role("link", name="หน้า 1").click()
    # Buddhist Era dates and fiscal years as a reader sees them
    expect(page.locator("li.hit").first).to_contain_text("20 ต.ค. 2567")
    expect(page.locator("li.hit").first).to_contain_text("ปีงบประมาณ 2568")

    # A new query typed in the box keeps the sort.
    box.fill("ภาษีป้าย")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=date"))
    expect(page.get_by_role("heading", level=1)).to_have_text("ผลการค้นหา “ภาษีป้าย”")


def test_nothing_found_says_what_to_try(visit):
    page = visit.go("/search?q=" + urllib.parse.quote("ดาวอังคาร") + "&division=engineering")
    empty = page.locator(".empty")
    expect(empty).to_be_visible()
    expect(empty.get_by_role("heading")).to_contain_text("ไม่พบเอกสารที่ตรงกับคำค้น “ดาวอังคาร”")
    expect(empty.get_by_role("link", name="ค้น “ดาวอังคาร” โดยไม่ใช้ตัวกรอง")).to_be_visible()
    expect(empty.get_by_role("link", name="กองคลัง")).to_be_visible()
    visit.shot("search-empty")


def test_read_an_article_copy_links_and_go_back(visit):
    page = visit.go("/search?q=" + urllib.parse.quote("ภาษีป้าย"))
    results_url = page.url
    page.get_by_role("link", name=HANDBOOK).first.click()
    # opened at the passage, the query marked (tests/browser/test_result_opens.py)
    expect(page).to_have_url(re.compile(r"/a/tax-collection-handbook\?hl=[^#]+#" + heading_id("วัตถุประสงค์")))
    expect(page.get_by_role("heading", level=1)).to_have_text(HANDBOOK)
    crumbs = page.get_by_role("navigation", name="เส้นทาง")
    assert [t.strip() for t in crumbs.locator("li").all_inner_texts()] == ["หน้าแรก", "กองคลัง", "คู่มือปฏิบัติงาน", HANDBOOK]
    meta = page.locator("dl.docmeta")
    expect(meta).to_contain_text("12 มี.ค. 2567")  # date: 2024-03-12
    expect(meta).to_contain_text("20 ส.ค. 2567")  # updated
    expect(meta).to_contain_text("ปีงบประมาณ 2567")
    expect(meta).to_contain_text("นางสาวสมใจ ใจดี")

    # The table of contents links to the headings, whose ids come from their text.
    toc = page.get_by_role("navigation", name="สารบัญ")
    expect(toc).to_be_visible()
    top = [t.strip() for t in toc.locator(":scope > ol > li > a").all_inner_texts()]
    assert top == ["วัตถุประสงค์", "ขั้นตอนการปฏิบัติงาน", "ตัวอย่างการคำนวณ", "คำศัพท์", "การติดตามหนี้ค้างชำระ"]
    steps = toc.locator(":scope > ol > li").nth(1).locator("ol a").all_inner_texts()
    assert [t.strip() for t in steps] == ["รับแบบแสดงรายการภาษีป้าย (ภ.ป.1)", "ประเมินภาษี", "แจ้งการประเมิน"]
    visit.shot("article-top", full_page=False)
    toc.get_by_role("link", name="การติดตามหนี้ค้างชำระ").click()
    anchor = heading_id("การติดตามหนี้ค้างชำระ")
    expect(page).to_have_url(re.compile("#" + anchor + "$"))
    expect(page.locator("#" + anchor)).to_be_in_viewport()
    expect(page.locator("#notice")).to_have_text("แจ้งการประเมิน")  # explicit {#notice}

    # Copy-link buttons: the article and each heading (static/site.js).
    page.get_by_role("button", name="คัดลอกลิงก์ของเอกสารนี้").click()
    expect(page.get_by_role("status").filter(has_text="คัดลอกลิงก์แล้ว")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == visit.base + "/a/tax-collection-handbook"
    page.get_by_role("button", name="คัดลอกลิงก์หัวข้อ ประเมินภาษี").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == visit.base + "/a/tax-collection-handbook#" + heading_id("ประเมินภาษี")
    expect(page.get_by_role("heading", name="ประเมินภาษี", exact=True)).to_be_visible()

    # Wide tables scroll inside their own box; the page never scrolls sideways.
    table = page.get_by_role("region", name=re.compile("ตาราง"))
    expect(table.get_by_role("columnheader", name="ประเภทป้าย")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    if visit.width_name == "phone":
        assert table.evaluate("el => el.scrollWidth > el.clientWidth"), "a wide table scrolls on a phone"
    table.scroll_into_view_if_needed()
    visit.shot("article-table", full_page=False)

    # Related articles: same area, tags or words.
    related = page.get_by_role("region", name="เอกสารที่เกี่ยวข้อง")
    expect(related.locator("li.hit").first).to_be_visible()
    assert HANDBOOK not in related.inner_text()
    visit.shot("article-full")

    page.go_back()
    page.go_back()
    expect(page).to_have_url(results_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("ผลการค้นหา “ภาษีป้าย”")


def test_tacit_knowledge_names_the_person_to_ask(visit):
    page = visit.go("/a/signboard-tax-arrears-lesson")
    ask = page.locator(".ask")
    expect(ask).to_be_visible()
    expect(ask).to_have_text(re.compile(r"สอบถามผู้รู้\s+นางบุญเรือน ทับทิมทอง"))
    # also in the results, before anyone opens the article
    page = visit.go("/search?q=" + urllib.parse.quote("ร้านค้าริมทาง"))
    expect(page.locator("li.hit .holder").first).to_have_text("ผู้รู้ที่สอบถามได้: นางบุญเรือน ทับทิมทอง (เจ้าพนักงานจัดเก็บรายได้)")


def test_follow_a_division_feed(visit):
    page = visit.go("/")
    page.get_by_role("link", name="กองคลัง").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("กองคลัง")
    expect(page.locator("p.summary")).to_contain_text("5 เรื่อง")
    feed_link = page.get_by_role("link", name="ติดตามเอกสารใหม่ของกองคลัง (Atom)")
    expect(feed_link).to_be_visible()
    visit.shot("division-listing")
    href = feed_link.get_attribute("href")
    resp = page.request.get(visit.base + href)
    assert resp.ok and resp.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(resp.body())
    titles = [e.findtext(ATOM + "title") for e in feed.findall(ATOM + "entry")]
    assert titles[:2] == ["แผนพัฒนาการจัดเก็บรายได้และภาษีท้องถิ่น ปีงบประมาณ 2568", HANDBOOK]
    assert len(titles) == 5
    # the feed's first entry opens the article
    first = feed.find(ATOM + "entry").find(ATOM + "link").get("href")
    page.goto(first)
    expect(page.get_by_role("heading", level=1)).to_have_text(titles[0])
    # and the page announces the feed to feed readers
    assert page.locator("link[rel=alternate][type='application/atom+xml']").count() >= 1


def test_share_card_tags_as_link_previews_read_them(visit):
    page = visit.go("/a/tax-collection-handbook")

    def meta(prop: str) -> str:
        return page.locator(f"meta[property='{prop}'], meta[name='{prop}']").first.get_attribute("content")

    assert meta("og:title") == HANDBOOK
    assert meta("og:description").startswith("ขั้นตอนการรับแบบ")
    assert meta("og:url") == visit.base + "/a/tax-collection-handbook"
    assert meta("twitter:card") == "summary_large_image"
    image = page.request.get(meta("og:image"))
    assert image.ok and image.headers["content-type"] == "image/png"
    assert page.locator("link[rel=canonical]").get_attribute("href") == visit.base + "/a/tax-collection-handbook"


def test_suggestions_while_typing(visit):
    page = visit.go("/")
    box = page.get_by_role("combobox", name="ค้นหาความรู้")  # a search box with a list is a combobox
    box.press_sequentially("ภาษีป", delay=30)
    options = page.locator("datalist#q-suggestions option")
    expect(options.first).to_be_attached()
    values = [o.get_attribute("value") for o in options.all()]
    assert any(v.startswith("ภาษีป") for v in values), values
    assert HANDBOOK in values
