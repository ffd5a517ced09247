"""How kmsearch scales: build, segmentation ceiling, one-document updates,
query latency, memory and index size at 1 000, 10 000 and 50 000 documents,
beside a plain Whoosh + PyThaiNLP newmm baseline measured in the same run.

    make bench                                    # = .venv/bin/python -m benchmarks.scale
    .venv/bin/python -m benchmarks.scale --quick  # 1 000 documents only
    .venv/bin/python -m benchmarks.scale --sizes 1000,10000 --skip baseline

The machine is shared and noisy: every figure is also given as a ratio to a
baseline measured in the same run (the plain Whoosh system, or the
segmentation ceiling).  Results per size are kept in benchmarks/out/scale-N.json
after every phase; a run that is stopped resumes where it was, as long as the
code under test and the corpus are unchanged (--fresh starts over).
Everything is written under benchmarks/out/ (git-ignored) except the plot,
benchmarks/scale.svg.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import http.client
import json
import math
import multiprocessing
import os
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from . import corpus as corpus_mod
from . import querymix
from .machine import describe

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PLOT = ROOT / "benchmarks" / "scale.svg"
KMSEARCH = ROOT / ".venv" / "bin" / "kmsearch"
PAGELEN = 10
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
TARGETS_NOTE = {
    "procs2_speedup": "build procs=2 at least 1.6x procs=1",
    "vs_baseline": "build procs=2 no slower than the one-process plain baseline",
    "build_10k": "10 000 documents built in under 60 s",
    "searchable_1s": "a one-document change searchable in under 1 s",
    "p95_10k": "query p95 under 30 ms at 10 000 documents",
    "p95_50k": "query p95 under 100 ms at 50 000 documents",
    "server_50k": "server under 300 MB resident at 50 000 documents",
}


# --- small helpers -------------------------------------------------------------


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


def dir_bytes(path: Path) -> int:
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def proc_status(pid: int | str = "self") -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmPeak", "VmSize", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0])  # kB
    except OSError:
        pass
    return out


def machine() -> dict:
    mem = proc_meminfo()
    return {**describe(), "memory_mb": mem.get("MemTotal", 0) // 1024, "loadavg_start": os.getloadavg()}


def proc_meminfo() -> dict:
    out = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


HARNESS_VERSION = 3  # bump when what a phase measures changes


def code_fingerprint() -> str:
    """The code under test, the corpus and query generators and the
    harness version: saved results are reused only while these are unchanged."""
    h = hashlib.sha1(str(HARNESS_VERSION).encode())
    files = sorted(
        [
            *(ROOT / "indexer").glob("*.py"),
            *(ROOT / "kmsearch").glob("*.py"),
            ROOT / "benchmarks" / "corpus.py",
            ROOT / "benchmarks" / "querymix.py",
        ]
    )
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(d.name))
    return tree


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, summed (kB)."""
    tree = _children_of()
    todo, total, page_kb = [pid], 0, os.sysconf("SC_PAGE_SIZE") // 1024
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page_kb
        except (OSError, IndexError, ValueError):
            pass
        todo += tree.get(p, [])
    return total


