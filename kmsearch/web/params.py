"""Reading search parameters from a request, shared by the pages and the API."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from indexer.content.office import OFFICE_SLUG, Office
from indexer.thaidate import BadYear, parse_year, whole_number

# request parameter -> (index field, office table or None)
FILTER_PARAMS = {
    "division": ("division", "divisions"),
    "type": ("type", "types"),
    "knowledge": ("knowledge", "knowledge"),
    "area": ("area", "areas"),
    "year": ("fiscal_year", None),
    "tag": ("tag", None),
}
MAX_FILTER_VALUES = 20  # values per filter parameter
MAX_FILTER_CHARS = 100  # characters per filter value


class BadParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


# scope=province: a search across every office sharing the engine, where
# office=<slug> is a filter too (kmsearch.search.repository.run_shared_query).
PROVINCE = "province"
OFFICE_PARAM = "office"


def scope_from(args: MultiDict) -> str:
    """ "" for this office's own search, PROVINCE for one across offices."""
    raw = args.get("scope") or ""
    if raw not in ("", PROVINCE):
        raise BadParameter("scope", f"ต้องเป็น {PROVINCE} หรือไม่ระบุ")
    return raw


def filters_from(args: MultiDict, office: Office, scope: str = "") -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    if scope == PROVINCE:
        slugs = [v.strip() for raw in args.getlist(OFFICE_PARAM) for v in raw.split(",") if v.strip()]
        bad = next((v for v in slugs if not OFFICE_SLUG.fullmatch(v)), None)
        if bad is not None:
            raise BadParameter(OFFICE_PARAM, f"ไม่รู้จักสำนักงาน “{bad[:MAX_FILTER_CHARS]}”")
        if len(slugs) > MAX_FILTER_VALUES:
            raise BadParameter(OFFICE_PARAM, f"เลือกได้ไม่เกิน {MAX_FILTER_VALUES} ค่า")
        if slugs:
            out[OFFICE_PARAM] = tuple(dict.fromkeys(slugs))
    for param, (field, table) in FILTER_PARAMS.items():
        values: list[str] = []
        for raw in args.getlist(param):
            for value in raw.split(","):
                value = value.strip()
                if not value:
                    continue
                if len(value) > MAX_FILTER_CHARS:
                    raise BadParameter(param, f"ค่าหนึ่งยาวได้ไม่เกิน {MAX_FILTER_CHARS} ตัวอักษร")
                if len(values) >= MAX_FILTER_VALUES:
                    raise BadParameter(param, f"เลือกได้ไม่เกิน {MAX_FILTER_VALUES} ค่า")
                if table:
                    entry = office.resolve(table, value)
                    if entry is None:
                        raise BadParameter(param, f"ไม่รู้จักค่า “{value}”")
                    value = entry.slug
                elif param == "year":
                    try:
                        value = str(parse_year(value))
                    except BadYear as e:
                        raise BadParameter(param, str(e)) from None
                values.append(value)
        if values:
            out[field] = tuple(dict.fromkeys(values))
    return out


# Control characters (other than tab and newline) only ever come from
# hostile or broken clients; they are dropped before a query is used or shown.
_CONTROL = dict.fromkeys(c for c in range(0x20) if c not in (0x09, 0x0A)) | {0x7F: None}


# A query longer than MAX_QUERY_CHARS (a letter pasted whole) is kept to
# this many times that, so that searching can keep its content words
# (repository.condensed); past it the text is cut, bounding the work.
LONG_QUERY_FACTOR = 8


def query_text(args: MultiDict, max_chars: int, name: str = "q", strip: bool = True) -> str:
    """The query as typed, without control characters, and at most
    ``LONG_QUERY_FACTOR * max_chars`` characters."""
    limit = max_chars * LONG_QUERY_FACTOR
    text = args.get(name, "")[: limit * 2].translate(_CONTROL)[:limit]
    return text.strip() if strip else text


SORTS = ("relevance", "date")


def sort_from(args: MultiDict) -> str:
    raw = args.get("sort") or SORTS[0]
    if raw not in SORTS:
        raise BadParameter("sort", "ต้องเป็น relevance หรือ date")
    return raw


def int_param(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    value = whole_number(raw)
    if value is None:
        raise BadParameter(name, f"“{raw[:20]}” ไม่ใช่จำนวนเต็ม")
    if not low <= value <= high:
        raise BadParameter(name, f"ต้องอยู่ระหว่าง {low} ถึง {high}")
    return value
