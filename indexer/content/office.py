"""The office's own configuration: ``kmsearch.yaml`` at the content root.

Names of the office, its divisions, document types, kinds of knowledge and
the knowledge map of the KM plan come from here, never from code.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from indexer.analysis.thai import SEGMENTERS, normalise
from indexer.content.limits import MAX_NESTING
from indexer.content.loader import nesting
from indexer.content.textfile import TextFile, read_text

CONFIG_NAME = "kmsearch.yaml"
# Other tools rely on these slugs; offices may relabel them, not rename them.
TYPE_SLUGS = ("manual", "training-report", "regulation-note", "lesson", "plan")
KNOWLEDGE_SLUGS = ("explicit", "tacit")
ENGINES = ("whoosh", "opensearch")  # indexer/engine/<name>/
OFFICE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # an office's name in a shared cluster


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    slug: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapRow:
    issue: str
    division: str
    areas: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    """A holder's contact details, as the office chose to publish them."""

    name: str
    phone: str = ""
    email: str = ""

    @property
    def dial(self) -> str:
        """What a ``tel:`` link dials: the number without its extension (ต่อ 12)."""
        number = _EXTENSION.split(self.phone, 1)[0]
        return "".join(c for c in number if c.isdigit() or c == "+")


PERSON_FIELDS = ("name", "phone", "email")
_EXTENSION = re.compile(r"\s*(?:ต่อ|ext\.?|x)\s*", re.IGNORECASE)
_PHONE = re.compile(r"[0-9๐-๙+()\- ,]{3,40}(?:\s*(?:ต่อ|ext\.?|x)\s*[0-9๐-๙]{1,6})?", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s<>\"']{1,64}@[^@\s<>\"']{1,255}\.[^@\s<>\"'.]{2,63}")
_ROLE = re.compile(r"\s*[(（].*$")


def person_key(name: str) -> str:
    """One person however a document writes them: normalised, spaces
    collapsed, without the position in brackets after the name
    (``นายสมพงษ์ ขำเจริญ (ช่างไฟฟ้า กองช่าง)`` is ``นายสมพงษ์ ขำเจริญ``)."""
    bare = _ROLE.sub("", str(name)).strip() or str(name)
    return _key(bare)


@dataclass(frozen=True)
class Office:
    name: str
    short_name: str = ""
    address: str = ""
    website: str = ""
    # Where people reach this knowledge base (its kmsearch site): a search
    # across offices links another office's articles there.
    site_url: str = ""
    divisions: tuple[Entry, ...] = ()
    types: tuple[Entry, ...] = ()
    knowledge: tuple[Entry, ...] = ()
    areas: tuple[Entry, ...] = ()
    knowledge_map: tuple[MapRow, ...] = ()
    git_dates: bool = True  # take updated/author from git when not given
    segmenter: str = SEGMENTERS[0]  # word segmentation engine (indexer.thai.SEGMENTERS)
    # The search engine (indexer.engine.ENGINES): the embedded Whoosh index
    # in the index folder, or an OpenSearch cluster at ``hosts``, where the
    # office's documents carry ``slug`` (many offices share one index).
    # Credentials never come from this file: KMSEARCH_OPENSEARCH_USER and
    # KMSEARCH_OPENSEARCH_PASSWORD in the environment.
    engine: str = "whoosh"
    hosts: tuple[str, ...] = ()
    slug: str = ""
    # Contact details of holders (PDPA: published only when the office
    # turns show_contacts on; off by default).
    people: tuple[Person, ...] = ()
    show_contacts: bool = False
    _lookup: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        for kind in ("divisions", "types", "knowledge", "areas"):
            table = {}
            for e in getattr(self, kind):
                for spelling in (e.slug, e.name, *e.aliases):
                    table[_key(spelling)] = e
            self._lookup[kind] = table

    def resolve(self, kind: str, value: str) -> Entry | None:
        """Find a division, type, kind or area by slug, name or other spelling."""
        return self._lookup[kind].get(_key(str(value)))

    def suggest(self, kind: str, value: str) -> str | None:
        """The closest valid spelling, in the style the author used."""
        entries = getattr(self, kind)
        candidates = [e.slug for e in entries] if str(value).isascii() else [e.name for e in entries]
        close = difflib.get_close_matches(str(value), candidates, n=1, cutoff=0.5)
        return close[0] if close else None

    def contact(self, name: str) -> Person | None:
        """The contact details of the holder ``name``, when the office
        publishes contacts and lists them."""
        if not self.show_contacts:
            return None
        key = person_key(name)
        return next((p for p in self.people if person_key(p.name) == key), None)

    def label(self, kind: str, slug: str) -> str:
        e = self._lookup[kind].get(_key(slug))
        return e.name if e else slug


def _key(s: str) -> str:
    return " ".join(normalise(s).split())


def load_office(content_dir: str | Path) -> Office:
    return parse_office_text(read_office_text(content_dir).text, str(Path(content_dir) / CONFIG_NAME))


