"""The server phase: the index served by `kmsearch serve` as an office runs
it, the mix sent over HTTP one query at a time and from four clients at
once, and the server's memory and CPU time read from /proc."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.servers import launch

from .. import querymix
from .base import PAGELEN, ROOT, percentiles
from .measure import proc_cpu_s, proc_status

# ภาษี: what the server answers first, so that startup includes opening the index
FIRST_QUERY = "/api/search?q=" + "%E0%B8%A0%E0%B8%B2%E0%B8%A9%E0%B8%B5"


def measure_server(
    content: Path, index: Path, mix_path: Path, work: Path, while_serving: Callable[[int], None]
) -> dict:
    """Serve the index, send the mix over HTTP, read the server's memory;
    then ``while_serving(port)`` (the one-document changes, timed until the
    server returns them) and the memory once more."""
    usage_db = work / "usage.sqlite3"
    usage_db.unlink(missing_ok=True)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with launch(
        content,
        index,
        "--no-watch",
        "--host",
        "127.0.0.1",
        cwd=ROOT,
        env={"KMSEARCH_USAGE_DB": str(usage_db)},
        log=logs / "server.log",
        ready=FIRST_QUERY,
        only_200=True,
        seconds=300,
    ) as server:
        pid, port = server.process.pid, server.port
        out: dict = {"port": port, "startup_s": time.perf_counter() - started}
        out["rss_after_first_query"] = proc_status(pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mix = querymix.load(mix_path)
        for s in mix[:10]:
            get_json(conn, s.api_path(PAGELEN))
        lat, errors, by_kind, partial = [], 0, {}, 0
        cpu0 = proc_cpu_s(pid)
        for s in mix:
            t = time.perf_counter()
            status, body = get_json(conn, s.api_path(PAGELEN))
            ms = 1000 * (time.perf_counter() - t)
            errors += status != 200
            partial += bool(body.get("partial"))
            lat.append(ms)
            by_kind.setdefault(s.kind, []).append(ms)
        out["server_cpu_ms_per_query"] = 1000 * (proc_cpu_s(pid) - cpu0) / len(mix)
        out["http_ms"] = percentiles(lat)
        out["http_by_kind"] = {k: percentiles(v) for k, v in by_kind.items()}
        out["errors"] = errors
        out["partial"] = partial
        out["rss_after_mix"] = proc_status(pid)
        # four clients at once (waitress has 8 threads; the GIL and 2 cores bound it)
        out["concurrent"] = concurrent(port, mix[:80], clients=4)
        out["rss_after_concurrent"] = proc_status(pid)
        while_serving(port)
        out["rss_end"] = proc_status(pid)
    return out


def get_json(conn: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
    try:
        conn.request("GET", path)
        r = conn.getresponse()
    except (http.client.RemoteDisconnected, ConnectionError):
        # The server closes a keep-alive connection left idle past its
        # channel timeout (waitress: 120 s), as while a build of 200 000
        # files ran from the command line: a browser reconnects, so do we.
        conn.close()
        conn.request("GET", path)
        r = conn.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, {}


def concurrent(port: int, mix, clients: int) -> dict:
    """The mix split over ``clients`` keep-alive connections at once."""
    lat: list[float] = []
    lock = threading.Lock()

    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for s in part:
            t = time.perf_counter()
            get_json(conn, s.api_path(PAGELEN))
            ms = 1000 * (time.perf_counter() - t)
            with lock:
                lat.append(ms)

    threads = [threading.Thread(target=worker, args=(mix[i::clients],)) for i in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    return {"clients": clients, "queries_per_s": len(mix) / wall, "latency_ms": percentiles(lat)}