def run_child(kind: str, params: dict, logs: Path, poll: float = 0.5) -> dict:
    """Run one measurement in a fresh interpreter; return what it printed,
    with its wall time and peak memory (its own ru_maxrss from wait4, which
    covers the largest of it and its descendants, and the peak of the summed
    resident memory of the whole process tree, sampled every ``poll`` s)
    and the CPU time it and its reaped descendants used: on a shared
    machine CPU seconds move less than wall seconds."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{kind}.out", logs / f"{kind}.err"
    cmd = [sys.executable, "-m", "benchmarks.scale", "_child", kind, json.dumps(params)]
    started = time.perf_counter()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
    peak_tree = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_tree = max(peak_tree, tree_rss_kb(proc.pid))
        time.sleep(poll)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} failed ({proc.returncode}): {err_path.read_text()[-2000:]}")
    lines = [line for line in out_path.read_text().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    result.update(
        child_wall_s=wall,
        child_cpu_s=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,
        peak_tree_rss_mb=peak_tree / 1024,
    )
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- profiles --------------------------------------------------------------------


def _short(path: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def top_functions(stats: pstats.Stats, n: int = 15) -> dict:
    total = stats.total_tt or 1e-9
    rows = [(k, v) for k, v in stats.stats.items()]

    def row(k, v):
        (file, line, func), (_, nc, tt, ct, _) = k, v
        return {
            "function": f"{_short(file)}:{line}({func})",
            "calls": nc,
            "tottime_s": round(tt, 4),
            "cumtime_s": round(ct, 4),
            "self_share": round(tt / total, 4),
            "cum_share": round(ct / total, 4),
        }

    by_self = sorted(rows, key=lambda kv: kv[1][2], reverse=True)[:n]
    own = [(k, v) for k, v in rows if ("/indexer/" in k[0] or "/kmsearch/" in k[0])]
    by_cum = sorted(own, key=lambda kv: kv[1][3], reverse=True)[:n]
    return {
        "total_s": round(total, 3),
        "by_self_time": [row(k, v) for k, v in by_self],
        "project_by_cumulative": [row(k, v) for k, v in by_cum],
    }


def save_profile(prof: cProfile.Profile, path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(str(path.with_suffix(".prof")))
    with open(path, "w") as fh:
        st = pstats.Stats(prof, stream=fh)
        st.sort_stats("tottime").print_stats(40)
        st.sort_stats("cumulative").print_stats(40)
    return top_functions(pstats.Stats(prof))


# --- child processes ---------------------------------------------------------------


def child_build(p: dict) -> dict:
    from indexer import build_index

    prof = cProfile.Profile() if p.get("profile") else None
    started = time.perf_counter()
    if prof:
        prof.enable()
    report = build_index(p["content"], p["index"], procs=p.get("procs", 1), full=p.get("full", True))
    if prof:
        prof.disable()
    out = {
        "seconds": report.seconds,
        "wall_in_child_s": time.perf_counter() - started,
        "documents": report.documents,
        "files": report.files,
        "added": report.added,
        "problems": len(report.problems),
        "index_path": report.index_path,
    }
    if prof:
        out["profile"] = save_profile(prof, Path(p["profile"]))
    return out


def _read_plain(content: Path) -> list:
    """What a plain system reads: title and body of every Markdown file."""
    import yaml

    from .systems import Doc

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = []
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, head, body = text.split("---\n", 2)
        meta = yaml.load(head, Loader=loader)
        docs.append(Doc(str(meta["id"]), str(meta["title"]), body))
    return docs


def child_baseline_build(p: dict) -> dict:
    from .systems import WhooshNewmm

    started = time.perf_counter()
    docs = _read_plain(Path(p["content"]))
    read_s = time.perf_counter() - started
    folder = Path(p["index"])
    shutil.rmtree(folder, ignore_errors=True)
    WhooshNewmm().build(docs, folder)
    return {"seconds": time.perf_counter() - started, "read_s": read_s, "documents": len(docs)}


def child_queries(p: dict) -> dict:
    mix = querymix.load(Path(p["mix"]))
    result: dict = {}
    if p["engine"] == "kmsearch":
        from kmsearch.config import load_settings
        from kmsearch.search.repository import Repository

        repo = Repository(load_settings({"CONTENT_DIR": p["content"], "INDEX_DIR": p["index"], "USAGE_DB": "off"}))
        t = time.perf_counter()
        ix = repo.open_index()
        result["first_open_ms"] = 1000 * (time.perf_counter() - t)

        def run(s, snippets=True):
            return repo.run_query(ix, s.q, dict(s.filters) or None, s.page, PAGELEN, s.sort, snippets=snippets)

        t = time.perf_counter()
        for s in mix[:10]:
            run(s)
        result["warmup_ms"] = 1000 * (time.perf_counter() - t)
        lat, cpu, by_kind, partial = [], [], {}, 0
        for s in mix:
            t, c = time.perf_counter(), time.process_time()
            page = run(s)
            partial += bool(getattr(page, "partial", False))
            ms, cms = 1000 * (time.perf_counter() - t), 1000 * (time.process_time() - c)
            lat.append(ms)
            cpu.append(cms)
            by_kind.setdefault(s.kind, []).append(ms)
        result["snippets"], result["snippets_cpu"], result["partial"] = lat, cpu, partial
        result["time_limit_s"] = repo.settings.get("SEARCH_TIME_LIMIT")
        result["snippets_by_kind"] = {k: percentiles(v) for k, v in by_kind.items()}
        sub = mix[: p.get("subset", 60)]
        result["subset"] = len(sub)
        lat = []
        for s in sub:
            t = time.perf_counter()
            run(s, False)
            lat.append(1000 * (time.perf_counter() - t))
        result["no_snippets_subset"] = lat
        result["stages_cpu_ms"] = _stages(repo, ix, sub)
        opens = []
        for _ in range(20):
            t = time.perf_counter()
            repo.open_index().close()
            opens.append(1000 * (time.perf_counter() - t))
        result["open_index_ms"] = statistics.median(opens)
        result["doc_count"] = ix.doc_count
        if p.get("profile"):
            prof = cProfile.Profile()
            prof.enable()
            for s in sub:
                run(s, True)
            prof.disable()
            result["profile"] = save_profile(prof, Path(p["profile"]))
    else:
        from whoosh import index, query

        from .systems import newmm_words

        searcher = index.open_dir(p["index"]).searcher()

        def run(s):
            terms = list(dict.fromkeys(w.lower() for w in newmm_words(s.q)))
            if not terms:
                return []
            hits = searcher.search(query.Or([query.Term("body", w) for w in terms]), limit=s.page * PAGELEN)
            return [h["id"] for h in hits[(s.page - 1) * PAGELEN :]]

        searchable = [s for s in mix if s.q]
        for s in searchable[:10]:
            run(s)
        lat, cpu = [], []
        for s in searchable:
            t, c = time.perf_counter(), time.process_time()
            run(s)
            lat.append(1000 * (time.perf_counter() - t))
            cpu.append(1000 * (time.process_time() - c))
        result["plain"], result["plain_cpu"] = lat, cpu
        result["doc_count"] = searcher.doc_count()
    result["status"] = proc_status()
    return result


def _stages(repo, ix, mix) -> dict:
    """CPU ms of each stage of Repository.run_query, summed over ``mix``:
    parsing (segmentation, synonyms, typo correction against the index
    vocabulary), the engine's search with facets, and hit views with
    snippets.  Repeats run_query's steps with the same public calls; if
    those change shape, the breakdown is left out."""
    try:
        from kmsearch.search import query as query_parser
        from kmsearch.search import repository as search_mod

        out = {"parse": 0.0, "search": 0.0, "hits_snippets": 0.0}
        for s in mix:
            c0 = time.process_time()
            parsed = query_parser.parse(
                s.q[: repo.settings["MAX_QUERY_CHARS"]],
                ix.segmenter,
                repo.office,
                repo.synonyms.groups(),
                dict(s.filters) or None,
                s.sort,
                ix,
            )
            c1 = time.process_time()
            results = ix.search(parsed.spec, page=s.page, pagelen=PAGELEN)
            c2 = time.process_time()
            for h in results.hits:
                search_mod._hit_view(h.fields, h.score, parsed, ix, repo.settings["SNIPPET_CHARS"])
            c3 = time.process_time()
            out["parse"] += 1000 * (c1 - c0)
            out["search"] += 1000 * (c2 - c1)
            out["hits_snippets"] += 1000 * (c3 - c2)
        total = sum(out.values()) or 1e-9
        return {
            **{k: round(v, 1) for k, v in out.items()},
            **{k + "_share": round(v / total, 3) for k, v in out.items()},
        }
    except Exception as e:  # the code under test is changing while this is written
        return {"error": repr(e)}


def child_bounds(p: dict) -> dict:
    """Experiments that say what bounds a query, with public calls only
    (the code under test is not changed; two module-level tables are
    varied in this process): the fixed cost of each facet, and the query
    mix as built, without the sub-word alternatives, and without facets.
    No time limit, so that slow searches are measured whole."""
    import dataclasses

    from indexer import engine
    from kmsearch.config import load_settings
    from kmsearch.search import query as query_parser
    from kmsearch.search.repository import Repository

    repo = Repository(load_settings({"CONTENT_DIR": p["content"], "INDEX_DIR": p["index"], "USAGE_DB": "off"}))
    ix = repo.open_index()
    out: dict = {"doc_count": ix.doc_count}
    nothing = query_parser.parse("zqnothingzq", ix.segmenter, repo.office, [], None, "relevance", None).spec

    def cpu_ms(fn, repeat=5):
        times = []
        for _ in range(repeat):
            c = time.process_time()
            fn()
            times.append(1000 * (time.process_time() - c))
        return statistics.median(times)

    # a search that matches nothing: what every request pays whatever it asks
    out["no_match_ms"] = {
        "all_facets_new_searcher": cpu_ms(lambda: repo.open_index().search(nothing)),
        "no_facets": cpu_ms(lambda: ix.search(nothing, facets=())),
        "open_index": cpu_ms(lambda: repo.open_index().close()),
    }
    for name in engine.FACET_FIELDS:
        out["no_match_ms"]["facet_" + name] = cpu_ms(lambda: repo.open_index().search(nothing, facets=(name,)))
    mix = querymix.load(Path(p["mix"]))[: p.get("subset", 60)]
    specs = [
        (
            query_parser.parse(
                s.q, ix.segmenter, repo.office, repo.synonyms.groups(), dict(s.filters) or None, s.sort, ix
            ).spec,
            s,
        )
        for s in mix
    ]

    def no_grams(spec):
        strip = lambda g: dataclasses.replace(
            g, alternatives=tuple(dataclasses.replace(a, grams=()) for a in g.alternatives)
        )
        return dataclasses.replace(spec, groups=tuple(map(strip, spec.groups)), exclude=tuple(map(strip, spec.exclude)))

    def common_dropped(spec, share=0.25):
        keep = [
            g
            for g in spec.groups
            if g.required
            or not all(len(a.words) == 1 and ix.frequency(a.words[0]) > share * ix.doc_count for a in g.alternatives)
        ]
        return dataclasses.replace(spec, groups=tuple(keep or spec.groups))

    variants = {
        "as built": (lambda sp: sp, engine.FACET_FIELDS),
        "no sub-word grams": (no_grams, engine.FACET_FIELDS),
        "words in >25% of documents dropped": (common_dropped, engine.FACET_FIELDS),
        "no grams, common words dropped": (lambda sp: common_dropped(no_grams(sp)), engine.FACET_FIELDS),
        "no facets": (lambda sp: sp, ()),
        "no facets, no grams, common words dropped": (lambda sp: common_dropped(no_grams(sp)), ()),
    }
    out["search_cpu_ms"] = {}
    for name, (transform, facets) in variants.items():
        times, hits = [], []
        for spec, s in specs:
            c = time.process_time()
            r = ix.search(transform(spec), page=s.page, pagelen=PAGELEN, facets=facets)
            times.append(1000 * (time.process_time() - c))
            hits.append(r.total)
        out["search_cpu_ms"][name] = {**percentiles(times), "mean_hits": statistics.fmean(hits)}
    return out


def child_build_multisegment(p: dict) -> dict:
    """The full build with procs=2 as it would run if engine.write_index
    asked Whoosh for ``multisegment=True`` (each sub-writer keeps its own
    segment instead of the main process merging them alone)."""
    from whoosh import index as whoosh_index

    original = whoosh_index.FileIndex.writer

    def writer(self, procs=1, **kwargs):
        if procs > 1:
            kwargs["multisegment"] = True
        return original(self, procs=procs, **kwargs)

    whoosh_index.FileIndex.writer = writer
    return child_build(p)


CHILDREN = {
    "bounds": child_bounds,
    "build-multisegment": child_build_multisegment,
    "build": child_build,
    "baseline-build": child_baseline_build,
    "queries": child_queries,
}


# --- phases of one size -----------------------------------------------------------------


class Run:
    def __init__(self, size: int, args, fingerprint: str):
        self.size = size
        self.args = args
        self.content = OUT / f"corpus-{size}"
        self.work = OUT / f"work-{size}"
        self.logs = self.work / "logs"
        self.state_path = OUT / f"scale-{size}.json"
        self.fingerprint = fingerprint
        self.state: dict = {}

    def load(self, manifest: dict) -> None:
        key = {"code": self.fingerprint, "corpus": manifest["sha1"], "queries": self.args.queries}
        if self.state_path.exists() and not self.args.fresh:
            old = json.loads(self.state_path.read_text())
            if old.get("key") == key:
                self.state = old
                done = [k for k in old.get("phases", {})]
                if done:
                    log(f"{self.size}: resuming; already measured: {', '.join(done)}")
                return
            if old.get("phases"):
                # Results of other code are never thrown away: a run that
                # only prints the table would otherwise replace them with nothing.
                kept = self.state_path.with_name(f"scale-{self.size}.code-{old.get('key', {}).get('code')}.json")
                self.state_path.replace(kept)
                log(f"{self.size}: the code under test changed since the saved results; they are kept in {kept.name}")
        self.state = {"size": self.size, "key": key, "corpus": manifest, "phases": {}}

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=1, ensure_ascii=False))

    def phase(self, name: str, fn) -> None:
        if name in self.args.skip or any(name.startswith(s + "-") for s in self.args.skip):
            return
        if name in self.state["phases"]:
            return
        log(f"{self.size}: {name} ...")
        code = code_fingerprint()
        started = time.perf_counter()
        result = fn()
        result["code"] = code
        if code != self.fingerprint or code_fingerprint() != code:
            result["code_changed_during_run"] = True
            log(f"{self.size}: {name}: the code under test changed during the run; its figures mix versions")
        result["phase_s"] = time.perf_counter() - started
        result["loadavg"] = os.getloadavg()
        self.state["phases"][name] = result
        self.save()
        log(f"{self.size}: {name} done in {result['phase_s']:.1f} s")

    # each phase ------------------------------------------------------------------

    def bodies(self) -> list[str]:
        out = []
        for path in sorted(self.content.rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            out.append(text.split("\n---\n", 1)[1])
        return out

    def ceiling(self) -> dict:
        from indexer.analysis.thai import analyse, grams
        from indexer.build import segmenter_for

        bodies = self.bodies()
        mb = sum(len(b.encode("utf-8")) for b in bodies) / 1e6
        seg = segmenter_for(self.content)
        analyse("อุ่นเครื่อง", seg)
        t, c = time.perf_counter(), time.process_time()
        tokens = sum(len(analyse(b, seg)) for b in bodies)
        one, one_cpu = time.perf_counter() - t, time.process_time() - c
        chunks = [bodies[i : i + 32] for i in range(0, len(bodies), 32)]
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(2, initializer=_pool_init, initargs=(str(self.content),)) as pool:
            pool.map(_pool_warm, range(4))
            t = time.perf_counter()
            tokens2 = sum(pool.map(_pool_analyse, chunks, chunksize=1))
            two = time.perf_counter() - t
        # what a build analyses per document: words and sub-word grams (a sample)
        sample, size = [], 0
        for b in bodies:
            sample.append(b)
            size += len(b.encode("utf-8"))
            if size > 2e6:
                break
        import inspect

        two_args = len(inspect.signature(grams).parameters) > 1  # the signature is being changed
        t = time.perf_counter()
        for b in sample:
            analyse(b, seg)
            grams(b, seg) if two_args else grams(b)
        both = time.perf_counter() - t
        t = time.perf_counter()
        for b in sample:
            seg.segment(b)
        raw = time.perf_counter() - t
        return {
            "body_mb": mb,
            "tokens": tokens,
            "tokens_pool": tokens2,
            "analyse_1proc_s": one,
            "analyse_1proc_mb_s": mb / one,
            "analyse_1proc_cpu_s": one_cpu,
            "analyse_1proc_mb_cpu_s": mb / one_cpu,
            "analyse_pool2_s": two,
            "analyse_pool2_mb_s": mb / two,
            "pool2_speedup": one / two,
            "sample_mb": size / 1e6,
            "words_and_grams_mb_s": size / 1e6 / both,
            "nlpo3_segment_only_mb_s": size / 1e6 / raw,
        }

    def build(self, procs: int) -> dict:
        index = self.work / f"index-p{procs}"
        shutil.rmtree(index, ignore_errors=True)
        r = run_child(
            "build",
            {"content": str(self.content), "index": str(index), "procs": procs, "full": True},
            self.logs / f"p{procs}",
        )
        r["index_bytes"] = dir_bytes(Path(r["index_path"]))
        r["postfiles_bytes"] = sum(p.stat().st_size for p in Path(r["index_path"]).glob("*.kmpost"))
        return r

    def baseline_build(self) -> dict:
        index = self.work / "baseline"
        r = run_child("baseline-build", {"content": str(self.content), "index": str(index)}, self.logs / "baseline")
        r["index_bytes"] = dir_bytes(index)
        return r

    def mix_path(self) -> Path:
        path = self.work / f"queries-{self.args.queries}.jsonl"
        if not path.exists():
            import yaml

            from indexer.build import segmenter_for

            office = yaml.safe_load((self.content / "kmsearch.yaml").read_text(encoding="utf-8"))
            mix = querymix.build(self.args.queries, segmenter_for(self.content), office)
            self.work.mkdir(parents=True, exist_ok=True)
            querymix.dump(mix, path)
        return path

    def kmsearch_index(self) -> Path:
        """The one-process build if it was measured, else the two-process one
        (the same documents: only the number of segments differs)."""
        p1 = self.work / "index-p1"
        return p1 if (p1 / "current").exists() else self.work / "index-p2"

    def queries(self) -> dict:
        profile = None if self.args.no_profile else str(self.work / "profile-queries.txt")
        r = run_child(
            "queries",
            {
                "engine": "kmsearch",
                "content": str(self.content),
                "index": str(self.kmsearch_index()),
                "mix": str(self.mix_path()),
                "profile": profile,
            },
            self.logs / "queries",
        )
        r["snippets_ms"] = percentiles(r.pop("snippets"))
        r["snippets_cpu_ms"] = percentiles(r.pop("snippets_cpu"))
        r["no_snippets_subset_ms"] = percentiles(r.pop("no_snippets_subset"))
        return r

    def baseline_queries(self) -> dict:
        r = run_child(
            "queries",
            {"engine": "baseline", "index": str(self.work / "baseline"), "mix": str(self.mix_path())},
            self.logs / "baseline-queries",
        )
        r["plain_ms"] = percentiles(r.pop("plain"))
        r["plain_cpu_ms"] = percentiles(r.pop("plain_cpu"))
        return r

    def server(self) -> dict:
        """Serve the index, send the mix over HTTP, read the server's memory;
        then one-document changes, timed until the server returns them."""
        port = free_port()
        index = self.kmsearch_index()
        usage_db = self.work / "usage.sqlite3"
        usage_db.unlink(missing_ok=True)
        out = {"port": port}
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / "server.out", "w") as so, open(self.logs / "server.err", "w") as se:
            proc = subprocess.Popen(
                [
                    str(KMSEARCH),
                    "serve",
                    "--no-watch",
                    "--index",
                    str(index),
                    "--content",
                    str(self.content),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                stdout=so,
                stderr=se,
                cwd=ROOT,
                env={**os.environ, "KMSEARCH_USAGE_DB": str(usage_db)},
            )
        try:
            started = time.perf_counter()
            conn = None
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {(self.logs / 'server.err').read_text()[-2000:]}")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status, _ = _get(conn, "/api/search?q=" + "%E0%B8%A0%E0%B8%B2%E0%B8%A9%E0%B8%B5")
                    if status == 200:
                        break
                except OSError:
                    time.sleep(0.2)
                if time.perf_counter() - started > 300:
                    raise RuntimeError("server did not answer within 300 s")
            out["startup_s"] = time.perf_counter() - started
            out["rss_after_first_query"] = proc_status(proc.pid)
            mix = querymix.load(self.mix_path())
            for s in mix[:10]:
                _get(conn, s.api_path(PAGELEN))
            lat, errors, by_kind, partial = [], 0, {}, 0
            cpu0 = _proc_cpu_s(proc.pid)
            for s in mix:
                t = time.perf_counter()
                status, body = _get(conn, s.api_path(PAGELEN))
                ms = 1000 * (time.perf_counter() - t)
                errors += status != 200
                partial += bool(body.get("partial"))
                lat.append(ms)
                by_kind.setdefault(s.kind, []).append(ms)
            out["server_cpu_ms_per_query"] = 1000 * (_proc_cpu_s(proc.pid) - cpu0) / len(mix)
            out["http_ms"] = percentiles(lat)
            out["http_by_kind"] = {k: percentiles(v) for k, v in by_kind.items()}
            out["errors"] = errors
            out["partial"] = partial
            out["rss_after_mix"] = proc_status(proc.pid)
            # two clients at once (waitress has 8 threads; the GIL and 2 cores bound it)
            out["concurrent"] = _concurrent(port, mix[:80], clients=4)
            out["rss_after_concurrent"] = proc_status(proc.pid)
            if "incremental" not in self.args.skip and "incremental" not in self.state["phases"]:
                self.phase("incremental", lambda: self.incremental(port))
            out["rss_end"] = proc_status(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return out

    def incremental(self, port: int) -> dict:
        from indexer import build_index

        index = self.kmsearch_index()
        files = sorted(self.content.rglob("*.md"))
        chosen = [files[len(files) // 7], files[len(files) // 2], files[len(files) * 5 // 6]]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        trials = []
        # nothing changed: the cost of finding out (scan of every file)
        t = time.perf_counter()
        report = build_index(self.content, index)
        nochange = time.perf_counter() - t
        assert report.added == 0, report

        def searchable(marker: str, since: float) -> float:
            while True:
                status, body = _get(conn, "/api/search?" + urlencode({"q": marker}))
                if status == 200 and body.get("total", 0) >= 1:
                    return time.perf_counter() - since
                if time.perf_counter() - since > 120:
                    raise RuntimeError(f"{marker} not searchable after 120 s")
                time.sleep(0.01)

        for k, path in enumerate(chosen):
            original = path.read_bytes()
            marker = f"zqbench{k}x{self.size}"
            try:
                path.write_bytes(original + f"\nบันทึกเพิ่มเติม {marker}\n".encode())
                t0 = time.perf_counter()
                report = build_index(self.content, index)
                built = time.perf_counter() - t0
                seen = searchable(marker, t0)
                trials.append(
                    {
                        "file": path.relative_to(self.content).as_posix(),
                        "build_s": built,
                        "report_s": report.seconds,
                        "added": report.added,
                        "searchable_s": seen,
                    }
                )
            finally:
                path.write_bytes(original)
            t0 = time.perf_counter()
            report = build_index(self.content, index)
            trials.append(
                {
                    "file": path.relative_to(self.content).as_posix(),
                    "revert": True,
                    "build_s": time.perf_counter() - t0,
                    "added": report.added,
                }
            )
        # the same through the command line, a fresh interpreter (a git hook, cron)
        path = chosen[0]
        original = path.read_bytes()
        marker = f"zqbenchcli{self.size}"
        try:
            path.write_bytes(original + f"\nบันทึกเพิ่มเติม {marker}\n".encode())
            t0 = time.perf_counter()
            subprocess.run(
                [str(KMSEARCH), "build", "--content", str(self.content), "--index", str(index)],
                check=True,
                capture_output=True,
                cwd=ROOT,
            )
            cli = time.perf_counter() - t0
            cli_seen = searchable(marker, t0)
        finally:
            path.write_bytes(original)
        build_index(self.content, index)
        # where the time of a one-document update goes
        prof = None
        if not self.args.no_profile:
            path = chosen[1]
            original = path.read_bytes()
            try:
                path.write_bytes(original + "\nบันทึกเพิ่มเติม zqbenchprofile\n".encode())
                p = cProfile.Profile()
                p.enable()
                build_index(self.content, index)
                p.disable()
                prof = save_profile(p, self.work / "profile-incremental.txt")
            finally:
                path.write_bytes(original)
            build_index(self.content, index)
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

    def bounds(self) -> dict:
        out = run_child(
            "bounds",
            {"content": str(self.content), "index": str(self.kmsearch_index()), "mix": str(self.mix_path())},
            self.logs / "bounds",
        )
        if self.size == min(self.args.sizes):
            index = self.work / "index-multisegment"
            shutil.rmtree(index, ignore_errors=True)
            out["build_p2_multisegment"] = run_child(
                "build-multisegment",
                {"content": str(self.content), "index": str(index), "procs": 2, "full": True},
                self.logs / "multisegment",
            )
        return out

    def profile_build(self) -> dict:
        index = self.work / "index-profile"
        shutil.rmtree(index, ignore_errors=True)
        r = run_child(
            "build",
            {
                "content": str(self.content),
                "index": str(index),
                "procs": 1,
                "full": True,
                "profile": str(self.work / "profile-build.txt"),
            },
            self.logs / "profile-build",
        )
        shutil.rmtree(index, ignore_errors=True)
        return r

    def run(self) -> dict:
        log(f"{self.size}: corpus in {self.content}")
        manifest = corpus_mod.generate(self.size, self.content)
        self.load(manifest)
        self.work.mkdir(parents=True, exist_ok=True)
        self.phase("ceiling", self.ceiling)
        self.phase("build-p1", lambda: self.build(1))
        self.phase("baseline-build", self.baseline_build)
        self.phase("build-p2", lambda: self.build(2))
        self.phase("queries", self.queries)
        self.phase("baseline-queries", self.baseline_queries)
        self.phase("server", self.server)
        if self.size == min(self.args.sizes) and not self.args.no_profile:
            self.phase("profile-build", self.profile_build)
        if self.args.bounds:
            self.phase("bounds", self.bounds)
        self.state["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        self.save()
        return self.state


def _proc_cpu_s(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
    conn.request("GET", path)
    r = conn.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, {}


def _concurrent(port: int, mix, clients: int) -> dict:
    """The mix split over ``clients`` keep-alive connections at once."""
    lat: list[float] = []
    lock = threading.Lock()

    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for s in part:
            t = time.perf_counter()
            _get(conn, s.api_path(PAGELEN))
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


_POOL_SEG = None


def _pool_init(content: str) -> None:
    global _POOL_SEG
    from indexer.build import segmenter_for

    _POOL_SEG = segmenter_for(content)


def _pool_warm(_):
    from indexer.analysis.thai import analyse

    return len(analyse("อุ่นเครื่อง", _POOL_SEG))


def _pool_analyse(chunk: list[str]) -> int:
    from indexer.analysis.thai import analyse

    return sum(len(analyse(b, _POOL_SEG)) for b in chunk)


# --- summary, targets, table, plot ------------------------------------------------------


def summarise(state: dict) -> dict:
    ph = state["phases"]
    c = state["corpus"]
    mb = c["body_bytes"] / 1e6
    n = c["documents"]
    s: dict = {"documents": n, "body_mb": mb, "file_mb": c["file_bytes"] / 1e6}
    for name in ("build-p1", "build-p2", "baseline-build"):
        if name in ph:
            secs = ph[name]["seconds"]
            s[name] = {
                "s": secs,
                "cpu_s": ph[name]["child_cpu_s"],
                "docs_s": n / secs,
                "mb_s": mb / secs,
                "maxrss_mb": ph[name]["maxrss_mb"],
                "peak_tree_rss_mb": ph[name]["peak_tree_rss_mb"],
                "index_mb": ph[name]["index_bytes"] / 1e6,
                "postfiles_mb": ph[name].get("postfiles_bytes", 0) / 1e6,
            }
    base = s.get("baseline-build", {}).get("s")
    for name in ("build-p1", "build-p2"):
        if name in s and base:
            s[name]["vs_baseline_time"] = s[name]["s"] / base
            s[name]["vs_baseline_cpu"] = s[name]["cpu_s"] / s["baseline-build"]["cpu_s"]
            s[name]["index_vs_baseline"] = s[name]["index_mb"] / s["baseline-build"]["index_mb"]
    if "build-p1" in s and "build-p2" in s:
        s["procs2_speedup"] = s["build-p1"]["s"] / s["build-p2"]["s"]
        s["procs2_cpu_ratio"] = s["build-p2"]["cpu_s"] / s["build-p1"]["cpu_s"]
    if "ceiling" in ph:
        ce = ph["ceiling"]
        s["ceiling"] = {
            k: ce.get(k)
            for k in (
                "analyse_1proc_mb_s",
                "analyse_1proc_mb_cpu_s",
                "analyse_pool2_mb_s",
                "pool2_speedup",
                "words_and_grams_mb_s",
                "nlpo3_segment_only_mb_s",
            )
        }
        for name in ("build-p1", "build-p2"):
            if name in s:
                s[name]["of_1proc_ceiling"] = s[name]["mb_s"] / ce["analyse_1proc_mb_s"]
                s[name]["of_2core_ceiling"] = s[name]["mb_s"] / ce["analyse_pool2_mb_s"]
                if ce.get("analyse_1proc_cpu_s"):
                    # CPU seconds of the build per CPU second of analyse: contention cancels out
                    s[name]["cpu_per_ceiling_cpu"] = s[name]["cpu_s"] / ce["analyse_1proc_cpu_s"]
    if "queries" in ph:
        q = ph["queries"]
        s["query"] = {
            "snippets": q["snippets_ms"],
            "snippets_cpu": q["snippets_cpu_ms"],
            "no_snippets_subset": q["no_snippets_subset_ms"],
            "stages_cpu": q.get("stages_cpu_ms"),
            "open_index_ms": q["open_index_ms"],
            "by_kind": q["snippets_by_kind"],
            "partial": q.get("partial", 0),
            "n": q["snippets_ms"]["n"],
            "process_rss_mb": q["status"].get("VmRSS", 0) / 1024,
            "process_hwm_mb": q["status"].get("VmHWM", 0) / 1024,
        }
    if "baseline-queries" in ph:
        b = ph["baseline-queries"]
        s["baseline_query"] = {
            "plain": b["plain_ms"],
            "plain_cpu": b["plain_cpu_ms"],
            "process_rss_mb": b["status"].get("VmRSS", 0) / 1024,
            "process_hwm_mb": b["status"].get("VmHWM", 0) / 1024,
        }
        if "query" in s:
            for k in ("p50", "p95", "p99"):
                s["query"][f"{k}_vs_baseline"] = s["query"]["snippets"][k] / b["plain_ms"][k]
                s["query"][f"{k}_cpu_vs_baseline"] = s["query"]["snippets_cpu"][k] / b["plain_cpu_ms"][k]
    if "server" in ph:
        sv = ph["server"]
        s["server"] = {
            "http": sv["http_ms"],
            "errors": sv["errors"],
            "startup_s": sv["startup_s"],
            "cpu_ms_per_query": sv.get("server_cpu_ms_per_query"),
            "partial": sv.get("partial", 0),
            "rss_anon_mb": sv["rss_after_mix"].get("RssAnon", 0) / 1024,
            "rss_file_mb": sv["rss_after_mix"].get("RssFile", 0) / 1024,
            "rss_idle_mb": sv["rss_after_first_query"].get("VmRSS", 0) / 1024,
            "rss_mb": sv["rss_after_mix"].get("VmRSS", 0) / 1024,
            "hwm_mb": max(sv.get(k, {}).get("VmHWM", 0) for k in ("rss_after_mix", "rss_after_concurrent", "rss_end"))
            / 1024,
            "concurrent": sv["concurrent"],
            "by_kind": sv["http_by_kind"],
        }
        if "baseline_query" in s:
            s["server"]["p95_vs_baseline"] = sv["http_ms"]["p95"] / s["baseline_query"]["plain"]["p95"]
            s["server"]["rss_vs_baseline_process"] = s["server"]["hwm_mb"] / s["baseline_query"]["process_hwm_mb"]
    if "bounds" in ph:
        b = ph["bounds"]
        s["bounds"] = {
            "no_match_ms": b["no_match_ms"],
            "search_cpu_ms": {
                k: {kk: v[kk] for kk in ("p50", "p95", "mean", "mean_hits")} for k, v in b["search_cpu_ms"].items()
            },
        }
        if "build_p2_multisegment" in b:
            m = b["build_p2_multisegment"]
            s["bounds"]["build_p2_multisegment"] = {"s": m["seconds"], "cpu_s": m["child_cpu_s"]}
            if "build-p1" in s:
                s["bounds"]["build_p2_multisegment"]["speedup_over_p1"] = s["build-p1"]["s"] / m["seconds"]
    if "incremental" in ph:
        inc = ph["incremental"]
        s["incremental"] = {
            k: inc[k]
            for k in (
                "nochange_build_s",
                "build_s_median",
                "searchable_s_median",
                "searchable_s_max",
                "cli_build_s",
                "cli_searchable_s",
            )
        }
        if "build-p1" in s:
            s["incremental"]["vs_full_build"] = inc["build_s_median"] / s["build-p1"]["s"]
    return s


def targets(summaries: dict[int, dict]) -> list[dict]:
    out = []

    def add(key, size, value, limit, ok, unit=""):
        out.append({"target": TARGETS_NOTE[key], "size": size, "value": value, "limit": limit, "met": ok, "unit": unit})

    for n, s in sorted(summaries.items()):
        if "procs2_speedup" in s:
            add("procs2_speedup", n, s["procs2_speedup"], 1.6, s["procs2_speedup"] >= 1.6, "x")
        if "vs_baseline_time" in s.get("build-p2", {}):
            v = s["build-p2"]["vs_baseline_time"]
            add("vs_baseline", n, v, 1.0, v <= 1.0, "x baseline time")
        if n == 10_000:
            for name in ("build-p1", "build-p2"):
                if name in s:
                    add("build_10k", n, s[name]["s"], 60, s[name]["s"] < 60, f"s ({name})")
        if "incremental" in s:
            v = s["incremental"]["searchable_s_max"]
            add("searchable_1s", n, v, 1.0, v < 1.0, "s (worst of 3)")
        if n in (10_000, 50_000) and "query" in s:
            limit = 30 if n == 10_000 else 100
            v = s["query"]["snippets"]["p95"]
            add("p95_10k" if n == 10_000 else "p95_50k", n, v, limit, v < limit, "ms in-process")
            v = s["query"]["snippets_cpu"]["p95"]
            add("p95_10k" if n == 10_000 else "p95_50k", n, v, limit, v < limit, "ms CPU in-process")
            if "server" in s:
                v = s["server"]["http"]["p95"]
                add("p95_10k" if n == 10_000 else "p95_50k", n, v, limit, v < limit, "ms over HTTP")
        if n == 50_000 and "server" in s:
            v = s["server"]["hwm_mb"]
            add("server_50k", n, v, 300, v < 300, "MB VmHWM")
    return out


def _f(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def table(summaries: dict[int, dict]) -> str:
    sizes = sorted(summaries)

    def g(s, *path):
        for p in path:
            if not isinstance(s, dict) or p not in s:
                return None
            s = s[p]
        return s

    rows: list[tuple[str, list[str]]] = []

    def row(label, fn):
        rows.append((label, [fn(summaries[n]) for n in sizes]))

    row("documents / body text MB", lambda s: f"{s['documents']:,} / {s['body_mb']:.1f}")
    for name, label in (
        ("build-p1", "full build procs=1"),
        ("build-p2", "full build procs=2"),
        ("baseline-build", "baseline build (whoosh+newmm)"),
    ):
        row(
            f"{label}: s (docs/s, MB/s)",
            lambda s, n=name: (
                "-" if not g(s, n) else f"{g(s, n, 's'):.1f} ({g(s, n, 'docs_s'):.0f}, {g(s, n, 'mb_s'):.3f})"
            ),
        )
    row(
        "  CPU s p1 / p2 / baseline",
        lambda s: (
            f"{_f(g(s, 'build-p1', 'cpu_s'))} / {_f(g(s, 'build-p2', 'cpu_s'))} / {_f(g(s, 'baseline-build', 'cpu_s'))}"
        ),
    )
    row("procs=2 speed-up over procs=1 (wall)", lambda s: _f(g(s, "procs2_speedup"), 2) + "x")
    row("  CPU of procs=2 / CPU of procs=1", lambda s: _f(g(s, "procs2_cpu_ratio"), 2) + "x")
    row(
        "build / baseline wall (p1, p2)",
        lambda s: f"{_f(g(s, 'build-p1', 'vs_baseline_time'), 2)}x, {_f(g(s, 'build-p2', 'vs_baseline_time'), 2)}x",
    )
    row(
        "build / baseline CPU (p1, p2)",
        lambda s: f"{_f(g(s, 'build-p1', 'vs_baseline_cpu'), 2)}x, {_f(g(s, 'build-p2', 'vs_baseline_cpu'), 2)}x",
    )
    row(
        "ceiling analyse 1 proc / Pool(2) MB/s",
        lambda s: f"{_f(g(s, 'ceiling', 'analyse_1proc_mb_s'), 3)} / {_f(g(s, 'ceiling', 'analyse_pool2_mb_s'), 3)}",
    )
    row(
        "  words+grams 1 proc / nlpo3 alone MB/s",
        lambda s: (
            f"{_f(g(s, 'ceiling', 'words_and_grams_mb_s'), 3)} / {_f(g(s, 'ceiling', 'nlpo3_segment_only_mb_s'), 2)}"
        ),
    )
    row(
        "build p2 share of 2-core ceiling",
        lambda s: (
            "-"
            if g(s, "build-p2", "of_2core_ceiling") is None
            else f"{100 * g(s, 'build-p2', 'of_2core_ceiling'):.0f}%"
        ),
    )
    row(
        "build p1 share of 1-proc ceiling",
        lambda s: (
            "-"
            if g(s, "build-p1", "of_1proc_ceiling") is None
            else f"{100 * g(s, 'build-p1', 'of_1proc_ceiling'):.0f}%"
        ),
    )
    row("  build CPU / analyse CPU (p1)", lambda s: _f(g(s, "build-p1", "cpu_per_ceiling_cpu"), 2) + "x")
    row(
        "peak RSS MB build p1 / p2 tree / base",
        lambda s: (
            f"{_f(g(s, 'build-p1', 'maxrss_mb'), 0)} / "
            f"{_f(g(s, 'build-p2', 'peak_tree_rss_mb'), 0)} / {_f(g(s, 'baseline-build', 'maxrss_mb'), 0)}"
        ),
    )
    row(
        "index MB kmsearch p1 / p2 / baseline",
        lambda s: (
            f"{_f(g(s, 'build-p1', 'index_mb'))} / "
            f"{_f(g(s, 'build-p2', 'index_mb'))} / {_f(g(s, 'baseline-build', 'index_mb'))}"
        ),
    )
    row("  of which postfiles MB (p2)", lambda s: _f(g(s, "build-p2", "postfiles_mb")))
    row("one-doc update: build s (median)", lambda s: _f(g(s, "incremental", "build_s_median"), 2))
    row(
        "  searchable over HTTP s (median/max)",
        lambda s: (
            f"{_f(g(s, 'incremental', 'searchable_s_median'), 2)} / {_f(g(s, 'incremental', 'searchable_s_max'), 2)}"
        ),
    )
    row(
        "  no-change build s / CLI cold s",
        lambda s: f"{_f(g(s, 'incremental', 'nochange_build_s'), 2)} / {_f(g(s, 'incremental', 'cli_build_s'), 2)}",
    )
    row(
        "query ms p50/p95/p99 (snippets)",
        lambda s: "/".join(_f(g(s, "query", "snippets", k)) for k in ("p50", "p95", "p99")),
    )
    row("  CPU ms p50/p95/p99", lambda s: "/".join(_f(g(s, "query", "snippets_cpu", k)) for k in ("p50", "p95", "p99")))
    row(
        "  no snippets (subset) p50/p95",
        lambda s: "/".join(_f(g(s, "query", "no_snippets_subset", k)) for k in ("p50", "p95")),
    )
    row(
        "  CPU share parse / search / snippets",
        lambda s: (
            "-"
            if not g(s, "query", "stages_cpu", "parse_share")
            else "/".join(
                f"{100 * g(s, 'query', 'stages_cpu', k + '_share'):.0f}%" for k in ("parse", "search", "hits_snippets")
            )
        ),
    )
    row(
        "  baseline p50/p95/p99",
        lambda s: "/".join(_f(g(s, "baseline_query", "plain", k)) for k in ("p50", "p95", "p99")),
    )
    row(
        "  baseline CPU ms p50/p95/p99",
        lambda s: "/".join(_f(g(s, "baseline_query", "plain_cpu", k)) for k in ("p50", "p95", "p99")),
    )
    row(
        "  kmsearch / baseline p50, p95 (wall)",
        lambda s: f"{_f(g(s, 'query', 'p50_vs_baseline'), 1)}x, {_f(g(s, 'query', 'p95_vs_baseline'), 1)}x",
    )
    row(
        "  kmsearch / baseline p50, p95 (CPU)",
        lambda s: f"{_f(g(s, 'query', 'p50_cpu_vs_baseline'), 1)}x, {_f(g(s, 'query', 'p95_cpu_vs_baseline'), 1)}x",
    )
    row(
        "  cut by SEARCH_TIME_LIMIT in-process / HTTP",
        lambda s: f"{_f(g(s, 'query', 'partial'))} / {_f(g(s, 'server', 'partial'))} of {_f(g(s, 'query', 'n'))}",
    )
    row(
        "HTTP /api/search ms p50/p95/p99",
        lambda s: "/".join(_f(g(s, "server", "http", k)) for k in ("p50", "p95", "p99")),
    )
    row("  server CPU ms per query", lambda s: _f(g(s, "server", "cpu_ms_per_query")))
    row(
        "  4 clients: queries/s, p95 ms",
        lambda s: (
            f"{_f(g(s, 'server', 'concurrent', 'queries_per_s'))}, "
            f"{_f(g(s, 'server', 'concurrent', 'latency_ms', 'p95'))}"
        ),
    )
    row(
        "server RSS MB idle / after mix / HWM",
        lambda s: (
            f"{_f(g(s, 'server', 'rss_idle_mb'), 0)} / "
            f"{_f(g(s, 'server', 'rss_mb'), 0)} / {_f(g(s, 'server', 'hwm_mb'), 0)}"
        ),
    )
    row(
        "  server RSS after mix: anon / file-backed MB",
        lambda s: f"{_f(g(s, 'server', 'rss_anon_mb'), 0)} / {_f(g(s, 'server', 'rss_file_mb'), 0)}",
    )
    row(
        "  search process HWM kmsearch / baseline",
        lambda s: f"{_f(g(s, 'query', 'process_hwm_mb'), 0)} / {_f(g(s, 'baseline_query', 'process_hwm_mb'), 0)}",
    )
    width = max(len(r[0]) for r in rows)
    cols = [max(len(f"{n:,}"), *(len(r[1][i]) for r in rows)) for i, n in enumerate(sizes)]
    lines = ["".ljust(width) + "  " + "  ".join(f"{n:,}".rjust(w) for n, w in zip(sizes, cols))]
    for label, cells in rows:
        lines.append(label.ljust(width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, cols)))
    return "\n".join(lines)


def _index_mb(s: dict) -> float | None:
    """The one-process build's index, else the two-process one (50 000
    documents are built with procs=2 only)."""
    return (s.get("build-p1") or s.get("build-p2") or {}).get("index_mb")


def growth(summaries: dict[int, dict]) -> dict:
    """Exponent b of cost ~ N^b between consecutive sizes (1 = linear)."""
    sizes = sorted(summaries)
    metrics = {
        "build_p1_s": lambda s: s.get("build-p1", {}).get("s"),
        "build_p2_s": lambda s: s.get("build-p2", {}).get("s"),
        "baseline_build_s": lambda s: s.get("baseline-build", {}).get("s"),
        "query_p95_ms": lambda s: s.get("query", {}).get("snippets", {}).get("p95"),
        "baseline_query_p95_ms": lambda s: s.get("baseline_query", {}).get("plain", {}).get("p95"),
        "http_p95_ms": lambda s: s.get("server", {}).get("http", {}).get("p95"),
        "index_mb": _index_mb,
        "server_hwm_mb": lambda s: s.get("server", {}).get("hwm_mb"),
        "one_doc_update_s": lambda s: s.get("incremental", {}).get("build_s_median"),
    }
    out = {}
    for name, fn in metrics.items():
        steps = []
        for a, b in zip(sizes, sizes[1:]):
            va, vb = fn(summaries[a]), fn(summaries[b])
            if va and vb:
                steps.append({"from": a, "to": b, "exponent": round(math.log(vb / va) / math.log(b / a), 2)})
        out[name] = steps
    return out


def svg_plot(summaries: dict[int, dict], path: Path, title: str) -> None:
    """Three log-log panels: build time, query p95, index size against documents."""
    sizes = sorted(summaries)
    panels = [
        (
            "full build (s)",
            [
                ("kmsearch procs=1", "#1f77b4", lambda s: s.get("build-p1", {}).get("s")),
                ("kmsearch procs=2", "#2ca02c", lambda s: s.get("build-p2", {}).get("s")),
                ("whoosh+newmm", "#d62728", lambda s: s.get("baseline-build", {}).get("s")),
            ],
        ),
        (
            "query p95 (ms)",
            [
                ("kmsearch in-process", "#1f77b4", lambda s: s.get("query", {}).get("snippets", {}).get("p95")),
                ("kmsearch HTTP", "#2ca02c", lambda s: s.get("server", {}).get("http", {}).get("p95")),
                ("whoosh+newmm", "#d62728", lambda s: s.get("baseline_query", {}).get("plain", {}).get("p95")),
            ],
        ),
        (
            "index size (MB)",
            [
                ("kmsearch", "#1f77b4", _index_mb),
                ("whoosh+newmm", "#d62728", lambda s: s.get("baseline-build", {}).get("index_mb")),
            ],
        ),
    ]
    W, H, pad_l, pad_r, pad_t, pad_b = 300, 240, 52, 12, 28, 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * W}" height="{H + 46}" font-family="sans-serif" font-size="11">',  # noqa: E501
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="8" y="16" font-size="13">{_esc(title)}</text>',
    ]
    xs = [math.log10(n) for n in sizes]
    xlo, xhi = (min(xs) - 0.15, max(xs) + 0.15) if xs else (0, 1)
    for i, (name, series) in enumerate(panels):
        ox, oy = i * W, 24
        vals = [fn(summaries[n]) for _, _, fn in series for n in sizes]
        vals = [v for v in vals if v]
        if not vals:
            continue
        ylo, yhi = math.floor(math.log10(min(vals)) * 2) / 2, math.ceil(math.log10(max(vals)) * 2) / 2 + 1e-9
        if yhi - ylo < 1:
            yhi = ylo + 1

        def px(x):
            return ox + pad_l + (x - xlo) / (xhi - xlo) * (W - pad_l - pad_r)

        def py(y):
            return oy + pad_t + (1 - (y - ylo) / (yhi - ylo)) * (H - pad_t - pad_b)

        parts.append(f'<text x="{ox + pad_l}" y="{oy + 16}" font-size="12">{_esc(name)}, log-log</text>')
        parts.append(
            f'<rect x="{px(xlo)}" y="{py(yhi)}" width="{px(xhi) - px(xlo)}" height="{py(ylo) - py(yhi)}" '
            f'fill="none" stroke="#999"/>'
        )
        k = math.ceil(ylo)
        while k <= yhi:
            parts.append(f'<line x1="{px(xlo)}" x2="{px(xhi)}" y1="{py(k):.1f}" y2="{py(k):.1f}" stroke="#eee"/>')
            parts.append(f'<text x="{px(xlo) - 4}" y="{py(k) + 4:.1f}" text-anchor="end">{_num(10**k)}</text>')
            k += 1
        for n, x in zip(sizes, xs):
            parts.append(f'<text x="{px(x):.1f}" y="{py(ylo) + 14:.1f}" text-anchor="middle">{n:,}</text>')
        parts.append(
            f'<text x="{px((xlo + xhi) / 2):.1f}" y="{py(ylo) + 28:.1f}" text-anchor="middle">documents</text>'
        )
        for j, (label, color, fn) in enumerate(series):
            pts = [(px(math.log10(n)), py(math.log10(v))) for n in sizes if (v := fn(summaries[n]))]
            if len(pts) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                    + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
                    + '"/>'
                )
            for x, y in pts:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
            parts.append(f'<text x="{px(xlo) + 6}" y="{py(yhi) + 14 + 13 * j}" fill="{color}">{_esc(label)}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(v: float) -> str:
    return f"{v:g}" if v < 1e4 else f"{v:.0e}"


def render(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"kmsearch scale benchmark  {result['started']}",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']:,} MB, Python {m['python']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in m['loadavg_start'])}",
        f"command: {result['command']}",
        f"code fingerprint: {result['code']}",
        "",
        table(result["summaries"]),
        "",
        "targets:",
    ]
    for t in result["targets"]:
        lines.append(
            f"  [{'met ' if t['met'] else 'MISS'}] {t['target']} @ {t['size']:,}: "
            f"{t['value']:.2f} {t['unit']} (limit {t['limit']})"
        )
    for n, summ in sorted(result["summaries"].items()):
        bo = summ.get("bounds")
        if not bo:
            continue
        lines.append("")
        lines.append(f"what bounds a query @ {n:,} (CPU ms of SearchIndex.search, no time limit):")
        nm = bo["no_match_ms"]
        lines.append(
            "  a search matching nothing (facet_* include opening the index): "
            + ", ".join(f"{k.replace('facet_', 'facet ')} {v:.1f}" for k, v in nm.items())
        )
        for name, v in bo["search_cpu_ms"].items():
            lines.append(
                f"  {name:45s} p50 {v['p50']:8.1f}  p95 {v['p95']:8.1f}  mean {v['mean']:8.1f}"
                f"  (hits {v['mean_hits']:.0f})"
            )
        if "build_p2_multisegment" in bo:
            m = bo["build_p2_multisegment"]
            lines.append(
                f"  full build procs=2 with multisegment=True: {m['s']:.1f} s, {m['cpu_s']:.1f} CPU s, "
                f"{_f(m.get('speedup_over_p1'), 2)}x procs=1 of this run"
            )
    lines.append("")
    lines.append("growth (cost ~ N^b):")
    for name, steps in result["growth"].items():
        if steps:
            lines.append(f"  {name}: " + ", ".join(f"{s['from']:,}->{s['to']:,}: b={s['exponent']}" for s in steps))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_child":
        result = CHILDREN[argv[1]](json.loads(argv[2]))
        print(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n\n")[0])
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


if __name__ == "__main__":
    sys.exit(main())
