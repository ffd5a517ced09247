"""Where the scale benchmark reads and writes, and the small things all its
parts share: the log line and the percentiles every latency is given as."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "benchmarks" / "out"
PLOT = ROOT / "benchmarks" / "scale.svg"
PAGELEN = 10


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    if len(values) == 1:
        v = values[0]
        return {"n": 1, "p50": v, "p95": v, "p99": v, "mean": v, "max": v}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "mean": statistics.fmean(values),
        "max": max(values),
    }
