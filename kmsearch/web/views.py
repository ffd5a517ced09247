"""The Thai web pages: home, search, article, and listings."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from indexer.content.files import open_inside
from kmsearch.km import usage
from kmsearch.search import repository
from kmsearch.search.passage import mark_html
from kmsearch.search.synonyms import thai_words_for
from kmsearch.web.params import (
    FILTER_PARAMS,
    OFFICE_PARAM,
    PROVINCE,
    BadParameter,
    filters_from,
    int_param,
    query_text,
    scope_from,
    sort_from,
)
from kmsearch.web.security import valid_id

bp = Blueprint("pages", __name__)
LISTINGS = {"division": "divisions", "type": "types", "knowledge": "knowledge"}


@bp.get("/")
def home():
    return render_template("home.html", overview=repository.overview())


@bp.get("/search")
def results():
    settings = repository.repo().settings
    q = query_text(request.args, settings["MAX_QUERY_CHARS"])
    try:
        scope = scope_from(request.args)
        filters = filters_from(request.args, repository.repo().office, scope)
        page = int_param(request.args, "page", 1, 1, settings["MAX_PAGE"])
        sort = sort_from(request.args)
    except BadParameter as e:
        return render_template("search.html", result=None, q=q, error=str(e)), 400
    if scope == PROVINCE:
        shared = repository.run_shared_query(q, filters, page, settings["PAGE_SIZE"], sort)
        if shared is None:
            abort(404)  # this office's engine holds it alone
        result, g.km_offices = shared
        # The office's own gaps are what its usage log counts: not recorded.
        page_args = {"sort": sort, "error": None, "scope": scope, "unfiltered": None, "latin": None}
        return render_template("search.html", result=result, q=result.query, **page_args)
    result = repository.run_query(q, filters, page, settings["PAGE_SIZE"], sort)
    # the query as searched: a letter pasted whole is shown and kept as its content words
    usage.record_search(result.query, result.found, filters, page)  # 0: a knowledge gap
    unfiltered, latin = None, None
    if result.total == 0:
        if filters and q:
            # One more search, only when the filters leave nothing: what they hide.
            unfiltered = repository.run_query(q, None, 1, 1, sort)
        latin = thai_words_for(result.query, repository.repo().synonyms.groups())
    return render_template(
        "search.html", result=result, q=result.query, sort=sort, error=None, unfiltered=unfiltered, latin=latin
    )


@bp.get("/<any(division, type, knowledge):kind>/<slug>")
def listing(kind: str, slug: str):
    office = repository.repo().office
    entry = office.resolve(LISTINGS[kind], slug)
    if entry is None:
        abort(404)
    if entry.slug != slug:
        return redirect(url_for("pages.listing", kind=kind, slug=entry.slug), 301)
    try:
        page = int_param(request.args, "page", 1, 1, repository.repo().settings["MAX_PAGE"])
    except BadParameter as e:
        return render_template("error.html", heading="คำขอไม่ถูกต้อง", message=f"หน้าที่ขอไม่ถูกต้อง: {e}"), 400
    result = repository.browse({FILTER_PARAMS[kind][0]: (entry.slug,)}, page, repository.repo().settings["PAGE_SIZE"])
    return render_template("listing.html", result=result, kind=kind, entry=entry)


@bp.get("/a/<doc_id>/files/<path:name>")
def attachment(doc_id: str, name: str):
    """A form or image beside the article: only files the article links to."""
    doc, moved = repository.article(doc_id)
    if moved:
        return redirect(url_for("pages.attachment", doc_id=moved, name=name), 301)
    found = next((a for a in (doc or {}).get("attachments", []) if a["name"] == name), None)
    if found is None:
        abort(404)
    # Opened now, inside the content folder and through no link: the file
    # may have been replaced (by a link to /etc/passwd, say) since the build.
    try:
        fd = open_inside(repository.repo().content_dir, found["path"])
    except FileNotFoundError:
        abort(404)
    return send_file(
        os.fdopen(fd, "rb"),
        mimetype=found["type"],
        conditional=True,
        as_attachment=not found["type"].startswith(("image/", "application/pdf")),
        download_name=name.rsplit("/", 1)[-1],
    )


@bp.get("/a/<doc_id>")
def article(doc_id: str):
    if not valid_id(doc_id):
        abort(404)
    doc, moved = repository.article(doc_id)
    if moved:
        return redirect(url_for("pages.article", doc_id=moved), 301)
    if doc is None:
        gone = repository.withdrawn(doc_id)
        if gone is None:
            abort(404)
        return render_template("gone.html", title=gone[0], similar=gone[1], q=gone[0]), 410
    usage.record_view(doc)
    html = doc.get("html", "")
    # ?hl= is the query of the result that opened the article: its words
    # are marked, as in the snippet, and a link goes back to the plain page
    # (whose URL stays the canonical one).
    hl = query_text(request.args, repository.repo().settings["MAX_QUERY_CHARS"], name="hl")
    body, marked = Markup(html), 0
    if hl:
        ix = repository.get_index()
        body, marked = mark_html(html, repository.repo().marks(ix, hl), ix.segmenter)
    return render_template(
        "article.html",
        doc=doc,
        body=Markup(scrollable_tables(str(body))),
        toc=headings(html),
        related=repository.related(doc),
        hl=hl,
        marked=marked,
    )


TOC_MIN_HEADINGS = 3  # a table of contents only for manuals that need one
_TABLE_OPEN = re.compile(r"<table\b[^>]*>")


def scrollable_tables(html: str) -> str:
    """Each table in a box that scrolls sideways on a phone; the box takes
    the keyboard focus so it can be scrolled without a mouse."""
    html = _TABLE_OPEN.sub(
        lambda m: (
            '<div class="table-scroll" role="region" tabindex="0" aria-label="ตาราง (เลื่อนซ้าย–ขวาได้)">' + m.group(0)
        ),
        html,
    )
    return html.replace("</table>", "</table></div>")


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._open: tuple[str, str | None, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3") and self._open is None:
            self._open = (tag, dict(attrs).get("id"), [])

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            level, anchor, parts = self._open
            self._open = None
            text = " ".join("".join(parts).split())
            if anchor and text:
                self.found.append((int(level[1]), anchor, text))

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)


def headings(html: str) -> list[dict]:
    """The article's table of contents: its h2, each with the h3 under it,
    as {"id", "text", "children"}; empty for a short article."""
    parser = _Headings()
    parser.feed(html)
    parser.close()
    if len(parser.found) < TOC_MIN_HEADINGS:
        return []
    toc: list[dict] = []
    for level, anchor, text in parser.found:
        entry = {"id": anchor, "text": text, "children": []}
        if level == 3 and toc:
            toc[-1]["children"].append(entry)
        else:
            toc.append(entry)
    return toc


FACET_PARAM = {field: param for param, (field, _) in FILTER_PARAMS.items()}
FACET_TABLE = {field: table for _, (field, table) in FILTER_PARAMS.items()}


def _understood() -> tuple[str, dict[str, tuple[str, ...]], str, str]:
    """This search as the page understood it: the query, the filters (slugs,
    years in พ.ศ.), the sort and the scope; read once a request, whatever
    else the URL holds."""
    if "km_search_state" not in g:
        try:
            scope = scope_from(request.args)
        except BadParameter:
            scope = ""
        try:
            filters = filters_from(request.args, repository.repo().office, scope)
        except BadParameter:
            filters = {}
        try:
            sort = sort_from(request.args)
        except BadParameter:
            sort = "relevance"
        q = query_text(request.args, repository.repo().settings["MAX_QUERY_CHARS"])
        g.km_search_state = (q, filters, sort, scope)
    return g.km_search_state


@bp.app_template_global()
def search_url(
    add: tuple[str, str] | None = None, remove: tuple[str, str] | None = None, page: int | None = None, **changes
) -> str:
    """This search's URL with one filter added or removed, or another page.

    The URL holds the whole state, so any search can be shared or
    bookmarked; it is rebuilt from what the search understood, so a
    parameter this page does not know is never copied into its links.
    """
    q, current, sort, scope = _understood()
    args = MultiDict({"q": q} if q else {})
    for param, (field, _) in FILTER_PARAMS.items():
        args.setlist(param, list(current.get(field, ())))
    scope = changes.pop("scope", scope)
    if scope == PROVINCE:
        args["scope"] = scope
        args.setlist(OFFICE_PARAM, list(current.get(OFFICE_PARAM, ())))
    if add:
        param = FACET_PARAM.get(add[0], add[0])
        if add[1] not in args.getlist(param):
            args.add(param, add[1])
    if remove:
        param = FACET_PARAM.get(remove[0], remove[0])
        args.setlist(param, [v for v in args.getlist(param) if v != remove[1]])
    args["sort"] = changes.pop("sort", sort)
    for k, v in changes.items():
        args[k] = v
    if args.get("sort") == "relevance":  # the default
        args.pop("sort")
    if page and page > 1:
        args["page"] = str(page)
    values: dict[str, Any] = args.to_dict(flat=False)
    return url_for("pages.results", **values)


@bp.app_template_global()
def search_state() -> list[tuple[str, str]]:
    """On a results page, the filters and sort as (parameter, value), so a
    new query typed in the search box keeps them (the chips show them)."""
    if request.endpoint != "pages.results":
        return []
    _, current, sort, scope = _understood()
    state = [(FACET_PARAM.get(f, f), v) for f, values in current.items() for v in values]
    if scope:
        state.append(("scope", scope))
    if sort == "date":
        state.append(("sort", "date"))
    return state


@bp.app_template_global()
def office_of(hit) -> Any:
    """The office a hit belongs to, for its labels: another office's own
    names in a search across offices, else this office."""
    return g.get("km_offices", {}).get(hit.office) or repository.repo().office


@bp.app_template_global()
def can_search_province() -> bool:
    """Whether this office's engine is shared with other offices."""
    return repository.repo().open_shared() is not None


@bp.app_template_global()
def holders_to_ask() -> list:
    return repository.holders()


@bp.app_template_global()
def library_is_empty() -> bool:
    """No document at all: a new office, before its first one."""
    return repository.browse({}, 1, 1, facets=()).total == 0


@bp.app_template_global()
def facet_label(field: str, value: str) -> str:
    if field == OFFICE_PARAM:
        found = g.get("km_offices", {}).get(value)
        return found.name if found else value
    table = FACET_TABLE.get(field)
    if table:
        return repository.repo().office.label(table, value)
    if field == "fiscal_year":
        return f"ปีงบประมาณ {value}"
    return value
