"""kmsearch: a Thai knowledge repository for local government offices."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, render_template
from flask.json.provider import DefaultJSONProvider

from indexer.thaidate import thai_date
from kmsearch.config import load_settings

PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """``templates`` or ``static``: inside the package when installed from a
    wheel (pyproject.toml ships them as package data), else at the top of the
    checkout, where the repository keeps them (editable installs too)."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


RETRY_AFTER = 30  # seconds: a build of a small office takes less


def _not_ready(message: str):
    from flask import make_response

    from kmsearch.web.security import error_response

    # A damaged build can break the page around the message too (the office
    # is read from the build): error_response falls back to plain Thai HTML.
    response = make_response(error_response(503, message, heading="ระบบยังไม่พร้อม"))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def create_app(settings: dict | None = None) -> Flask:
    """Build the app from ``settings`` over the defaults (tests and the CLI
    pass theirs: the CLI has read the environment already); with none, from
    the defaults and the environment (``KMSEARCH_*``).  A test's app never
    picks up the environment of the shell that runs it."""
    app = Flask(
        __name__,
        template_folder=str(_shipped("templates")),
        static_folder=str(_shipped("static")),
    )
    app.config.update(load_settings(settings, environ=None if settings is None else {}))
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Thai as Thai in the API, not \u0e20 escapes

    from kmsearch.search import repository
    from kmsearch.web import api, security, views

    repository.init_app(app)
    security.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    from kmsearch.web import feeds

    app.register_blueprint(feeds.bp)  # Atom feeds, sitemap.xml, robots.txt
    from kmsearch.web import history

    app.register_blueprint(history.bp)  # /a/<id>/history: ประวัติการแก้ไข from the content's git log

    from kmsearch.web import latest, people, searchhelp

    app.register_blueprint(latest.bp)  # /latest: เอกสารใหม่
    app.register_blueprint(people.bp)  # /people: ทำเนียบผู้รู้
    app.register_blueprint(searchhelp.bp)  # /help: วิธีค้นหา

    from kmsearch.web import typography

    app.register_blueprint(typography.bp)  # |words: Thai lines break between words

    from kmsearch.km import usage
    from kmsearch.web import dashboard

    usage.init_app(app)  # the usage log (kmsearch/km/usage.py)
    app.register_blueprint(dashboard.bp)  # /km: KM indicators for the committee

    if app.config.get("SHOW_DRAFTS"):

        @app.after_request
        def _preview_is_not_for_search_engines(response):
            # an author's preview shows drafts: no page of it belongs in a search engine
            response.headers["X-Robots-Tag"] = "noindex"
            return response

    @app.template_filter("filesize")
    def _filesize(n: float) -> str:
        for unit in ("ไบต์", "KB", "MB"):
            if n < 1024 or unit == "MB":
                return f"{n:.0f} {unit}" if unit == "ไบต์" else f"{n:.1f} {unit}"
            n /= 1024
        return str(n)

    @app.template_filter("thaidate")
    def _thaidate(value):
        return thai_date(value)

    @app.context_processor
    def _labels():
        repo = repository.repo()
        return {"office": repo.office, "label": repo.office.label}

    @app.errorhandler(404)
    def _not_found(e):
        from flask import jsonify, request

        if request.path.startswith("/api/"):
            return jsonify({"error": "not found"}), 404
        return render_template("404.html"), 404

    from indexer.engine import IndexMissing

    @app.errorhandler(IndexMissing)
    def _no_index(e):
        return _not_ready("ยังไม่มีดัชนีค้นหา: ให้ผู้ดูแลระบบสั่ง kmsearch build")

    from indexer.engine import EngineUnavailable

    @app.errorhandler(EngineUnavailable)
    def _engine_down(e):
        app.logger.error("%s", e)
        return _not_ready("ระบบค้นหาไม่สามารถติดต่อเครื่องให้บริการดัชนีได้ชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่")

    @app.errorhandler(repository.IndexBroken)
    def _broken_index(e):
        app.logger.error("%s", e)
        return _not_ready("ดัชนีค้นหาชุดที่ใช้อยู่เสียหาย ระบบจะกลับมาเมื่อสร้างดัชนีใหม่เสร็จ (ผู้ดูแลระบบ: kmsearch build --full)")

    return app
