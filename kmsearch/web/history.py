"""ประวัติการแก้ไข: an article's commits, and what changed between two of them.

The content folder's git log is read on request (indexer/content/gitlog.py
bounds the time and the output); a folder that is not a repository, or a
server without git, gets a page that says so, never an error.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from indexer.content import gitlog
from indexer.thaidate import thai_date
from kmsearch.search import repository
from kmsearch.web.security import valid_id

bp = Blueprint("history", __name__)


def _article(doc_id: str, endpoint: str):
    """The article shown at ``doc_id``, or the redirect to its new id."""
    if not valid_id(doc_id):
        abort(404)
    doc, moved = repository.article(doc_id)
    if moved:
        values: dict[str, Any] = {**request.args.to_dict(), "doc_id": moved}
        return None, redirect(url_for(endpoint, **values), 301)
    if doc is None:
        abort(404)
    return doc, None


def _revisions(doc: dict) -> tuple[list[gitlog.Revision], str | None]:
    """The article's commits, newest first, or why there are none to show."""
    try:
        return gitlog.history(repository.repo().content_dir, doc["path"]), None
    except gitlog.NoHistory as e:
        return [], str(e)


def when(revision: gitlog.Revision) -> str:
    """12 มี.ค. 2567 เวลา 09:30 น., in the committer's own time zone."""
    return f"{thai_date(revision.when)} เวลา {revision.when:%H:%M} น."


@bp.get("/a/<doc_id>/history")
def history(doc_id: str):
    doc, moved = _article(doc_id, "history.history")
    if moved:
        return moved
    revisions, reason = _revisions(doc)
    return render_template("history.html", doc=doc, revisions=revisions, reason=reason, when=when, changes=None)


def _chosen(revisions: list[gitlog.Revision], name: str) -> gitlog.Revision | None:
    """The revision a parameter names (a commit id, or its first 7+ hex
    digits) among the article's own; 400 for anything that is no commit id."""
    value = request.args.get(name, "").strip().lower()
    if not value:
        return None
    if not gitlog.REV_RE.match(value):
        abort(400, description="รหัสรุ่นต้องเป็นเลขฐานสิบหก (0-9, a-f) 7 ถึง 40 หลัก")
    found = [r for r in revisions if r.rev.startswith(value)]
    if len(found) != 1:
        abort(404)
    return found[0]


@bp.get("/a/<doc_id>/diff")
def diff(doc_id: str):
    """What changed from ``from`` to ``to`` (default: the newest, and the
    version before it); without an older one, the whole first version is new."""
    doc, moved = _article(doc_id, "history.diff")
    if moved:
        return moved
    revisions, reason = _revisions(doc)
    if reason or not revisions:
        return render_template("history.html", doc=doc, revisions=revisions, reason=reason, when=when, changes=None)
    new = _chosen(revisions, "to") or revisions[0]
    old = _chosen(revisions, "from")
    if old is None and "from" not in request.args:
        after = revisions.index(new) + 1
        old = revisions[after] if after < len(revisions) else None
    if old is not None and revisions.index(old) < revisions.index(new):
        old, new = new, old  # always from the older to the newer
    root = repository.repo().content_dir
    try:
        before = gitlog.version(root, old) if old is not None else ""
        after_text = gitlog.version(root, new)
    except gitlog.NoHistory as e:
        return render_template("history.html", doc=doc, revisions=revisions, reason=str(e), when=when, changes=None)
    return render_template(
        "history.html",
        doc=doc,
        revisions=revisions,
        reason=None,
        when=when,
        changes=gitlog.changes(before, after_text),
        old=old,
        new=new,
    )
