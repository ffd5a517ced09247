"""The query job, run in a child process: the mix through kmsearch's
Repository.run_query as the pages call it, or through the plain baseline;
latencies, CPU time, the stages of a query and the process's memory."""

from __future__ import annotations

import cProfile
import statistics
import time
from pathlib import Path

from .. import querymix
from .base import PAGELEN, percentiles
from .measure import proc_status
from .profiles import save_profile


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

        from ..systems import newmm_words

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
                search_mod._hit_view(h.fields, h.score, parsed.marks, ix, repo.settings["SNIPPET_CHARS"])
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