def read_office_text(content_dir: str | Path) -> TextFile:
    path = Path(content_dir) / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"{path}: not found; every content folder needs its office configuration")
    try:
        return read_text(path, CONFIG_NAME)
    except OSError as e:
        raise ConfigError(f"{path}: cannot be read: {e.strerror}") from None


def parse_office_text(text: str, where: str = CONFIG_NAME) -> Office:
    """The office from the text of its kmsearch.yaml (as a build recorded
    it, or as the content folder holds it now)."""
    try:
        depth, line = nesting(text)
        if depth > MAX_NESTING:
            raise ConfigError(f"{where}:{line}: lists or fields nested more than {MAX_NESTING} deep")
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        lines = {key: _item_lines(text, key) for key in ("people", "show_contacts")}
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", -1) + 1
        raise ConfigError(f"{where}:{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
    return parse_office(data, where, lines)


def _item_lines(text: str, key: str) -> dict[int | None, int]:
    """Line numbers in the file of the top-level ``key`` (``None``) and of
    each item of its list (0, 1, ...), for problems that name the line."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(root, yaml.MappingNode):
        return {}
    for k, v in root.value:
        if getattr(k, "value", None) == key:
            lines: dict[int | None, int] = {None: k.start_mark.line + 1}
            if isinstance(v, yaml.SequenceNode):
                lines.update({i: item.start_mark.line + 1 for i, item in enumerate(v.value)})
            return lines
    return {}


def _people(data: dict, where: str, lines: dict[str, dict]) -> tuple[tuple[Person, ...], bool]:
    """``people:`` and ``show_contacts:``, checked: every problem names the
    file, the line and the field."""
    show = data.get("show_contacts", False)
    if not isinstance(show, bool):
        line = lines.get("show_contacts", {}).get(None, 0)
        raise ConfigError(f"{where}:{line}: show_contacts: ต้องเป็น true หรือ false (พบ {show!r})")
    items = data.get("people") or []
    people_lines = lines.get("people", {})
    at = lambda i: f"{where}:{people_lines.get(i, people_lines.get(None, 0))}"  # noqa: E731
    if not isinstance(items, list):
        raise ConfigError(f"{at(None)}: people: ต้องเป็นรายการของ name, phone, email")
    out: list[Person] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ConfigError(f"{at(i)}: people[{i}]: ต้องมี name และ phone หรือ email")
        unknown = [str(k) for k in item if k not in PERSON_FIELDS]
        if unknown:
            raise ConfigError(f"{at(i)}: people[{i}]: ไม่รู้จักช่อง {', '.join(unknown)} (ใช้ได้: {', '.join(PERSON_FIELDS)})")
        values = {}
        for name in PERSON_FIELDS:
            value = item.get(name)
            if isinstance(value, (list, dict)):
                raise ConfigError(f"{at(i)}: people[{i}].{name}: ต้องเป็นข้อความ ไม่ใช่รายการ")
            values[name] = " ".join(str(value).split()) if value is not None else ""
        if not values["name"]:
            raise ConfigError(f"{at(i)}: people[{i}].name: ต้องระบุชื่อ (ตามที่เขียนในช่อง holder ของเอกสาร)")
        if values["phone"] and not _PHONE.fullmatch(values["phone"]):
            raise ConfigError(f"{at(i)}: people[{i}].phone: “{values['phone']}” ไม่ใช่หมายเลขโทรศัพท์")
        if values["email"] and not _EMAIL.fullmatch(values["email"]):
            raise ConfigError(f"{at(i)}: people[{i}].email: “{values['email']}” ไม่ใช่ที่อยู่อีเมล")
        key = person_key(values["name"])
        if key in seen:
            raise ConfigError(f"{at(i)}: people[{i}].name: “{values['name']}” ซ้ำกับ people[{seen[key]}]")
        seen[key] = i
        out.append(Person(**values))
    return tuple(out), show


def parse_office(data: dict, where: str = CONFIG_NAME, lines: dict[str, dict] | None = None) -> Office:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    office = data.get("office") or {}
    if not office.get("name"):
        raise ConfigError(f"{where}: office.name is required")

    def entries(kind: str, required: tuple[str, ...] = ()) -> tuple[Entry, ...]:
        out = []
        for i, item in enumerate(data.get(kind) or []):
            if not isinstance(item, dict) or not item.get("slug") or not item.get("name"):
                raise ConfigError(f"{where}: {kind}[{i}] needs a slug and a name")
            out.append(Entry(str(item["slug"]), str(item["name"]), tuple(str(a) for a in item.get("aliases") or ())))
        slugs = [e.slug for e in out]
        for dup in {s for s in slugs if slugs.count(s) > 1}:
            raise ConfigError(f"{where}: {kind}: slug {dup!r} appears twice")
        missing = [s for s in required if s not in slugs]
        if required and not out:
            return tuple(Entry(s, s) for s in required)
        if missing:
            raise ConfigError(f"{where}: {kind}: missing {', '.join(missing)}")
        return tuple(out)

    divisions = entries("divisions")
    if not divisions:
        raise ConfigError(f"{where}: divisions: at least one division is required")
    areas = entries("areas")
    area_slugs = {a.slug for a in areas}
    rows = []
    for i, row in enumerate(data.get("knowledge_map") or []):
        div = row.get("division")
        match = next((d for d in divisions if div in (d.slug, d.name, *d.aliases)), None)
        if match is None:
            raise ConfigError(f"{where}: knowledge_map[{i}]: unknown division {div!r}")
        bad = [a for a in row.get("areas") or () if a not in area_slugs]
        if bad:
            raise ConfigError(f"{where}: knowledge_map[{i}]: unknown area {', '.join(map(repr, bad))}")
        rows.append(MapRow(str(row.get("issue", "")), match.slug, tuple(row.get("areas") or ())))
    segmenter = str(data.get("segmenter") or SEGMENTERS[0])
    if segmenter not in SEGMENTERS:
        raise ConfigError(f"{where}: segmenter: {segmenter!r} is not one of {', '.join(SEGMENTERS)}")
    engine = str(data.get("engine") or "whoosh")
    if engine not in ENGINES:
        raise ConfigError(f"{where}: engine: {engine!r} is not one of {', '.join(ENGINES)}")
    cluster = data.get("opensearch") or {}
    if not isinstance(cluster, dict):
        raise ConfigError(f"{where}: opensearch: expected hosts: [...] and an office slug")
    hosts = cluster.get("hosts") or []
    if isinstance(hosts, str):
        hosts = [hosts]
    if engine == "opensearch" and not hosts:
        raise ConfigError(f"{where}: opensearch: hosts: the cluster's address is needed with engine: opensearch")
    if any(k in cluster for k in ("user", "password", "username")):
        raise ConfigError(
            f"{where}: opensearch: credentials do not belong in this file; "
            "set KMSEARCH_OPENSEARCH_USER and KMSEARCH_OPENSEARCH_PASSWORD"
        )
    site_url = str(office.get("site_url") or "").rstrip("/")
    if site_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", site_url):
        raise ConfigError(f"{where}: office: site_url: {site_url!r} must be an address starting with https://")
    slug = str(office.get("slug") or cluster.get("office") or "")
    if slug and not OFFICE_SLUG.fullmatch(slug):
        raise ConfigError(f"{where}: office: slug: {slug!r} must be lowercase letters, digits and dashes")
    if engine == "opensearch" and not slug:
        # Two offices without one would write into the same indexes.
        raise ConfigError(
            f"{where}: office: slug: the office's name in the shared cluster is needed with engine: opensearch"
        )
    people, show_contacts = _people(data, where, lines or {})
    return Office(
        people=people,
        show_contacts=show_contacts,
        engine=engine,
        hosts=tuple(str(h) for h in hosts),
        slug=slug,
        name=str(office["name"]),
        short_name=str(office.get("short_name") or ""),
        address=str(office.get("address") or ""),
        website=str(office.get("website") or ""),
        site_url=site_url,
        divisions=divisions,
        types=entries("types", TYPE_SLUGS),
        knowledge=entries("knowledge", KNOWLEDGE_SLUGS),
        areas=areas,
        knowledge_map=tuple(rows),
        git_dates=bool(data.get("git_dates", True)),
        segmenter=segmenter,
    )


_ENGINE_KEYS = re.compile(r"(engine|opensearch)\s*:")


def with_engine(text: str, engine: str, hosts: tuple[str, ...] = (), slug: str = "") -> str:
    """The text of a kmsearch.yaml with its engine settings replaced, the
    rest (comments included) as it was: the top-level ``engine:`` line and
    ``opensearch:`` block go, and for OpenSearch new ones are appended.

    Raises ConfigError when the result would not say what was asked (an
    office slug that differs from the one given, a file laid out in a way
    this cannot edit)."""
    where = CONFIG_NAME
    current = parse_office_text(text, where)
    if engine not in ENGINES:
        raise ConfigError(f"{where}: engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if current.slug and slug and slug != current.slug:
        raise ConfigError(f"{where}: office: slug: the file names the office {current.slug!r}, not {slug!r}")
    kept: list[str] = []
    inside = False
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            inside = bool(_ENGINE_KEYS.match(line))
            while inside and kept and kept[-1].startswith("#"):
                kept.pop()  # the comment above a setting goes with it
        elif inside and line.startswith("#"):
            inside = False  # a comment at the margin belongs to what follows
        if not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    out = "\n".join(kept) + "\n"
    if engine != "whoosh":
        listed = ", ".join(json.dumps(h) for h in hosts)
        out += (
            "\n# The search engine (written by kmsearch move): credentials come from\n"
            "# KMSEARCH_OPENSEARCH_USER and KMSEARCH_OPENSEARCH_PASSWORD, never from here.\n"
            f"engine: {engine}\nopensearch:\n  hosts: [{listed}]\n"
        )
        if not (yaml.safe_load(text).get("office") or {}).get("slug"):  # else kept in office:
            out += f"  office: {slug or current.slug}\n"
    moved = parse_office_text(out, where)
    if (moved.engine, moved.hosts) != (engine, tuple(hosts) if engine != "whoosh" else ()):
        raise ConfigError(f"{where}: engine: could not be rewritten in this file's layout; edit it by hand")
    return out
