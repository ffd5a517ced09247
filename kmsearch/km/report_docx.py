"""The yearly report as a Word file (python-docx), which is what the KM
summary is written in: real headings (Word's Heading 1 and 2, so the
navigation pane and a table of contents find them) and real tables, in the
order of the plan's indicators (kmsearch.km.outline), set in TH Sarabun New
16 pt on A4 with the margins of the correspondence regulations, page
numbers "- ๒ -" at the top from the second page on, as Thai official
documents are numbered.

Word sets Thai with a document's complex-script font and size (w:cs,
w:szCs), not the Latin ones python-docx names: both are set.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from kmsearch.km.figures import Indicators
from kmsearch.km.outline import Report, Section, Strong, Table, outline

FONT = "TH Sarabun New"
SIZES = {"Normal": 16, "Title": 20, "Heading 1": 18, "Heading 2": 16, "Header": 16, "Footer": 14}
TABLE_SIZE = 14
# ระเบียบงานสารบรรณ: 3 cm left, 2 cm right, 2.5 cm top, 2 cm bottom.
MARGINS = {"top_margin": 2.5, "bottom_margin": 2, "left_margin": 3, "right_margin": 2}


def _set_font(rpr_parent, size: float) -> None:
    """FONT at ``size`` pt for Latin, East Asian and complex script (Thai)."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(size * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:bidi"), "th-TH")


def _styles(doc) -> None:
    for name, size in SIZES.items():
        style = doc.styles[name]
        _set_font(style.element, size)
        if name.startswith(("Heading", "Title")):
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.font.bold = True
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)


def _page(doc) -> None:
    """A4, the regulations' margins, "- ๒ -" centred at the top of every
    page but the first, in Thai digits."""
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for attr, cm in MARGINS.items():
        setattr(section, attr, Cm(cm))
    section.different_first_page_header_footer = True
    numbers = OxmlElement("w:pgNumType")
    numbers.set(qn("w:fmt"), "thaiNumbers")
    section._sectPr.append(numbers)
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("- ")
    _field(p, "PAGE")
    p.add_run(" -")


def _field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "๒"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text == code else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} " if text == code else text
        run._r.append(el)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cell(cell, value, size: float, bold: bool = False, right: bool = False) -> None:
    p = cell.paragraphs[0]
    run = p.add_run(f"{value:,}" if isinstance(value, int) else str(value))
    _set_font(run._r, size)
    run.bold = bold or isinstance(value, Strong)
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(doc, t: Table) -> None:
    if t.caption:
        doc.add_paragraph(t.caption).runs[0].bold = True
    table = doc.add_table(rows=1, cols=len(t.head))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = table.rows[0]
    _repeat_header(head)
    for i, name in enumerate(t.head):
        _cell(head.cells[i], name, TABLE_SIZE, bold=True, right=i in t.numeric)
    for row in t.rows:
        cells = table.add_row().cells
        for i, value in enumerate(row):
            _cell(cells[i], value, TABLE_SIZE, right=i in t.numeric)
    doc.add_paragraph()


def _section(doc, s: Section) -> None:
    doc.add_heading(s.title, level=s.level)
    for block in s.blocks:
        if isinstance(block, Table):
            _table(doc, block)
        else:
            doc.add_paragraph(block)


def render(report: Report) -> bytes:
    doc = Document()
    _styles(doc)
    _page(doc)
    doc.core_properties.title = report.title
    doc.core_properties.author = "kmsearch"
    doc.add_heading(report.title, level=0)
    for line in report.lines:
        doc.add_paragraph(line)
    for s in report.sections:
        _section(doc, s)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_docx(ind: Indicators) -> bytes:
    return render(outline(ind))
