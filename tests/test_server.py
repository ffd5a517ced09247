"""The real server process, as `make run` starts it, searched over HTTP."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from .corpus import write_corpus


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def start_server(content, index, kmsearch=None, cwd=None):
    """`kmsearch serve` in its own process, as `make run` starts it (the
    project venv's command unless ``kmsearch`` names another)."""
    port = free_port()
    kmsearch = kmsearch or Path(sys.executable).with_name("kmsearch")
    proc = subprocess.Popen(
        [str(kmsearch), "serve", "--content", str(content), "--index", str(index), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ}, cwd=cwd,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
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


@pytest.fixture
def server(tmp_path):
    with start_server(write_corpus(tmp_path / "c"), tmp_path / "ix") as base:
        yield base


def test_thai_search_over_http(server):
    url = server + "/api/search?" + urllib.parse.urlencode({"q": "ภาษีที่ดิน"})
    data = json.load(urllib.request.urlopen(url, timeout=10))
    assert data["results"][0]["id"] == "land-tax-manual"
    page = urllib.request.urlopen(server + "/search?" + urllib.parse.urlencode({"q": "ภาษีที่ดิน"}), timeout=10)
    html = page.read().decode("utf-8")
    assert page.headers.get_content_charset() == "utf-8"
    assert "<mark>ภาษีที่ดิน</mark>" in html
    article = urllib.request.urlopen(server + "/a/land-tax-manual", timeout=10).read().decode()
    assert "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง" in article
