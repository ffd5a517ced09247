"""The KM plan's indicators for one fiscal year, from the documents, the
office configuration and the usage log.

Plain functions over plain data, shared by the /km dashboard and by
``kmsearch report`` (the reports are written by kmsearch.km.outline and the
report_* modules beside it):

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

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from indexer.content.office import Entry, Office, person_key
from indexer.engine import to_date
from indexer.thaidate import current_fiscal_year, fiscal_months, fiscal_year_range, thai_date
from indexer.thaidate import fiscal_year as fiscal_year_of

KIND_LABELS = {"view": "อ่านบทความ", "search": "ค้นหา", "feed": "ฟีดข่าว", "api": "API อื่น ๆ"}
TOP = 20
# A stored document without a date (an old index) counts as written long ago.
NO_DATE = dt.date.min


class UsageSource(Protocol):
    """What the indicators read from the usage log (kmsearch.km.usage.UsageLog)."""

    def rows(self, start: dt.date, end: dt.date) -> list[Any]: ...


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


def as_docs(documents: Iterable[dict]) -> list[Doc]:
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
                date=to_date(f.get("date")) or NO_DATE,
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
    documents: Iterable[dict],
    office: Office,
    usage: UsageSource | None,
    fiscal_year: int,
    division: str | None = None,
    show_queries: bool = True,
    today: dt.date | None = None,
) -> Indicators:
    """All indicators of ``fiscal_year``, optionally for one division."""
    start, end = fiscal_year_range(fiscal_year)
    all_docs = as_docs(documents)
    entry = _division(office, division)
    divisions = [entry] if entry else list(office.divisions)
    wanted = {d.slug for d in divisions}
    docs = [d for d in all_docs if d.division in wanted]
    stock = [d for d in docs if d.date <= end]

    def in_year(day: dt.date | None) -> bool:
        return day is not None and start <= day <= end

    updated = [d for d in docs if d.updated is not None and in_year(d.updated) and d.updated != d.date]
    result = Indicators(
        office=office,
        fiscal_year=fiscal_year,
        start=start,
        end=end,
        division=entry,
        divisions=divisions,
        stock=stock,
        by_division_type=_by_division_type(stock, divisions),
        by_type=Counter(d.type for d in stock),
        by_kind=Counter(d.knowledge for d in stock),
        manuals=_per_division(divisions, stock, lambda d: d.type == "manual"),
        trainings=_per_division(divisions, docs, lambda d: d.type == "training-report" and in_year(d.date)),
        knowledge_map=_knowledge_map(office, stock, wanted),
        created=sorted((d for d in docs if in_year(d.date)), key=lambda d: d.date, reverse=True),
        updated=sorted(updated, key=lambda d: d.updated or NO_DATE, reverse=True),
        holders=_holders(stock),
        usage=None,
        generated=today or dt.date.today(),
    )
    if usage is not None and getattr(usage, "enabled", True):
        _add_usage(result, usage, all_docs, wanted if entry else None, show_queries)
    return result


def _division(office: Office, division: str | None) -> Entry | None:
    if not division:
        return None
    entry = office.resolve("divisions", division)
    if entry is None:
        raise ValueError(f"unknown division {division!r}")
    return entry


def _by_division_type(stock: list[Doc], divisions: list[Entry]) -> dict[str, Counter]:
    """Per division: documents per type, and per kind under ``knowledge:<kind>``."""
    counts: dict[str, Counter] = {d.slug: Counter() for d in divisions}
    for d in stock:
        counts.setdefault(d.division, Counter())[d.type] += 1
        counts[d.division]["knowledge:" + d.knowledge] += 1
    return counts


def _per_division(divisions: list[Entry], docs: list[Doc], keep: Callable[[Doc], bool]) -> list[DivisionDocs]:
    return [DivisionDocs(e, [d for d in docs if d.division == e.slug and keep(d)]) for e in divisions]


def _knowledge_map(office: Office, stock: list[Doc], wanted: set[str]) -> list[MapRowCoverage]:
    """Form 1's rows of the wanted divisions, each area with the documents
    of the responsible division in it."""
    rows = []
    for row in office.knowledge_map:
        if row.division not in wanted:
            continue
        div = office.resolve("divisions", row.division) or Entry(row.division, row.division)
        areas = [
            AreaCoverage(
                office.resolve("areas", slug) or Entry(slug, slug),
                [d for d in stock if d.division == row.division and slug in d.areas],
            )
            for slug in row.areas
        ]
        rows.append(MapRowCoverage(row.issue, div, areas))
    return rows


def _holders(stock: list[Doc]) -> list[tuple[str, list[Doc]]]:
    return [(h.label, h.docs) for h in holder_directory(stock)]


def _add_usage(
    result: Indicators, usage: UsageSource, all_docs: list[Doc], divisions: set[str] | None, show_queries: bool
) -> None:
    try:
        rows = usage.rows(result.start, result.end)
    except Exception as e:  # a damaged or locked log must not hide the rest of the report
        result.usage_error = f"อ่านบันทึกการใช้งานไม่ได้: {e}"
        return
    result.usage = usage_figures(
        rows,
        result.fiscal_year,
        result.office,
        {d.id: d for d in all_docs},
        {d.id: d.division for d in all_docs},
        divisions,
        show_queries,
    )


@dataclass
class _Tally:
    """The usage rows of a year added up, article views limited to
    ``divisions`` when given (searches, feeds and API calls are office-wide)."""

    current_division: dict[str, str]
    divisions: set[str] | None
    by_kind: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    views_doc: Counter = field(default_factory=Counter)
    views_div: Counter = field(default_factory=Counter)
    views_month: Counter = field(default_factory=Counter)
    search_month: Counter = field(default_factory=Counter)
    queries: Counter = field(default_factory=Counter)
    zero: Counter = field(default_factory=Counter)
    zero_total: int = 0

    def add(self, r: Any) -> None:
        if r.kind == "view":
            div = self.current_division.get(r.doc) or r.division
            if self.divisions is not None and div not in self.divisions:
                return
            self.views_doc[r.doc] += r.n
            self.views_div[div] += r.n
            self.views_month[r.month] += r.n
            self.by_channel[r.channel or "web"] += r.n
        elif r.kind == "search":
            self._search(r)
        self.by_kind[r.kind] += r.n

    def _search(self, r: Any) -> None:
        self.search_month[r.month] += r.n
        if r.zero:
            self.zero_total += r.n
        if r.query:
            self.queries[r.query] += r.n
            if r.zero:
                self.zero[r.query] += r.n

    @property
    def total(self) -> int:
        if self.divisions is not None:
            return self.by_kind.get("view", 0)
        return sum(self.by_kind.values())


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def usage_figures(
    rows: Iterable[Any],
    fiscal_year: int,
    office: Office,
    docs: dict[str, Doc],
    current_division: dict[str, str],
    divisions: set[str] | None,
    show_queries: bool,
) -> UsageFigures:
    """Counts of the usage rows; ``divisions`` limits article views to
    those divisions (searches, feeds and API calls are office-wide)."""
    t = _Tally(current_division, divisions)
    for r in rows:
        t.add(r)

    def doc_count(doc_id: str, n: int) -> Count:
        d = docs.get(doc_id)
        return Count(d.title if d else f"{doc_id} (ไม่มีในคลังแล้ว)", n, doc_id, d.url if d else "")

    def division_count(slug: str, n: int) -> Count:
        known = bool(slug) and office.resolve("divisions", slug) is not None
        return Count(
            office.label("divisions", slug) if slug else "ไม่ทราบกอง", n, slug, f"/division/{slug}" if known else ""
        )

    months = fiscal_months(fiscal_year)
    return UsageFigures(
        total=t.total,
        by_kind=dict(t.by_kind),
        by_channel=dict(t.by_channel),
        views=t.by_kind.get("view", 0),
        views_by_doc=[doc_count(k, n) for k, n in _ranked(t.views_doc)],
        views_by_division=[division_count(k, n) for k, n in _ranked(t.views_div)],
        by_month=[(m, label, t.views_month.get(m, 0), t.search_month.get(m, 0)) for m, label in months],
        searches=t.by_kind.get("search", 0),
        zero_searches=t.zero_total,
        queries_shown=show_queries,
        top_searches=[Count(q, n, q, extra=t.zero.get(q, 0)) for q, n in _ranked(t.queries)[:TOP]]
        if show_queries
        else [],
        zero_results=[Count(q, n, q) for q, n in _ranked(t.zero)[:TOP]] if show_queries else [],
        office_wide_searches=divisions is not None,
    )


def _thai_sorted(names: Iterable[str]) -> list[str]:
    try:
        from pythainlp.util import collate

        return collate(list(names))
    except Exception:  # pragma: no cover - collation is a nicety
        return sorted(names)


def fiscal_years(documents: Iterable[dict], today: dt.date | None = None) -> list[int]:
    """Years worth offering: from the oldest document to the current year, newest first."""
    now = current_fiscal_year(today)
    years = [fiscal_year_of(d.date) for d in as_docs(documents)]
    first = min(years, default=now)
    return list(range(max(now, max(years, default=now)), first - 1, -1))
