"""What other sites and programs read: Atom feeds, the sitemap, robots.txt,
and the absolute addresses that share cards and canonical links need.

Addresses are built from the PUBLIC_URL setting when it is set (behind the
office's reverse proxy the request's own host is an internal one), else from
the request.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, redirect, request, url_for

from kmsearch.search import repository

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 50
BANGKOK = dt.timezone(dt.timedelta(hours=7), "Asia/Bangkok")
ATOM = "application/atom+xml; charset=utf-8"


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
    return Response(fg.atom_str(pretty=True), mimetype=ATOM)


@bp.get("/feed.atom")
def feed():
    office = repository.repo().office
    hits = repository.browse({}, 1, FEED_ENTRIES).hits
    return atom(
        f"คลังความรู้ {office.name}", "เอกสารใหม่และเอกสารที่ปรับปรุงล่าสุด", url_for("feeds.feed"), url_for("pages.home"), hits
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
        url_for("pages.listing", kind="division", slug=entry.slug),
        hits,
    )


@bp.get("/sitemap.xml")
def sitemap():
    office = repository.repo().office
    ix = repository.get_index()
    hits = repository.browse({}, 1, max(1, ix.doc_count)).hits
    rows = [(url_for("pages.home"), max((h.changed for h in hits), default=None))]
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
