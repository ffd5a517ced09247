"""เอกสารใหม่, ทำเนียบผู้รู้, วิธีค้นหา and an Atom feed opened in the
browser, at a desktop and a phone width, as staff reach them: from the
main menu, an article and the search box."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .seen import overflow
from .test_access import AXE_OPTIONS, describe


# Chromium, since it deprecated XSLT (143; 156 here), lays a notice that XSLT is going away over a page made by
# an XSLT stylesheet, with inline style and an inline onclick; the site's
# Content-Security-Policy refuses both and says so on the console.  That is
# Chromium's notice, not the page: these two refusals, on the feed's own
# address, are all that is let through.
def tolerate_the_banner(visit, feed_path: str) -> None:
    visit.tolerated.append(
        re.compile(
            r"^(Applying inline style|Executing inline event handler) violates the following Content Security Policy"
            r".* \(" + re.escape(visit.base + feed_path) + r"\)$",
            re.S,
        )
    )


@pytest.mark.parametrize("feed_path", ["/feed.atom", "/division/finance/feed.atom"])
def test_a_feed_opened_in_the_browser_reads_as_a_page(visit, feed_path):
    tolerate_the_banner(visit, feed_path)
    page = visit.go(feed_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("คลังความรู้ เทศบาลตำบลทดสอบ")
    expect(page.locator(".feed-about")).to_contain_text("ฟีด Atom สำหรับโปรแกรมอ่านฟีด")
    entries = page.locator("li.change")
    assert entries.count() >= 5
    first = entries.first
    expect(first.locator(".change-label")).to_have_text(re.compile("^(ใหม่|ปรับปรุง)$"))
    expect(first.locator("time")).to_have_text(re.compile(r"^\d{1,2} \S+ 25\d\d$"))  # พ.ศ.
    expect(page.locator("xslt-warning-banner")).to_be_hidden()
    assert overflow(page) <= 0, "fits the phone"
    visit.shot("feed" if feed_path == "/feed.atom" else "feed-division", full_page=False)
    title = first.get_by_role("link").inner_text()
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    visit.go(feed_path)
    page.get_by_role("link", name="อ่านเอกสารใหม่ในหน้าเว็บ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^เอกสารใหม่"))


def test_the_feed_page_has_no_accessibility_violations(desktop):
    tolerate_the_banner(desktop, "/feed.atom")
    page = desktop.go("/feed.atom")
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, describe(violations)


def test_whats_new_from_the_main_menu(visit):
    page = visit.go("/")
    menu = page.get_by_role("navigation", name="เมนูหลัก")
    menu.get_by_role("link", name="เอกสารใหม่").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("เอกสารใหม่")
    expect(menu.get_by_role("link", name="เอกสารใหม่")).to_have_attribute("aria-current", "page")
    labels = page.locator("li.change .change-label").all_inner_texts()
    assert "ใหม่" in labels and "ปรับปรุง" in labels
    visit.shot("latest", full_page=False)
    page.get_by_role("navigation", name="เอกสารใหม่ตามส่วนราชการ").get_by_role("link", name="กองคลัง").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("เอกสารใหม่ของกองคลัง")
    assert overflow(page) <= 0


def test_from_an_article_to_the_person_to_ask(visit):
    page = visit.go("/a/signboard-tax-arrears-lesson")
    ask = page.locator(".ask")
    assert ask.locator("a").count() == 1
    ask.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/people#p-[0-9a-f]{10}$"))
    person = page.locator(".person:target")
    expect(person.get_by_role("heading", level=2)).to_have_text("นางบุญเรือน ทับทิมทอง")
    expect(person).to_be_in_viewport()
    expect(person.get_by_role("link", name="เรื่องเล่าการติดตามภาษีค้างชำระจากร้านค้าริมทาง")).to_be_visible()
    assert overflow(page) <= 0
    visit.shot("people-target", full_page=False)


def test_search_help_from_the_search_box_and_its_examples(visit):
    page = visit.go("/search?q=" + urllib.parse.quote("ดาวอังคาร"))
    page.get_by_role("navigation", name="เมนูหลัก").get_by_role("link", name="วิธีค้นหา").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("วิธีค้นหา")
    assert overflow(page) <= 0
    visit.shot("help", full_page=True)
    example = page.locator("a.example").first
    query = example.inner_text()
    example.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"ผลการค้นหา “{query}”")
    expect(page.locator("#results-summary")).to_have_text(re.compile(r"พบ [1-9]"))


def test_empty_searches_say_why(visit):
    page = visit.go("/search?q=flood")
    expect(page.locator(".notice.latin")).to_contain_text("เนื้อหาในคลังความรู้เป็นภาษาไทย")
    visit.shot("search-english", full_page=False)
    page = visit.go("/search?q=" + urllib.parse.quote("ถนนลูกรัง") + "&division=finance")
    notice = page.locator(".notice.unfiltered")
    expect(notice).to_contain_text("พบ 1 เรื่องเมื่อไม่กรอง")
    visit.shot("search-filtered-empty", full_page=False)
    notice.get_by_role("link", name="ดูผลโดยไม่กรอง").click()
    expect(page.locator("#results-summary")).to_contain_text("พบ 1 เรื่อง")
    expect(page.locator(".active-filters")).to_have_count(0)
