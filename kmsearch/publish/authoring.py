"""Publishing by commit: a new document from a template, and git hooks.

Heads of division start from a per-type template kept in the content
folder (``_templates/<type>.md``), and a pre-commit hook runs the same check
as ``kmsearch check`` before anything reaches the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import subprocess
from pathlib import Path
from string import Template

from indexer import engine
from indexer.content.documents import RawFile
from indexer.content.loader import content_files, parse, read_file
from indexer.content.office import Office
from indexer.content.validate import ID_RE
from indexer.thaidate import fiscal_year

TEMPLATES = "_templates"


class PublishError(Exception):
    pass


def taken_ids(content_dir: Path, index_dir: Path | None = None) -> set[str]:
    """Ids in use or ever used: ids and aliases in the folder, and ids of
    withdrawn articles, which are never given out again."""
    taken: set[str] = set()
    for path in content_files(content_dir):
        raw = read_file(path, content_dir)
        meta = getattr(raw, "metadata", {})
        taken.add(str(meta.get("id") or path.stem))
        aliases = meta.get("aliases") or []
        taken.update(str(a) for a in (aliases if isinstance(aliases, list) else [aliases]))
    info = engine.backend_for(content_dir, index_dir).read_info() if index_dir else None
    if info:
        taken.update(info.get("gone", {}))
        taken.update(info.get("titles", {}))
    return taken


def fresh_id(type_slug: str, today: dt.date, taken: set[str]) -> str:
    base = f"{type_slug}-{today:%Y%m%d}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def new_document(
    content_dir: Path,
    office: Office,
    type_name: str,
    division_name: str,
    title: str,
    author: str = "",
    doc_id: str | None = None,
    index_dir: Path | None = None,
    today: dt.date | None = None,
) -> Path:
    """A new draft from the template of its type, every field given filled
    in (whether the template names it or not), written only when its
    front-matter reads back as given."""
    today = today or dt.date.today()
    kind = office.resolve("types", type_name)
    if kind is None:
        raise PublishError(_unknown("ประเภทเอกสาร", type_name, office.suggest("types", type_name), office.types))
    division = office.resolve("divisions", division_name)
    if division is None:
        hint = office.suggest("divisions", division_name)
        raise PublishError(_unknown("ส่วนราชการ", division_name, hint, office.divisions))
    if not title.strip():
        raise PublishError("ยังไม่ได้ตั้งชื่อเรื่อง")
    taken = taken_ids(content_dir, index_dir)
    if doc_id is None:
        doc_id = fresh_id(kind.slug, today, taken)
    elif not ID_RE.match(doc_id):
        raise PublishError(f"“{doc_id}” ใช้เป็นรหัสเอกสารไม่ได้: ใช้ a-z ตัวเล็ก 0-9 และ - เช่น land-tax-manual")
    elif doc_id in taken:
        raise PublishError(f"รหัส “{doc_id}” มีเอกสารใช้แล้ว (รหัสที่เคยใช้จะไม่นำมาใช้ซ้ำ)")
    template = content_dir / TEMPLATES / f"{kind.slug}.md"
    if not template.is_file():
        raise PublishError(f"{template}: ไม่มีแม่แบบของประเภท {kind.slug}")
    given = {
        "id": doc_id,
        "title": " ".join(title.split()),
        "division": division.name,
        "type": kind.slug,
        "date": today.isoformat(),
        "status": "ฉบับร่าง",  # off the public site until its author publishes it
    }
    if author.strip():
        given["author"] = " ".join(author.split())
        if _holder_line(template):  # tacit knowledge: the author is the person to ask
            given["holder"] = given["author"]
    values = {"author": "", **{name: _scalar(name, value) for name, value in given.items()}}
    text = Template(template.read_text(encoding="utf-8")).safe_substitute(values, fiscal_year=fiscal_year(today))
    text = filled(text, given, template)
    target = content_dir / division.slug / f"{doc_id}.md"
    _check_reads_back(text, given, target.relative_to(content_dir).as_posix(), office)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as fh:  # never overwrite
        fh.write(text)
    return target


def _unknown(what: str, name: str, hint: str | None, entries) -> str:
    if hint:
        return f"ไม่รู้จัก{what} “{name}”: หมายถึง “{hint}” หรือไม่"
    return f"ไม่รู้จัก{what} “{name}”: ใช้ได้แก่ " + ", ".join(e.name for e in entries)


def _holder_line(template: Path) -> str:
    return next((line for line in template.read_text(encoding="utf-8").splitlines() if line.startswith("holder:")), "")


_FIELD_LINE = re.compile(r"^([A-Za-z_]+):[ \t]*(.*)$")


def filled(text: str, given: dict[str, str], template: Path) -> str:
    """``text`` with every field of ``given`` in its front-matter: a field
    the template leaves empty (``author:``) or lacks is set, so that no
    template can drop what the author typed."""
    if not text.startswith("---\n") or (end := text.find("\n---", 3)) == -1:
        raise PublishError(f"{template}: แม่แบบต้องขึ้นต้นด้วยบรรทัด --- ตามด้วยฟิลด์ และปิดด้วย ---")
    head, rest = text[4:end].split("\n"), text[end:]
    seen = set()
    for i, line in enumerate(head):
        m = _FIELD_LINE.match(line)
        if m and m[1] in given:
            seen.add(m[1])
            if m[2].strip() in ("", "''", '""', "~", "null"):
                head[i] = f"{m[1]}: {_scalar(m[1], given[m[1]])}"
    head += [f"{name}: {_scalar(name, value)}" for name, value in given.items() if name not in seen]
    return "---\n" + "\n".join(head) + rest


def _check_reads_back(text: str, given: dict[str, str], rel: str, office: Office) -> None:
    """The front-matter as the build will read it holds what was given (a
    type the template names by its Thai label is the same type)."""
    raw = parse(text, rel)
    if not isinstance(raw, RawFile):
        raise PublishError(f"แม่แบบให้ไฟล์ที่อ่านไม่ได้: {raw}")

    def same(name: str, value: str) -> bool:
        found = str(raw.metadata.get(name, ""))
        if name == "type":
            kind = office.resolve("types", found)
            return kind is not None and kind.slug == value
        return found == value

    wrong = [name for name, value in given.items() if not same(name, value)]
    if wrong:
        raise PublishError(f"แม่แบบเขียนฟิลด์ {', '.join(wrong)} ไม่ตรงกับที่ระบุ: ตรวจแม่แบบใน {TEMPLATES}/")


def _scalar(name: str, value: str) -> str:
    """An id (a slug) and an ISO date read back as written bare; text is quoted."""
    return value if name in ("id", "date") else _yaml_text(value)


def _yaml_text(value: str) -> str:
    """Text as a YAML scalar that reads back as written: always quoted, so
    that a title such as ``null``, ``~``, ``yes`` or ``2567`` stays text.
    A JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(" ".join(str(value).split()), ensure_ascii=False)


