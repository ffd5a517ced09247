"""The JSON API: /api/search and /api/articles/<id>."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, request, url_for

from kmsearch.km import usage
from kmsearch.search import repository
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

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.errorhandler(BadParameter)
def bad_parameter(e: BadParameter):
    return jsonify({"error": str(e), "parameter": e.name}), 400


@bp.get("/search")
def api_search():
    settings = repository.repo().settings
    args = request.args
    known = {"q", "page", "limit", "sort", "scope", *FILTER_PARAMS}
    unknown = set(args) - known - ({OFFICE_PARAM} if args.get("scope") == PROVINCE else set())
    if unknown:
        raise BadParameter(sorted(unknown)[0], "ไม่รู้จักพารามิเตอร์นี้")
    sort = sort_from(args)
    scope = scope_from(args)
    page = int_param(args, "page", 1, 1, settings["MAX_PAGE"])
    limit = int_param(args, "limit", settings["PAGE_SIZE"], 1, settings["MAX_LIMIT"])
    filters = filters_from(args, repository.repo().office, scope)
    text = query_text(args, settings["MAX_QUERY_CHARS"])
    if scope == PROVINCE:
        shared = repository.run_shared_query(text, filters, page, limit, sort)
        if shared is None:
            raise BadParameter("scope", "สำนักงานนี้ไม่ได้ใช้ระบบค้นหาร่วมกับสำนักงานอื่น")
        result, offices = shared
    else:
        result, offices = repository.run_query(text, filters, page, limit, sort), {}
        usage.record_search(result.query, result.found, filters, page, channel="api")
    return jsonify(
        {
            "query": result.query,
            "total": result.total,
            # "all": every result holds every content word; "some": none does,
            # each result lists what it lacks ("missing"); "none": nothing found
            "match": result.match,
            "found": result.found,
            "more": result.more,  # results after the total that hold only some words (each lists "missing")
            "fragments": list(result.fragments),
            "named": [{"field": f, "value": v} for f, v in result.named],
            "page": result.page,
            "limit": limit,
            "results": [h.as_json() for h in result.hits],
            "facets": result.facets,
            "suggestion": result.suggestion,
            "partial": result.partial,
            **({"offices": {slug: o.name for slug, o in offices.items()}} if scope else {}),
        }
    )


@bp.get("/suggest")
def api_suggest():
    """Titles and words for what has been typed so far."""
    q = query_text(request.args, 100, strip=False)  # a trailing space ends a word
    limit = int_param(request.args, "limit", 8, 1, 20)
    return jsonify({"query": q, **repository.suggest(q, limit)})


@bp.get("/articles/<doc_id>")
def api_article(doc_id: str):
    if not valid_id(doc_id):
        return jsonify({"error": "not a valid article id"}), 404
    doc, moved = repository.article(doc_id)
    if moved:
        return redirect(url_for("api.api_article", doc_id=moved), 301)
    if doc is None:
        gone = repository.withdrawn(doc_id)
        if gone is not None:
            return jsonify({"error": f"article {doc_id!r} was withdrawn", "title": gone[0]}), 410
        return jsonify({"error": f"no article with id {doc_id!r}"}), 404
    return jsonify(article_json(doc))


def article_json(doc: dict) -> dict:
    return {
        "id": doc["id"],
        "title": doc["title"],
        "url": f"/a/{doc['id']}",
        "division": doc["division"],
        "type": doc["type"],
        "knowledge": doc["knowledge"],
        "areas": doc.get("areas", []),
        "tags": doc.get("tags", []),
        "summary": doc.get("summary", ""),
        "author": doc.get("author", ""),
        "holder": doc.get("holder", ""),
        "date": _iso(doc.get("date")),
        "updated": _iso(doc.get("updated")),
        "fiscal_year": doc["fiscal_year"],
        "aliases": doc.get("aliases", []),
        "html": doc.get("html", ""),
        "text": doc.get("body", ""),
    }


def _iso(day) -> str | None:
    return day.isoformat() if day else None  # stored dates are dates
