"""The types that flow between the stages of a build.

content file -> RawFile -> Document (or Problems) -> index fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from indexer import thaidate

# A draft is indexed (so its author can preview it) but never shown to the
# public: every public read filters on this (kmsearch/search/repository.py).
DRAFT, PUBLISHED = "draft", "published"


@dataclass(frozen=True)
class Problem:
    """Something wrong with one file, precise enough to fix without guessing."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True)
class RawFile:
    """A content file split into front-matter and body; nothing checked yet."""

    path: str  # relative to the content folder, with /
    metadata: dict
    body: str
    body_line: int  # line number of the body's first line
    lines: dict[str, int] = field(default_factory=dict)  # field -> line

    def line_of(self, name: str) -> int:
        return self.lines.get(name, 1)


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    division: str  # slugs from the office configuration
    type: str
    knowledge: str
    date: dt.date
    path: str
    body: str  # Markdown source
    html: str = ""  # sanitised HTML, filled by render
    text: str = ""  # plain text for analysis and snippets
    areas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    author: str = ""
    holder: str = ""
    updated: dt.date | None = None
    aliases: tuple[str, ...] = ()
    body_line: int = 1  # line of the file where the body starts
    attachments: tuple[Attachment, ...] = ()
    status: str = PUBLISHED  # DRAFT or PUBLISHED

    @property
    def fiscal_year(self) -> int:
        return thaidate.fiscal_year(self.date)

    @property
    def last_changed(self) -> dt.date:
        return self.updated or self.date


@dataclass(frozen=True)
class Attachment:
    """A file beside the Markdown that the document links to (a form, an image)."""

    path: str  # relative to the content folder, with /
    name: str  # as linked from the document, relative to its folder
    size: int
    type: str  # MIME type
    label: str = ""  # link text, or alt text of an image

    @property
    def is_image(self) -> bool:
        return self.type.startswith("image/")


def is_draft(fields: dict) -> bool:
    """Whether a stored document (a dict from the engine) is a draft; one
    stored by a build older than the status field is published."""
    return fields.get("status") == DRAFT
