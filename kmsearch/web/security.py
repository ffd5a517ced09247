"""Security headers on every response, and error pages that never show a
traceback.

A dozen lines of ``after_request`` instead of flask-talisman: the app needs
a fixed policy and nothing else (talisman's HTTPS redirect and session
cookie settings would have to be turned off again behind the office's proxy),
and one dependency fewer is one fewer to keep up to date.

The policy: everything from this origin only, no inline script or style (so
an injection that slipped through the sanitiser still cannot run), no
framing, no plugins, forms submit only here.  A self-hosted font
(``font-src``) and a small script file under /static (``script-src``) are
already allowed; anything from another origin needs a change here.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Flask, Request, Response, jsonify, render_template, request
from markupsafe import escape
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.utils import cached_property

from indexer.content.validate import ID_RE

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Search terms are in URLs: never send them to another site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for old browsers
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000"


# Thai messages per status; the reader never sees an English server page.
MESSAGES = {
    400: "คำขอไม่ถูกต้อง กรุณาตรวจคำค้นหรือที่อยู่หน้าอีกครั้ง",
    403: "ไม่มีสิทธิ์เข้าถึงหน้านี้",
    404: "ไม่พบหน้าที่ต้องการ",
    405: "หน้านี้ไม่รองรับวิธีการเรียกนี้",
    413: "คำขอมีขนาดใหญ่เกินไป",
    414: "ที่อยู่หน้ายาวเกินไป กรุณาใช้คำค้นที่สั้นลง",
    429: "มีการเรียกใช้มากเกินไป กรุณารอสักครู่แล้วลองใหม่",
    431: "คำขอมีขนาดใหญ่เกินไป",
    500: "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้ง หากยังพบปัญหาโปรดแจ้งผู้ดูแลระบบ",
    503: "ระบบยังไม่พร้อมให้บริการ กรุณาลองใหม่อีกครั้งภายหลัง",
}
DEFAULT_MESSAGE = "เกิดข้อผิดพลาด กรุณาลองใหม่อีกครั้ง"

# Used when even the error template cannot be rendered (a broken
# kmsearch.yaml, a missing template) and for waitress's own answers
# (kmsearch/web/server.py): plain HTML, nothing inline.
_PLAIN = (
    '<!doctype html>\n<html lang="th"><head><meta charset="utf-8">'
    "<title>ขัดข้อง</title></head><body><h1>ขัดข้อง</h1><p>{message}</p>"
    '<p><a href="/">กลับหน้าแรก</a></p></body></html>\n'
)


def plain_page(code: int) -> str:
    return _PLAIN.format(message=escape(message_for(code)))


# A 214 KB URL of 25 000 parameters once cost ~10 s of parsing and copying
# per page.  No page needs more than a search's worth: the query (a letter
# pasted whole: params.LONG_QUERY_FACTOR x 500 Thai characters are 36 KB
# percent-encoded), a few filters, sort and page.  What lies past these
# limits is not read at all.
MAX_QUERY_STRING = 48 * 1024  # bytes after "?"
MAX_PARAMETERS = 128
MAX_FORM_BYTES = 16 * 1024  # the only form is the committee's sign-in


class BoundedRequest(Request):
    """A request whose URL parameters are parsed only up to the limits."""

    @cached_property
    def args(self) -> ImmutableMultiDict:
        read = self.query_string[:MAX_QUERY_STRING]
        if len(read) < len(self.query_string) and b"%" in read[-2:]:
            read = read[: read.rindex(b"%")]  # not half an escape
        pairs = read.split(b"&", MAX_PARAMETERS)[:MAX_PARAMETERS]
        return ImmutableMultiDict(
            parse_qsl(b"&".join(pairs).decode("utf-8", "replace"), keep_blank_values=True, errors="werkzeug.url_quote")
        )


def valid_id(doc_id: str) -> bool:
    """A permalink id as validation accepts it; anything else is not an
    article and is answered 404 without opening the index."""
    return bool(ID_RE.fullmatch(doc_id))


def message_for(code: int | None) -> str:
    return MESSAGES.get(code or 500, DEFAULT_MESSAGE)


def set_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def error_response(code: int, message: str | None = None, heading: str | None = None):
    """A Thai error page (or JSON under /api/) with status ``code``."""
    message = message or message_for(code)
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), code
    try:
        return render_template("error.html", message=message, heading=heading), code
    except Exception:  # the page itself failed: fall back to plain HTML
        return Response(_PLAIN.format(message=escape(message)), code, mimetype="text/html"), code


def _http_error(e: HTTPException):
    if e.code is None or e.code < 400:  # redirects and the like pass through
        return e
    # A description our code gave (Thai, for the reader), not werkzeug's English default.
    response = error_response(e.code, e.description if e.description != type(e).description else None)
    allowed = getattr(e, "valid_methods", None)
    if e.code == 405 and allowed:
        body, code = response
        return body, code, {"Allow": ", ".join(allowed)}
    return response


def _server_error(e: InternalServerError):
    # Flask has already logged the exception with its traceback; the reader
    # gets a plain Thai page.  Under --debug Flask's debugger answers first.
    return error_response(500)


def init_app(app: Flask) -> None:
    app.request_class = BoundedRequest
    if proxies := int(app.config.get("PROXIES") or 0):
        # Only headers the office's own proxies set: any client can send them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES, MAX_FORM_PARTS=MAX_PARAMETERS
    )
    app.after_request(set_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
