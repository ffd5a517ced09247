"""ประวัติการแก้ไข and สิ่งที่เปลี่ยน on a 390 px phone, served by a real
`kmsearch serve --drafts` over a content folder that is a git repository;
and a draft as its author previews it (badge, banner)."""

from __future__ import annotations

import pytest

from ..corpus import write_corpus
from ..servers import start_server
from ..test_history import git
from .conftest import Visit
from .seen import overflow

LAND = "finance/land-tax-manual.md"
LONG = (
    "ผู้เสียภาษีที่ดินและสิ่งปลูกสร้างที่ชำระผ่านแอปพลิเคชันของธนาคารกรุงไทยหรือธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร"
    "จะได้รับใบเสร็จรับเงินอิเล็กทรอนิกส์ทางอีเมลภายในสามวันทำการ https://www.example.go.th/e-payment/land-tax/receipt"
)
DRAFT = """---
id: water-draft
title: ร่างคู่มือการซ่อมท่อประปาหมู่บ้าน
division: กองช่าง
type: manual
knowledge: explicit
status: ฉบับร่าง
date: 2024-11-02
---
ท่อประปาหมู่บ้านแตกในหน้าแล้ง ให้ปิดประตูน้ำก่อนซ่อม
"""


@pytest.fixture(scope="module")
def history_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("history-site")
    content = write_corpus(root / "content")
    git(content, "init", "-q", "-b", "main")
    git(content, "add", ".")
    git(content, "commit", "-q", "-m", "เพิ่มคู่มือภาษีที่ดินและเอกสารชุดแรกของกองคลังและกองช่าง")
    land = content / LAND
    text = land.read_text(encoding="utf-8").replace("2. แจ้งการประเมินภาษีภายในเดือนกุมภาพันธ์\n", "")
    land.write_text(text + "\n" + LONG + "\n", encoding="utf-8")
    (content / "engineering" / "water-draft.md").write_text(DRAFT, encoding="utf-8")
    git(
        content,
        "commit",
        "-q",
        "-am",
        "ปรับขั้นตอนการชำระภาษีที่ดินและสิ่งปลูกสร้างให้ตรงกับระเบียบกระทรวงมหาดไทยฉบับใหม่ล่าสุดของปีงบประมาณ",
        author="นายช่างประสิทธิ์ ทำดีเสมอต้นเสมอปลาย",
        when="2024-05-20T14:05:00+07:00",
    )
    with start_server(content, root / "index", "--drafts") as base:
        yield base


@pytest.fixture
def phone_tab(browser, history_site, screenshots):
    v = Visit(browser, history_site, "phone", screenshots)
    yield v
    errors = list(v.errors)
    v.close()
    assert not errors, "the page reported errors:\n" + "\n".join(errors)


@pytest.mark.browser
@pytest.mark.slow
def test_history_and_diff_fit_a_phone(phone_tab):
    page = phone_tab.go("/a/land-tax-manual")
    page.get_by_role("link", name="ประวัติการแก้ไข").click()
    page.wait_for_url("**/history")
    first = page.locator(".revision").first
    assert first.locator(".who").inner_text() == "นายช่างประสิทธิ์ ทำดีเสมอต้นเสมอปลาย"
    assert first.locator("time").inner_text() == "20 พ.ค. 2567 เวลา 14:05 น."
    assert overflow(page) == 0, "the history slides sideways on a 390 px phone"
    phone_tab.shot("history")
    page.get_by_role("link", name="ดูสิ่งที่เปลี่ยนในครั้งนี้").first.click()
    page.wait_for_url("**/diff?**")
    assert page.locator(".diff ins").filter(has_text="ใบเสร็จรับเงินอิเล็กทรอนิกส์").is_visible()
    assert page.locator(".diff del").filter(has_text="แจ้งการประเมินภาษีภายในเดือนกุมภาพันธ์").is_visible()
    assert overflow(page) == 0, "the diff slides sideways on a 390 px phone"
    phone_tab.shot("diff")
    # the form compares any two versions
    page.go_back()
    page.get_by_role("button", name="ดูสิ่งที่เปลี่ยน").click()
    page.wait_for_url("**/diff?**")
    assert page.locator(".diff ins").count() >= 1 and overflow(page) == 0


@pytest.mark.browser
@pytest.mark.slow
def test_a_draft_in_the_preview_is_marked(phone_tab):
    page = phone_tab.go("/search?q=ท่อประปา")
    assert page.locator(".hit .draft-badge").first.is_visible()
    phone_tab.shot("draft-hit")
    page.locator(".hit a").first.click()
    assert page.locator(".draft-bar").is_visible()
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    assert overflow(page) == 0
    phone_tab.shot("draft-article")
