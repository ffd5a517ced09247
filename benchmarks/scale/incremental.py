"""One-document updates while the server runs: how long a build of one
changed file takes and how soon the server returns it."""

from __future__ import annotations

import cProfile
import http.client
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.servers import KMSEARCH

from .base import ROOT
from .profiles import save_profile
from .serving import get_json


def measure_incremental(content: Path, index: Path, port: int, size: int, work: Path, profile: bool) -> dict:
    """Three one-document changes, each timed until the server returns it,
    and each reverted; the same through the command line; a build that finds
    nothing changed; and (``profile``) where the time of an update goes."""
    from indexer import build_index

    files = sorted(content.rglob("*.md"))
    chosen = [files[len(files) // 7], files[len(files) // 2], files[len(files) * 5 // 6]]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    trials = []
    # nothing changed: the cost of finding out (scan of every file)
    t = time.perf_counter()
    report = build_index(content, index)
    nochange = time.perf_counter() - t
    assert report.added == 0, report

    def searchable(marker: str, since: float) -> float:
        while True:
            status, body = get_json(conn, "/api/search?" + urlencode({"q": marker}))
            if status == 200 and body.get("total", 0) >= 1:
                return time.perf_counter() - since
            if time.perf_counter() - since > 120:
                raise RuntimeError(f"{marker} not searchable after 120 s")
            time.sleep(0.01)

    for k, path in enumerate(chosen):
        original = path.read_bytes()
        marker = f"zqbench{k}x{size}"
        try:
            path.write_bytes(original + f"\nบันทึกเพิ่มเติม {marker}\n".encode())
            t0 = time.perf_counter()
            report = build_index(content, index)
            built = time.perf_counter() - t0
            seen = searchable(marker, t0)
            trials.append(
                {
                    "file": path.relative_to(content).as_posix(),
                    "build_s": built,
                    "report_s": report.seconds,
                    "added": report.added,
                    "searchable_s": seen,
                }
            )
        finally:
            path.write_bytes(original)
        t0 = time.perf_counter()
        report = build_index(content, index)
        trials.append(
            {
                "file": path.relative_to(content).as_posix(),
                "revert": True,
                "build_s": time.perf_counter() - t0,
                "added": report.added,
            }
        )
    # the same through the command line, a fresh interpreter (a git hook, cron)
    path = chosen[0]
    original = path.read_bytes()
    marker = f"zqbenchcli{size}"
    try:
        path.write_bytes(original + f"\nบันทึกเพิ่มเติม {marker}\n".encode())
        t0 = time.perf_counter()
        subprocess.run(
            [KMSEARCH, "build", "--content", str(content), "--index", str(index)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        cli = time.perf_counter() - t0
        cli_seen = searchable(marker, t0)
    finally:
        path.write_bytes(original)
    build_index(content, index)
    # where the time of a one-document update goes
    prof = None
    if profile:
        path = chosen[1]
        original = path.read_bytes()
        try:
            path.write_bytes(original + "\nบันทึกเพิ่มเติม zqbenchprofile\n".encode())
            p = cProfile.Profile()
            p.enable()
            build_index(content, index)
            p.disable()
            prof = save_profile(p, work / "profile-incremental.txt")
        finally:
            path.write_bytes(original)
        build_index(content, index)
    changes = [t for t in trials if not t.get("revert")]
    return {
        "nochange_build_s": nochange,
        "trials": trials,
        "build_s_median": statistics.median(t["build_s"] for t in trials),
        "searchable_s_median": statistics.median(t["searchable_s"] for t in changes),
        "searchable_s_max": max(t["searchable_s"] for t in changes),
        "cli_build_s": cli,
        "cli_searchable_s": cli_seen,
        "profile": prof,
    }
