"""`kmsearch serve` in a process of its own, as `make run` starts it, for
the tests that go over HTTP; and the small HTTP helpers they share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .visible import unbreak

KMSEARCH = str(Path(sys.executable).with_name("kmsearch"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def start_server(content, index, *options: str, kmsearch: str | None = None, cwd=None, seconds: float = 120):
    """The server's base URL once it answers anything at all (an error page
    is an answer: a broken or empty index must still be served); stopped
    on leaving."""
    port = free_port()
    proc = subprocess.Popen(
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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ},
        cwd=cwd,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=5).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail("server did not start: " + proc.stdout.read())
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


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
