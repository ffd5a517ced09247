"""Markdown -> sanitised HTML for reading, and plain text for analysis.

The only module that imports the Markdown library.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace

import markdown
import nh3

from .documents import Document

EXTENSIONS = ["tables", "fenced_code", "footnotes", "def_list", "sane_lists", "toc", "attr_list"]
EXTENSION_CONFIGS = {
    # Thai headings have no ASCII slug; numbered ids keep anchors stable
    # however the heading text is edited.
    "toc": {"slugify": lambda value, sep: "", "permalink": False},
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


def to_html(source: str) -> str:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    raw = md.convert(source)
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
