"""The province search in a real browser, on the real server over three
offices in the test cluster: it fits a phone, the office facet filters,
the switch goes back to this office, another office's result links to its
own site."""

from __future__ import annotations

import time
import urllib.parse

import pytest

from ..servers import start_server
from ..test_province import OFFICES, write_office
from .conftest import Visit
from .seen import overflow

pytestmark = pytest.mark.opensearch


@pytest.fixture(scope="module")
def province_site(opensearch_cluster, tmp_path_factory):
    root = tmp_path_factory.mktemp("province")
    with pytest.MonkeyPatch.context() as env:
        # one prefix for the builds and the server process: a province of these three only
        env.setenv("KMSEARCH_OPENSEARCH_PREFIX", f"browser{time.monotonic_ns() % 10**6}")
        env.setenv("KMSEARCH_USAGE_DB", "off")
        env.delenv("KMSEARCH_PAGE_SIZE", raising=False)
        contents = {
            slug: write_office(root / slug, opensearch_cluster, slug, *office) for slug, office in OFFICES.items()
        }
        server = start_server(contents["khoktum"], root / "khoktum" / "index")
        base = server.__enter__()
    try:
        yield base
    finally:
        server.__exit__(None, None, None)


@pytest.mark.parametrize("width", ["phone-360", "desktop"])
def test_a_province_search_in_the_browser(browser, province_site, screenshots, width):
    visit = Visit(browser, province_site, width, screenshots)
    try:
        page = visit.go("/search?q=" + urllib.parse.quote("ภาษีที่ดิน"))
        page.get_by_role("link", name="ทุกสำนักงาน").click()
        assert "scope=province" in page.url
        assert page.locator("#results-summary").inner_text().startswith("พบ 4 เรื่อง")
        assert overflow(page) <= 0, f"wider than the {width} viewport by {overflow(page)}px"
        offices = page.locator(".hit .office").all_inner_texts()
        assert sorted(set(offices)) == ["อบต.หนองบัว", "เทศบาลตำบลบ้านใหม่", "เทศบาลตำบลโคกตูม"]
        link = page.get_by_role("link", name="บทเรียนน้ำท่วมหมู่ ๔")
        assert link.get_attribute("href").startswith("https://km.banmai.example/a/flood-lesson")
        visit.shot("province-search")
        if width.startswith("phone"):
            page.locator("details.filters > summary").click()  # closed on a phone
        page.locator("#facet-office ~ ul").get_by_role("link", name="เทศบาลตำบลบ้านใหม่").click()
        assert page.locator("#results-summary").inner_text().startswith("พบ 2 เรื่อง")
        assert set(page.locator(".hit .office").all_inner_texts()) == {"เทศบาลตำบลบ้านใหม่"}
        # a new query typed in the box keeps the province and the office
        box = page.locator("#q")
        box.fill("น้ำท่วม")
        box.press("Enter")
        assert "scope=province" in page.url and "office=banmai" in page.url
        assert page.locator(".hit h3").all_inner_texts() == ["บทเรียนน้ำท่วมหมู่ ๔"]
        page.locator("p.scope").get_by_role("link", name="เทศบาลตำบลโคกตูม").click()
        assert "scope" not in page.url and "office" not in page.url
        assert page.locator(".hit .office").count() == 0
        assert not visit.errors, visit.errors
    finally:
        visit.close()
