"""Bounded load test of the real server, on loopback only.

    make bench-load                     # 16 clients for 30 s, a rebuild at 15 s
    .venv/bin/python -m benchmarks.load --clients 8 --seconds 10

Builds the bundled content/ into a temporary index, starts the production
server exactly as an office runs it (``kmsearch serve``: waitress) on a free
127.0.0.1 port, and lets N client threads (standard library only, one
keep-alive connection each) send a mix of Thai searches (the HTML page and
the JSON API), suggestions and article views.  Half way through, a full
rebuild (``kmsearch build --full``) runs against the same index folder while
the server keeps answering.  The run stops by itself, prints a table and
writes benchmarks/out/load.json.  Exit status 1 when any request failed or
the rebuild did not succeed.

Clients and server share the machine: on a small one the client threads
take CPU from the server, so the latencies are an upper bound.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import ServerDidNotStart, launch

from .machine import describe

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "load.json"
BIN = Path(sys.executable).parent

# What staff of the bundled office search for: words, phrases, typos,
# abbreviations, filters, Thai digits.
QUERIES = [
    "ภาษีที่ดิน",
    "ภาษีที่ดินและสิ่งปลูกสร้าง",
    "ภาษีป้าย",
    "ภาษีค้างชำระ",
    "e-GP",
    "จัดซื้อจัดจ้าง",
    "วิธีเฉพาะเจาะจง",
    "เบี้ยยังชีพผู้สูงอายุ",
    "เบี้ยความพิการ",
    "ไข้เลือดออก",
    "พ่นหมอกควัน",
    "ขออนุญาตก่อสร้าง",
    "ระยะร่น",
    "ศูนย์พัฒนาเด็กเล็ก",
    "ศพด.",
    "อปท.",
    "ไฟถนนดับ",
    "ซ่อมถนน",
    "ร้องเรียน",
    "ประชุมสภา",
    "ขยะ",
    "ธนาคารขยะ",
    "ค่าเดินทางไปราชการ",
    "เบิกจ่ายเงิน",
    "จดทะเบียนสุนัข",
    "อาหารกลางวัน",
    "นมโรงเรียน",
    "DSPM",
    "e-LAAS",
    "ภาษีที่ดืน",
    "ไข้เลือกออก",
    '"ภาษีป้าย"',
    "ภาษี -ป้าย",
    "ภาษี OR ค่าธรรมเนียม",
    "division:กองคลัง ภาษี",
    "type:manual",
    "knowledge:tacit",
    "ปี:2566",
    "year:๒๕๖๗ แผน",
    "ภัยพิบัติ",
    "ผู้สูงอายุ",
    "เด็กร้องไห้",
]
PREFIXES = ["ภาษี", "ภาษีท", "ไข้", "เบี้ย", "ศูนย์พ", "จัดซื้อ", "e-", "ไฟ", "ขย", "ร้อง"]
KINDS = (("search", 45), ("article", 30), ("api", 15), ("suggest", 10))


@dataclass
class Sample:
    kind: str
    started: float  # seconds since the load started
    ms: float
    status: int  # 0: no answer (connection error, timeout)
    error: str = ""


@dataclass
class Rebuild:
    at: float = 0.0
    seconds: float = 0.0
    exit: int | None = None
    output: str = ""


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, s: Sample) -> None:
        with self.lock:
            self.samples.append(s)


def machine() -> dict:
    about = describe()
    return {
        "cpu": about["cpu"],
        "cores": about["cores"],
        "system": about["platform"],
        "python": about["python"],
        "load_average_at_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def percentile(sorted_ms: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_ms:
        return None
    k = max(0, min(len(sorted_ms) - 1, int(-(-p * len(sorted_ms) // 100)) - 1))
    return round(sorted_ms[k], 1)


def summarise(samples: list[Sample], seconds: float) -> dict:
    ms = sorted(s.ms for s in samples)
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.status != 200),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": round(ms[-1], 1) if ms else None,
        "per_second": round(len(samples) / seconds, 1) if seconds else None,
    }


def article_ids(port: int) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids, page = [], 1
    while True:
        conn.request("GET", f"/api/search?q=&limit=50&page={page}")
        data = json.loads(conn.getresponse().read())
        ids += [r["id"] for r in data["results"]]
        if len(ids) >= data["total"] or not data["results"]:
            break
        page += 1
    conn.close()
    return ids


def request_for(kind: str, rnd: random.Random, ids: list[str]) -> str:
    if kind == "search":
        args = {"q": rnd.choice(QUERIES)}
        if rnd.random() < 0.1:
            args["page"] = "2"
        return "/search?" + urllib.parse.urlencode(args)
    if kind == "api":
        return "/api/search?" + urllib.parse.urlencode({"q": rnd.choice(QUERIES), "limit": "10"})
    if kind == "suggest":
        return "/api/suggest?" + urllib.parse.urlencode({"q": rnd.choice(PREFIXES)})
    return "/a/" + rnd.choice(ids)


def client(n: int, port: int, ids: list[str], t0: float, stop_at: float, run: Run) -> None:
    rnd = random.Random(f"kmsearch-load-{n}")
    kinds, weights = zip(*KINDS)
    conn = None
    while time.perf_counter() < stop_at:
        kind = rnd.choices(kinds, weights)[0]
        path = request_for(kind, rnd, ids)
        started = time.perf_counter()
        status, error = 0, ""
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
            if status != 200:
                error = f"HTTP {status} {path}"
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            error = f"{type(e).__name__}: {e} {path}"
            if conn is not None:
                conn.close()
            conn = None
        run.add(Sample(kind, started - t0, (time.perf_counter() - started) * 1000, status, error))
    if conn is not None:
        conn.close()


def rebuild(cmd: list[str], at: float, t0: float, result: Rebuild) -> None:
    time.sleep(max(0.0, t0 + at - time.perf_counter()))
    result.at = time.perf_counter() - t0
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    result.seconds = time.perf_counter() - started
    result.exit = done.returncode
    result.output = (done.stdout + done.stderr).strip()[-2000:]


def show(cmd: list[str]) -> str:
    return " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c for c in cmd)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--rebuild-at", type=float, default=None, help="seconds into the run [default: half way]")
    ap.add_argument("--threads", type=int, default=8, help="waitress worker threads [default: 8, as kmsearch serve]")
    ap.add_argument("--content", default=str(ROOT / "content"))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    rebuild_at = args.seconds / 2 if args.rebuild_at is None else args.rebuild_at

    tmp = Path(tempfile.mkdtemp(prefix="kmsearch-load-"))
    index = tmp / "index"
    kmsearch = str(BIN / "kmsearch")
    build = [kmsearch, "build", "--content", args.content, "--index", str(index)]
    log = tmp / "server.log"
    server = None
    host = machine()  # the load average before anything runs
    try:
        started = time.perf_counter()
        first = subprocess.run(build, capture_output=True, text=True)
        if first.returncode != 0:
            sys.exit(f"the first build failed:\n{first.stderr[-2000:]}")
        build_seconds = time.perf_counter() - started
        try:
            server = launch(
                args.content,
                index,
                "--host",
                "127.0.0.1",
                "--threads",
                str(args.threads),
                kmsearch=kmsearch,
                log=log,
                ready="/",
                only_200=True,
            )
        except ServerDidNotStart as e:
            sys.exit(str(e))
        serve, port = server.process.args, server.port
        ids = article_ids(port)
        for kind, _ in KINDS:  # warm up: dictionaries, templates, caches
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", request_for(kind, random.Random(0), ids))
            conn.getresponse().read()
            conn.close()

        run, rebuilt = Run(), Rebuild()
        t0 = time.perf_counter()
        stop_at = t0 + args.seconds
        threads = [
            threading.Thread(target=client, args=(n, port, ids, t0, stop_at, run), daemon=True)
            for n in range(args.clients)
        ]
        rebuilder = threading.Thread(target=rebuild, args=([*build, "--full"], rebuild_at, t0, rebuilt), daemon=True)
        for t in threads:
            t.start()
        rebuilder.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        rebuilder.join()
    finally:
        if server is not None:
            server.stop(15)
        server_log = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)

    samples = run.samples
    kinds = {k: summarise([s for s in samples if s.kind == k], elapsed) for k, _ in KINDS}
    window = [s for s in samples if rebuilt.at <= s.started <= rebuilt.at + rebuilt.seconds]
    report = {
        "machine": host,
        "command": {
            "server": show(serve),
            "build": show(build),
            "rebuild": show([*build, "--full"]),
            "load": f"{args.clients} clients x {args.seconds:g} s, loopback, keep-alive, "
            f"mix {', '.join(f'{k} {w}%' for k, w in KINDS)}",
        },
        "documents": len(ids),
        "first_build_seconds": round(build_seconds, 2),
        "rebuild": {
            "at_s": round(rebuilt.at, 2),
            "seconds": round(rebuilt.seconds, 2),
            "exit": rebuilt.exit,
            "requests_during": len(window),
            "errors_during": sum(1 for s in window if s.status != 200),
        },
        "kinds": kinds,
        "all": summarise(samples, elapsed),
        "seconds": round(elapsed, 2),
        "error_examples": sorted({s.error for s in samples if s.error})[:10],
        "load_average_at_end": _loadavg(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_table(report)
    print(f"\nJSON: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    failed = report["all"]["errors"] > 0 or rebuilt.exit != 0
    if rebuilt.exit != 0:
        print(f"\nthe rebuild failed (exit {rebuilt.exit}):\n{rebuilt.output}", file=sys.stderr)
    if report["all"]["errors"]:
        print("\nerrors, for example:\n  " + "\n  ".join(report["error_examples"]), file=sys.stderr)
        print("\nserver log (end):\n" + server_log[-3000:], file=sys.stderr)
    return 1 if failed else 0


def print_table(r: dict) -> None:
    m = r["machine"]
    print(
        f"machine  {m['cpu']}, {m['cores']} cores, {m['system']}, Python {m['python']}"
        f" (load average at start {m['load_average_at_start']})"
    )
    print(f"server   {r['command']['server']}")
    print(f"load     {r['command']['load']}")
    rb = r["rebuild"]
    print(
        f"rebuild  {r['command']['rebuild']} at {rb['at_s']:.1f} s, took {rb['seconds']:.1f} s, exit {rb['exit']};"
        f" {rb['requests_during']} requests meanwhile, {rb['errors_during']} errors"
    )
    print(f"content  {r['documents']} documents, first build {r['first_build_seconds']:.1f} s\n")
    head = f"{'kind':<9}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
    print(head)
    print("-" * len(head))
    rows = list(r["kinds"].items()) + [("all", r["all"])]
    for name, s in rows:

        def f(v):
            return "-" if v is None else f"{v:.1f}"

        print(
            f"{name:<9}{s['requests']:>9}{s['errors']:>8}{f(s['per_second']):>8}{f(s['p50_ms']):>9}"
            f"{f(s['p95_ms']):>9}{f(s['p99_ms']):>9}{f(s['max_ms']):>9}"
        )


if __name__ == "__main__":
    sys.exit(main())
