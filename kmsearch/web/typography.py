"""Templates' ``|words`` filter: Thai text that breaks lines between the
office's words (kmsearch.search.wordbreak), for article text, titles and
snippets."""

from __future__ import annotations

from flask import Blueprint
from markupsafe import Markup, escape

from kmsearch.search import repository
from kmsearch.search.wordbreak import break_html

bp = Blueprint("typography", __name__)


@bp.app_template_filter("words")
def words(value: object) -> Markup:
    """``value`` (text, or Markup: sanitised or highlighted HTML) with its
    Thai words marked; as it was when there is no index to segment with
    (an error page still renders)."""
    html = str(value) if hasattr(value, "__html__") else str(escape(value))
    try:
        segmenter = repository.get_index().segmenter
    except Exception:  # no build yet, or a broken one: its own page says so
        return Markup(html)
    return break_html(html, segmenter)
