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
from .opensearch import HEAP, OpenSearchRun, start_cluster, summarise_opensearch
from .plot import svg_plot
from .run import Run, code_fingerprint
from .summary import growth, opensearch_targets, summarise, targets
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
    ap.add_argument(
        "--engines",
        default="whoosh",
        help="backends measured, comma-separated: whoosh, opensearch [whoosh]; opensearch starts the test "
        "cluster of tests/cluster once for the run (Java 17 and Maven: make cluster-deps)",
    )
    ap.add_argument(
        "--opensearch-sizes",
        default="",
        help="sizes the OpenSearch backend runs at, when not those of --sizes (200000: past where Whoosh can finish)",
    )
    ap.add_argument("--heap", default=HEAP, help=f"heap of each OpenSearch data node [{HEAP}]")
    ap.add_argument("--json", default=str(OUT / "scale.json"), help="where the results go [benchmarks/out/scale.json]")
    args = ap.parse_args(argv)
    args.sizes = [1000] if args.quick else _sizes(args.sizes)
    os_sizes = _sizes(args.opensearch_sizes) or args.sizes
    args.skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if "baseline" in args.skip:
        args.skip |= {"baseline-build", "baseline-queries"}
    args.engines = [x.strip() for x in args.engines.split(",") if x.strip()]
    if not args.engines or set(args.engines) - {"whoosh", "opensearch"}:
        ap.error(f"--engines: whoosh and/or opensearch, not {','.join(args.engines)!r}")
    OUT.mkdir(parents=True, exist_ok=True)
    fingerprint = code_fingerprint()
    result = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine(),
        "command": " ".join(["python -m benchmarks.scale", *argv]),
        "code": fingerprint,
        "sizes": args.sizes,
        "opensearch_sizes": os_sizes,
        "engines": args.engines,
        "states": {},
        "summaries": {},
    }
    cluster = start_cluster(args.heap) if "opensearch" in args.engines else None
    try:
        if cluster is not None:
            result["opensearch"] = {"states": {}, "summaries": {}}
        for n in sorted({*args.sizes, *os_sizes}):
            if "whoosh" in args.engines and n in args.sizes:
                state = Run(n, args, fingerprint).run()
                result["states"][n] = state
                result["summaries"][n] = summarise(state)
            if cluster is not None and n in os_sizes:
                state = OpenSearchRun(n, args, fingerprint, cluster).run()
                result["opensearch"]["states"][n] = state
                result["opensearch"]["summaries"][n] = summarise_opensearch(state)
    finally:
        if cluster is not None:
            cluster.stop()
    result["targets"] = targets(result["summaries"])
    if cluster is not None:
        result["opensearch"]["targets"] = opensearch_targets(result["summaries"], result["opensearch"]["summaries"])
    result["growth"] = growth(result["summaries"])
    result["machine"]["loadavg_end"] = os.getloadavg()
    Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False, default=str))
    if len(args.sizes) > 1 and result["summaries"]:
        svg_plot(
            result["summaries"],
            PLOT,
            f"kmsearch vs whoosh+newmm, {result['machine']['cpu']}, "
            f"{result['machine']['cores']} cores, {result['started']}",
        )
    print(render(result))
    print(f"\nwrote {_rel(Path(args.json))}" + (f" and {_rel(PLOT)}" if len(args.sizes) > 1 else ""))
    return 0


def _sizes(text: str) -> list[int]:
    return sorted({int(x.replace("_", "")) for x in text.split(",") if x.strip()})


def _rel(p: Path) -> str:
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(p)
