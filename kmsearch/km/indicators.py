"""The KM plan's indicators for one fiscal year, from the documents, the
office configuration and the usage log.

Plain functions over plain data, shared by the /km dashboard and by
``kmsearch report``:

    documents  list of stored fields, as ``SearchIndex.all()`` returns them
    office     indexer.office.Office (divisions, types, knowledge map of form 1)
    usage      anything with ``rows(start, end) -> list[UsageRow]`` (kmsearch.usage)

The indicators of the plan and where they come from:

- มีคู่มือการปฏิบัติงาน (every division has manuals): documents of type
  ``manual`` dated on or before the last day of the year, per division.
- รายงานผลการฝึกอบรม (a training report after each training): documents of type
  ``training-report`` dated within the year.
- จำนวนการเข้าถึงฐานข้อมูลความรู้: article views, searches, feed and API use
  recorded in the year.
- ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย: the share of the knowledge areas of form 1
  (strategic issue -> division -> area) for which the division has at least
  one document in that area by the end of the year.
- จำนวนฐานข้อมูลความรู้ที่ได้รับการปรับปรุง: documents whose ``updated`` date
  falls within the year.  Only the latest update of a document is known, so
  a document updated again later no longer counts for the earlier year.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from indexer.content.office import Entry, Office, person_key
from indexer.engine import to_date
from indexer.thaidate import current_fiscal_year, fiscal_months, fiscal_year_range, thai_date
from indexer.thaidate import fiscal_year as fiscal_year_of

KIND_LABELS = {"view": "อ่านบทความ", "search": "ค้นหา", "feed": "ฟีดข่าว", "api": "API อื่น ๆ"}
TOP = 20


# --- data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    division: str
    type: str
    knowledge: str
    date: dt.date
    updated: dt.date | None = None
    areas: tuple[str, ...] = ()
    holder: str = ""

    @property
    def url(self) -> str:
        return f"/a/{self.id}"

    @property
    def date_th(self) -> str:
        return thai_date(self.date)

    @property
    def updated_th(self) -> str:
        return thai_date(self.updated) if self.updated else ""


def as_docs(documents) -> list[Doc]:
    """Stored fields (SearchIndex.all()) to Doc, oldest first."""
    out = []
    for f in documents:
        areas = f.get("areas")
        if areas is None:
            areas = [a for a in str(f.get("area", "")).split(",") if a]
        out.append(
            Doc(
                id=f["id"],
                title=f.get("title", f["id"]),
                division=f.get("division", ""),
                type=f.get("type", ""),
                knowledge=f.get("knowledge", ""),
                date=to_date(f.get("date")),
                updated=to_date(f.get("updated")),
                areas=tuple(areas),
                holder=f.get("holder", "") or "",
            )
        )
    return sorted(out, key=lambda d: (d.date, d.id))


@dataclass
class Holder:
    """One person to ask (ทำเนียบผู้รู้), however many documents name them."""

    key: str  # office.person_key: the same person however a document writes them
    name: str  # without the position in brackets
    roles: tuple[str, ...]  # the positions the documents give, each once
    docs: list[Doc]

    @property
    def label(self) -> str:
        return f"{self.name} ({'; '.join(self.roles)})" if self.roles else self.name

    @property
    def anchor(self) -> str:
        return holder_anchor(self.key)

    @property
    def divisions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.division for d in self.docs))

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for d in self.docs for a in d.areas))


def holder_anchor(name_or_key: str) -> str:
    """The id of a holder on the people page: ASCII, stable across builds."""
    return "p-" + hashlib.sha1(person_key(name_or_key).encode("utf-8")).hexdigest()[:10]


_ROLE = re.compile(r"^(?P<name>[^(（]*?)\s*[(（](?P<role>.*?)[)）]?\s*$")


def holder_directory(docs: list[Doc]) -> list[Holder]:
    """Every holder once, in Thai order, with the documents naming them."""
    found: dict[str, Holder] = {}
    for d in docs:
        if not d.holder:
            continue
        m = _ROLE.match(d.holder)
        name, role = (m.group("name"), m.group("role").strip()) if m and m.group("name") else (d.holder, "")
        key = person_key(d.holder)
        h = found.setdefault(key, Holder(key, " ".join(name.split()), (), []))
        if role and role not in h.roles:
            h.roles += (role,)
        h.docs.append(d)
    rank = {name: i for i, name in enumerate(_thai_sorted({h.name for h in found.values()}))}
    return sorted(found.values(), key=lambda h: (rank[h.name], h.key))


@dataclass
class DivisionDocs:
    division: Entry
    docs: list[Doc]


@dataclass
class AreaCoverage:
    area: Entry
    docs: list[Doc]

    @property
    def covered(self) -> bool:
        return bool(self.docs)


@dataclass
class MapRowCoverage:
    issue: str
    division: Entry
    areas: list[AreaCoverage]

    @property
    def covered(self) -> int:
        return sum(a.covered for a in self.areas)


@dataclass
class Count:
    label: str
    n: int
    key: str = ""
    url: str = ""
    extra: int = 0  # searches: how many of them found nothing


@dataclass
class UsageFigures:
    total: int  # every recorded use counted in this report
    by_kind: dict[str, int]  # view, search, feed, api
    by_channel: dict[str, int]  # views: web, api
    views: int
    views_by_doc: list[Count]
    views_by_division: list[Count]
    by_month: list[tuple[str, str, int, int]]  # (YYYY-MM, label, views, searches)
    searches: int
    zero_searches: int
    queries_shown: bool
    top_searches: list[Count] = field(default_factory=list)
    zero_results: list[Count] = field(default_factory=list)
    office_wide_searches: bool = False  # searches are not per division


@dataclass
class Indicators:
    office: Office
    fiscal_year: int
    start: dt.date
    end: dt.date
    division: Entry | None
    divisions: list[Entry]
    stock: list[Doc]  # documents dated on or before the last day of the year
    by_division_type: dict[str, Counter]
    by_type: Counter
    by_kind: Counter
    manuals: list[DivisionDocs]
    trainings: list[DivisionDocs]
    knowledge_map: list[MapRowCoverage]
    created: list[Doc]
    updated: list[Doc]
    holders: list[tuple[str, list[Doc]]]
    usage: UsageFigures | None
    usage_error: str = ""
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def year_label(self) -> str:
        return f"ปีงบประมาณ {self.fiscal_year}"

    @property
    def period_th(self) -> str:
        return f"{thai_date(self.start)} – {thai_date(self.end)}"

    @property
    def type_counts(self) -> list[Count]:
        return [
            Count(t.name, self.by_type.get(t.slug, 0), t.slug, self._listing("type", t.slug)) for t in self.office.types
        ]

    @property
    def kind_counts(self) -> list[Count]:
        return [
            Count(k.name, self.by_kind.get(k.slug, 0), k.slug, self._listing("knowledge", k.slug))
            for k in self.office.knowledge
        ]

    def _listing(self, param: str, slug: str) -> str:
        if self.division:
            return f"/search?division={self.division.slug}&{param}={slug}"
        return f"/{param}/{slug}"

    @property
    def lacking_manuals(self) -> list[Entry]:
        return [m.division for m in self.manuals if not m.docs]

    @property
    def divisions_with_manuals(self) -> int:
        return sum(1 for m in self.manuals if m.docs)

    @property
    def training_reports(self) -> int:
        return sum(len(t.docs) for t in self.trainings)

    @property
    def map_total(self) -> int:
        return sum(len(r.areas) for r in self.knowledge_map)

    @property
    def map_covered(self) -> int:
        return sum(r.covered for r in self.knowledge_map)

    @property
    def coverage_percent(self) -> float | None:
        return round(100.0 * self.map_covered / self.map_total, 1) if self.map_total else None

    @property
    def missing_areas(self) -> list[tuple[MapRowCoverage, AreaCoverage]]:
        return [(r, a) for r in self.knowledge_map for a in r.areas if not a.covered]

    def plan_indicators(self) -> list[tuple[str, str, str]]:
        """(indicator as the plan words it, value, how it is counted)."""
        u = self.usage
        pct = self.coverage_percent
        rows = [
            (
                "ส่วนราชการที่มีคู่มือการปฏิบัติงาน",
                f"{self.divisions_with_manuals} จาก {len(self.manuals)} กอง",
                "ยังไม่มี: " + ", ".join(d.name for d in self.lacking_manuals) if self.lacking_manuals else "ครบทุกกอง",
            ),
            ("รายงานผลการฝึกอบรม", f"{self.training_reports} ฉบับ", "รายงานที่ลงวันที่ในปีงบประมาณ"),
            (
                "จำนวนการเข้าถึงฐานข้อมูลความรู้",
                "ไม่มีข้อมูล" if u is None else f"{u.total:,} ครั้ง",
                self.usage_error or ("" if u is None else access_detail(u)),
            ),
            (
                "ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย",
                "–" if pct is None else f"ร้อยละ {pct:.1f}",
                f"องค์ความรู้ตามแบบฟอร์มที่ 1 ที่มีเอกสารแล้ว {self.map_covered} จาก {self.map_total} รายการ",
            ),
            (
                "จำนวนฐานข้อมูลความรู้ที่ได้รับการปรับปรุง",
                f"{len(self.updated)} เรื่อง",
                f"เอกสารใหม่ในปี {len(self.created)} เรื่อง; ทั้งหมด ณ สิ้นปี {len(self.stock)} เรื่อง",
            ),
        ]
        return rows


def access_detail(u: UsageFigures) -> str:
    parts = [
        f"{KIND_LABELS[k]} {u.by_kind.get(k, 0):,}"
        for k in ("view", "search", "feed", "api")
        if u.by_kind.get(k) or k in ("view", "search")
    ]
    return "; ".join(parts)


# --- computing -------------------------------------------------------------------


def compute(
    documents,
    office: Office,
    usage,
    fiscal_year: int,
    division: str | None = None,
    show_queries: bool = True,
    today: dt.date | None = None,
) -> Indicators:
    """All indicators of ``fiscal_year``, optionally for one division."""
    start, end = fiscal_year_range(fiscal_year)
    all_docs = as_docs(documents)
    current_division = {d.id: d.division for d in all_docs}
    entry = None
    if division:
        entry = office.resolve("divisions", division)
        if entry is None:
            raise ValueError(f"unknown division {division!r}")
    divisions = [entry] if entry else list(office.divisions)
    wanted = {d.slug for d in divisions}

    docs = [d for d in all_docs if d.division in wanted]
    stock = [d for d in docs if d.date <= end]
    in_year = lambda day: day is not None and start <= day <= end  # noqa: E731

    by_division_type: dict[str, Counter] = {d.slug: Counter() for d in divisions}
    for d in stock:
        by_division_type.setdefault(d.division, Counter())[d.type] += 1
        by_division_type[d.division]["knowledge:" + d.knowledge] += 1
    manuals = [DivisionDocs(e, [d for d in stock if d.division == e.slug and d.type == "manual"]) for e in divisions]
    trainings = [
        DivisionDocs(e, [d for d in docs if d.division == e.slug and d.type == "training-report" and in_year(d.date)])
        for e in divisions
    ]

    rows = []
    for row in office.knowledge_map:
        if row.division not in wanted:
            continue
        div = office.resolve("divisions", row.division)
        areas = []
        for slug in row.areas:
            area = office.resolve("areas", slug) or Entry(slug, slug)
            areas.append(AreaCoverage(area, [d for d in stock if d.division == row.division and slug in d.areas]))
        rows.append(MapRowCoverage(row.issue, div, areas))

    result = Indicators(
        office=office,
        fiscal_year=fiscal_year,
        start=start,
        end=end,
        division=entry,
        divisions=divisions,
        stock=stock,
        by_division_type=by_division_type,
        by_type=Counter(d.type for d in stock),
        by_kind=Counter(d.knowledge for d in stock),
        manuals=manuals,
        trainings=trainings,
        knowledge_map=rows,
        created=sorted((d for d in docs if in_year(d.date)), key=lambda d: d.date, reverse=True),
        updated=sorted(
            (d for d in docs if in_year(d.updated) and d.updated != d.date), key=lambda d: d.updated, reverse=True
        ),
        holders=[(h.label, h.docs) for h in holder_directory(stock)],
        usage=None,
        generated=today or dt.date.today(),
    )
    if usage is not None and getattr(usage, "enabled", True):
        try:
            rows_ = usage.rows(start, end)
        except Exception as e:  # a damaged or locked log must not hide the rest of the report
            result.usage_error = f"อ่านบันทึกการใช้งานไม่ได้: {e}"
        else:
            result.usage = usage_figures(
                rows_,
                fiscal_year,
                office,
                {d.id: d for d in all_docs},
                current_division,
                wanted if entry else None,
                show_queries,
            )
    return result


def usage_figures(
    rows,
    fiscal_year: int,
    office: Office,
    docs: dict[str, Doc],
    current_division: dict[str, str],
    divisions: set[str] | None,
    show_queries: bool,
) -> UsageFigures:
    """Counts of the usage rows; ``divisions`` limits article views to
    those divisions (searches, feeds and API calls are office-wide)."""
    months = fiscal_months(fiscal_year)
    by_kind: Counter = Counter()
    by_channel: Counter = Counter()
    views_doc: Counter = Counter()
    views_div: Counter = Counter()
    views_month: Counter = Counter()
    search_month: Counter = Counter()
    queries: Counter = Counter()
    zero: Counter = Counter()
    for r in rows:
        if r.kind == "view":
            div = current_division.get(r.doc) or r.division
            if divisions is not None and div not in divisions:
                continue
            views_doc[r.doc] += r.n
            views_div[div] += r.n
            views_month[r.month] += r.n
            by_channel[r.channel or "web"] += r.n
        elif r.kind == "search":
            search_month[r.month] += r.n
            if r.query:
                queries[r.query] += r.n
                if r.zero:
                    zero[r.query] += r.n
        if r.kind == "search" and r.zero:
            by_kind["zero"] += r.n
        by_kind[r.kind] += r.n
    zero_total = by_kind.pop("zero", 0)
    if divisions is not None:
        total = by_kind.get("view", 0)
    else:
        total = sum(by_kind.values())

    def doc_count(doc_id: str, n: int) -> Count:
        d = docs.get(doc_id)
        return Count(d.title if d else f"{doc_id} (ไม่มีในคลังแล้ว)", n, doc_id, d.url if d else "")

    ranked = lambda c: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))  # noqa: E731
    return UsageFigures(
        total=total,
        by_kind=dict(by_kind),
        by_channel=dict(by_channel),
        views=by_kind.get("view", 0),
        views_by_doc=[doc_count(k, n) for k, n in ranked(views_doc)],
        views_by_division=[
            Count(
                office.label("divisions", k) if k else "ไม่ทราบกอง",
                n,
                k,
                f"/division/{k}" if office.resolve("divisions", k or "-") else "",
            )
            for k, n in ranked(views_div)
        ],
        by_month=[(m, label, views_month.get(m, 0), search_month.get(m, 0)) for m, label in months],
        searches=by_kind.get("search", 0),
        zero_searches=zero_total,
        queries_shown=show_queries,
        top_searches=[Count(q, n, q, extra=zero.get(q, 0)) for q, n in ranked(queries)[:TOP]] if show_queries else [],
        zero_results=[Count(q, n, q) for q, n in ranked(zero)[:TOP]] if show_queries else [],
        office_wide_searches=divisions is not None,
    )


def _thai_sorted(names) -> list[str]:
    try:
        from pythainlp.util import collate

        return collate(list(names))
    except Exception:  # pragma: no cover - collation is a nicety
        return sorted(names)


def fiscal_years(documents, today: dt.date | None = None) -> list[int]:
    """Years worth offering: from the oldest document to the current year, newest first."""
    now = current_fiscal_year(today)
    years = [fiscal_year_of(d.date) for d in as_docs(documents)]
    first = min(years, default=now)
    return list(range(max(now, max(years, default=now)), first - 1, -1))


# --- plain-text reports ----------------------------------------------------------


class Md(str):
    """Markdown the report writes itself (**ยังขาด**): kept as it is."""


# Visitors' queries and authors' titles are text: whatever would be
# Markdown or HTML in them is escaped, so a query such as
# ![x](https://evil.example/t.png) or <img src=x onerror=...> shows as typed.
_MD_INLINE = re.compile(r"([\\`*_\[\]()!|{}])")
_MD_BLOCK_START = re.compile(r"^([#>+\-]|\d+(?=[.)]))")


def md_text(value) -> str:
    """``value`` as Markdown that shows exactly that text on one line."""
    text = html.escape(" ".join(str(value).split()), quote=False)
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], text)


def _md_cell(value) -> str:
    if isinstance(value, Md) or isinstance(value, (int, float)):
        return str(value)
    return md_text(value)


def _md_table(head: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out + [""]


def to_markdown(ind: Indicators) -> str:
    o = ind.office
    label = o.label
    scope = f" — {md_text(ind.division.name)}" if ind.division else ""
    lines = [
        f"# รายงานผลการดำเนินงานตามแผนการจัดการความรู้ {ind.year_label}{scope}",
        "",
        f"{md_text(o.name)}  ",
        f"ช่วงเวลา {ind.period_th}  ",
        f"จัดทำเมื่อ {thai_date(ind.generated)} โดย kmsearch",
        "",
        "## ตัวชี้วัดตามแผน",
        "",
        *_md_table(["ตัวชี้วัด", "ผล", "หมายเหตุ"], [list(r) for r in ind.plan_indicators()]),
        "## เอกสารในคลังความรู้ ณ สิ้นปีงบประมาณ",
        "",
    ]
    types = [t.slug for t in o.types]
    kinds = [k.slug for k in o.knowledge]
    head = ["ส่วนราชการ", *[t.name for t in o.types], *[k.name for k in o.knowledge], "รวม"]
    body = []
    for e in ind.divisions:
        c = ind.by_division_type.get(e.slug, Counter())
        body.append(
            [
                e.name,
                *[c.get(t, 0) for t in types],
                *[c.get("knowledge:" + k, 0) for k in kinds],
                sum(c.get(t, 0) for t in types),
            ]
        )
    body.append(
        ["รวม", *[ind.by_type.get(t, 0) for t in types], *[ind.by_kind.get(k, 0) for k in kinds], len(ind.stock)]
    )
    lines += _md_table(head, body)

    lines += ["## คู่มือการปฏิบัติงานของแต่ละกอง", ""]
    lines += _md_table(
        ["ส่วนราชการ", "จำนวน", "คู่มือ"],
        [[m.division.name, len(m.docs), "; ".join(d.title for d in m.docs) or Md("**ยังไม่มีคู่มือ**")] for m in ind.manuals],
    )
    lines += ["## รายงานผลการฝึกอบรมที่จัดทำในปี", ""]
    lines += _md_table(
        ["ส่วนราชการ", "จำนวน", "รายงาน"],
        [
            [t.division.name, len(t.docs), "; ".join(f"{d.title} ({d.date_th})" for d in t.docs) or "–"]
            for t in ind.trainings
        ],
    )

    pct = ind.coverage_percent
    lines += [
        "## แผนที่องค์ความรู้ (แบบฟอร์มที่ 1)",
        "",
        f"ครอบคลุม {ind.map_covered} จาก {ind.map_total} รายการ" + ("" if pct is None else f" (ร้อยละ {pct:.1f})"),
        "",
    ]
    map_rows = []
    for r in ind.knowledge_map:
        for a in r.areas:
            map_rows.append(
                [
                    r.issue,
                    r.division.name,
                    a.area.name,
                    "มีแล้ว" if a.covered else Md("**ยังขาด**"),
                    "; ".join(d.title for d in a.docs) or "–",
                ]
            )
    lines += _md_table(["ประเด็นยุทธศาสตร์", "ส่วนราชการ", "องค์ความรู้ที่จำเป็น", "สถานะ", "เอกสาร"], map_rows)

    lines += ["## เอกสารใหม่และเอกสารที่ปรับปรุงในปี", ""]
    lines += _md_table(
        ["", "เรื่อง", "ส่วนราชการ", "ประเภท", "วันที่"],
        [["ใหม่", d.title, label("divisions", d.division), label("types", d.type), d.date_th] for d in ind.created]
        + [
            ["ปรับปรุง", d.title, label("divisions", d.division), label("types", d.type), d.updated_th]
            for d in ind.updated
        ],
    )

    lines += ["## การเข้าถึงฐานข้อมูลความรู้", ""]
    u = ind.usage
    if u is None:
        lines += [md_text(ind.usage_error or "ไม่มีบันทึกการใช้งาน"), ""]
    else:
        lines += [f"รวม {u.total:,} ครั้ง ({access_detail(u)})", ""]
        lines += _md_table(["เดือน", "อ่านบทความ", "ค้นหา"], [[label_, v, s] for _, label_, v, s in u.by_month])
        lines += ["### การอ่านแยกตามส่วนราชการ", ""]
        lines += _md_table(["ส่วนราชการ", "ครั้ง"], [[c.label, c.n] for c in u.views_by_division] or [["–", 0]])
        lines += ["### บทความที่มีผู้อ่าน", ""]
        lines += _md_table(["บทความ", "ครั้ง"], [[c.label, c.n] for c in u.views_by_doc] or [["–", 0]])
        lines += [
            "### คำค้น",
            "",
            f"ค้นหา {u.searches:,} ครั้ง ไม่พบผลลัพธ์ {u.zero_searches:,} ครั้ง"
            + (" (ทั้งสำนักงาน)" if u.office_wide_searches else ""),
            "",
        ]
        if u.queries_shown:
            lines += ["คำค้นยอดนิยม", ""]
            lines += _md_table(
                ["คำค้น", "ครั้ง", "ไม่พบผล"], [[c.label, c.n, c.extra] for c in u.top_searches] or [["–", 0, 0]]
            )
            lines += ["คำค้นที่ไม่พบเอกสาร (ความรู้ที่ยังขาด)", ""]
            lines += _md_table(["คำค้น", "ครั้ง"], [[c.label, c.n] for c in u.zero_results] or [["–", 0]])
        else:
            lines += ["(คำค้นแสดงเฉพาะคณะกรรมการจัดการความรู้)", ""]

    lines += ["## ทำเนียบผู้รู้ (ความรู้ที่ฝังอยู่ในตัวคน)", ""]
    lines += _md_table(
        ["ผู้รู้", "เรื่องที่สอบถามได้", "ส่วนราชการ"],
        [
            [
                h,
                "; ".join(d.title for d in docs),
                ", ".join(dict.fromkeys(label("divisions", d.division) for d in docs)),
            ]
            for h, docs in ind.holders
        ]
        or [["–", "–", "–"]],
    )
    return "\n".join(lines).rstrip() + "\n"


# OWASP's CSV injection guidance: a cell starting with one of these is a
# formula to Excel, LibreOffice and Google Sheets (=HYPERLINK(...) in a
# visitor's query would leak the sheet); an apostrophe first makes it text.
# Full-width forms too: Excel with an East Asian input method reads them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value):
    """A cell of the committee's spreadsheet that is never a formula."""
    if isinstance(value, str) and value.lstrip(" \n").startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, buf):
        self._w = csv.writer(buf, lineterminator="\r\n")

    def writerow(self, row) -> None:
        self._w.writerow([csv_cell(c) for c in row])


