"""เอกสารใหม่: the newest and the latest updated documents, overall and
per division, as a page a phone reads (the Atom feeds carry the same list
for feed readers)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for

from indexer.thaidate import thai_date
from kmsearch.search import repository
from kmsearch.search.repository import HitView
from kmsearch.web.params import BadParameter, int_param

bp = Blueprint("latest", __name__)

PAGE_SIZE = 20


@dataclass
class Change:
    """A document as the page lists it: new, or updated since it was first published."""

    hit: HitView

    @property
    def updated(self) -> bool:
        return self.hit.changed != self.hit.date

    @property
    def label(self) -> str:
        return "ปรับปรุง" if self.updated else "ใหม่"

    @property
    def day(self) -> str:
        return self.hit.changed

    @property
    def day_th(self) -> str:
        return thai_date(self.hit.changed)


def _page(division_slug: str | None):
    office = repository.repo().office
    entry = None
    if division_slug is not None:
        entry = office.resolve("divisions", division_slug)
        if entry is None:
            abort(404)
        if entry.slug != division_slug:
            return redirect(url_for("latest.division", slug=entry.slug), 301)
    try:
        page = int_param(request.args, "page", 1, 1, repository.repo().settings["MAX_PAGE"])
    except BadParameter as e:
        return render_template("error.html", heading="คำขอไม่ถูกต้อง", message=f"หน้าที่ขอไม่ถูกต้อง: {e}"), 400
    # browse() lists by last change (updated, else date), newest first
    result = repository.browse({"division": (entry.slug,)} if entry else {}, page, PAGE_SIZE, facets=())
    counts = repository.browse({}, 1, 1, facets=("division",)).facets.get("division", {})
    return render_template(
        "latest.html", result=result, changes=[Change(h) for h in result.hits], entry=entry, counts=counts
    )


@bp.get("/latest")
def overall():
    return _page(None)


@bp.get("/latest/<slug>")
def division(slug: str):
    return _page(slug)
