"""Markdown -> sanitised HTML for reading, and plain text for analysis.

The only module that imports the Markdown library.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
import unicodedata
from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from indexer.content.documents import Document
from indexer.content.limits import SECONDS_PER_DOCUMENT, LimitExceeded, time_limit
from indexer.content.links import Links

EXTENSIONS = ["tables", "fenced_code", "footnotes", "def_list", "sane_lists", "toc", "attr_list"]
# Bump when the HTML for the same Markdown changes (heading ids, say): the
# build then re-renders every document instead of only the changed ones.
RENDER_VERSION = 3
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def heading_id(value: str, separator: str = "-") -> str:
    """A heading's anchor, from the heading's own text.

    An explicit ``{#id}`` (attr_list) wins; otherwise ASCII headings get a
    plain slug (``e-gp-step``) and headings with Thai get their ASCII words,
    if any, and a short hash of the whole text (``h-3f9a2c``,
    ``e-gp-5d01e7``). So a link to a heading keeps working when sections
    are added, removed or reordered around it, and changes only when that
    heading's own words change (not its spacing or invisible characters).
    """
    text = " ".join(unicodedata.normalize("NFC", value).translate(_INVISIBLE).split()).casefold()
    slug = re.sub(r"[^a-z0-9]+", separator, text).strip(separator)[:48].strip(separator)
    if text.isascii() and slug:
        return slug
    digest = hashlib.blake2s(text.encode("utf-8"), digest_size=3).hexdigest()
    return f"{slug or 'h'}{separator}{digest}"


EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"slugify": heading_id, "permalink": False},
    # align="..." rather than style="text-align: ...": the Content-Security-
    # Policy allows no inline style, so a style attribute would be ignored.
    "tables": {"use_align_attribute": True},
}
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "ol": {"start"},
}
_BLOCK_END = re.compile(r"</(p|li|h[1-6]|tr|td|th|dd|dt|pre|blockquote|div|table|caption)>|<br\s*/?>", re.I)


_local = threading.local()


class _LinkTargets(Treeprocessor):
    """Hands every link and image of the parsed document to ``links``
    (after the inline patterns, so reference-style links are there too)."""

    links: Links | None = None

    def run(self, root: Element) -> None:
        if self.links is None:
            return
        for el in root.iter():
            if el.tag not in ("a", "img"):
                continue
            attr = "href" if el.tag == "a" else "src"
            target = el.get(attr)
            if target is None:
                continue
            label = el.get("alt", "") if el.tag == "img" else " ".join("".join(el.itertext()).split())
            url = self.links.resolve(target, label)
            if url is not None:
                el.set(attr, url)


class _LinkExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_LinkTargets(md), "kmsearch-links", 1)


def _markdown() -> markdown.Markdown:
    """One converter per thread, reset between documents: setting up the
    extensions took a third of the time of rendering a document."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(
            extensions=[*EXTENSIONS, _LinkExtension()], extension_configs=EXTENSION_CONFIGS
        )
    return md


def to_html(source: str, links: Links | None = None) -> str:
    md = _markdown()
    targets = md.treeprocessors["kmsearch-links"]
    assert isinstance(targets, _LinkTargets)
    targets.links = links
    try:
        raw = md.convert(source)
    except RecursionError:
        raise LimitExceeded(
            "body", "Markdown nested too deeply (emphasis, lists, quotes or brackets inside one another); simplify it"
        ) from None
    finally:
        targets.links = None
        md.reset()
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def to_text(html_text: str) -> str:
    """Visible text, one block a line, so words of two blocks never merge."""
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + "\n", html_text)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def render(doc: Document, links: Links | None = None) -> Document:
    """``doc`` with its HTML and text; with ``links``, its links checked and
    rewritten (problems and attachments collected there).  Raises
    LimitExceeded for a body that would take the build down or hold it."""
    with time_limit(SECONDS_PER_DOCUMENT, "body", "rendering the Markdown"):
        body_html = to_html(doc.body, links)
    attachments = tuple(links.attachments.values()) if links is not None else doc.attachments
    return replace(doc, html=body_html, text=to_text(body_html), attachments=attachments)
