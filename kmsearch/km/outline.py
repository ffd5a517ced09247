"""What the yearly report says, in the order of the KM plan's indicators,
independent of the file it is written to.

The Markdown and the Word report (``report_md``, ``report_docx``) write the
same sections: a summary of the plan's indicators, then one section per
indicator as the plan lists them (manuals, training reports, access to the
knowledge base, the knowledge map of form 1, documents updated) and the
directory of the people who hold tacit knowledge.  The HTML report and the
dashboard are laid out by ``templates/km/``; the CSV report is one figure a
line (``report_csv``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from indexer.thaidate import thai_date
from kmsearch.km.figures import Indicators, UsageFigures, access_detail


class Strong(str):
    """A cell the report itself stresses (ยังขาด): bold where the file can be."""


Cell = str | int


@dataclass(frozen=True)
class Table:
    head: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    caption: str = ""
    numeric: frozenset[int] = frozenset()  # columns of numbers, aligned right


@dataclass
class Section:
    title: str
    level: int = 1
    blocks: list[str | Table] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    title: str
    lines: tuple[str, ...]  # office, period, when and by what it was made
    sections: list[Section]


def outline(ind: Indicators) -> Report:
    o = ind.office
    scope = f" — {ind.division.name}" if ind.division else ""
    return Report(
        title=f"รายงานผลการดำเนินงานตามแผนการจัดการความรู้ {ind.year_label}{scope}",
        lines=(o.name, f"ช่วงเวลา {ind.period_th}", f"จัดทำเมื่อ {thai_date(ind.generated)} โดย kmsearch"),
        sections=[
            _summary(ind),
            _manuals(ind),
            _trainings(ind),
            *_access(ind),
            _knowledge_map(ind),
            *_changes(ind),
            _holders(ind),
        ],
    )


def _numbered(n: int, name: str) -> str:
    """A section of one of the plan's indicators, numbered in the plan's order
    (in words, not "1.", which Markdown would read as a list)."""
    return f"ตัวชี้วัดที่ {n} {name}"


def _summary(ind: Indicators) -> Section:
    rows: list[tuple[Cell, ...]] = [(name, value, note) for name, value, note in ind.plan_indicators()]
    return Section("ตัวชี้วัดตามแผน", blocks=[Table(("ตัวชี้วัด", "ผล", "หมายเหตุ"), rows)])


def _titles(docs, with_date: bool = False) -> str:
    return "; ".join(f"{d.title} ({d.date_th})" if with_date else d.title for d in docs)


def _manuals(ind: Indicators) -> Section:
    name = ind.plan_indicators()[0][0]
    rows: list[tuple[Cell, ...]] = [
        (m.division.name, len(m.docs), _titles(m.docs) or Strong("ยังไม่มีคู่มือ")) for m in ind.manuals
    ]
    return Section(
        _numbered(1, name),
        blocks=[
            f"มีคู่มือ {ind.divisions_with_manuals} จาก {len(ind.manuals)} กอง (คู่มือที่ลงวันที่ภายในสิ้นปีงบประมาณ)",
            Table(("ส่วนราชการ", "จำนวน", "คู่มือ"), rows, numeric=frozenset({1})),
        ],
    )


def _trainings(ind: Indicators) -> Section:
    rows: list[tuple[Cell, ...]] = [
        (t.division.name, len(t.docs), _titles(t.docs, with_date=True) or "–") for t in ind.trainings
    ]
    return Section(
        _numbered(2, "รายงานผลการฝึกอบรม"),
        blocks=[
            f"{ind.training_reports} ฉบับ ที่ลงวันที่ในปีงบประมาณ",
            Table(("ส่วนราชการ", "จำนวน", "รายงาน"), rows, numeric=frozenset({1})),
        ],
    )


def _access(ind: Indicators) -> list[Section]:
    title = _numbered(3, "จำนวนการเข้าถึงฐานข้อมูลความรู้")
    u = ind.usage
    if u is None:
        return [Section(title, blocks=[ind.usage_error or "ไม่มีบันทึกการใช้งาน"])]
    months = Table(
        ("เดือน", "อ่านบทความ", "ค้นหา"),
        [(label, v, s) for _, label, v, s in u.by_month],
        numeric=frozenset({1, 2}),
    )
    return [
        Section(title, blocks=[f"รวม {u.total:,} ครั้ง ({access_detail(u)})", months]),
        Section(
            "การอ่านแยกตามส่วนราชการ",
            2,
            [
                Table(
                    ("ส่วนราชการ", "ครั้ง"),
                    [(c.label, c.n) for c in u.views_by_division] or [("–", 0)],
                    numeric=frozenset({1}),
                )
            ],
        ),
        Section(
            "บทความที่มีผู้อ่าน",
            2,
            [Table(("บทความ", "ครั้ง"), [(c.label, c.n) for c in u.views_by_doc] or [("–", 0)], numeric=frozenset({1}))],
        ),
        _searches(u),
    ]


def _searches(u: UsageFigures) -> Section:
    section = Section(
        "คำค้น",
        2,
        [
            f"ค้นหา {u.searches:,} ครั้ง ไม่พบผลลัพธ์ {u.zero_searches:,} ครั้ง"
            + (" (ทั้งสำนักงาน)" if u.office_wide_searches else "")
        ],
    )
    if not u.queries_shown:
        section.blocks.append("(คำค้นแสดงเฉพาะคณะกรรมการจัดการความรู้)")
        return section
    section.blocks += [
        Table(
            ("คำค้น", "ครั้ง", "ไม่พบผล"),
            [(c.label, c.n, c.extra) for c in u.top_searches] or [("–", 0, 0)],
            caption="คำค้นยอดนิยม",
            numeric=frozenset({1, 2}),
        ),
        Table(
            ("คำค้น", "ครั้ง"),
            [(c.label, c.n) for c in u.zero_results] or [("–", 0)],
            caption="คำค้นที่ไม่พบเอกสาร (ความรู้ที่ยังขาด)",
            numeric=frozenset({1}),
        ),
    ]
    return section


def _knowledge_map(ind: Indicators) -> Section:
    pct = ind.coverage_percent
    rows: list[tuple[Cell, ...]] = [
        (r.issue, r.division.name, a.area.name, "มีแล้ว" if a.covered else Strong("ยังขาด"), _titles(a.docs) or "–")
        for r in ind.knowledge_map
        for a in r.areas
    ]
    return Section(
        _numbered(4, "ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย (แผนที่องค์ความรู้ แบบฟอร์มที่ 1)"),
        blocks=[
            f"ครอบคลุม {ind.map_covered} จาก {ind.map_total} รายการ" + ("" if pct is None else f" (ร้อยละ {pct:.1f})"),
            Table(("ประเด็นยุทธศาสตร์", "ส่วนราชการ", "องค์ความรู้ที่จำเป็น", "สถานะ", "เอกสาร"), rows),
        ],
    )


def _changes(ind: Indicators) -> list[Section]:
    label = ind.office.label
    rows: list[tuple[Cell, ...]] = [
        ("ใหม่", d.title, label("divisions", d.division), label("types", d.type), d.date_th) for d in ind.created
    ]
    rows += [
        ("ปรับปรุง", d.title, label("divisions", d.division), label("types", d.type), d.updated_th) for d in ind.updated
    ]
    return [
        Section(
            _numbered(5, "จำนวนฐานข้อมูลความรู้ที่ได้รับการปรับปรุง"),
            blocks=[
                f"ปรับปรุง {len(ind.updated)} เรื่อง; เอกสารใหม่ในปี {len(ind.created)} เรื่อง",
                Table(("", "เรื่อง", "ส่วนราชการ", "ประเภท", "วันที่"), rows or [("–", "–", "–", "–", "–")]),
            ],
        ),
        Section("เอกสารในคลังความรู้ ณ สิ้นปีงบประมาณ", 2, [f"ทั้งหมด {len(ind.stock)} เรื่อง", _stock(ind)]),
    ]


def _stock(ind: Indicators) -> Table:
    o = ind.office
    types = [t.slug for t in o.types]
    kinds = [k.slug for k in o.knowledge]
    rows: list[tuple[Cell, ...]] = []
    for e in ind.divisions:
        c = ind.by_division_type.get(e.slug, Counter())
        rows.append(
            (
                e.name,
                *[c.get(t, 0) for t in types],
                *[c.get("knowledge:" + k, 0) for k in kinds],
                sum(c.get(t, 0) for t in types),
            )
        )
    rows.append(
        ("รวม", *[ind.by_type.get(t, 0) for t in types], *[ind.by_kind.get(k, 0) for k in kinds], len(ind.stock))
    )
    head = ("ส่วนราชการ", *[t.name for t in o.types], *[k.name for k in o.knowledge], "รวม")
    return Table(head, rows, numeric=frozenset(range(1, len(head))))


def _holders(ind: Indicators) -> Section:
    label = ind.office.label
    rows: list[tuple[Cell, ...]] = [
        (h, _titles(docs), ", ".join(dict.fromkeys(label("divisions", d.division) for d in docs)))
        for h, docs in ind.holders
    ]
    return Section(
        "ทำเนียบผู้รู้ (ความรู้ที่ฝังอยู่ในตัวคน)",
        blocks=[Table(("ผู้รู้", "เรื่องที่สอบถามได้", "ส่วนราชการ"), rows or [("–", "–", "–")])],
    )
