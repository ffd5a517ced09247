"""``python -m benchmarks.scale``: the options, every size run in turn, then
the JSON, the plot and the printed table."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import __doc__ as ABOUT
from .base import OUT, PLOT, ROOT
from .measure import machine
from .plot import svg_plot
from .run import Run, code_fingerprint
from .summary import growth, summarise, targets
from .table import render

PHASES = (
    "ceiling",
    "build-p1",
    "build-p2",
    "baseline-build",
    "queries",
    "baseline-queries",
    "server",
    "incremental",
    "profile-build",
    "bounds",
)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=ABOUT.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,50000", help="corpus sizes, comma-separated [1000,10000,50000]")
    ap.add_argument("--quick", action="store_true", help="1 000 documents only")
    ap.add_argument("--queries", type=int, default=200, help="queries in the mix [200]")
    ap.add_argument(
        "--skip",
        default="",
        help=f"phases to leave out, comma-separated: {', '.join(PHASES)} ('baseline' leaves out both baseline phases)",
    )
    ap.add_argument("--fresh", action="store_true", help="measure everything again, ignoring saved results")
    ap.add_argument("--no-profile", action="store_true", help="no cProfile runs")
    ap.add_argument(
        "--bounds",
        action="store_true",
        help="also run the experiments that say what bounds queries and the procs=2 build",
    )
    ap.add_argument("--json", default=str(OUT / "scale.json"), help="where the results go [benchmarks/out/scale.json]")
    args = ap.parse_args(argv)
    args.sizes = [1000] if args.quick else sorted({int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()})
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if "baseline" in args.skip:
        args.skip |= {"baseline-build", "baseline-queries"}
    OUT.mkdir(parents=True, exist_ok=True)
    fingerprint = code_fingerprint()
    result = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(),
        "command": " ".join(["python -m benchmarks.scale", *argv]),
        "code": fingerprint,
        "sizes": args.sizes,
        "states": {},
        "summaries": {},
    }
    for n in args.sizes:
        state = Run(n, args, fingerprint).run()
        result["states"][n] = state
        result["summaries"][n] = summarise(state)
    result["targets"] = targets(result["summaries"])
    result["growth"] = growth(result["summaries"])
    result["machine"]["loadavg_end"] = os.getloadavg()
    Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    if len(args.sizes) > 1:
        svg_plot(
            result["summaries"],
            PLOT,
            f"kmsearch vs whoosh+newmm, {result['machine']['cpu']}, "
            f"{result['machine']['cores']} cores, {result['started']}",
        )
    print(render(result))
    print(f"\nwrote {_rel(Path(args.json))}" + (f" and {_rel(PLOT)}" if len(args.sizes) > 1 else ""))
    return 0


def _rel(p: Path) -> str:
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(p)
