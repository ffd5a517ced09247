"""The scale benchmark's query mix on two checkouts of kmsearch, in turns,
in one run: whether a change made searches slower, measured against the
code before it on the same machine at the same time (a figure from another
day says little on a shared machine).

    git worktree add /tmp/before <commit>
    kmsearch build --content benchmarks/out/corpus-10000 --index /tmp/before-index --full  (with /tmp/before's code)
    python -m benchmarks.mixab --before /tmp/before --before-index /tmp/before-index \\
        --index benchmarks/out/work-10000/index-p2 --size 10000 --runs 3

Each turn is a fresh process per checkout: ten queries to warm up, then
the mix once with snippets, as ``make bench`` measures it.  Prints p50,
p95 and mean per turn, their medians and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from .scale.base import OUT, ROOT, percentiles

# Run in the child with the checkout first on sys.path: an older checkout
# has its Repository elsewhere.
_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
try:
    from kmsearch.search.repository import Repository
except ImportError:
    from kmsearch.search import Repository
from kmsearch.config import load_settings
repo = Repository(load_settings({"CONTENT_DIR": sys.argv[2], "INDEX_DIR": sys.argv[3], "USAGE_DB": "off"}))
ix = repo.open_index()
mix = [json.loads(line) for line in open(sys.argv[4], encoding="utf-8")]
def run(m):
    return repo.run_query(ix, m["q"], m["filters"] or None, m["page"], 10, m["sort"])
for m in mix[:10]:
    run(m)
lat = []
for m in mix:
    t = time.perf_counter()
    run(m)
    lat.append(1000 * (time.perf_counter() - t))
print(json.dumps(lat))
"""


def _turn(checkout: Path, content: Path, index: Path, mix: Path) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *(str(p.resolve()) for p in (checkout, content, index, mix))],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _figures(lat: list[float]) -> tuple[float, float, float]:
    """p50, p95 and mean, counted as ``make bench`` counts them."""
    p = percentiles(lat)
    return p["p50"], p["p95"], p["mean"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.mixab", description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, type=Path, help="the checkout to compare against")
    ap.add_argument("--before-index", required=True, type=Path, help="an index built by that checkout")
    ap.add_argument("--index", required=True, type=Path, help="an index built by this checkout")
    ap.add_argument("--size", default=10000, type=int, help="the scale benchmark's corpus size [10000]")
    ap.add_argument("--runs", default=3, type=int, help="turns of each checkout [3]")
    args = ap.parse_args(argv)
    content, mix = OUT / f"corpus-{args.size}", OUT / f"work-{args.size}" / "queries-200.jsonl"
    rows: dict[str, list[tuple[float, float, float]]] = {"before": [], "this": []}
    for _ in range(args.runs):
        rows["before"].append(_figures(_turn(args.before, content, args.before_index, mix)))
        rows["this"].append(_figures(_turn(ROOT, content, args.index, mix)))
    load = os.getloadavg()[0]
    print(f"query mix at {args.size} documents, snippets and facets, {args.runs} turns each; load {load:.1f}")
    print(f"{'':8} {'turn':>4} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for name, figures in rows.items():
        for i, (p50, p95, mean) in enumerate(figures, 1):
            print(f"{name:8} {i:>4} {p50:8.1f} {p95:8.1f} {mean:8.1f}")
    med = {k: [statistics.median(f[i] for f in v) for i in range(3)] for k, v in rows.items()}
    for name in rows:
        print(f"{name:8} {'med':>4} " + " ".join(f"{x:8.1f}" for x in med[name]))
    print(f"{'this/before':13} " + " ".join(f"{a / b:7.2f}x" for a, b in zip(med["this"], med["before"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
