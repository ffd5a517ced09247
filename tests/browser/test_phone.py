"""Every page of the content shipped with the project, on 360 and 390 px
phones: nothing slides sideways, and no highlight marks a piece of a word.

The pages are the site's own list (sitemap.xml: every article and every
listing), searches with long Thai questions, and the KM dashboard; each
article is opened as a result opens it, with a query's words marked.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from indexer import engine

from .conftest import BUNDLED_CONTENT
from .seen import marks, marks_inside_words, overflow

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LONG_QUERIES = [
    "ผู้สูงอายุย้ายที่อยู่ต้องทำอย่างไรและต้องใช้เอกสารอะไรบ้างในการขอรับเบี้ยยังชีพผู้สูงอายุต่อเนื่อง",
    "ภาษีที่ดินและสิ่งปลูกสร้างต้องจ่ายภายในเดือนไหน ถ้าจ่ายช้าต้องเสียเงินเพิ่มเท่าไร และผ่อนชำระได้หรือไม่",
    "ขั้นตอนการเบิกเงินค่าเดินทางไปราชการและหลักฐานการจ่ายที่ต้องแนบ",
    "การคัดแยกขยะเปียกขยะอินทรีย์ในครัวเรือนและธนาคารขยะของชุมชน",
    "ลาป่วยกี่วันต้องมีใบรับรองแพทย์",
]
KM_PAGES = ["/km", "/km/login"]


def site_pages(base: str) -> tuple[list[str], list[str]]:
    """(articles, other pages) as the sitemap lists them, as paths."""
    with urllib.request.urlopen(base + "/sitemap.xml", timeout=10) as resp:
        locs = [e.text for e in ET.fromstring(resp.read()).iter(SITEMAP + "loc")]
    paths = [urllib.parse.urlsplit(u).path for u in locs]
    return [p for p in paths if p.startswith("/a/")], [p for p in paths if not p.startswith("/a/")]


@pytest.fixture(scope="module")
def bundled_index(bundled):
    ix = engine.backend_for(BUNDLED_CONTENT, bundled[1]).open()
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def segmenter(bundled_index):
    return bundled_index.segmenter


@pytest.fixture(scope="module")
def pages(bundled):
    return site_pages(bundled[0])


def test_every_bundled_page_fits_a_phone(bundled, bundled_phone, pages, segmenter, bundled_index):
    visit = bundled_phone
    articles, others = pages
    assert len(articles) == bundled_index.doc_count > 30, "the sitemap lists every bundled article"
    assert {"/division/finance", "/type/manual", "/knowledge/tacit"} <= set(others)
    searches = ["/search?q=" + urllib.parse.quote(q) for q in LONG_QUERIES]
    wide, pieces, marked = [], [], 0
    for path in [*others, *searches, *KM_PAGES]:
        page = visit.go(path)
        if (px := overflow(page)) > 0:
            wide.append(f"{path} by {px}px")
        pieces += [f"{path}: {m}" for m in marks_inside_words(page, segmenter)]
        marked += len(marks(page))
    for path in articles:
        # As a result opens it: a query's words marked (the words of its title).
        doc = bundled_index.get(path.rsplit("/", 1)[1])
        page = visit.go(path + "?hl=" + urllib.parse.quote(doc["title"]))
        if (px := overflow(page)) > 0:
            wide.append(f"{path} by {px}px")
        pieces += [f"{path}: {m}" for m in marks_inside_words(page, segmenter)]
        marked += len(marks(page))
    visit.go("/a/egp-procurement-manual?hl=" + urllib.parse.quote("ประกาศผู้ชนะ"))  # a long title, a table
    visit.shot("bundled-article", full_page=False)
    visit.go(searches[0])
    visit.shot("bundled-long-query", full_page=False)
    assert not wide, f"wider than a {visit.page.viewport_size['width']} px phone:\n" + "\n".join(wide)
    assert not pieces, "highlights inside a word:\n" + "\n".join(pieces)
    assert marked > 100, "the pages had words to mark"


def test_the_highlight_check_tells_a_word_from_a_piece_of_one():
    """What the check above fails on: บ้า in ชาวบ้าน, หมา in เครื่องหมาย; not
    ที่ดิน in โฉนดที่ดิน (two words of a compound) nor whole words."""
    from indexer.analysis.thai import Segmenter

    from .seen import inside_a_word

    text, seg = "ชาวบ้านมีโฉนดที่ดินและเครื่องหมาย", Segmenter()

    def piece(word: str) -> bool:
        at = text.index(word)
        return inside_a_word(text, at, seg) or inside_a_word(text, at + len(word), seg)

    assert piece("บ้า") and piece("หมา") and piece("ดิ")
    assert not piece("ที่ดิน") and not piece("ชาวบ้าน") and not piece("เครื่องหมาย")
