"""Faults with real processes: two builds at once, a build killed half way,
searches during a rebuild, a full disk, a read-only index folder, a broken
index under the production server.  Nothing that was serving stops serving.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from indexer import build_index
from indexer.build import BUILD_LOCKED
from indexer.engine.whoosh.backend import CURRENT, SERVING, SearchIndex
from kmsearch import create_app

from .corpus import DOCS, write_corpus
from .servers import KMSEARCH, start_server, wait_for

# each test starts a server or a build in a process of its own
pytestmark = pytest.mark.slow

ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
BULK = 250  # documents: a full build takes a few seconds

# Words of the bulk documents; none is in the test corpus's distinctive
# words (ข้าวทิพย์), so searches for those find the same documents throughout.
WORDS = (
    "งบประมาณ จัดซื้อ ระเบียบ ขั้นตอน เอกสาร ผู้บริหาร สภา ประชุม ขยะ ไข้เลือดออก ผู้สูงอายุ เบี้ยยังชีพ "
    "ประชาคม แผนพัฒนา โครงการ ตรวจสอบ รายงาน ติดตาม ประเมินผล สาธารณสุข น้ำประปา ไฟฟ้า ถนน คลอง"
).split()


def bulk_docs(n: int = BULK, size: int = 2500) -> dict[str, str]:
    rnd = random.Random("kmsearch-faults")
    docs = {}
    for i in range(n):
        body = "\n\n".join(" ".join(rnd.choice(WORDS) for _ in range(40)) for _ in range(size // 400))
        docs[f"bulk/bulk-{i:04d}.md"] = (
            f"---\nid: bulk-{i:04d}\ntitle: รายงานโครงการ {rnd.choice(WORDS)} ฉบับที่ {i}\ndivision: กองคลัง\n"
            f"type: manual\nknowledge: explicit\ndate: 2023-05-01\n---\n{body}\n"
        )
    return docs


def live(index: Path) -> str:
    return os.readlink(index / CURRENT)


def builds(index: Path) -> set[str]:
    return {p.name for p in index.glob("build-*")}


def build_cmd(content: Path, index: Path, *extra: str) -> list[str]:
    return [KMSEARCH, "build", "--content", str(content), "--index", str(index), *extra]


def wait_for_new_build(index: Path, before: set[str], proc: subprocess.Popen, timeout: float = 120) -> str:
    """The folder a running build writes into, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = builds(index) - before
        if new:
            return new.pop()
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the build ended before it started writing (exit {proc.returncode}): {err}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the build did not start writing in time")


def assert_old_index_serves(content: Path, index: Path, docs: int) -> None:
    with SearchIndex(index) as ix:
        assert ix.doc_count == docs
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index)})
    app.testing = True
    client = app.test_client()
    data = client.get("/api/search", query_string={"q": "ภาษีที่ดิน"}).get_json()
    assert data["results"][0]["id"] == "land-tax-manual"
    assert client.get("/a/tradition-note").status_code == 200


def clear_one_line(stderr: str, index: Path) -> None:
    """A failed build says what and where in one line, without a traceback."""
    assert "Traceback" not in stderr
    assert str(index) in stderr


@pytest.fixture
def site(tmp_path):
    """Content with the small corpus, built; bulk documents added after the
    build, so the next build has real work to do."""
    content = write_corpus(tmp_path / "content")
    index = tmp_path / "index"
    build_index(content, index)
    write_corpus(content, bulk_docs())
    return content, index


@pytest.fixture
def small_site(tmp_path):
    """The small corpus, built: for faults that strike before much is done."""
    content = write_corpus(tmp_path / "content")
    index = tmp_path / "index"
    build_index(content, index)
    return content, index


