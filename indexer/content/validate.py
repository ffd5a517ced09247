"""Front-matter rules: normalise each field, report every problem at once.

Each field has one normaliser in ``FIELDS``; a new field is a new row.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from indexer import thaidate
from indexer.content.documents import DRAFT, PUBLISHED, Document, Problem, RawFile
from indexer.content.limits import MAX_ITEM_CHARS, MAX_LIST_ITEMS
from indexer.content.office import Office

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


class Invalid(ValueError):
    """A field's value cannot be used; the message is shown to the author."""


def _text(value, _office=None) -> str:
    if isinstance(value, (list, dict)):
        raise Invalid("must be plain text, not a list")
    return " ".join(str(value).split()) if value is not None else ""


def _required_text(value, office=None) -> str:
    text = _text(value)
    if not text:
        raise Invalid("is empty")
    return text


def _list(value, _office=None) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = re.split(r"[,;]", value)
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    if len(items) > MAX_LIST_ITEMS:
        raise Invalid(f"has {len(items)} entries; at most {MAX_LIST_ITEMS}")
    out: dict[str, None] = {}
    for item in items:
        if isinstance(item, (list, dict)):
            raise Invalid("must be a list of words")
        s = " ".join(str(item).split())
        if len(s) > MAX_ITEM_CHARS:
            raise Invalid(f"an entry of {len(s)} characters; at most {MAX_ITEM_CHARS}")
        if s:
            out[s] = None
    return tuple(out)


def _slug(value, _office=None) -> str:
    s = _text(value)
    if not ID_RE.match(s):
        raise Invalid(f"{s!r} is not a valid id: use lower-case a-z, 0-9 and '-', e.g. land-tax-manual")
    return s


def _slugs(value, office=None) -> tuple[str, ...]:
    return tuple(_slug(v) for v in _list(value))


def _configured(kind: str, label: str) -> Callable:
    def resolve(value, office: Office) -> str:
        text = _required_text(value)
        entry = office.resolve(kind, text)
        if entry is None:
            hint = office.suggest(kind, text)
            valid = ", ".join(e.name for e in getattr(office, kind))
            raise Invalid(
                f"unknown {label} {text!r}" + (f"; did you mean {hint!r}?" if hint else f"; use one of: {valid}")
            )
        return entry.slug

    return resolve


def _areas(value, office: Office) -> tuple[str, ...]:
    return tuple(_configured("areas", "knowledge area")(v, office) for v in _list(value))


def _date(value, _office=None) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _day(value.year, value.month, value.day, value.isoformat())
    text = thaidate.arabic_digits(_text(value))
    if not text:
        raise Invalid("is empty")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return _day(int(m[1]), int(m[2]), int(m[3]), text)
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return _day(int(m[3]), int(m[2]), int(m[1]), text)
    try:
        from pythainlp.util import thai_strptime

        return thai_strptime(text, "%d %B %Y").date()
    except Exception:  # the Thai parser raises more than ValueError on odd text
        raise Invalid(f"{text!r} is not a date: write 2024-03-12, 12/03/2567 or 12 มี.ค. 2567") from None


def _day(year: int, month: int, day: int, text: str) -> dt.date:
    """Years are พ.ศ. or ค.ศ. as thaidate reads every year in the app."""
    try:
        return thaidate.ce_date(year, month, day)
    except thaidate.BadYear:
        raise Invalid(
            f"{text!r}: {year} is not a year: write พ.ศ. {thaidate.FIRST_BE}-{thaidate.LAST_BE} "
            f"or ค.ศ. {thaidate.FIRST_CE}-{thaidate.LAST_CE}"
        ) from None
    except ValueError as e:
        raise Invalid(f"{text!r} is not a real date ({e})") from None


# What offices write for a status; a field left out means published.
STATUSES = {"draft": DRAFT, "ฉบับร่าง": DRAFT, "ร่าง": DRAFT, "published": PUBLISHED, "เผยแพร่": PUBLISHED}


