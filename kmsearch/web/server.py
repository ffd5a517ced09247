"""The production server: waitress, whose own answers (a request it cannot
parse, headers too large, a crash outside the app) carry the same security
headers as the app's and a Thai page instead of its English text.

waitress answers those itself, from the ErrorTask of each connection's
channel, without calling the app; the servers it creates are given a
channel whose error task writes our page.  Nothing in waitress is patched.
"""

from __future__ import annotations

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from kmsearch.web.security import HEADERS, plain_page

# Request line and headers together (waitress's default is 256 KB): the app
# reads 48 KB of a URL at most, and no browser sends 64 KB of cookies.
MAX_REQUEST_HEADERS = 64 * 1024


class ThaiErrorTask(ErrorTask):
    def execute(self):
        error = self.request.error
        # error.body may hold a traceback (expose_tracebacks): never sent.
        body = plain_page(error.code).encode("utf-8")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(
            [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"), *HEADERS.items()]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class ThaiChannel(HTTPChannel):
    error_task_class = ThaiErrorTask


def serve(app, host: str, port: int, threads: int = 8, **adjustments) -> None:
    sockets: dict = {}
    adjustments.setdefault("max_request_header_size", MAX_REQUEST_HEADERS)
    server = create_server(app, map=sockets, host=host, port=port, threads=threads, ident="kmsearch", **adjustments)
    for dispatcher in list(sockets.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = ThaiChannel
    server.print_listen("Serving on http://{}:{}")
    server.run()