HOOKS = {
    "pre-commit": 'kmsearch check --content "$(git rev-parse --show-toplevel)/{rel}"',
    "post-merge": 'kmsearch build --content "$(git rev-parse --show-toplevel)/{rel}" {index}',
}


def install_hooks(content_dir: Path, kmsearch: str, index_dir: Path | None = None) -> list[Path]:
    """Install a pre-commit hook (refuse a commit that fails the check) and
    a post-merge hook (rebuild after ``git pull``) in the content repository."""
    try:
        top = Path(
            subprocess.run(
                ["git", "-C", str(content_dir), "rev-parse", "--show-toplevel"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        hooks = Path(
            subprocess.run(
                ["git", "-C", str(content_dir), "rev-parse", "--git-path", "hooks"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        raise PublishError(f"{content_dir}: ไม่ได้อยู่ในคลัง git (สั่ง git init ก่อน)") from None
    if not hooks.is_absolute():
        hooks = (content_dir / hooks).resolve()
    rel = os.path.relpath(content_dir.resolve(), top)
    rel = "" if rel == "." else rel
    hooks.mkdir(parents=True, exist_ok=True)
    written = []
    for name, command in HOOKS.items():
        line = command.format(rel=rel, index=f'--index "{index_dir}"' if index_dir else "")
        line = line.replace("kmsearch ", f'"{kmsearch}" ', 1)
        path = hooks / name
        path.write_text(f"#!/bin/sh\n# installed by kmsearch install-hook\nexec {line}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        written.append(path)
    return written