def to_csv(ind: Indicators) -> str:
    """One table, one figure a line: section, item, division, value, detail.
    UTF-8 with a byte-order mark so that Excel reads the Thai."""
    o = ind.office
    buf = io.StringIO()
    w = _SafeWriter(buf)
    w.writerow(["หมวด", "รายการ", "ส่วนราชการ", "จำนวน", "รายละเอียด"])
    fy = ind.year_label
    w.writerow(["ข้อมูลรายงาน", o.name, ind.division.name if ind.division else "ทุกกอง", ind.fiscal_year, ind.period_th])
    for name, value, note in ind.plan_indicators():
        w.writerow(["ตัวชี้วัด", name, "", _number(value), f"{value}; {note}" if note else value])
    for e in ind.divisions:
        c = ind.by_division_type.get(e.slug, Counter())
        for t in o.types:
            w.writerow(["เอกสารตามประเภท", t.name, e.name, c.get(t.slug, 0), f"ณ สิ้น{fy}"])
        for k in o.knowledge:
            w.writerow(["เอกสารตามลักษณะความรู้", k.name, e.name, c.get("knowledge:" + k.slug, 0), f"ณ สิ้น{fy}"])
    for m in ind.manuals:
        w.writerow(
            [
                "คู่มือการปฏิบัติงาน",
                "มีคู่มือ" if m.docs else "ยังไม่มีคู่มือ",
                m.division.name,
                len(m.docs),
                "; ".join(d.title for d in m.docs),
            ]
        )
    for t in ind.trainings:
        w.writerow(["รายงานผลการฝึกอบรม", fy, t.division.name, len(t.docs), "; ".join(d.title for d in t.docs)])
    for r in ind.knowledge_map:
        for a in r.areas:
            w.writerow(
                [
                    "แผนที่องค์ความรู้",
                    f"{r.issue}: {a.area.name}",
                    r.division.name,
                    len(a.docs),
                    "; ".join(d.title for d in a.docs) if a.covered else "ยังขาด",
                ]
            )
    for d in ind.created:
        w.writerow(["เอกสารใหม่", d.title, o.label("divisions", d.division), 1, d.date.isoformat()])
    for d in ind.updated:
        w.writerow(["เอกสารที่ปรับปรุง", d.title, o.label("divisions", d.division), 1, d.updated.isoformat()])
    u = ind.usage
    if u is not None:
        for kind in ("view", "search", "feed", "api"):
            w.writerow(["การเข้าถึง", KIND_LABELS[kind], "", u.by_kind.get(kind, 0), fy])
        w.writerow(["การเข้าถึง", "ค้นหาแล้วไม่พบผลลัพธ์", "", u.zero_searches, fy])
        for month, label, views, searches in u.by_month:
            w.writerow(["การเข้าถึงรายเดือน", label, "", views, f"{month}; ค้นหา {searches}"])
        for c in u.views_by_division:
            w.writerow(["การอ่านตามส่วนราชการ", c.label, c.label, c.n, ""])
        for c in u.views_by_doc:
            w.writerow(["การอ่านตามบทความ", c.label, "", c.n, c.key])
        for c in u.top_searches:
            w.writerow(["คำค้นยอดนิยม", c.label, "", c.n, f"ไม่พบผล {c.extra}"])
        for c in u.zero_results:
            w.writerow(["คำค้นที่ไม่พบเอกสาร", c.label, "", c.n, ""])
    for h, docs in ind.holders:
        w.writerow(
            [
                "ทำเนียบผู้รู้",
                h,
                ", ".join(dict.fromkeys(o.label("divisions", d.division) for d in docs)),
                len(docs),
                "; ".join(d.title for d in docs),
            ]
        )
    return "\ufeff" + buf.getvalue()


def _number(value: str):
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
