"""Relevance benchmark: kmsearch and its peers on judged Thai questions.

    .venv/bin/python -m benchmarks.relevance [--sample 400] [--workers N]

Indexes thai-qa-dev (and its perturbed copies) with every system, runs
every query family, and prints MRR@10, Recall@10 and nDCG@10; also scores
kmsearch on benchmarks/queries-content.jsonl over the bundled content/.
Writes benchmarks/out/relevance.json and relevance-queries.jsonl.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shlex
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path

from . import families as fam
from .corpus import DATA_DIR
from .machine import describe
from .metrics import read_judged, score

ROOT = Path(__file__).resolve().parent.parent
DATA = DATA_DIR / "thai-qa-dev"
CONTENT = ROOT / "content"
CONTENT_QUERIES = ROOT / "benchmarks" / "queries-content.jsonl"
OUT = ROOT / "benchmarks" / "out"
CHUNK = 40
CLUSTER_HEAP = "1g"  # per data node of the test cluster (kmsearch-opensearch)
ENGINE_TOLERANCE = 0.01  # issue 17: MRR@10 of every family within this of the Whoosh backend


class Clock:
    """Wall and CPU seconds since creation: on a busy machine only CPU time compares."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


# --- worker side: each process keeps the indexes it opened ---------------------

_searches: dict[str, object] = {}


def _build(system: str, variant: str, data_dir: str, work: str) -> tuple[float, float]:
    from .systems import system_named

    docs = fam.variant_docs(data_dir, variant)
    clock = Clock()
    system_named(system).build(docs, Path(work) / f"{system}-{variant}")
    return clock.read()


def _run(system: str, variant: str, work: str, texts: list[str]) -> tuple[dict, tuple[float, float], list[str]]:
    from .systems import system_named

    folder = str(Path(work) / f"{system}-{variant}")
    if folder not in _searches:
        _searches[folder] = system_named(system).open(Path(folder))
    search = _searches[folder]
    clock = Clock()
    ranked = {t: search(t) for t in texts}
    elapsed = clock.read()
    partial = getattr(search, "partial", set())
    return ranked, elapsed, [t for t in texts if t in partial]


def _content_set(content_dir: str, work: str, queries: list[str]) -> tuple[dict[str, list[str]], float]:
    from indexer import build_index
    from kmsearch.config import load_settings
    from kmsearch.search.repository import Repository

    index_dir = Path(work) / "content-index"
    clock = Clock()
    build_index(content_dir, index_dir)
    seconds = clock.read()[0]
    repo = Repository(load_settings({"CONTENT_DIR": content_dir, "INDEX_DIR": str(index_dir)}))
    with repo.open_index() as ix:
        return {q: [h.id for h in repo.run_query(ix, q, snippets=False).hits] for q in queries}, seconds


# --- the run -------------------------------------------------------------------


