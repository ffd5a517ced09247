"""What other sites and programs read: Atom feeds, the sitemap, robots.txt,
and the absolute addresses that share cards and canonical links need.

Addresses are built from the PUBLIC_URL setting when it is set (behind the
office's reverse proxy the request's own host is an internal one), else from
the request.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from indexer.thaidate import thai_date
from kmsearch.search import repository

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 50
BANGKOK = dt.timezone(dt.timedelta(hours=7), "Asia/Bangkok")
ATOM = "application/atom+xml; charset=utf-8"
# Chromium shows application/atom+xml as plain text and applies an XSLT
# stylesheet only to XML it renders: a browser (which asks for text/html
# first) gets the same Atom document as application/xml, a feed reader
# gets application/atom+xml.
XML = "application/xml; charset=utf-8"
# What a person reading the feed in a browser sees besides Atom's own
# fields: each entry's Thai date and whether it is new or updated.  Feed
# readers ignore elements of another namespace (RFC 4287, section 6).
KM_NS = "https://kmsearch.invalid/ns/feed"
STYLESHEET = "feed.xsl"


class _ThaiFeed(BaseExtension):
    def extend_ns(self):
        return {"km": KM_NS}


class _ThaiEntry(BaseEntryExtension):
    def __init__(self):
        self.values: dict[str, str] = {}

    def set(self, **values: str) -> None:
        self.values = values

    def extend_atom(self, entry):
        for name, text in self.values.items():
            xml_elem(f"{{{KM_NS}}}{name}", entry).text = text
        return entry


def _content_type() -> str:
    best = request.accept_mimetypes.best_match(["application/atom+xml", "text/html"], default="application/atom+xml")
    return XML if best == "text/html" else ATOM


def _with_stylesheet(document: bytes) -> bytes:
    """The Atom document with a processing instruction after its XML
    declaration, naming the stylesheet a browser renders it with."""
    href = url_for("static", filename=STYLESHEET)
    declaration, rest = document.split(b"\n", 1) if document.startswith(b"<?xml") else (b"", document)
    pi = f'<?xml-stylesheet href="{href}" type="text/xsl"?>'.encode()
    return b"\n".join(part for part in (declaration, pi, rest) if part)


def public_base() -> str:
    """``https://km.example.go.th``: PUBLIC_URL, else this request's own
    address (whose Host header any client may set)."""
    return (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")


@bp.app_template_global()
def absolute(path: str) -> str:
    """``/a/land-tax`` -> ``https://km.example.go.th/a/land-tax``."""
    if "://" in path:
        return path
    return public_base() + path


def _when(iso: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(iso[:10]), dt.time(), BANGKOK)


def atom(title: str, subtitle: str, self_path: str, page_path: str, hits) -> Response:
    office = repository.repo().office
    fg = FeedGenerator()
    fg.id(absolute(self_path))
    fg.title(title)
    fg.subtitle(subtitle)
    fg.language("th")
    fg.author({"name": office.name})
    fg.link(href=absolute(self_path), rel="self", type="application/atom+xml")
    fg.link(href=absolute(page_path), rel="alternate", type="text/html")
    fg.logo(absolute(url_for("static", filename="share.png")))
    fg.icon(absolute(url_for("static", filename="icon.png")))
    fg.generator("kmsearch", uri=None)
    fg.register_extension("km", _ThaiFeed, _ThaiEntry, rss=False)
    newest = max((h.changed for h in hits), default="2000-01-01")
    fg.updated(_when(newest))
    for hit in hits:
        fe = fg.add_entry(order="append")
        fe.id(absolute(hit.url))
        fe.title(hit.title)
        fe.link(href=absolute(hit.url), rel="alternate", type="text/html")
        fe.published(_when(hit.date))
        fe.updated(_when(hit.changed or hit.date))
        if hit.summary:
            fe.summary(hit.summary)
        fe.category(term=hit.division, label=office.label("divisions", hit.division))
        fe.category(term=hit.type, label=office.label("types", hit.type))
        changed = hit.changed or hit.date
        label = "ปรับปรุง" if changed != hit.date else "ใหม่"
        fe.km.set(change=label, date=thai_date(dt.date.fromisoformat(changed[:10])))
    response = Response(_with_stylesheet(fg.atom_str(pretty=True)), content_type=_content_type())
    response.vary.add("Accept")
    return response


@bp.get("/feed.atom")
def feed():
    office = repository.repo().office
    hits = repository.browse({}, 1, FEED_ENTRIES).hits
    return atom(
        f"คลังความรู้ {office.name}",
        "เอกสารใหม่และเอกสารที่ปรับปรุงล่าสุด",
        url_for("feeds.feed"),
        url_for("latest.overall"),
        hits,
    )


@bp.get("/division/<slug>/feed.atom")
def division_feed(slug: str):
    office = repository.repo().office
    entry = office.resolve("divisions", slug)
    if entry is None:
        abort(404)
    if entry.slug != slug:
        return redirect(url_for("feeds.division_feed", slug=entry.slug), 301)
    hits = repository.browse({"division": (entry.slug,)}, 1, FEED_ENTRIES).hits
    return atom(
        f"{entry.name} · คลังความรู้ {office.name}",
        f"เอกสารใหม่และเอกสารที่ปรับปรุงล่าสุดของ{entry.name}",
        url_for("feeds.division_feed", slug=entry.slug),
        url_for("latest.division", slug=entry.slug),
        hits,
    )


@bp.get("/sitemap.xml")
def sitemap():
    office = repository.repo().office
    ix = repository.get_index()
    hits = repository.browse({}, 1, max(1, ix.doc_count)).hits
    newest = max((h.changed for h in hits), default=None)
    rows = [(url_for("pages.home"), newest), (url_for("latest.overall"), newest)]
    rows += [(url_for(e), None) for e in ("people.directory", "help.page")]
    for kind, table in (("division", office.divisions), ("type", office.types), ("knowledge", office.knowledge)):
        rows += [(url_for("pages.listing", kind=kind, slug=e.slug), None) for e in table]
    rows += [(h.url, h.changed) for h in hits]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, changed in rows:
        lastmod = f"<lastmod>{changed}</lastmod>" if changed else ""
        lines.append(f"  <url><loc>{escape(absolute(path))}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return Response("\n".join(lines) + "\n", mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    text = "\n".join(
        [
            "User-agent: *",
            "Disallow: /search",  # endless combinations of filters
            "Disallow: /api/",
            "Disallow: /km",  # the KM committee's dashboard
            "",
            f"Sitemap: {absolute(url_for('feeds.sitemap'))}",
            "",
        ]
    )
    return Response(text, mimetype="text/plain")