def _status(value, _office=None) -> str:
    text = _text(value)
    found = STATUSES.get(text.lower())
    if found is None:
        raise Invalid(f"unknown status {text!r}; use draft (ฉบับร่าง) or published (เผยแพร่)")
    return found


FIELDS: dict[str, tuple[Callable, bool]] = {
    # name: (normaliser, required)
    "id": (_slug, False),
    "title": (_required_text, True),
    "division": (_configured("divisions", "division"), True),
    "type": (_configured("types", "document type"), True),
    "knowledge": (_configured("knowledge", "kind of knowledge"), True),
    "area": (_areas, False),
    "tags": (_list, False),
    "summary": (_text, False),
    "author": (_text, False),
    "holder": (_text, False),
    "date": (_date, True),
    "updated": (_date, False),
    "aliases": (_slugs, False),
    "status": (_status, False),
}
ALIASES = {"areas": "area", "tag": "tags", "alias": "aliases", "kind": "knowledge", "สถานะ": "status"}


def validate(raw: RawFile, office: Office) -> Document | list[Problem]:
    problems: list[Problem] = []
    values: dict = {}

    def problem(name: str, message: str) -> None:
        problems.append(Problem(raw.path, raw.line_of(name), name, message))

    meta = {ALIASES.get(k, k): v for k, v in raw.metadata.items()}
    for key in raw.metadata:
        name = ALIASES.get(key, key)
        if name not in FIELDS:
            close = difflib.get_close_matches(key, list(FIELDS), n=1, cutoff=0.75)
            if close:
                problem(key, f"unknown field; did you mean {close[0]!r}?")
    for name, (normalise, required) in FIELDS.items():
        value = meta.get(name)
        if value is None or value == "":
            if required:
                problem(name, "is missing")
            continue
        try:
            values[name] = normalise(value, office)
        except Invalid as e:
            problem(name, str(e))

    if "id" not in meta:
        stem = PurePosixPath(raw.path).stem
        try:
            values["id"] = _slug(stem)
        except Invalid:
            problem("id", f"is missing and the file name {stem!r} cannot serve as one: add 'id: an-ascii-slug'")
    if values.get("knowledge") == "tacit" and not values.get("holder"):
        problems.append(
            Problem(raw.path, raw.line_of("knowledge"), "holder", "is missing: tacit knowledge needs the person to ask")
        )
    if values.get("updated") and values.get("date") and values["updated"] < values["date"]:
        problem("updated", f"{values['updated'].isoformat()} is before date {values['date'].isoformat()}")
    if values.get("id") in values.get("aliases", ()):
        problem("aliases", "must not contain the document's own id")
    if problems:
        return problems
    values["areas"] = values.pop("area", ())
    return Document(path=raw.path, body=raw.body, body_line=raw.body_line, **values)


def check_unique(
    documents: Iterable[Document], raws: dict[str, RawFile], claimed: dict[str, tuple[str, bool]] | None = None
) -> tuple[list[Document], list[Problem]]:
    """Reject a document whose id or alias another file already claims.

    The first file (in path order) keeps the id, so one careless copy never
    takes a published article offline.  ``claimed`` holds ids of documents
    not read again (an incremental build): name -> (path, is its id).
    """
    owner: dict[str, tuple[str, bool]] = dict(claimed or {})
    kept, problems = [], []
    for doc in documents:
        clash = next((n for n in (doc.id, *doc.aliases) if n in owner), None)
        if clash is None:
            kept.append(doc)
            for name in (doc.id, *doc.aliases):
                owner[name] = (doc.path, name == doc.id)
            continue
        other_path, other_is_id = owner[clash]
        field = "id" if clash == doc.id else "aliases"
        used = "id" if other_is_id else "an alias"
        raw = raws.get(doc.path)
        line = raw.line_of(field) if raw else 1
        problems.append(
            Problem(doc.path, line, field, f"duplicate id {clash!r}: {other_path} already uses it as {used}")
        )
    return kept, problems