def test_two_builds_at_once_one_fails_clearly_and_the_index_is_whole(site):
    content, index = site
    before = builds(index)
    first = subprocess.Popen(
        build_cmd(content, index, "--full"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    )
    wait_for_new_build(index, before, first)
    second = subprocess.run(build_cmd(content, index, "--full"), capture_output=True, text=True, env=ENV, timeout=120)
    out, err = first.communicate(timeout=300)
    assert second.returncode == BUILD_LOCKED, second.stderr  # EX_TEMPFAIL: a watcher retries
    assert "มีการสร้างดัชนีอีกงานหนึ่งกำลังทำอยู่" in second.stderr and "Traceback" not in second.stderr
    assert first.returncode == 0, err
    with SearchIndex(index) as ix:
        assert ix.doc_count == len(DOCS) + BULK
        assert {f"bulk-{i:04d}" for i in range(BULK)} <= {d["id"] for d in ix.all()}


def test_a_build_killed_half_way_leaves_the_old_index_serving(site):
    content, index = site
    old, before = live(index), builds(index)
    proc = subprocess.Popen(
        build_cmd(content, index, "--full"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    half = wait_for_new_build(index, before, proc)
    # Killed once documents are being written into the new folder (Whoosh
    # writes postings as it goes), not after a guessed delay.
    written = wait_for(lambda: any(f.is_file() and f.stat().st_size for f in (index / half).iterdir()), 120)
    assert written and proc.poll() is None, "the build finished before it could be killed: make BULK bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert live(index) == old
    assert half in builds(index), "the half-written folder is left behind by the kill"
    assert_old_index_serves(content, index, len(DOCS))

    # The next build takes the lock the dead one held, and clears its folder.
    done = subprocess.run(build_cmd(content, index), capture_output=True, text=True, env=ENV, timeout=300)
    assert done.returncode == 0, done.stderr
    assert live(index) != old
    assert half not in builds(index)
    assert not list(index.glob(f".{CURRENT}.*")), "no temporary link left"
    with SearchIndex(index) as ix:
        assert ix.doc_count == len(DOCS) + BULK


def test_searches_keep_answering_during_a_rebuild(site):
    content, index = site
    old = live(index)
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index)})
    app.testing = True
    client = app.test_client()
    proc = subprocess.Popen(
        build_cmd(content, index, "--full"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV
    )
    answered = 0

    def ask():
        resp = client.get("/api/search", query_string={"q": "ข้าวทิพย์"})
        assert resp.status_code == 200
        assert [h["id"] for h in resp.get_json()["results"]][:1] == ["tradition-note"]
        assert client.get("/a/land-tax-manual").status_code == 200

    try:
        while proc.poll() is None:
            ask()
            answered += 1
    finally:
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert live(index) != old
    ask()
    assert answered >= 3
    total = client.get("/api/search", query_string={"q": "", "limit": 1}).get_json()["total"]
    assert total == len(DOCS) + BULK, "the new index is served without a restart"


# The disk "fills up" once the build is under way: the segmenter's
# dictionary (a 1.5 MB temporary file) is loaded first, then every write past
# 4 KB fails with EFBIG (RLIMIT_FSIZE; Python ignores SIGXFSZ, so it is an
# OSError, as ENOSPC is on a full disk).  Then the real command line runs.
FILL_DISK = """
import resource, sys
from indexer.build import segmenter_for
segmenter_for(sys.argv[2]).segment("ทดสอบ")
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from kmsearch.cli import cli
cli(sys.argv[3:], prog_name="kmsearch")
"""


def test_a_full_disk_fails_clearly_and_keeps_the_old_index(small_site):
    content, index = small_site
    old, before = live(index), builds(index)
    run = subprocess.run(
        [sys.executable, "-c", FILL_DISK, "4096", str(content), *build_cmd(content, index, "--full")[1:]],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert run.returncode != 0
    assert "File too large" in run.stderr or "No space left" in run.stderr, run.stderr[-500:]
    assert "thai.py" not in run.stderr, "failed in the index, not in loading the dictionary"
    assert live(index) == old
    assert builds(index) == before, "the failed build's folder is removed"
    assert_old_index_serves(content, index, len(DOCS))
    clear_one_line(run.stderr, index)


def _read_only_runner(index: Path) -> list[str] | None:
    """A command prefix that runs a program with ``index`` read-only, or None.

    As a normal user chmod does it.  Root ignores file modes, so then the
    folder is bind-mounted read-only in a private mount namespace (unshare),
    which stops root too and is invisible to every other process.
    """
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
    probe = subprocess.run(
        [
            unshare,
            "-m",
            "sh",
            "-c",
            script + " 2>/dev/null",
            str(index),
            "sh",
            "-c",
            f'! touch "{index}/.probe" 2>/dev/null',
        ],
        capture_output=True,
    )
    if probe.returncode != 0 or (index / ".probe").exists():
        (index / ".probe").unlink(missing_ok=True)
        return None
    return [unshare, "-m", "sh", "-c", script, str(index)]


def test_a_read_only_index_folder_fails_clearly_and_keeps_the_old_index(small_site):
    content, index = small_site
    old, before = live(index), builds(index)
    runner = _read_only_runner(index)
    if runner is None:
        pytest.skip(
            "running as root without a private mount namespace (unshare -m): no way to make a folder read-only for root"
        )
    if not runner:
        index.chmod(0o555)
    try:
        run = subprocess.run(
            [*runner, *build_cmd(content, index, "--full")], capture_output=True, text=True, env=ENV, timeout=300
        )
    finally:
        index.chmod(0o755)
    assert run.returncode != 0
    assert "Read-only file system" in run.stderr or "Permission denied" in run.stderr, run.stderr[-500:]
    assert live(index) == old and builds(index) == before
    assert_old_index_serves(content, index, len(DOCS))
    clear_one_line(run.stderr, index)


# --- the production server ---------------------------------------------------


def test_a_broken_index_under_the_production_server_is_a_thai_page_not_a_traceback(tmp_path):
    content = write_corpus(tmp_path / "content")
    index = tmp_path / "index"
    with start_server(content, index, env=ENV, ready="/", only_200=True) as base:
        with urllib.request.urlopen(base + "/", timeout=5) as ok:
            ok.read()
        assert ok.headers["Server"] == "kmsearch", "waitress (its ident), not the development server"
        assert "Content-Security-Policy" in ok.headers
        # A damaged build made live (the open one keeps serving until then).
        live = (index / CURRENT).resolve()
        broken = index / "build-broken"
        shutil.copytree(live, broken)
        (broken / "kmsearch.json").write_text("{ broken")
        (broken / SERVING).write_text("{ broken")
        os.symlink(broken.name, index / "swap")
        os.replace(index / "swap", index / CURRENT)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(base + "/search?q=" + urllib.parse.quote("ภาษี"), timeout=10)
        err = caught.value
        body = err.read().decode("utf-8")
        err.close()
        assert err.code in (500, 503)
        assert 'lang="th"' in body and ("ขัดข้อง" in body or "ไม่พร้อม" in body)
        assert "Traceback" not in body and "JSONDecodeError" not in body and "Werkzeug" not in body
        assert err.headers["Content-Security-Policy"]
