"""The wheel built from the repository works on its own: templates and
static files inside it, `kmsearch build` and `kmsearch serve` from a venv
that holds the wheel and not the checkout.

Offline and quick: the wheel is built with the project venv's setuptools
(--no-build-isolation, pinned in the lock), and the temporary venv borrows
the project venv's installed dependencies through a .pth line instead of
downloading them again.  That line adds the folder to sys.path without
running its .pth files, so the editable install of the checkout stays out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .corpus import write_corpus
from .servers import start_server
from .visible import unbreak

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Never copied into the build folder: what a checkout accumulates.  A stale
# build/lib would put files into the wheel that the repository no longer has.
SKIP = {".git", ".venv", "instance", "build", "dist", ".pytest_cache", ".hypothesis", "__pycache__"}
SHIPPED = {"templates": "kmsearch/templates", "static": "kmsearch/static"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {
        n
        for n in names
        if n in SKIP
        or n.endswith(".egg-info")
        or (Path(folder) == ROOT and n in ("content", "benchmarks", "tests", "docs"))
    }


def _run(*args, cwd: Path, timeout: float = 120) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "kmsearch"
    shutil.copytree(ROOT, src, ignore=_ignore, symlinks=True)
    dist = src.parent / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--wheel-dir",
        dist,
        src,
        cwd=src.parent,
    )
    (built,) = dist.glob("kmsearch-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A venv holding the wheel, whose other packages are the project venv's."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", where, cwd=where.parent)
    python = where / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=where).strip())
    (site / "project-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=where.parent,
    )
    return where


def test_wheel_holds_every_template_and_static_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in SHIPPED.items():
        files = [
            p
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
        ]
        assert files
        missing = [
            str(p.relative_to(ROOT))
            for p in files
            if f"{inside}/{p.relative_to(ROOT / folder).as_posix()}" not in names
        ]
        assert missing == [], "left out of the wheel (pyproject.toml [tool.setuptools])"
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"kmsearch", "indexer"}  # nothing from the checkout's top level but the packages


def test_installed_wheel_builds_and_serves(venv, tmp_path):
    work = tmp_path / "work"  # not the checkout: nothing there to import by accident
    work.mkdir()
    python, kmsearch = venv / "bin" / "python", venv / "bin" / "kmsearch"
    where = _run(
        python,
        "-c",
        "import kmsearch; a = kmsearch.create_app({'USAGE_DB': 'off'}); "
        "print(kmsearch.__file__); print(a.template_folder); print(a.static_folder)",
        cwd=work,
    ).split()
    assert all(Path(p).resolve().is_relative_to(venv.resolve()) for p in where), where
    assert Path(where[1], "base.html").is_file() and Path(where[2], "style.css").is_file(), where

    content = write_corpus(tmp_path / "content")
    out = _run(kmsearch, "build", "--content", content, "--index", tmp_path / "index", "--procs", "1", cwd=work)
    assert "(พบปัญหา 0 รายการ)" in out

    with start_server(content, tmp_path / "index", kmsearch=kmsearch, cwd=work) as base:
        page = urllib.request.urlopen(base + "/search?" + urllib.parse.urlencode({"q": "ภาษีที่ดิน"}), timeout=10)
        assert page.status == 200
        html = unbreak(page.read().decode("utf-8"))
        assert "<mark>ภาษีที่ดิน</mark>" in html
        assert "ผลการค้นหา “ภาษีที่ดิน”" in html  # templates/search.html
        assert re.search(r'href="/a/land-tax-manual[^"]*">คู่มือการจัดเก็บ<mark>ภาษีที่ดิน', html)  # templates/_hit.html
        history = urllib.request.urlopen(base + "/a/land-tax-manual/history", timeout=10)
        assert history.status == 200 and "ประวัติการแก้ไข" in history.read().decode("utf-8")  # templates/history.html
        css = urllib.request.urlopen(base + "/static/style.css", timeout=10)
        assert css.status == 200 and css.headers.get_content_type() == "text/css"
        assert css.read() == (ROOT / "static" / "style.css").read_bytes()
        font = urllib.request.urlopen(base + "/static/fonts/sarabun-thai-400-normal.woff2", timeout=10)
        assert font.status == 200 and font.read()[:4] == b"wOF2"
