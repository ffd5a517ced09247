"""Typography and print in a real Chromium, on the content shipped with the
project: Thai lines break between the office's words (the line boxes are
read back and checked against the search's segmentation), a printed
article and the printed KM report number their pages "- ๒ -" and carry
the address and the date in the margin (the PDF's text is read back), and
the downloaded HTML report shows Thai on a computer with no Thai font.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import engine
from indexer.analysis import thai
from kmsearch.search.wordbreak import LONGEST, word_breaks

from .conftest import BUNDLED_CONTENT, CHROMIUM, CHROMIUM_ARGS, _visit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTICLES = ["/a/child-center-manual", "/a/land-building-tax-manual", "/a/local-wisdom-khoktoom-lesson"]
KMSEARCH = str(Path(sys.executable).with_name("kmsearch"))

# Offsets in an element's text where a new line box starts.
LINE_STARTS = """(el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const starts = []; let offset = 0; let top = null; let node;
  while ((node = walker.nextNode())) {
    for (let i = 0; i < node.length; i++) {
      const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
      const box = r.getClientRects()[0];
      if (box && box.width > 0) {
        if (top !== null && box.top > top + 4) starts.push(offset + i);
        top = box.top;
      }
    }
    offset += node.length;
  }
  return [el.textContent, starts];
}"""


@pytest.fixture(scope="module")
def segmenter(bundled):
    ix = engine.backend_for(BUNDLED_CONTENT, bundled[1]).open()
    try:
        yield ix.segmenter
    finally:
        ix.close()


@pytest.fixture
def bundled_desktop(browser, bundled, screenshots):
    yield from _visit(browser, bundled[0], screenshots, "desktop")


def pdf_text(text: str) -> str:
    """Text read from a PDF, comparable: pypdf reads some stacked Thai marks
    as NUL and sara am as nikhahit + sara aa."""
    return " ".join(text.replace("\x00", "").replace("\u0e4d\u0e32", "\u0e33").split())


@pytest.fixture(params=["phone-360", "phone", "desktop"], ids=["360px", "390px", "1280px"])
def any_width(request, browser, bundled, screenshots):
    yield from _visit(browser, bundled[0], screenshots, request.param)


def bad_breaks(page, selector: str, segmenter) -> tuple[int, list[str]]:
    """(line breaks between two Thai letters, those not between two words)."""
    thai_breaks, bad = 0, []
    for el in page.query_selector_all(selector):
        text, starts = el.evaluate(LINE_STARTS)
        words = set(word_breaks(text, segmenter))
        # words too long for a phone are the browser's to break (wordbreak.LONGEST)
        long = [(t.start, t.end) for t in thai.analyse(text, segmenter) if t.end - t.start > LONGEST]
        for p in starts:
            if 0 < p < len(text) and thai._is_thai(text[p - 1]) and thai._is_thai(text[p]):
                thai_breaks += 1
                if p not in words and not any(s < p < e for s, e in long):
                    bad.append(text[max(0, p - 8) : p] + "|" + text[p : p + 8])
    return thai_breaks, bad


def test_thai_lines_break_between_the_office_words(any_width, segmenter):
    visit = any_width
    total = 0
    for path in ARTICLES:
        page = visit.go(path)
        n, bad = bad_breaks(page, "h1, .lead, .body p, .body li, .body td", segmenter)
        assert not bad, f"{path} at {visit.width_name}: lines break inside words: {bad}"
        total += n
        # Copying gives back the text as written: no character was added.
        text = page.evaluate("document.querySelector('.body').innerText")
        assert "\u200b" not in text and "\u2060" not in text
    assert total > 20, "the test saw too few Thai line breaks to mean anything"
    # The same text without the markup, for comparison: Chromium's own
    # dictionary breaks inside the office's words.
    page = visit.go(ARTICLES[0])
    page.evaluate("document.querySelectorAll('.body p').forEach(p => { p.textContent = p.textContent; })")
    _, plain_bad = bad_breaks(page, ".body p", segmenter)
    print(
        f"{visit.width_name}: {total} Thai line breaks, all between words; without the markup {len(plain_bad)} "
        f"of one article's paragraphs break inside words, e.g. {plain_bad[:3]}"
    )
    visit.shot("wordbreak", full_page=False)


def test_search_results_break_between_words(bundled_phone, segmenter):
    page = bundled_phone.go("/search?q=" + "ภาษีที่ดินโคกตูม")
    n, bad = bad_breaks(page, ".hit h3, .hit .snippet", segmenter)
    assert not bad, f"result titles and snippets break inside words: {bad}"
    assert page.locator(".hit .snippet mark").count() > 0, "highlights are still there"


def pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]


def test_a_printed_article_numbers_its_pages_and_names_its_address(bundled_desktop, bundled):
    desktop = bundled_desktop
    page = desktop.go("/a/land-building-tax-manual")
    page.emulate_media(media="print")
    desktop.shot("article-print", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True)
    Path(desktop.folder / "article.pdf").write_bytes(pdf)
    pages = pdf_pages(pdf)
    assert len(pages) >= 2, "the test needs an article of two pages or more"
    address = bundled[0] + "/a/land-building-tax-manual"
    for i, text in enumerate(pages, 1):
        flat = pdf_text(text)
        thai_number = str(i).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
        if i == 1:
            assert "- ๑ -" not in flat, "the first page of an official document is not numbered"
        else:
            assert f"- {thai_number} -" in flat, f"page {i}: {flat[:200]}"
        assert f"พิมพ์จาก {address}" in flat, f"page {i} has no address: {flat[-300:]}"
        assert "พิมพ์เมื" in flat
    # No page holds only the margins: the last one has text of the article.
    last = pdf_text(pages[-1])
    body = re.sub(r"พิมพ์จาก \S+|พิมพ์เมือ.{0,20}\d{4}|- [๐-๙]+ -", "", last).strip()
    assert len(body) > 40, f"the last page holds only the margins: {last!r}"
    # The line that used to close the article is in the margin now.
    assert sum(t.count("พิมพ์จาก") for t in pages) == len(pages)


def html_report(bundled, path):
    """The bundled office's HTML report for 2567, as `kmsearch report` writes it."""
    index = str(bundled[1])
    subprocess.run(
        [
            KMSEARCH,
            "report",
            "--content",
            str(BUNDLED_CONTENT),
            "--index",
            index,
            "--usage-db",
            "off",
            "--fiscal-year",
            "2567",
            "--format",
            "html",
            "-o",
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


def test_the_km_report_prints_like_an_office_document(browser, bundled, tmp_path, screenshots):
    report = html_report(bundled, tmp_path / "report.html")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    try:
        page = context.new_page()
        page.goto(report.as_uri())
        page.evaluate("document.fonts.ready.then(() => true)")
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        context.close()
    (screenshots / "km-report.pdf").write_bytes(pdf)
    pages = pdf_pages(pdf)
    assert len(pages) >= 2
    flat = [pdf_text(t) for t in pages]
    assert "- ๒ -" in flat[1] and "- ๑ -" not in flat[0]
    assert all(
        "จัดทำเมื" in t and f"/ {len(pages)}".translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")) in t for t in flat
    )
    assert "ตามแผนการจัดการความรู้" in flat[0] and "ร้อยละ" in flat[0]


def _no_thai_font_config(folder: Path) -> Path:
    """A fontconfig that knows one font, a Latin one: a computer with no
    Thai font.  (With no font at all Chromium loads no web font either.)"""
    latin = next(
        (p for name in ("DejaVuSans.ttf", "LiberationSans-Regular.ttf") for p in Path("/usr/share/fonts").rglob(name)),
        None,
    )
    assert latin is not None, "needs DejaVu Sans or Liberation Sans (apt-get install fonts-dejavu-core)"
    fonts = folder / "latin-only"
    fonts.mkdir()
    shutil.copy(latin, fonts)
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    if shutil.which("fc-list"):
        found = subprocess.run(
            ["fc-list", ":lang=th"], env={"FONTCONFIG_FILE": str(conf)}, capture_output=True, text=True
        )
        assert found.stdout.strip() == "", f"a Thai font is still there: {found.stdout}"
    return conf


def test_the_html_report_shows_thai_on_a_computer_without_a_thai_font(browser, bundled, tmp_path, screenshots):
    report = html_report(bundled, tmp_path / "report.html")
    html = report.read_text(encoding="utf-8")
    bare = tmp_path / "report-without-fonts.html"
    bare.write_text(re.sub(r"url\(data:font/woff2;base64,[^)]+\)", "url(missing.woff2)", html), encoding="utf-8")
    shots, widths = {}, {}
    if True:
        # a second Chromium, from the session's Playwright, with no fonts
        chromium = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            env={"FONTCONFIG_FILE": str(_no_thai_font_config(tmp_path)), "HOME": str(tmp_path)},
        )
        try:
            for name, file in (("embedded", report), ("without", bare)):
                page = chromium.new_page(viewport={"width": 800, "height": 500})
                page.goto(file.as_uri())
                page.evaluate("document.fonts.ready.then(() => true)")
                head = page.locator("h1")
                widths[name] = head.evaluate(
                    "el => { const r = document.createRange(); r.selectNodeContents(el);"
                    " const b = r.getBoundingClientRect(); return [b.width, b.height]; }"
                )
                path = screenshots / f"km-report-no-system-font-{name}.png"
                page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": 800, "height": 300})
                shots[name] = path.read_bytes()
                faces = page.evaluate("[...document.fonts].map(f => f.family + ' ' + f.weight + ' ' + f.status)")
                if name == "embedded":
                    assert page.evaluate("document.fonts.check('16px Sarabun', 'โคกตูม')"), faces
                page.close()
        finally:
            chromium.close()
    # Tofu boxes are not the letters: the two renderings differ, pixel for pixel and in size.
    assert shots["embedded"] != shots["without"]
    assert widths["embedded"] != widths["without"]
