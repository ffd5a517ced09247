"""The page a result opens, and the phone and the keyboard, as a person
meets them: where the page is scrolled to, what is marked, how many Tab
presses, what a wide table shows, what a suggestion does."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from indexer.analysis.thai import Segmenter
from indexer.content.render import heading_id

from .seen import edge_shade, marks_inside_words, overflow

HANDBOOK = "คู่มือปฏิบัติงานจัดเก็บภาษีป้ายและค่าธรรมเนียม"
PASSAGE = "ผู้ไม่ชำระภายในกำหนดต้องเสียเงินเพิ่มร้อยละ 2 ต่อเดือน"
QUERY = "เงินเพิ่มร้อยละ"


def search(visit, q: str):
    return visit.go("/search?q=" + urllib.parse.quote(q))


IN_VIEW = """(text) => {
    const body = document.querySelector('article.doc .body');
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const nodes = []; let all = '';
    while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data; }
    const at = all.indexOf(text);
    if (at < 0) return false;
    const [node, start] = nodes.filter(([n, s]) => s <= at).pop();
    const range = document.createRange();
    range.setStart(node, at - start);
    range.setEnd(node, Math.min(node.data.length, at - start + 10));
    const r = range.getBoundingClientRect();
    const bar = document.querySelector('.hl-bar');
    const top = bar ? bar.getBoundingClientRect().bottom : 0;
    return r.height > 0 && r.top >= top && r.bottom <= window.innerHeight;
}"""


def in_viewport(page, text: str) -> bool:
    """Are the words ``text`` of the article's body on the screen, below
    the bar that stays at the top?"""
    return page.evaluate(IN_VIEW, text)


def scrolled_to(page, text: str) -> None:
    """Wait for the page to come to rest with ``text`` on the screen (the
    browser scrolls to a text fragment once the page has loaded)."""
    try:
        page.wait_for_function(IN_VIEW, arg=text, timeout=5000)
    except Exception:
        raise AssertionError(f"“{text}” is not on the screen; scrolled to {page.evaluate('scrollY')}") from None


def body_marks(page) -> list[str]:
    return [t.strip() for t in page.locator("article.doc .body mark").all_inner_texts()]


def test_a_result_opens_at_its_passage_with_the_words_marked(visit):
    page = search(visit, QUERY)
    page.get_by_role("link", name=HANDBOOK).first.click()
    expect(page).to_have_url(re.compile(r"/a/tax-collection-handbook\?hl="))
    expect(page.get_by_role("heading", level=1)).to_have_text(HANDBOOK)
    # the passage the snippet showed is on the screen, not the top of the manual
    scrolled_to(page, "ผู้ไม่ชำระภายในกำหนด")
    expect(page.get_by_role("heading", level=1)).not_to_be_in_viewport()
    assert page.evaluate("location.hash") == "#" + heading_id("การติดตามหนี้ค้างชำระ")
    # the query's words are marked there, whole, and only them
    passage = page.locator("article.doc .body p", has_text="ผู้ไม่ชำระภายในกำหนด")
    assert [m.strip() for m in passage.locator("mark").all_inner_texts()] == ["เงิน", "ร้อยละ"]
    assert marks_inside_words(page, Segmenter()) == []
    assert page.locator("mark").first.evaluate("m => getComputedStyle(m).paddingLeft") == "0px", (
        "a mark adds no gap inside Thai text"
    )
    # the bar with the query and its control stays in sight
    bar = page.locator(".hl-bar")
    expect(bar).to_be_in_viewport()
    expect(bar).to_contain_text(f"ไฮไลต์คำค้น “{QUERY}” 2 แห่ง")
    if visit.width_name == "desktop":  # the contents beside the text stay clear of the bar
        below = bar.bounding_box()["y"] + bar.bounding_box()["height"]
        assert page.get_by_role("navigation", name="สารบัญ").bounding_box()["y"] >= below
    visit.shot("result-opened", full_page=False)
    y = page.evaluate("scrollY")

    # Clearing: the marks go, the reader stays where they were, the address is the plain article.
    bar.get_by_role("link", name="ล้างไฮไลต์").click()
    expect(page.locator("article.doc .body mark")).to_have_count(0)
    expect(page.locator(".hl-bar")).to_have_count(0)
    assert page.url.split("#")[0] == visit.base + "/a/tax-collection-handbook"
    assert abs(page.evaluate("scrollY") - y) < 80
    assert in_viewport(page, "ผู้ไม่ชำระภายในกำหนด")


def test_without_script_a_result_still_opens_at_its_passage(phone_without_script):
    visit = phone_without_script
    page = search(visit, QUERY)
    # results before the filters, the first on the first screen
    first = page.locator("li.hit").first.bounding_box()
    assert first["y"] < page.viewport_size["height"], first
    assert first["y"] < page.locator("details.filters").bounding_box()["y"]
    visit.shot("results-without-script", full_page=False)
    page.get_by_role("link", name=HANDBOOK).first.click()
    scrolled_to(page, "ผู้ไม่ชำระภายในกำหนด")
    assert "ร้อยละ" in body_marks(page)
    page.locator(".hl-bar").get_by_role("link", name="ล้างไฮไลต์").click()
    expect(page).to_have_url(visit.base + "/a/tax-collection-handbook")
    assert body_marks(page) == []


def test_a_heading_is_the_fallback_when_the_words_are_not_found(visit):
    """A browser without text fragments, or words since edited: the heading."""
    page = visit.go(
        "/a/tax-collection-handbook?hl="
        + urllib.parse.quote(QUERY)
        + "#"
        + heading_id("การติดตามหนี้ค้างชำระ")
        + ":~:text="
        + urllib.parse.quote("ไม่มีข้อความนี้")
    )
    heading = page.get_by_role("heading", name="การติดตามหนี้ค้างชำระ", exact=True)
    expect(heading).to_be_in_viewport()
    top = heading.bounding_box()["y"]
    assert top >= page.locator(".hl-bar").bounding_box()["y"] + page.locator(".hl-bar").bounding_box()["height"] - 1, (
        "the heading is not hidden under the bar"
    )


def test_tab_from_the_search_box_reaches_the_first_result_in_five(desktop):
    page = search(desktop, "ภาษี")
    page.get_by_role("combobox", name="ค้นหาความรู้").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('li.hit') !== null"):
            break
    else:
        pytest.fail(
            "five Tab presses did not reach the first result: "
            + page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        )
    expect(page.locator("li.hit").first.get_by_role("link").first).to_be_focused()
    desktop.shot("tab-to-first-result", full_page=False)


def test_a_skip_link_reaches_the_results(visit):
    page = search(visit, "ภาษี")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="ข้ามไปผลการค้นหา")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('section.results') !== null"), page.evaluate(
        "document.activeElement.outerHTML.slice(0, 120)"
    )
    expect(page.locator("#results-summary")).to_be_in_viewport()


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_a_wide_table_shows_that_it_scrolls(browser, site, screenshots, script):
    from .conftest import Visit

    visit = Visit(browser, site, "phone", screenshots, script)
    try:
        page = visit.go("/a/tax-collection-handbook")
        box = page.get_by_role("region", name=re.compile("ตาราง"))
        box.scroll_into_view_if_needed()
        assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the table is wider than a phone"
        width = box.bounding_box()["width"]
        left, right = (2 / width, 10 / width), (1 - 10 / width, 1 - 2 / width)  # 8 px inside each edge
        start = box.screenshot()
        # more columns to the right: that edge is shaded, the left one is not
        assert edge_shade(start, *right) > 3 * edge_shade(start, *left) + 8
        if script:
            hint = page.get_by_text("เลื่อนเพื่อดูเพิ่ม →")
            expect(hint).to_be_visible()
        visit.shot("table-cue-" + ("script" if script else "no-script"), full_page=False)
        box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        end = box.screenshot()
        assert edge_shade(end, *left) > 3 * edge_shade(end, *right) + 8
        assert overflow(page) <= 0
    finally:
        visit.close()


def test_a_table_that_fits_has_no_hint(desktop):
    page = desktop.go("/a/tax-collection-handbook")
    box = page.get_by_role("region", name=re.compile("ตาราง"))
    assert box.evaluate("el => el.scrollWidth <= el.clientWidth")
    expect(page.get_by_text("เลื่อนเพื่อดูเพิ่ม →")).to_have_count(0)


def test_a_suggested_title_opens_its_article(visit):
    page = visit.go("/")
    box = page.get_by_role("combobox", name="ค้นหาความรู้")
    box.press_sequentially("จัดเก็บภาษีป้าย", delay=30)
    option = page.locator(f'datalist#q-suggestions option[value="{HANDBOOK}"]')
    expect(option).to_be_attached()
    assert option.get_attribute("label") == "เปิดเอกสาร"
    # Choosing it: the browser puts the option's value in the box and
    # reports an input that is not typing (headless Chromium draws no list
    # to click, so this is what a click on it does).
    box.evaluate("(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }", HANDBOOK)
    expect(page).to_have_url(visit.base + "/a/tax-collection-handbook")
    expect(page.get_by_role("heading", level=1)).to_have_text(HANDBOOK)


def test_typing_a_whole_title_searches_for_it(desktop):
    page = desktop.go("/")
    box = page.get_by_role("combobox", name="ค้นหาความรู้")
    box.press_sequentially("จัดเก็บภาษีป้าย", delay=30)
    expect(page.locator(f'datalist#q-suggestions option[value="{HANDBOOK}"]')).to_be_attached()
    box.fill("")
    box.press_sequentially(HANDBOOK, delay=5)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
