"""The yearly report as Markdown that pastes cleanly.

Committees paste it into Word, LINE or an e-mail, where a Markdown table
shows as rows of pipes: so it has headings, paragraphs and one list item a
row ("กองคลัง — จำนวน: 1; คู่มือ: …"), and no tables (the CSV report holds
the figures as a table).  Visitors' queries and authors' titles are text:
whatever would be Markdown or HTML in them is escaped, so a query such as
![x](https://evil.example/t.png) or <img src=x onerror=...> shows as typed,
and nothing else is, so ordinary Thai titles paste without backslashes.
"""

from __future__ import annotations

import re

from kmsearch.km.figures import Indicators
from kmsearch.km.outline import Cell, Report, Section, Table, outline

# Brackets make links and images (![x](...) needs its "["), * _ ` make
# emphasis and code, braces attribute lists; a backslash escapes.
_MD_INLINE = re.compile(r"([\\`*_\[\]{}])")
# HTML: a tag or an entity; "<" or "&" before anything else is plain text.
_HTML = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)")
_MD_BLOCK_START = re.compile(r"^([#>+\-]|\d+(?=[.)]))")


def md_text(value: object) -> str:
    """``value`` as Markdown that shows exactly that text on one line."""
    text = " ".join(str(value).split())
    text = _HTML.sub(lambda m: "&lt;" if m[0] == "<" else "&amp;", text)
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], text)


def _cell(value: Cell) -> str:
    return str(value) if isinstance(value, int) else md_text(value)


def _row(head: tuple[str, ...], row: tuple[Cell, ...]) -> str:
    """One row as "first — column: value; column: value", empty cells left out."""
    first, rest = row[0], row[1:]
    pairs = [
        f"{md_text(h)}: {_cell(v)}" if h else _cell(v)
        for h, v in zip(head[1:], rest)
        if str(v).strip() not in ("", "–")
    ]
    return "- " + _cell(first) + (" — " + "; ".join(pairs) if pairs else "")


def _table(t: Table) -> list[str]:
    lines = [md_text(t.caption), ""] if t.caption else []
    return lines + [_row(t.head, r) for r in t.rows] + [""]


def _section(s: Section) -> list[str]:
    lines = ["#" * (s.level + 1) + " " + md_text(s.title), ""]
    for block in s.blocks:
        lines += _table(block) if isinstance(block, Table) else [md_text(block), ""]
    return lines


def render(report: Report) -> str:
    lines = ["# " + md_text(report.title), ""]
    # two spaces: a line break that Markdown keeps and a paste does not show
    lines += [md_text(line) + "  " for line in report.lines[:-1]] + [md_text(report.lines[-1]), ""]
    for s in report.sections:
        lines += _section(s)
    return "\n".join(lines).rstrip() + "\n"


def to_markdown(ind: Indicators) -> str:
    return render(outline(ind))
