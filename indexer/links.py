"""Links between articles and to attachments beside them.

Authors link the way Markdown editors do: to another article's file
(``../กองคลัง/land-tax.md`` or ``land-tax.md``), to its permalink
(``/a/land-tax``), or to a form beside the file (``forms/kor1.pdf``).  The
check reports links that lead nowhere; the build turns file links into
permalinks and attachment links into URLs the app serves.
"""
from __future__ import annotations

import mimetypes
import posixpath
import re
from dataclasses import replace
from pathlib import Path

from .documents import Attachment, Document, Problem

# [text](target "title") and ![alt](target)
LINK = re.compile(r'(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?((?:\s+"[^"\n]*")?)\s*\)')
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
PERMALINK = re.compile(r"^/a/([a-z0-9][a-z0-9-]*)/?(#.*)?$")


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith(("#", "//"))


def _resolve(doc: Document, target: str) -> str | None:
    """The content-relative path a relative link points at, or None when it
    leaves the content folder."""
    target = target.split("#", 1)[0].split("?", 1)[0]
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc.path), target))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return None
    return joined


def _inside(root: Path, rel: str) -> Path | None:
    """The file, if it is a regular file inside the content folder (a
    symlink pointing out of it does not count)."""
    path = root / rel
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root.resolve()) or not real.is_file():
        return None
    if any(part.startswith((".", "_")) for part in real.relative_to(root.resolve()).parts):
        return None  # drafts, templates, .git: never published
    return real


def process(doc: Document, root: Path, ids: set[str], by_path: dict[str, str]) -> tuple[Document, list[Problem]]:
    """Check every link of ``doc``; rewrite file links to permalinks and
    attachment links to their served URL; list the attachments."""
    problems: list[Problem] = []
    attachments: dict[str, Attachment] = {}

    def line_of(offset: int) -> int:
        return doc.body_line + doc.body.count("\n", 0, offset)

    def fix(m: re.Match) -> str:
        bang, label, target, title = m.groups()
        if _is_external(target):
            return m.group(0)
        link = PERMALINK.match(target)
        if link:
            if link.group(1) not in ids:
                problems.append(Problem(doc.path, line_of(m.start()), "link", f"no article with id {link.group(1)!r}"))
            return m.group(0)
        rel = _resolve(doc, target)
        if rel is None:
            problems.append(Problem(doc.path, line_of(m.start()), "link", f"{target!r} points outside the content folder"))
            return m.group(0)
        anchor = "#" + target.split("#", 1)[1] if "#" in target else ""
        if rel.endswith(".md"):
            if rel not in by_path:
                problems.append(Problem(doc.path, line_of(m.start()), "link", f"{target!r}: no such article"))
                return m.group(0)
            return f"{bang}[{label}](/a/{by_path[rel]}{anchor}{title})"
        suffix = posixpath.splitext(rel)[1].lower()
        real = _inside(root, rel)
        if real is None:
            problems.append(Problem(doc.path, line_of(m.start()), "attachment", f"{target!r}: file not found"))
            return m.group(0)
        if suffix not in ATTACHMENT_TYPES:
            problems.append(Problem(doc.path, line_of(m.start()), "attachment",
                                    f"{target!r}: {suffix or 'this kind of'} files are not served; use PDF, Word, Excel or an image"))
            return m.group(0)
        name = posixpath.relpath(rel, posixpath.dirname(doc.path) or ".")
        attachments.setdefault(rel, Attachment(rel, name, real.stat().st_size,
                                               ATTACHMENT_TYPES.get(suffix) or mimetypes.guess_type(rel)[0] or "application/octet-stream",
                                               label))
        return f"{bang}[{label}](/a/{doc.id}/files/{name}{title})"

    body = LINK.sub(fix, doc.body)
    return replace(doc, body=body, attachments=tuple(attachments.values())), problems
