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

import markdown
import nh3

from .documents import Document

EXTENSIONS = ["tables", "fenced_code", "footnotes", "def_list", "sane_lists", "toc", "attr_list"]
# Bump when the HTML for the same Markdown changes (heading ids, say): the
# build then re-renders every document instead of only the changed ones.
RENDER_VERSION = 2
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


EXTENSION_CONFIGS = {
    "toc": {"slugify": heading_id, "permalink": False},
    # align="..." rather than style="text-align: ...": the Content-Security-
    # Policy allows no inline style, so a style attribute would be ignored.
    "tables": {"use_align_attribute": True},
}
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
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


def _markdown() -> markdown.Markdown:
    """One converter per thread, reset between documents: setting up the
    extensions took a third of the time of rendering a document."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    return md


def to_html(source: str) -> str:
    md = _markdown()
    try:
        raw = md.convert(source)
    finally:
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


def render(doc: Document) -> Document:
    body_html = to_html(doc.body)
    return replace(doc, html=body_html, text=to_text(body_html))
