"""The KM plan's indicators, computed from a content folder built for the
test (tests/corpus.py, knowledge map in tests/data/kmsearch.yaml)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from indexer import build_index, engine
from indexer.content.office import load_office
from kmsearch.km import figures as ki
from kmsearch.km.report_csv import to_csv
from kmsearch.km.report_docx import to_docx
from kmsearch.km.report_md import to_markdown
from kmsearch.km.usage import UsageRow

from .corpus import DOCS, write_corpus
from .sites import on_backend

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines


@pytest.fixture
def site(backend, cluster, sites):
    """The stored documents of the corpus (what /km reads), once a session per backend."""

    def make(root):
        content = on_backend(write_corpus(root / "content"), backend, cluster)
        assert build_index(content, root / "index").problems == []
        with engine.backend_for(content, root / "index").open() as ix:
            documents = ix.all()
        return documents, load_office(content)

    return sites.get("km", backend, make)


class FakeUsage:
    def __init__(self, rows):
        self._rows = rows
        self.asked = None

    def rows(self, start, end):
        self.asked = (start, end)
        return self._rows


class BrokenUsage:
    def rows(self, start, end):
        raise RuntimeError("database disk image is malformed")


def test_documents_of_a_year_30_september_vs_1_october(site):
    documents, office = site
    fy67 = ki.compute(documents, office, None, 2567)
    fy68 = ki.compute(documents, office, None, 2568)
    # child-center-training is dated 30 Sep 2024, road-repair-lesson 1 Oct 2024.
    assert [d.id for d in fy67.created] == ["child-center-training", "land-tax-manual"]
    assert [d.id for d in fy68.created] == ["road-repair-lesson"]
    assert "road-repair-lesson" not in {d.id for d in fy67.stock}
    assert len(fy67.stock) == 5 and len(fy68.stock) == len(DOCS) == 6
    assert fy67.training_reports == 1 and fy68.training_reports == 0
    assert [d.id for d in fy67.updated] == ["land-tax-manual"]  # updated 1 Feb 2024
    assert fy68.updated == []


def test_manuals_per_division(site):
    documents, office = site
    ind = ki.compute(documents, office, None, 2567)
    assert {m.division.slug: [d.id for d in m.docs] for m in ind.manuals} == {
        "finance": ["land-tax-manual"],
        "engineering": ["building-permit"],
        "education": [],
    }
    assert [d.slug for d in ind.lacking_manuals] == ["education"]
    old = ki.compute(documents, office, None, 2564)  # before the land tax manual (Nov 2023)
    assert [d.slug for d in old.lacking_manuals] == ["finance", "education"]


def test_knowledge_map_coverage(site):
    documents, office = site
    ind = ki.compute(documents, office, None, 2567)
    cells = {(r.division.slug, a.area.slug): [d.id for d in a.docs] for r in ind.knowledge_map for a in r.areas}
    assert cells == {
        ("finance", "law"): ["egp-regulation", "land-tax-manual"],
        ("finance", "community-data"): [],
        ("education", "law"): [],  # finance's law documents do not cover education's need
        ("education", "child-center"): ["child-center-training"],
    }
    assert (ind.map_covered, ind.map_total, ind.coverage_percent) == (2, 4, 50.0)
    # The year before, the training report (30 Sep 2024) did not exist yet.
    assert ki.compute(documents, office, None, 2566).coverage_percent == 25.0
    assert ki.compute(documents, office, None, 2564).coverage_percent == 0.0
    assert [(r.issue, a.area.slug) for r, a in ind.missing_areas] == [
        ("การพัฒนาด้านการบริหารงานคลัง", "community-data"),
        ("การพัฒนาด้านการศึกษา", "law"),
    ]


def test_one_division(site):
    documents, office = site
    ind = ki.compute(documents, office, None, 2568, division="กองการศึกษา")
    assert ind.division.slug == "education" and [d.slug for d in ind.divisions] == ["education"]
    assert [r.issue for r in ind.knowledge_map] == ["การพัฒนาด้านการศึกษา"]
    assert (ind.map_covered, ind.map_total) == (1, 2)
    assert {d.division for d in ind.stock} == {"education"}
    with pytest.raises(ValueError):
        ki.compute(documents, office, None, 2568, division="nowhere")


def test_counts_by_type_and_kind(site):
    documents, office = site
    ind = ki.compute(documents, office, None, 2568)
    assert dict(ind.by_type) == {"manual": 2, "regulation-note": 1, "lesson": 2, "training-report": 1}
    assert dict(ind.by_kind) == {"explicit": 4, "tacit": 2}
    assert ind.by_division_type["engineering"]["lesson"] == 1
    assert ind.by_division_type["engineering"]["knowledge:tacit"] == 1


def test_holders_directory(site):
    documents, office = site
    ind = ki.compute(documents, office, None, 2568)
    assert [(h, [d.id for d in docs]) for h, docs in ind.holders] == [
        ("นางบุญมา ศรีสุข (ปราชญ์ชาวบ้าน)", ["tradition-note"]),
        ("นายช่างประสิทธิ์ ทำดี", ["road-repair-lesson"]),
    ]


def rows_2567():
    return [
        UsageRow("2023-10", "view", "web", "land-tax-manual", "finance", "", False, 5),
        UsageRow("2024-09", "view", "api", "land-tax-manual", "", "", False, 2),  # division from the index
        UsageRow("2024-09", "view", "web", "child-center-training", "education", "", False, 3),
        UsageRow("2024-01", "view", "web", "deleted-doc", "engineering", "", False, 1),
        UsageRow("2024-01", "search", "web", "", "", "ภาษี", False, 7),
        UsageRow("2024-01", "search", "web", "", "", "ดาวอังคาร", True, 4),
        UsageRow("2024-02", "search", "api", "", "", "ภาษี", True, 1),
        UsageRow("2024-02", "feed", "feed", "/feed.atom", "", "", False, 6),
        UsageRow("2024-03", "api", "api", "api.api_other", "", "", False, 2),
    ]


def test_usage_figures(site):
    documents, office = site
    usage = FakeUsage(rows_2567())
    ind = ki.compute(documents, office, usage, 2567)
    assert usage.asked == (dt.date(2023, 10, 1), dt.date(2024, 9, 30))
    u = ind.usage
    assert u.total == 11 + 12 + 6 + 2
    assert u.by_kind == {"view": 11, "search": 12, "feed": 6, "api": 2}
    assert u.views == 11 and u.by_channel == {"web": 9, "api": 2}
    assert [(c.key, c.n) for c in u.views_by_doc] == [
        ("land-tax-manual", 7),
        ("child-center-training", 3),
        ("deleted-doc", 1),
    ]
    assert u.views_by_doc[2].label.startswith("deleted-doc") and u.views_by_doc[2].url == ""
    assert [(c.key, c.n) for c in u.views_by_division] == [("finance", 7), ("education", 3), ("engineering", 1)]
    assert u.by_month[0] == ("2023-10", "ต.ค. 66", 5, 0) and u.by_month[-1] == ("2024-09", "ก.ย. 67", 5, 0)
    assert sum(v for _, _, v, _ in u.by_month) == 11 and sum(s for *_, s in u.by_month) == 12
    assert (u.searches, u.zero_searches) == (12, 5)
    assert [(c.label, c.n, c.extra) for c in u.top_searches] == [("ภาษี", 8, 1), ("ดาวอังคาร", 4, 4)]
    assert [(c.label, c.n) for c in u.zero_results] == [("ดาวอังคาร", 4), ("ภาษี", 1)]
    assert ("จำนวนการเข้าถึงฐานข้อมูลความรู้", "31 ครั้ง") == ind.plan_indicators()[2][:2]


def test_search_terms_can_be_left_out(site):
    documents, office = site
    u = ki.compute(documents, office, FakeUsage(rows_2567()), 2567, show_queries=False).usage
    assert (u.searches, u.zero_searches) == (12, 5)
    assert u.top_searches == [] and u.zero_results == [] and not u.queries_shown
    text = to_markdown(ki.compute(documents, office, FakeUsage(rows_2567()), 2567, show_queries=False))
    assert "ดาวอังคาร" not in text and "ค้นหา 12 ครั้ง ไม่พบผลลัพธ์ 5 ครั้ง" in text


def test_views_of_one_division(site):
    documents, office = site
    u = ki.compute(documents, office, FakeUsage(rows_2567()), 2567, division="finance").usage
    assert u.views == 7 and u.total == 7
    assert [(c.key, c.n) for c in u.views_by_doc] == [("land-tax-manual", 7)]
    assert u.office_wide_searches and u.searches == 12


def test_an_unreadable_log_leaves_the_rest_of_the_report(site):
    documents, office = site
    ind = ki.compute(documents, office, BrokenUsage(), 2567)
    assert ind.usage is None and "malformed" in ind.usage_error
    assert ind.coverage_percent == 50.0
    assert "malformed" in to_markdown(ind)


def test_markdown_and_csv_reports(site):
    documents, office = site
    ind = ki.compute(documents, office, FakeUsage(rows_2567()), 2567, today=dt.date(2024, 10, 5))
    md = to_markdown(ind)
    assert md.startswith("# รายงานผลการดำเนินงานตามแผนการจัดการความรู้ ปีงบประมาณ 2567")
    assert "1 ต.ค. 2566 – 30 ก.ย. 2567" in md and "จัดทำเมื่อ 5 ต.ค. 2567" in md
    assert "- ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย — ผล: ร้อยละ 50.0; หมายเหตุ: " in md
    assert (
        "- การพัฒนาด้านการบริหารงานคลัง — ส่วนราชการ: กองคลัง; องค์ความรู้ที่จำเป็น: ข้อมูลพื้นฐานและสภาพพื้นที่ของชุมชน;"
        " สถานะ: ยังขาด\n" in md
    )
    assert "- ดาวอังคาร — ครั้ง: 4\n" in md
    # Pasted into Word or LINE it reads as text: no table pipes, no bold stars, no escapes.
    assert "|" not in md and "**" not in md and "\\" not in md
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:6] == [
        "## ตัวชี้วัดตามแผน",
        "## ตัวชี้วัดที่ 1 ส่วนราชการที่มีคู่มือการปฏิบัติงาน",
        "## ตัวชี้วัดที่ 2 รายงานผลการฝึกอบรม",
        "## ตัวชี้วัดที่ 3 จำนวนการเข้าถึงฐานข้อมูลความรู้",
        "## ตัวชี้วัดที่ 4 ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย (แผนที่องค์ความรู้ แบบฟอร์มที่ 1)",
        "## ตัวชี้วัดที่ 5 จำนวนฐานข้อมูลความรู้ที่ได้รับการปรับปรุง",
    ]

    text = to_csv(ind)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["หมวด", "รายการ", "ส่วนราชการ", "จำนวน", "รายละเอียด"]
    figure = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert figure[("ตัวชี้วัด", "ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย", "")] == "50.0"
    assert figure[("ตัวชี้วัด", "จำนวนการเข้าถึงฐานข้อมูลความรู้", "")] == "31"
    assert figure[("ตัวชี้วัด", "ส่วนราชการที่มีคู่มือการปฏิบัติงาน", "")] == "2"
    assert figure[("การเข้าถึง", "อ่านบทความ", "")] == "11"
    assert figure[("คำค้นที่ไม่พบเอกสาร", "ดาวอังคาร", "")] == "4"
    assert figure[("คู่มือการปฏิบัติงาน", "ยังไม่มีคู่มือ", "กองการศึกษา ศาสนาและวัฒนธรรม")] == "0"


def test_years_offered(site):
    documents, _ = site
    assert ki.fiscal_years(documents, today=dt.date(2025, 1, 1)) == [2568, 2567, 2566, 2565, 2564]


def test_word_report_holds_the_figures_in_headings_and_tables(site):
    """Read back with python-docx, as Word would open it."""
    import docx

    documents, office = site
    ind = ki.compute(documents, office, FakeUsage(rows_2567()), 2567, today=dt.date(2024, 10, 5))
    doc = docx.Document(io.BytesIO(to_docx(ind)))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "รายงานผลการดำเนินงานตามแผนการจัดการความรู้ ปีงบประมาณ 2567")
    assert [t for s, t in headings if s == "Heading 1"] == [
        "ตัวชี้วัดตามแผน",
        "ตัวชี้วัดที่ 1 ส่วนราชการที่มีคู่มือการปฏิบัติงาน",
        "ตัวชี้วัดที่ 2 รายงานผลการฝึกอบรม",
        "ตัวชี้วัดที่ 3 จำนวนการเข้าถึงฐานข้อมูลความรู้",
        "ตัวชี้วัดที่ 4 ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย (แผนที่องค์ความรู้ แบบฟอร์มที่ 1)",
        "ตัวชี้วัดที่ 5 จำนวนฐานข้อมูลความรู้ที่ได้รับการปรับปรุง",
        "ทำเนียบผู้รู้ (ความรู้ที่ฝังอยู่ในตัวคน)",
    ]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    summary = tables[0]
    assert summary[0] == ["ตัวชี้วัด", "ผล", "หมายเหตุ"]
    assert summary[1][:2] == ["ส่วนราชการที่มีคู่มือการปฏิบัติงาน", "2 จาก 3 กอง"]
    assert summary[3][:2] == ["จำนวนการเข้าถึงฐานข้อมูลความรู้", "31 ครั้ง"]
    assert summary[4][:2] == ["ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย", "ร้อยละ 50.0"]
    manuals = tables[1]
    assert manuals[0] == ["ส่วนราชการ", "จำนวน", "คู่มือ"]
    assert ["กองการศึกษา ศาสนาและวัฒนธรรม", "0", "ยังไม่มีคู่มือ"] in manuals
    assert any(row[:2] == ["ดาวอังคาร", "4"] for t in tables for row in t)
    # The header row repeats on every page the table runs over.
    assert doc.tables[1].rows[0]._tr.trPr.xpath("./w:tblHeader")
    # TH Sarabun New 16 pt, for Thai (complex script) as well as Latin.
    normal = doc.styles["Normal"]
    assert normal.font.name == "TH Sarabun New" and normal.font.size.pt == 16
    rpr = normal.element.rPr
    assert rpr.rFonts.get(rpr.rFonts.nsmap["w"].join("{}") + "cs") == "TH Sarabun New"
    assert rpr.xpath("./w:szCs/@w:val") == ["32"]
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.left_margin.cm, 1) == 3.0
    assert "PAGE" in section.header._element.xml and section.different_first_page_header_footer
