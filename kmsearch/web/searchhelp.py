"""/help: how to search, with examples that run.

The syntax is what kmsearch/search/query.py reads: words, "phrases",
-exclusion, OR, and the filters division: type: knowledge: area: tag:
year: (or ปี:).  Each example is searched when the page is made and shown
only when it finds something in this office's library, so the page never
offers a search that comes back empty; the filter examples use the
office's own names from kmsearch.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from indexer.content.office import Office
from kmsearch.search import repository
from kmsearch.search.query import FILTER_FIELDS

bp = Blueprint("help", __name__)


@dataclass(frozen=True)
class Example:
    query: str
    says: str  # what it does, in Thai
    section: str


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


def _name(office: Office, kind: str, slug: str, position: int = 0) -> str | None:
    table = getattr(office, kind)
    entry = office.resolve(kind, slug) or (table[position] if len(table) > position else None)
    return _quoted(entry.name) if entry else None


def examples(office: Office) -> list[Example]:
    """Every example the page may show, in its order."""
    out = [
        Example("ภาษีที่ดิน", "พิมพ์คำภาษาไทยได้เลย เว้นวรรคหรือไม่ก็ได้ ระบบตัดคำให้เอง", "words"),
        Example("กฎกระทรวงฉบับที่ ๕๕", "ใช้เลขไทยหรือเลขอารบิกก็ได้ (๕๕ กับ 55 ค้นได้เหมือนกัน)", "words"),
        Example("หมา", "คำที่พูดกันทั่วไปก็ค้นได้ ระบบเทียบกับคำทางการตามรายการคำพ้องของสำนักงาน (หมา = สุนัข)", "words"),
        Example("อปท.", "คำย่อค้นได้ทั้งคำย่อและคำเต็ม (อปท. = องค์กรปกครองส่วนท้องถิ่น)", "words"),
        Example('"ภาษีค้างชำระ"', "ใส่เครื่องหมายคำพูดครอบ เพื่อหาเอกสารที่มีคำเรียงกันตรงตามที่พิมพ์", "syntax"),
        Example("ภาษี -ป้าย", "ใส่เครื่องหมายลบหน้าคำ (ไม่เว้นวรรค) เพื่อไม่เอาเอกสารที่มีคำนั้น", "syntax"),
        Example("ไข้เลือดออก OR ยุงลาย", "คั่นด้วย OR (ตัวพิมพ์ใหญ่) เพื่อหาเอกสารที่มีคำใดคำหนึ่ง", "syntax"),
    ]
    division = _name(office, "divisions", "palad")
    if division:
        out.append(Example(f"คู่มือ division:{division}", "เฉพาะเอกสารของส่วนราชการนั้น", "filters"))
    lesson = _name(office, "types", "lesson")
    if lesson:
        out.append(Example(f"ขยะ type:{lesson}", "เฉพาะเอกสารประเภทนั้น", "filters"))
    tacit = _name(office, "knowledge", "tacit")
    if tacit:
        out.append(Example(f"ไฟถนน knowledge:{tacit}", "เฉพาะความรู้ที่ชัดแจ้ง หรือความรู้ที่ฝังอยู่ในตัวคน", "filters"))
    out += [
        Example("แผน ปี:2566", "เฉพาะปีงบประมาณ (พ.ศ. หรือ ค.ศ. ก็ได้; year: ใช้แทน ปี: ได้)", "filters"),
        Example("tag:e-GP", "เฉพาะเอกสารที่มีแท็กนั้น", "filters"),
    ]
    return out


def working(office: Office, candidates: list[Example]) -> list[Example]:
    """The examples that find something here: one search each, again only
    when another build is live or the synonyms change."""
    key = (repository.get_index().key, tuple(repository.repo().synonyms.groups()), tuple(candidates))
    cache = current_app.extensions.setdefault("kmsearch.help", {})
    if key not in cache:
        cache.clear()
        cache[key] = [e for e in candidates if repository.run_query(e.query, None, 1, 1).total > 0]
    return cache[key]


@bp.get("/help")
def page():
    office = repository.repo().office
    shown = working(office, examples(office))
    fields = [name for name in FILTER_FIELDS if name != "ปี"]
    return render_template(
        "help.html",
        sections={s: [e for e in shown if e.section == s] for s in ("words", "syntax", "filters")},
        fields=fields,
    )
