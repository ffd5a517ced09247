"""Links between articles and to attachments beside them.

Authors link the way Markdown editors do: to another article's file
(``../กองคลัง/land-tax.md`` or ``land-tax.md``), to its permalink
(``/a/land-tax``), or to a form beside the file (``forms/kor1.pdf``,
``<forms/แบบ คำร้อง.pdf>``, ``forms/%E0%B9%81.pdf``).  Links are taken from
the parsed Markdown (``render.py`` hands each ``a`` and ``img`` here), so a
link shown inside a code block is not a link, and reference-style links are
checked like inline ones.  The check reports links that lead nowhere; file
links become permalinks and attachment links URLs the app serves.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from indexer.content.documents import Attachment, Document, Problem
from indexer.content.files import clean_path, signature, stat_inside

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
# An attachment outside the article's own folder (``../forms/x.pdf``) is
# served under this prefix and its path from the content folder: a ``..``
# in a URL is resolved away by the browser before the request is sent.
ROOTED = "_/"


def _is_external(target: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith(("#", "//"))


@dataclass
class Links:
    """What one document's links need from the build, and what they found.

    ``ids`` are every id and alias in the content, ``by_path`` maps each
    article's file to its id.  ``targets`` records every file a relative
    link points at, with its signature (None when missing), so that an
    incremental build reads the article again when one of them appears,
    changes or goes: the attachment list follows the files, not only the
    article.
    """

    doc: Document
    root: str
    ids: set[str]
    by_path: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    targets: dict[str, list | None] = field(default_factory=dict)

    def _line(self, target: str) -> int:
        at = self.doc.body.find(target)
        if at < 0:
            at = self.doc.body.find(unquote(target))
        return self.doc.body_line + (self.doc.body.count("\n", 0, at) if at >= 0 else 0)

    def _problem(self, target: str, name: str, message: str) -> None:
        self.problems.append(Problem(self.doc.path, self._line(target), name, message))

    def resolve(self, target: str, label: str) -> str | None:
        """The URL to put in place of ``target``, or None to leave it."""
        target = target.strip()
        if not target or _is_external(target):
            return None
        link = PERMALINK.match(target)
        if link:
            if link.group(1) not in self.ids:
                self._problem(target, "link", f"no article with id {link.group(1)!r}")
            return None
        plain, _, anchor = unquote(target).partition("#")
        plain = plain.split("?", 1)[0]
        folder = posixpath.dirname(self.doc.path)
        joined = posixpath.normpath(posixpath.join(folder, plain))
        rel = clean_path(joined)
        if rel is None:
            outside = joined == ".." or joined.startswith(("../", "/"))
            self._problem(
                target,
                "link",
                f"{target!r} points outside the content folder"
                if outside
                else f"{target!r} points to a file that is never published (a name starting with . or _)",
            )
            return None
        if rel.endswith(".md"):
            if rel not in self.by_path:
                self._problem(target, "link", f"{target!r}: no such article")
                return None
            return f"/a/{self.by_path[rel]}" + (f"#{anchor}" if anchor else "")
        st = stat_inside(self.root, rel)
        self.targets[rel] = signature(st)
        if st is None:
            self._problem(target, "attachment", f"{target!r}: file not found")
            return None
        suffix = posixpath.splitext(rel)[1].lower()
        if suffix not in ATTACHMENT_TYPES:
            self._problem(
                target,
                "attachment",
                f"{target!r}: {suffix or 'this kind of'} files are not served; use PDF, Word, Excel or an image",
            )
            return None
        name = posixpath.relpath(rel, folder or ".")
        if name.startswith("../"):
            name = ROOTED + rel
        self.attachments.setdefault(
            rel,
            Attachment(
                rel,
                name,
                st.st_size,
                ATTACHMENT_TYPES.get(suffix) or mimetypes.guess_type(rel)[0] or "application/octet-stream",
                label,
            ),
        )
        return f"/a/{self.doc.id}/files/{quote(name)}"
