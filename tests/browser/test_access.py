"""Accessibility (axe-core), the keyboard, and the printed page."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PAGES = {
    "home": "/",
    "results": "/search?q=" + urllib.parse.quote("ภาษี") + "&division=finance",
    "empty": "/search?q=" + urllib.parse.quote("ดาวอังคาร"),
    "article": "/a/tax-collection-handbook",
    "highlighted": "/a/tax-collection-handbook?hl=" + urllib.parse.quote("ภาษีป้าย"),
    "tacit": "/a/signboard-tax-arrears-lesson",
    "listing": "/division/finance?page=2",
    "missing": "/a/no-such-article",
    "latest": "/latest",
    "latest-division": "/latest/finance",
    "people": "/people",
    "help": "/help",
    "english": "/search?q=flood",
    "filtered-empty": "/search?q=" + urllib.parse.quote("ถนนลูกรัง") + "&division=finance",
}
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    # WCAG 2.2 A and AA, and axe's best practices (landmarks, one h1, ...)
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
}


@pytest.fixture(scope="module")
def axe():
    return Axe()


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(
                f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return "\n".join(lines)


def check(visit, axe, name: str) -> None:
    if name == "missing":
        visit.allowed.add("/a/no-such-article")
    page = visit.go(PAGES[name])
    filters = page.locator("details.filters")
    if filters.count() and filters.get_attribute("open") is None:
        filters.locator("summary").click()  # check the folded filters too
    violations = axe.run(page, options=AXE_OPTIONS).response["violations"]
    assert not violations, f"axe found on {PAGES[name]} ({visit.width_name}):\n{describe(violations)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_no_accessibility_violations(desktop, axe, name):
    check(desktop, axe, name)


@pytest.mark.parametrize("name", ["results", "article", "highlighted", "latest", "people", "help"])
def test_no_accessibility_violations_on_a_phone(phone, axe, name):
    """The pages whose layout changes most on a phone."""
    check(phone, axe, name)


def focus_ring(page) -> str:
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : ''; }""")


def test_keyboard_only(visit):
    page = visit.go("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="ข้ามไปเนื้อหา")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert focus_ring(page), "the focused link shows a focus ring"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # "/" jumps to the search box from anywhere
    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="ค้นหาความรู้")
    expect(box).to_be_focused()
    page.keyboard.type("ภาษีป้าย")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ผลการค้นหา “ภาษีป้าย”")
    # Tab on through the filters to the first result; every stop is visible.
    for _ in range(60):
        page.keyboard.press("Tab")
        assert focus_ring(page), "every focused control shows a focus ring: " + page.evaluate(
            "document.activeElement.outerHTML.slice(0, 120)"
        )
        if page.evaluate("document.activeElement.closest('li.hit') !== null"):
            break
    else:
        pytest.fail("the first result was not reached with Tab")
    visit.shot("keyboard-focus-on-result", full_page=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/a/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_print_a_manual_on_a4(desktop):
    visit = desktop
    page = visit.go("/a/tax-collection-handbook")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    for hidden in ("header.site", "footer.site", "nav.toc", ".related", "button.copylink"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".printed-from")).to_contain_text("/a/tax-collection-handbook")
    body = page.evaluate("""() => { const s = getComputedStyle(document.body);
        return [s.fontFamily, s.fontSize]; }""")
    assert body[0].startswith('"TH Sarabun New"') and body[1] == "21.3333px"  # 16 pt
    # The typeface the page is really set in: TH Sarabun New where installed,
    # else Laksaman (its free clone), else the Sarabun shipped in static/fonts.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    para = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".body p"})["nodeId"]
    fonts = {f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": para})["fonts"]}
    assert fonts & {"TH Sarabun New", "TH SarabunPSK", "Laksaman", "Sarabun"}, fonts
    # Every table column on the paper, nothing cut off.
    table = page.locator(".table-scroll").first
    assert table.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    visit.shot("print-a4")
    pdf = page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF") and re.search(rb"/MediaBox \[0 0 59[45][.0-9]* 84[12]", pdf), "A4: 595 x 842 pt"
    (visit.folder / "print-a4.pdf").write_bytes(pdf)
