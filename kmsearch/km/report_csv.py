"""The yearly report as CSV for Excel: one figure a line (section, item,
division, value, detail), UTF-8 with a byte-order mark so that Excel reads
the Thai, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from kmsearch.km.figures import KIND_LABELS, Indicators

# OWASP's CSV injection guidance: a cell starting with one of these is a
# formula to Excel, LibreOffice and Google Sheets (=HYPERLINK(...) in a
# visitor's query would leak the sheet); an apostrophe first makes it text.
# Full-width forms too: Excel with an East Asian input method reads them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: Any) -> Any:
    """A cell of the committee's spreadsheet that is never a formula."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, buf: io.StringIO):
        self._w = csv.writer(buf, lineterminator="\r\n")

    def writerow(self, row: list[Any]) -> None:
        self._w.writerow([csv_cell(c) for c in row])


Row = list[Any]


def to_csv(ind: Indicators) -> str:
    """One table, one figure a line: section, item, division, value, detail."""
    buf = io.StringIO()
    w = _SafeWriter(buf)
    w.writerow(["หมวด", "รายการ", "ส่วนราชการ", "จำนวน", "รายละเอียด"])
    o = ind.office
    w.writerow(["ข้อมูลรายงาน", o.name, ind.division.name if ind.division else "ทุกกอง", ind.fiscal_year, ind.period_th])
    for name, value, note in ind.plan_indicators():
        w.writerow(["ตัวชี้วัด", name, "", _number(value), f"{value}; {note}" if note else value])
    for rows in (_documents(ind), _map(ind), _changes(ind), _usage(ind), _holders(ind)):
        for row in rows:
            w.writerow(row)
    return "\ufeff" + buf.getvalue()


def _documents(ind: Indicators) -> list[Row]:
    o, fy = ind.office, ind.year_label
    rows: list[Row] = []
    for e in ind.divisions:
        c = ind.by_division_type.get(e.slug, Counter())
        rows += [["เอกสารตามประเภท", t.name, e.name, c.get(t.slug, 0), f"ณ สิ้น{fy}"] for t in o.types]
        rows += [
            ["เอกสารตามลักษณะความรู้", k.name, e.name, c.get("knowledge:" + k.slug, 0), f"ณ สิ้น{fy}"] for k in o.knowledge
        ]
    rows += [
        [
            "คู่มือการปฏิบัติงาน",
            "มีคู่มือ" if m.docs else "ยังไม่มีคู่มือ",
            m.division.name,
            len(m.docs),
            "; ".join(d.title for d in m.docs),
        ]
        for m in ind.manuals
    ]
    rows += [
        ["รายงานผลการฝึกอบรม", fy, t.division.name, len(t.docs), "; ".join(d.title for d in t.docs)]
        for t in ind.trainings
    ]
    return rows


def _map(ind: Indicators) -> list[Row]:
    return [
        [
            "แผนที่องค์ความรู้",
            f"{r.issue}: {a.area.name}",
            r.division.name,
            len(a.docs),
            "; ".join(d.title for d in a.docs) if a.covered else "ยังขาด",
        ]
        for r in ind.knowledge_map
        for a in r.areas
    ]


def _changes(ind: Indicators) -> list[Row]:
    label = ind.office.label
    rows: list[Row] = [
        ["เอกสารใหม่", d.title, label("divisions", d.division), 1, d.date.isoformat()] for d in ind.created
    ]
    rows += [
        ["เอกสารที่ปรับปรุง", d.title, label("divisions", d.division), 1, d.updated.isoformat() if d.updated else ""]
        for d in ind.updated
    ]
    return rows


def _usage(ind: Indicators) -> list[Row]:
    u, fy = ind.usage, ind.year_label
    if u is None:
        return []
    rows: list[Row] = [
        ["การเข้าถึง", KIND_LABELS[k], "", u.by_kind.get(k, 0), fy] for k in ("view", "search", "feed", "api")
    ]
    rows.append(["การเข้าถึง", "ค้นหาแล้วไม่พบผลลัพธ์", "", u.zero_searches, fy])
    rows += [["การเข้าถึงรายเดือน", label, "", v, f"{month}; ค้นหา {s}"] for month, label, v, s in u.by_month]
    rows += [["การอ่านตามส่วนราชการ", c.label, c.label, c.n, ""] for c in u.views_by_division]
    rows += [["การอ่านตามบทความ", c.label, "", c.n, c.key] for c in u.views_by_doc]
    rows += [["คำค้นยอดนิยม", c.label, "", c.n, f"ไม่พบผล {c.extra}"] for c in u.top_searches]
    rows += [["คำค้นที่ไม่พบเอกสาร", c.label, "", c.n, ""] for c in u.zero_results]
    return rows


def _holders(ind: Indicators) -> list[Row]:
    label = ind.office.label
    return [
        [
            "ทำเนียบผู้รู้",
            h,
            ", ".join(dict.fromkeys(label("divisions", d.division) for d in docs)),
            len(docs),
            "; ".join(d.title for d in docs),
        ]
        for h, docs in ind.holders
    ]


def _number(value: str) -> int | float | str:
    """The first number in a figure such as '3 จาก 6 กอง' or 'ร้อยละ 50.0'."""
    for token in value.replace(",", "").split():
        try:
            return int(token)
        except ValueError:
            try:
                return float(token)
            except ValueError:
                continue
    return ""