def run(args) -> dict:
    systems = args.systems  # names, in the order given
    clock = Clock()
    families = fam.families(str(args.data), args.sample)
    wanted: dict[str, set[str]] = {v: set() for v in fam.VARIANTS}
    for f in families:
        wanted[f.docs].update(q.text for q in f.queries)
        wanted["clean"].update(q.text for q in f.clean)
    judged = read_judged(args.content_queries) if args.content_queries.exists() else []

    # Workers inherit it: kmsearch's tie order varies with the hash seed, and
    # a rerun should give the same numbers.
    os.environ.setdefault("PYTHONHASHSEED", "0")
    ranked = {s: {v: {} for v in fam.VARIANTS} for s in systems}
    build = {s: {} for s in systems}
    query = {s: [0.0, 0.0] for s in systems}
    partial = {s: 0 for s in systems}
    content_ranked, content_build_s = {}, None
    with (
        tempfile.TemporaryDirectory(prefix="kmsearch-relevance-") as work,
        ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        # Longest builds first, so that the short ones fill the gaps.
        jobs = {
            pool.submit(_build, s, v, str(args.data), work): ("build", s, v)
            for s in sorted(systems, key=lambda s: not s.startswith("kmsearch"))
            for v in fam.VARIANTS
        }
        if judged:
            jobs[pool.submit(_content_set, str(args.content), work, [j["query"] for j in judged])] = ("content",)
        while jobs:
            done, _ = wait(jobs, return_when=FIRST_COMPLETED)
            for job in done:
                kind, *key = jobs.pop(job)
                if job.exception() is not None:
                    pool.shutdown(cancel_futures=True)  # fail now, not after every other job
                result = job.result()
                if kind == "build":
                    s, v = key
                    build[s][v] = result
                    texts = sorted(wanted[v])
                    for i in range(0, len(texts), CHUNK):
                        jobs[pool.submit(_run, s, v, work, texts[i : i + CHUNK])] = ("run", s, v)
                    _progress(f"built {s} on {v} in {result[0]:.1f}s; {len(texts)} queries queued")
                elif kind == "run":
                    s, v = key
                    ranked[s][v].update(result[0])
                    query[s][0] += result[1][0]
                    query[s][1] += result[1][1]
                    partial[s] += len(result[2])
                    if len(ranked[s][v]) == len(wanted[v]):
                        _progress(f"ran {len(wanted[v])} queries on {s} {v}")
                else:
                    content_ranked, content_build_s = result
    n_queries = {s: sum(len(r) for r in ranked[s].values()) for s in systems}
    wall, cpu = clock.read()
    return {
        "families": families,
        "ranked": ranked,
        "judged": judged,
        "content_ranked": content_ranked,
        "timings": {
            "build_s": {s: {v: {"wall": w, "cpu": c} for v, (w, c) in build[s].items()} for s in systems},
            "query_ms": {
                s: {"wall": 1000 * query[s][0] / max(1, n_queries[s]), "cpu": 1000 * query[s][1] / max(1, n_queries[s])}
                for s in systems
            },
            "queries": n_queries,
            "partial": partial,
            "content_build_s": content_build_s,
            # Workers are reaped by now, so their CPU time is in RUSAGE_CHILDREN.
            "total": {
                "wall": wall,
                "cpu": cpu
                + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
                + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
            },
        },
    }


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- report --------------------------------------------------------------------


def machine() -> dict:
    return {**describe(), "sqlite": sqlite3.sqlite_version}


def evaluate(result: dict) -> list[dict]:
    ranked = result["ranked"]
    rows = []
    for f in result["families"]:
        row = {
            "family": f.name,
            "docs": f.docs,
            "note": f.note,
            "n": len(f.queries),
            "baseline": f.baseline,
            "scores": {},
            "baseline_scores": {},
            "mrr_ratio": {},
        }
        for s in ranked:
            got = score((ranked[s][f.docs][q.text], q.relevant) for q in f.queries)
            row["scores"][s] = got.as_dict()
            if f.clean:
                base = score((ranked[s]["clean"][q.text], q.relevant) for q in f.clean)
                row["baseline_scores"][s] = base.as_dict()
                row["mrr_ratio"][s] = got.mrr / base.mrr if base.mrr else None
        rows.append(row)
    return rows


def content_report(result: dict, args) -> dict | None:
    judged = result["judged"]
    if not judged:
        return None
    ranked = result["content_ranked"]
    misses = []
    for j in judged:
        got = ranked[j["query"]]
        rank = next((i + 1 for i, d in enumerate(got) if d in j["relevant"]), None)
        if rank != 1:
            misses.append({"query": j["query"], "relevant": j["relevant"], "rank": rank, "top3": got[:3]})
    return {
        "path": _rel(args.content_queries),
        "content": _rel(args.content),
        "build_s": result["timings"]["content_build_s"],
        "scores": score((ranked[j["query"]], j["relevant"]) for j in judged).as_dict(),
        "misses": misses,
    }


def per_query(result: dict) -> list[dict]:
    """Every query with each system's rank of the answer and top 3: the material for "why"."""

    def rank(got, relevant):
        return next((k + 1 for k, d in enumerate(got) if d in relevant), None)

    ranked = result["ranked"]
    out = []
    for f in result["families"]:
        for i, q in enumerate(f.queries):
            rec = {
                "family": f.name,
                "qid": q.qid,
                "query": q.text,
                "relevant": list(q.relevant),
                "ranks": {s: rank(ranked[s][f.docs][q.text], q.relevant) for s in ranked},
                "top3": {s: ranked[s][f.docs][q.text][:3] for s in ranked},
            }
            if f.clean:
                clean = f.clean[i].text
                rec["clean_query"] = clean
                rec["clean_ranks"] = {s: rank(ranked[s]["clean"][clean], q.relevant) for s in ranked}
            out.append(rec)
    return out


def _table(title: str, header: list[str], lines: list[list[str]]) -> str:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([title, fmt(header), *map(fmt, lines)])


def render(rows: list[dict], content: dict | None, meta: dict) -> str:
    systems = list(rows[0]["scores"])
    m, t = meta["machine"], meta["timings"]
    out = [
        "kmsearch relevance benchmark",
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, SQLite {m['sqlite']}; "
        f"load average {meta['load'][0]:.1f} at start, {meta['load'][1]:.1f} at end",
        f"command: {meta['command']}",
        f"data: {meta['data']} ({meta['passages']} passages, {meta['questions']} questions); "
        f"sample {meta['sample']} questions, seed {fam.SEED!r}; cut-off 10",
        "",
    ]
    for key, title in (("mrr@10", "MRR@10"), ("recall@10", "Recall@10"), ("ndcg@10", "nDCG@10")):
        lines = [[r["family"], str(r["n"])] + [f"{r['scores'][s][key]:.3f}" for s in systems] for r in rows]
        out += [_table(title, ["family", "N", *systems], lines), ""]
    lines = [
        [r["family"], r["baseline"], str(r["n"])]
        + [
            f"{r['baseline_scores'][s]['mrr@10']:.3f}->{r['scores'][s]['mrr@10']:.3f} ({r['mrr_ratio'][s]:.2f})"
            if r["mrr_ratio"][s] is not None
            else "-"
            for s in systems
        ]
        for r in rows
        if r["baseline"]
    ]
    out += [
        _table(
            "MRR@10 against the clean counterpart, same questions: clean->perturbed (ratio)",
            ["family", "clean", "N", *systems],
            lines,
        ),
        "",
    ]
    diffs = engine_differences(rows, systems)
    if diffs:
        c = meta.get("cluster") or {}
        out += [
            _table(
                f"MRR@10, kmsearch on OpenSearch {c.get('version', '')} against kmsearch on Whoosh "
                f"(target: within {ENGINE_TOLERANCE})",
                ["family", "N", "whoosh", "opensearch", "difference", ""],
                diffs,
            ),
            "",
        ]
    out += ["families:"] + [f"  {r['family']:<14} {r['note']}" for r in rows] + [""]
    out += ["systems:"] + [f"  {s:<24} {note}" for s, note in meta["systems"].items()] + [""]
    lines = [
        [s]
        + [f"{t['build_s'][s][v]['wall']:.1f}/{t['build_s'][s][v]['cpu']:.1f}" for v in fam.VARIANTS]
        + [str(t["queries"][s]), f"{t['query_ms'][s]['wall']:.1f}/{t['query_ms'][s]['cpu']:.1f}"]
        for s in systems
    ]
    out += [
        _table(
            f"timings, wall/CPU ({meta['workers']} worker processes in parallel)",
            ["system", *(f"build {v} s" for v in fam.VARIANTS), "queries", "mean query ms"],
            lines,
        )
    ]
    out += [
        f"{s} searches stopped by the project's time limit (partial results): {t['partial'][s]}"
        for s in systems
        if s.startswith("kmsearch")
    ] + [""]
    if content:
        sc = content["scores"]
        out += [
            f"content set: {content['path']} over {content['content']}/ (build {content['build_s']:.1f}s)",
            f"  kmsearch  N {sc['n']}  MRR@10 {sc['mrr@10']:.3f}  Recall@10 {sc['recall@10']:.3f}  "
            f"nDCG@10 {sc['ndcg@10']:.3f}",
        ]
        out += [
            f"  rank {miss['rank'] or '>10'}: {miss['query']!r} expected {miss['relevant']} got {miss['top3']}"
            for miss in content["misses"]
        ]
    else:
        out.append(f"content set: {meta['content_queries']} not found; skipped")
    out += ["", f"total {t['total']['wall']:.0f}s wall, {t['total']['cpu']:.0f}s CPU"]
    return "\n".join(out)


@contextmanager
def _cluster_if_needed(systems: list) -> Iterator[dict | None]:
    """The test cluster of tests/cluster for the systems that need one
    (kmsearch-opensearch), started here and stopped at the end; its data
    nodes are named to the workers through ``systems.CLUSTER_ENV``."""
    if not any(getattr(s, "needs_cluster", False) for s in systems):
        yield None
        return
    from tests.cluster.cluster import TestCluster, http_json

    from .systems import CLUSTER_ENV

    base = Path(tempfile.mkdtemp(prefix="kmsearch-relevance-cluster-"))
    _progress(f"starting the OpenSearch test cluster in {base} (full JIT, heap {CLUSTER_HEAP} per data node) ...")
    cluster = TestCluster.start(base, heap=CLUSTER_HEAP, node_jvm_opts="", timeout=300)
    try:
        os.environ[CLUSTER_ENV] = ",".join(cluster.data_urls)
        _progress(f"cluster green in {cluster.seconds_to_green:.1f}s")
        yield {
            "version": http_json(cluster.urls[0])["version"]["number"],
            "heap": CLUSTER_HEAP,
            "seconds_to_green": cluster.seconds_to_green,
        }
    finally:
        os.environ.pop(CLUSTER_ENV, None)
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def engine_differences(rows: list[dict], systems: list[str]) -> list[list[str]]:
    """Each family's MRR@10 of kmsearch on Whoosh and on OpenSearch and
    their difference, flagged past ENGINE_TOLERANCE (issue 17's target)."""
    if "kmsearch" not in systems or "kmsearch-opensearch" not in systems:
        return []
    out = []
    for r in rows:
        w, o = r["scores"]["kmsearch"]["mrr@10"], r["scores"]["kmsearch-opensearch"]["mrr@10"]
        out.append(
            [
                r["family"],
                str(r["n"]),
                f"{w:.3f}",
                f"{o:.3f}",
                f"{o - w:+.3f}",
                "" if abs(o - w) <= ENGINE_TOLERANCE else "OVER",
            ]
        )
    return out


def _command(argv: list[str]) -> str:
    exe = os.path.relpath(sys.executable)
    return shlex.join([sys.executable if exe.startswith("..") else exe, "-m", "benchmarks.relevance", *argv])


def _rel(path: Path) -> str:
    return os.path.relpath(path, ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.relevance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=400, help="questions in the sample (default 400)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with docs.jsonl and queries.jsonl")
    parser.add_argument("--content", type=Path, default=CONTENT, help="content folder of the content set")
    parser.add_argument("--content-queries", type=Path, default=CONTENT_QUERIES, help="judged queries over --content")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the JSON results")
    parser.add_argument(
        "--systems",
        help="comma-separated names (default: kmsearch and its peers; also kmsearch-newmm, kmsearch-longest)",
    )
    args = parser.parse_args(argv)
    args.data, args.content = args.data.resolve(), args.content.resolve()
    from .systems import SYSTEMS, require_fts5_trigram, system_named

    args.systems = args.systems.split(",") if args.systems else list(SYSTEMS)
    try:
        for name in args.systems:
            system_named(name)
    except KeyError as e:
        parser.error(f"unknown system {e}")

    require_fts5_trigram()
    load_start = os.getloadavg()[0]
    with _cluster_if_needed([system_named(n) for n in args.systems]) as cluster:
        result = run(args)
    rows = evaluate(result)
    content = content_report(result, args)
    meta = {
        "machine": machine(),
        "load": [load_start, os.getloadavg()[0]],
        "command": _command(sys.argv[1:] if argv is None else argv),
        "data": _rel(args.data),
        "passages": len(fam.load_docs(str(args.data))),
        "questions": len(fam.load_queries(str(args.data))),
        "sample": args.sample,
        "workers": args.workers,
        "content_queries": _rel(args.content_queries),
        "systems": {name: system_named(name).note for name in args.systems},
        "timings": result["timings"],
        "cluster": cluster,
    }
    print(render(rows, content, meta))
    args.out.mkdir(parents=True, exist_ok=True)
    report = {**meta, "families": rows, "content": content}
    (args.out / "relevance.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(args.out / "relevance-queries.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in per_query(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
