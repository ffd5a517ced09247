"""/km: the KM committee's dashboard and yearly report.

Access (setting KM_TOKEN, environment KMSEARCH_KM_TOKEN):

- no token configured (the default): the dashboard and its downloads are
  open, with counts only; what people searched for (raw search terms, which
  may hold names or other personal details) is never shown on the web.  The
  full report, search terms included, is then ``kmsearch report`` on the
  server, run by someone who can read the usage database anyway.
- a token configured: /km and its downloads need it, given once on the
  sign-in form (kept in an HttpOnly, SameSite=Strict cookie limited to /km
  that holds an HMAC of the token, never the token) or sent by scripts as
  ``Authorization: Bearer <token>``; signed-in members see everything,
  search terms included.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from indexer.thaidate import BadYear, current_fiscal_year, parse_year, thai_date
from kmsearch.km import figures, report_csv, report_docx, report_md, usage
from kmsearch.km.report_html import css_string, report_css
from kmsearch.search import repository
from kmsearch.web.feeds import public_base
from kmsearch.web.ratelimit import Backoff

bp = Blueprint("km", __name__, url_prefix="/km")
COOKIE = "km_auth"
FORMATS = {
    "md": ("text/markdown; charset=utf-8", "Markdown"),
    "csv": ("text/csv; charset=utf-8", "CSV (Excel)"),
    "html": ("text/html; charset=utf-8", "HTML พิมพ์ A4"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
}


@bp.app_template_filter("num")
def _num(value) -> str:
    """1,234"""
    return f"{value:,}" if isinstance(value, int) else str(value)


def _token() -> str:
    return str(current_app.config.get("KM_TOKEN") or "")


def _cookie_value(token: str) -> str:
    return hmac.new(token.encode("utf-8"), b"kmsearch /km committee", hashlib.sha256).hexdigest()


def logout_token() -> str:
    """What the sign-out form carries: another site cannot know it, so it
    cannot sign a member out (a cross-site POST needs no cookie to be
    answered with one that deletes it)."""
    return hmac.new(_token().encode("utf-8"), b"kmsearch /km sign out", hashlib.sha256).hexdigest()


@bp.record_once
def _remember_failures(state) -> None:
    state.app.extensions["kmsearch.logins"] = Backoff()


def _logins() -> Backoff:
    return current_app.extensions["kmsearch.logins"]


def is_committee() -> bool:
    """True when a token is configured and this request carries it."""
    token = _token()
    if not token:
        return False
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer " and hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
        return True
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), _cookie_value(token).encode())


@bp.before_request
def _guard():
    g.km_committee = is_committee()
    if _token() and not g.km_committee and request.endpoint not in ("km.login", "km.logout"):
        if request.endpoint == "km.report":
            return Response(
                "sign in at /km/login or send Authorization: Bearer <token>\n",
                401,
                {"WWW-Authenticate": 'Bearer realm="kmsearch"', "Content-Type": "text/plain; charset=utf-8"},
            )
        return redirect(url_for("km.login", next=request.full_path.rstrip("?")))


@bp.after_request
def _private(response):
    # Figures for the committee: never kept by shared caches or the back button.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Robots-Tag", "noindex")
    return response


def _compute() -> figures.Indicators:
    args = request.args
    try:
        year = parse_year(args["year"]) if args.get("year") else current_fiscal_year()
    except BadYear as e:
        abort(400, description=f"ปีงบประมาณ: {e}")
    division = args.get("division") or None
    repo = repository.repo()
    if division and repo.office.resolve("divisions", division) is None:
        abort(400, description=f"ส่วนราชการ: ไม่รู้จัก “{division[:100]}”")
    documents = repo.catalogue(repository.get_index())
    return figures.compute(
        documents, repo.office, usage.current(), year, division, show_queries=g.get("km_committee", False)
    )


@bp.get("/")
@bp.get("")  # registered first: url_for gives /km
def dashboard():
    ind = _compute()
    years = figures.fiscal_years(repository.repo().catalogue(repository.get_index()))
    if ind.fiscal_year not in years:
        years = sorted({*years, ind.fiscal_year}, reverse=True)
    return render_template(
        "km/dashboard.html",
        ind=ind,
        years=years,
        formats=FORMATS,
        committee=g.km_committee,
        token_configured=bool(_token()),
        logout_token=logout_token() if g.km_committee else "",
    )


@bp.get("/report.<fmt>")
def report(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    ind = _compute()
    body = render_report(ind, fmt, base=public_base())
    scope = f"-{ind.division.slug}" if ind.division else ""
    name = f"km-report-{ind.fiscal_year}{scope}.{fmt}"
    return Response(
        body, 200, {"Content-Type": FORMATS[fmt][0], "Content-Disposition": f'attachment; filename="{name}"'}
    )


def render_report(ind: figures.Indicators, fmt: str, base: str = "") -> str | bytes:
    """The report as Markdown, CSV, Word or a standalone HTML page (needs an
    app context for HTML)."""
    if fmt == "md":
        return report_md.to_markdown(ind)
    if fmt == "csv":
        return report_csv.to_csv(ind)
    if fmt == "docx":
        return report_docx.to_docx(ind)
    if fmt == "html":
        css = report_css(Path(current_app.static_folder or "static"))
        footer = css_string(f"จัดทำเมื่อ {thai_date(ind.generated)} จาก {base or ind.office.name}")
        return render_template("km/report.html", ind=ind, base=base, css=css, footer=footer)
    raise ValueError(f"unknown format {fmt!r}")


def _safe_next(target: str | None) -> str:
    default = url_for("km.dashboard")
    if not target:
        return default
    # Control characters would end the Location header (and werkzeug
    # refuses them with a 500); a backslash is a slash to browsers (/\\evil).
    if any(c < " " or c in "\x7f\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/km"):
        return default
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    nxt = _safe_next(request.values.get("next"))
    if not _token():
        return redirect(nxt)
    if g.km_committee:
        return redirect(nxt)
    error = None
    status = 200
    headers = {}
    client = request.remote_addr or ""
    if request.method == "POST":
        wait = _logins().wait(client)
        given = request.form.get("token", "")
        if wait:
            seconds = math.ceil(wait)
            error = f"ลองรหัสผิดหลายครั้งเกินไป กรุณารอ {seconds} วินาทีแล้วลองใหม่"
            status, headers = 429, {"Retry-After": str(seconds)}
        elif given and hmac.compare_digest(given.encode(), _token().encode()):
            _logins().succeeded(client)
            resp = redirect(nxt, 303)
            resp.set_cookie(
                COOKIE,
                _cookie_value(_token()),
                max_age=7 * 24 * 3600,
                path="/km",
                httponly=True,
                samesite="Strict",
                secure=request.is_secure,
            )
            return resp
        else:
            _logins().failed(client)
            error = "รหัสไม่ถูกต้อง"
            status = 401
    return render_template("km/login.html", next=nxt, error=error), status, headers


@bp.post("/logout")
def logout():
    given = request.form.get("csrf", "")
    if _token() and not hmac.compare_digest(given.encode(), logout_token().encode()):
        abort(403, description="ออกจากระบบได้จากปุ่มในหน้าตัวชี้วัดเท่านั้น")
    resp = redirect(url_for("pages.home"), 303)
    resp.delete_cookie(COOKIE, path="/km")
    return resp
