"""Publishing by commit: a new document from a template, and git hooks.

Heads of division start from a per-type template kept in the content
folder (``_templates/<type>.md``), and a pre-commit hook runs the same check
as ``kmsearch check`` before anything reaches the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
from pathlib import Path
from string import Template

from indexer import engine
from indexer.thaidate import fiscal_year
from indexer.content.loader import content_files, read_file
from indexer.content.office import Office
from indexer.content.validate import ID_RE

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
    today = today or dt.date.today()
    kind = office.resolve("types", type_name)
    if kind is None:
        hint = office.suggest("types", type_name)
        raise PublishError(f"unknown document type {type_name!r}" + (f"; did you mean {hint!r}?" if hint else ""))
    division = office.resolve("divisions", division_name)
    if division is None:
        hint = office.suggest("divisions", division_name)
        raise PublishError(f"unknown division {division_name!r}" + (f"; did you mean {hint!r}?" if hint else ""))
    if not title.strip():
        raise PublishError("the title is empty")
    taken = taken_ids(content_dir, index_dir)
    if doc_id is None:
        doc_id = fresh_id(kind.slug, today, taken)
    elif not ID_RE.match(doc_id):
        raise PublishError(f"{doc_id!r} is not a valid id: use lower-case a-z, 0-9 and '-'")
    elif doc_id in taken:
        raise PublishError(f"id {doc_id!r} is taken (ids are never reused)")
    template = content_dir / TEMPLATES / f"{kind.slug}.md"
    if not template.is_file():
        raise PublishError(f"{template}: no template for {kind.slug}")
    text = Template(template.read_text(encoding="utf-8")).safe_substitute(
        id=doc_id,
        title=_yaml_text(title),
        division=_yaml_text(division.name),
        date=today.isoformat(),
        fiscal_year=fiscal_year(today),
        author=_yaml_text(author) if author else "",
    )
    target = content_dir / division.slug / f"{doc_id}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as fh:  # never overwrite
        fh.write(text)
    return target


def _yaml_text(value: str) -> str:
    """Text as a YAML scalar that reads back as written: always quoted, so
    that a title such as ``null``, ``~``, ``yes`` or ``2567`` stays text.
    A JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(" ".join(value.split()), ensure_ascii=False)


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
        raise PublishError(f"{content_dir}: not inside a git repository") from None
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
