"""ทำเนียบผู้รู้: the people who hold tacit knowledge, each once, with what
they know and the documents that name them.

The directory is the KM dashboard's own (kmsearch.km.indicators
.holder_directory), so a name is recognised the same way on both. Contact
details come only from kmsearch.yaml ``people:`` and only when the office
sets ``show_contacts: true`` (personal data: off by default).
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from kmsearch.km import figures
from kmsearch.search import repository

bp = Blueprint("people", __name__)


@bp.get("/people")
def directory():
    office = repository.repo().office
    holders = figures.holder_directory(figures.as_docs(repository.repo().catalogue(repository.get_index())))
    contacts = {h.key: office.contact(h.name) for h in holders}
    return render_template("people.html", holders=holders, contacts=contacts)


@bp.app_template_global()
def holder_url(name: str) -> str:
    """Where ``name`` is on the people page."""
    return url_for("people.directory") + "#" + figures.holder_anchor(name)
