"""`kmsearch serve` in a process of its own, as `make run` starts it, for
the tests and the benchmarks that go over HTTP; and the small HTTP helpers
they share.

The one home of these helpers: the benchmarks import them from here (they
run from a checkout, in the venv `make install` makes, as the tests do), so
there is one free port finder and one way to start a server and wait for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from .visible import unbreak

KMSEARCH = str(Path(sys.executable).with_name("kmsearch"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerDidNotStart(RuntimeError):
    pass


@dataclass
class Server:
    """A running `kmsearch serve`; stopped on leaving a ``with`` block."""

    process: subprocess.Popen
    port: int
    output: IO[str]  # what the server printed, stdout and stderr

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def printed(self) -> str:
        self.output.seek(0)
        return self.output.read()

    def stop(self, seconds: float = 20) -> None:
        self.process.terminate()
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def launch(
    content,
    index,
    *options: str,
    kmsearch: str | None = None,
    cwd=None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    ready: str = "/robots.txt",
    only_200: bool = False,
    seconds: float = 120,
) -> Server:
    """`kmsearch serve` on a free port, once ``ready`` answers: with anything
    at all by default (an error page is an answer: a broken or empty index
    must still be served), or with 200 when ``only_200``.  The output goes
    to ``log`` (a temporary file if none).  ServerDidNotStart, with the end
    of the output, if it exits or ``seconds`` pass first."""
    port = free_port()
    output = (
        open(log, "w+", encoding="utf-8", errors="replace")
        if log
        else tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
    )
    process = subprocess.Popen(
        [
            kmsearch or KMSEARCH,
            "serve",
            "--content",
            str(content),
            "--index",
            str(index),
            "--port",
            str(port),
            *options,
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    server = Server(process, port, output)
    deadline = time.monotonic() + seconds
    while not _answers(server.base + ready, only_200):
        if process.poll() is not None or time.monotonic() > deadline:
            printed = server.printed()
            server.stop()
            raise ServerDidNotStart(f"server did not start ({' '.join(process.args)}): {printed[-3000:]}")
        time.sleep(0.2)
    return server


def _answers(url: str, only_200: bool) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5).close()
        return True
    except urllib.error.HTTPError as e:
        e.close()
        return not only_200
    except OSError:
        return False


@contextmanager
def start_server(content, index, *options: str, **how):
    """The server's base URL once it answers (``how``: as ``launch`` takes
    it); stopped on leaving.  A server that does not start fails the test."""
    try:
        server = launch(content, index, *options, **how)
    except ServerDidNotStart as e:
        pytest.fail(str(e))
    with server:
        yield server.base


def get(url: str) -> tuple[int, str]:
    """Status and body (as a reader sees its text: tests/visible.py), for 200
    and for error pages alike."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, unbreak(r.read().decode())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, unbreak(e.read().decode())


def wait_for(predicate, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
