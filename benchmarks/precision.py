"""Precision benchmark: what a person sees around the first result (issue 14, item 9).

    .venv/bin/python -m benchmarks.precision [--workers N] [--words 300] [--queries 200]

One run over ../shared/data/nitibench-dev (Thai legal questions over 5 127
law sections) and ../shared/data/thai-qa-dev (Thai Wikipedia passages):

- MRR@10, HR@10 and nDCG@10 on nitibench-dev's judged questions, for
  kmsearch and its peers (benchmarks/systems.py);
- on both sets: false corrections of dictionary words the corpus holds and
  of ones it lacks; top-10 noise of one-word queries and of two adjacent
  words typed without a space; the reported total of two-word queries over
  the documents holding both words;

printed as one table beside the issue's targets, with the machine and the
command.  Writes benchmarks/out/precision.json and precision-queries.jsonl.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import random
import re
import resource
import shlex
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from . import families as fam
from .corpus import DATA_DIR
from .metrics import K, hit_rate, score
from .relevance import Clock, _build, _progress, _rel, _run, _table, machine

ROOT = Path(__file__).resolve().parent.parent
SHARED = DATA_DIR
DATASETS = ("nitibench-dev", "thai-qa-dev")
RETRIEVAL = "nitibench-dev"  # the set whose judged questions are scored here
OUT = ROOT / "benchmarks" / "out"
SEED = "kmsearch-precision-1"
CHUNK = 40
KMSEARCH = "kmsearch"
PEERS = ("fts5-trigram", "fts5-trigram-norm", "fts5-trigram-norm-grams", "whoosh-newmm")

# Thai letters, vowels, tone marks and signs; not ฯ (U+0E2F), ๆ (U+0E46),
# digits or ๏ ๚ ๛: a "Thai word" here is one a person types as a word.
_THAI_WORD = re.compile("[\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e]{2,}")

# Targets of issue 14 ("a benchmark, not timed tests").
FALSE_CORRECTIONS_MAX = 0.01
ONE_WORD_NOISE_MAX = 0.01
NO_SPACE_NOISE_MAX = 0.03
TOTAL_RATIO_MAX = 1.2
MRR_MARGIN = 0.02


# --- the metrics (pure; tests/test_bench_precision.py) -------------------------


def is_thai_word(word: str, normalise=None) -> bool:
    """Thai letters only, 2+ characters, already in normalised form."""
    if _THAI_WORD.fullmatch(word) is None:
        return False
    if normalise is None:
        from indexer.analysis.thai import normalise
    return normalise(word) == word


def noise(hits: Sequence[str], texts: Mapping[str, str], needles: Iterable[str], k: int = K) -> tuple[int, int]:
    """(noisy, shown) among the top ``k``: a result is noise when its text
    (normalised title + body) contains none of ``needles``, not even inside
    another word."""
    needles = [n for n in needles if n]
    top = list(hits)[:k]
    return sum(1 for h in top if not any(n in texts[h] for n in needles)), len(top)


def ranked_ids(system: str, pages: Mapping[str, dict], peer_ranked: Mapping[str, dict]):
    """The ids ``system`` ranked for a query text: kmsearch's from its result
    pages, a peer's from its own run."""
    if system == KMSEARCH:
        return lambda text: pages[text]["hits"]
    return lambda text: peer_ranked[system][text]


def pooled_share(counts: Iterable[tuple[int, int]]) -> float | None:
    """Noisy results over results shown, pooled over queries (a query that
    shows 3 results weighs 3, one that shows none weighs nothing)."""
    noisy = shown = 0
    for a, b in counts:
        noisy, shown = noisy + a, shown + b
    return noisy / shown if shown else None


def total_ratio(total: int, holding: int) -> float | None:
    """The reported total over the documents that hold both words."""
    return total / holding if holding else None


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    if not s:
        return None
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def holding(words: Sequence[str], doc_words: Iterable[frozenset[str]]) -> int:
    """Documents whose segmented words include every one of ``words``."""
    return sum(1 for ws in doc_words if all(w in ws for w in words))


def holding_text(words: Sequence[str], texts: Iterable[str]) -> int:
    """Documents whose normalised text contains every one of ``words`` as a substring."""
    return sum(1 for t in texts if all(w in t for w in words))


# --- the corpus as the index segments it, and the probes drawn from it ----------


@dataclass
class Corpus:
    ids: list[str]
    texts: list[str]  # normalised title + "\n" + body
    words: list[frozenset[str]]  # segmented words of each document
    runs: list[list[tuple[str, bool]]]  # each document's words in order; True = touches the previous one

    @property
    def vocabulary(self) -> set[str]:
        return set().union(*self.words) if self.words else set()


def analyse_corpus(docs: Sequence, segmenter) -> Corpus:
    """Segment every document with ``segmenter`` (indexer.thai.analyse: the
    analysis the index's word field gets)."""
    from indexer.analysis.thai import analyse, normalise

    ids, texts, words, runs = [], [], [], []
    for d in docs:
        raw = d.title + "\n" + d.text
        toks = analyse(raw, segmenter)
        ids.append(d.id)
        texts.append(normalise(raw))
        words.append(frozenset(t.text for t in toks))
        runs.append([(t.text, i > 0 and toks[i - 1].end == t.start) for i, t in enumerate(toks)])
    return Corpus(ids, texts, words, runs)


def _rng(dataset: str, purpose: str) -> random.Random:
    return random.Random(f"{SEED}:{dataset}:{purpose}")


def _sample(pool: Iterable, n: int, rng: random.Random) -> list:
    pool = sorted(pool)
    return rng.sample(pool, min(n, len(pool)))


def make_probes(
    dataset: str, corpus: Corpus, dictionary: set[str], stop: set[str], exclude: set[str], n_words: int, n_queries: int
) -> dict:
    """The probe queries of one data set, deterministic given the seed.

    - present / absent: dictionary words the corpus holds as segmented
      words, and ones it does not;
    - one-word: content words (dictionary, not stop or synonym-table words)
      the corpus holds;
    - no-space: two content words standing next to each other in some
      document (no space or punctuation between them), joined; not
      themselves a dictionary word;
    - two-word: two content words of one document, space-separated, in
      their order there, with the documents that hold both.
    """
    vocab = corpus.vocabulary
    content = {w for w in vocab & dictionary if w not in stop and w not in exclude}
    probes: dict = {
        "present": _sample(vocab & dictionary, n_words, _rng(dataset, "present")),
        "absent": _sample(dictionary - vocab, n_words, _rng(dataset, "absent")),
        "one-word": _sample(content, n_queries, _rng(dataset, "one-word")),
    }
    adjacent = {
        (a[0], b[0])
        for run in corpus.runs
        for a, b in zip(run, run[1:])
        if b[1] and a[0] in content and b[0] in content and a[0] != b[0] and a[0] + b[0] not in dictionary
    }
    probes["no-space"] = [
        {"text": a + b, "words": [a, b]} for a, b in _sample(adjacent, n_queries, _rng(dataset, "no-space"))
    ]
    rng = _rng(dataset, "two-word")
    order = list(range(len(corpus.ids)))
    rng.shuffle(order)
    seen: set[tuple[str, str]] = set()
    two = []
    for i in order:
        if len(two) >= n_queries:
            break
        own = list(dict.fromkeys(w for w, _ in corpus.runs[i] if w in content))
        if len(own) < 2:
            continue
        a, b = sorted(rng.sample(range(len(own)), 2))
        pair = (own[a], own[b])
        if pair in seen:
            continue
        seen.add(pair)
        two.append(
            {
                "text": f"{pair[0]} {pair[1]}",
                "words": list(pair),
                "doc": corpus.ids[i],
                "holding_words": holding(pair, corpus.words),
                "holding_text": holding_text(pair, corpus.texts),
            }
        )
    probes["two-word"] = two
    df = {w: holding((w,), corpus.words) for w in probes["one-word"]}
    probes["one-word-df"] = df
    probes["absent-as-text"] = sum(1 for w in probes["absent"] if any(w in t for t in corpus.texts))
    return probes


def synonym_terms() -> set[str]:
    """Both sides of the abbreviation table the benchmark's synonyms.txt holds:
    a result found through a synonym does not contain the query word, so such
    words are left out of the noise probes."""
    from indexer.analysis.thai import normalise

    return {normalise(x).replace(".", "").strip() for pair in fam.ABBREVIATIONS for x in pair}


# --- worker side ----------------------------------------------------------------

_repos: dict[str, tuple] = {}


def _prepare(dataset: str, data_dir: str, work: str, n_words: int, n_queries: int) -> dict:
    """Segment the corpus with the built content folder's segmenter and draw the probes."""
    from pythainlp.corpus import thai_words

    from indexer import segmenter_for
    from indexer.content.wordlists import read_words

    content = Path(work) / f"{KMSEARCH}-clean" / "content"
    segmenter = segmenter_for(content)
    corpus = analyse_corpus(fam.load_docs(data_dir), segmenter)
    dictionary = {w for w in set(thai_words()) | set(read_words(content)[0]) if is_thai_word(w)}
    stop = set(fam._stopwords())
    probes = make_probes(dataset, corpus, dictionary, stop, synonym_terms(), n_words, n_queries)
    return {
        "probes": probes,
        "texts": dict(zip(corpus.ids, corpus.texts)),
        "vocabulary": len(corpus.vocabulary),
        "dictionary": len(dictionary),
        "dictionary_present": len(corpus.vocabulary & dictionary),
        "segmenter": segmenter.engine,
    }


def _kmsearch(work: str, texts: list[str]) -> tuple[dict, tuple[float, float]]:
    """kmsearch's pages for ``texts``: top-10 ids, total, suggestion, partial."""
    from kmsearch.config import load_settings
    from kmsearch.search.repository import Repository

    folder = Path(work) / f"{KMSEARCH}-clean"
    if str(folder) not in _repos:
        ids = json.loads((folder / "ids.json").read_text())
        repo = Repository(load_settings({"CONTENT_DIR": str(folder / "content"), "INDEX_DIR": str(folder / "index")}))
        _repos[str(folder)] = (ids, repo, repo.open_index())
    ids, repo, ix = _repos[str(folder)]
    clock = Clock()
    out = {}
    for t in texts:
        page = repo.run_query(ix, t, pagelen=K, snippets=False)
        out[t] = {
            "hits": [ids[h.id] for h in page.hits],
            "total": page.total,
            "suggestion": page.suggestion,
            "partial": bool(getattr(page, "partial", False)),
        }
    return out, clock.read()


# --- the run ----------------------------------------------------------------------


def _texts_for_kmsearch(probes: dict) -> list[str]:
    texts = probes["present"] + probes["absent"] + probes["one-word"]
    texts += [p["text"] for p in probes["no-space"]] + [p["text"] for p in probes["two-word"]]
    return sorted(set(texts))


def _texts_for_peers(probes: dict) -> list[str]:
    return sorted(set(probes["one-word"]) | {p["text"] for p in probes["no-space"]})


def run(args) -> dict:
    systems = [KMSEARCH, *args.peers]
    clock = Clock()
    data = {ds: str(args.shared / ds) for ds in DATASETS}
    judged = fam.load_queries(data[RETRIEVAL])
    judged_texts = sorted({q.text for q in judged})
    os.environ.setdefault("PYTHONHASHSEED", "0")  # kmsearch's tie order follows the hash seed

    prepared: dict[str, dict] = {}
    built: dict[str, set[str]] = {ds: set() for ds in DATASETS}
    build_s: dict[str, dict[str, tuple[float, float]]] = {ds: {} for ds in DATASETS}
    pages: dict[str, dict] = {ds: {} for ds in DATASETS}  # kmsearch
    ranked: dict[str, dict[str, dict]] = {ds: {s: {} for s in systems} for ds in DATASETS}
    query_s = {s: [0.0, 0.0, 0] for s in systems}
    partial = {s: 0 for s in systems}
    with (
        tempfile.TemporaryDirectory(prefix="kmsearch-precision-") as tmp,
        ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        work = {ds: str(Path(tmp) / ds) for ds in DATASETS}
        jobs: dict = {}

        def queue(kind: str, ds: str, s: str, texts: list[str]) -> None:
            for i in range(0, len(texts), CHUNK):
                chunk = texts[i : i + CHUNK]
                if s == KMSEARCH:
                    jobs[pool.submit(_kmsearch, work[ds], chunk)] = (kind, ds, s)
                else:
                    jobs[pool.submit(_run, s, "clean", work[ds], chunk)] = (kind, ds, s)

        def queue_probes(ds: str, s: str) -> None:
            probes = prepared[ds]["probes"]
            texts = _texts_for_kmsearch(probes) if s == KMSEARCH else _texts_for_peers(probes)
            queue("probe", ds, s, texts)

        # kmsearch's builds are the long ones: first, so the peers fill the gaps.
        for s in systems:
            for ds in DATASETS:
                jobs[pool.submit(_build, s, "clean", data[ds], work[ds])] = ("build", ds, s)
        while jobs:
            done, _ = wait(jobs, return_when=FIRST_COMPLETED)
            for job in done:
                kind, ds, s = jobs.pop(job)
                if job.exception() is not None:
                    pool.shutdown(cancel_futures=True)  # fail now, not after every other job
                result = job.result()
                if kind == "build":
                    built[ds].add(s)
                    build_s[ds][s] = result
                    _progress(f"built {s} on {ds} in {result[0]:.1f}s")
                    if s == KMSEARCH:
                        jobs[pool.submit(_prepare, ds, data[ds], work[ds], args.words, args.queries)] = (
                            "prepare",
                            ds,
                            s,
                        )
                    elif ds in prepared:
                        queue_probes(ds, s)
                    if ds == RETRIEVAL:
                        queue("judged", ds, s, judged_texts)
                elif kind == "prepare":
                    prepared[ds] = result
                    _progress(f"probes of {ds} drawn ({result['vocabulary']} distinct words)")
                    for t in sorted(built[ds]):
                        queue_probes(ds, t)
                else:
                    got, (wall, cpu) = result[0], result[1]
                    query_s[s][0] += wall
                    query_s[s][1] += cpu
                    query_s[s][2] += len(got)
                    if s == KMSEARCH:
                        pages[ds].update(got)
                        partial[s] += sum(1 for p in got.values() if p["partial"])
                        if kind == "judged":
                            ranked[ds][s].update({t: p["hits"] for t, p in got.items()})
                    else:
                        ranked[ds][s].update(got)
                        partial[s] += len(result[2])
    wall, cpu = clock.read()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "systems": systems,
        "judged": judged,
        "prepared": prepared,
        "pages": pages,
        "ranked": ranked,
        "timings": {
            "build_s": {ds: {s: {"wall": w, "cpu": c} for s, (w, c) in b.items()} for ds, b in build_s.items()},
            "query_ms": {
                s: {"wall": 1000 * v[0] / max(1, v[2]), "cpu": 1000 * v[1] / max(1, v[2])} for s, v in query_s.items()
            },
            "queries": {s: v[2] for s, v in query_s.items()},
            "partial": partial,
            "total": {"wall": wall, "cpu": cpu + children.ru_utime + children.ru_stime},
        },
    }


# --- evaluation -------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def _x(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def evaluate(result: dict) -> tuple[list[dict], list[dict], dict]:
    """(table rows, per-query records, details)."""
    systems = result["systems"]
    rows: list[dict] = []
    records: list[dict] = []
    details: dict = {}

    # Judged retrieval on nitibench-dev.
    judged = result["judged"]
    ranked = result["ranked"][RETRIEVAL]
    retrieval = {}
    for s in systems:
        runs = [(ranked[s][q.text], q.relevant) for q in judged]
        sc = score(runs).as_dict()
        sc["hr@10"] = sum(hit_rate(r, rel) for r, rel in runs) / len(runs) if runs else 0.0
        retrieval[s] = sc
    details["retrieval"] = retrieval
    # The strongest FTS5 trigram peer of the run: plain fts5-trigram quotes
    # whitespace pieces, and a Thai question is mostly one piece.
    trigram = [s for s in systems if s.startswith("fts5-trigram")]
    best = max(trigram, key=lambda s: retrieval[s]["mrr@10"]) if trigram else None
    bar = retrieval[best]["mrr@10"] + MRR_MARGIN if best else None
    details["retrieval_bar"] = {"system": best, "mrr@10": bar}
    for key, label in (("mrr@10", "MRR@10"), ("hr@10", "HR@10"), ("ndcg@10", "nDCG@10")):
        row = {
            "measure": label,
            "data": RETRIEVAL,
            "n": len(judged),
            "values": {s: retrieval[s][key] for s in systems},
            "format": "score",
        }
        if key == "mrr@10" and bar is not None:
            row["target"] = f">= {best} + {MRR_MARGIN} = {bar:.3f}"
            row["pass"] = retrieval[KMSEARCH][key] >= bar
        rows.append(row)
    for q in judged:
        records.append(
            {
                "data": RETRIEVAL,
                "probe": "judged",
                "qid": q.qid,
                "query": q.text,
                "relevant": list(q.relevant),
                "ranks": {
                    s: next((i + 1 for i, d in enumerate(ranked[s][q.text][:K]) if d in q.relevant), None)
                    for s in systems
                },
                "top3": {s: ranked[s][q.text][:3] for s in systems},
            }
        )

    for ds in DATASETS:
        prep = result["prepared"][ds]
        probes, texts, pages = prep["probes"], prep["texts"], result["pages"][ds]
        peer_ranked = result["ranked"][ds]
        det = details[ds] = {
            "vocabulary": prep["vocabulary"],
            "dictionary": prep["dictionary"],
            "dictionary_present": prep["dictionary_present"],
            "absent_as_text": probes["absent-as-text"],
            "segmenter": prep["segmenter"],
        }

        # False corrections.
        for which, label in (
            ("present", "false corrections, dictionary words the corpus holds"),
            ("absent", "false corrections, dictionary words the corpus lacks"),
        ):
            words = probes[which]
            fixed = [(w, pages[w]["suggestion"]) for w in words if pages[w]["suggestion"] is not None]
            share = len(fixed) / len(words) if words else None
            det[f"corrected_{which}"] = fixed
            rows.append(
                {
                    "measure": label,
                    "data": ds,
                    "n": len(words),
                    "values": {KMSEARCH: share},
                    "format": "pct",
                    "target": f"<= {FALSE_CORRECTIONS_MAX:.0%}",
                    "pass": share is not None and share <= FALSE_CORRECTIONS_MAX,
                }
            )
            for w in words:
                records.append(
                    {
                        "data": ds,
                        "probe": which,
                        "query": w,
                        "suggestion": pages[w]["suggestion"],
                        "total": pages[w]["total"],
                    }
                )

        # One-word and no-space noise, every system.
        for probe, label, limit in (
            ("one-word", "top-10 noise, one-word queries", ONE_WORD_NOISE_MAX),
            ("no-space", "top-10 noise, two adjacent words without a space", NO_SPACE_NOISE_MAX),
        ):
            items = (
                [{"text": w, "words": [w]} for w in probes["one-word"]] if probe == "one-word" else probes["no-space"]
            )
            values, per_system = {}, {}
            for s in systems:
                hits_of = ranked_ids(s, pages, peer_ranked)
                counts = []
                for it in items:
                    needles = it["words"] + ([it["text"]] if probe == "no-space" else [])
                    hits = hits_of(it["text"])
                    c = noise(hits, texts, needles)
                    counts.append(c)
                    if s == KMSEARCH or c[0]:
                        rec = {
                            "data": ds,
                            "probe": probe,
                            "system": s,
                            "query": it["text"],
                            "words": it["words"],
                            "noisy": c[0],
                            "shown": c[1],
                            "noisy_ids": [h for h in hits[:K] if not any(n in texts[h] for n in needles)],
                        }
                        if s == KMSEARCH:
                            rec["total"] = pages[it["text"]]["total"]
                            rec["suggestion"] = pages[it["text"]]["suggestion"]
                        if probe == "one-word":
                            rec["df"] = probes["one-word-df"][it["text"]]
                        records.append(rec)
                values[s] = pooled_share(counts)
                per_system[s] = {
                    "noisy": sum(a for a, _ in counts),
                    "shown": sum(b for _, b in counts),
                    "queries_with_noise": sum(1 for a, _ in counts if a),
                }
            det[probe] = per_system
            rows.append(
                {
                    "measure": label,
                    "data": ds,
                    "n": len(items),
                    "values": values,
                    "format": "pct",
                    "target": f"<= {limit:.0%}",
                    "pass": values[KMSEARCH] is not None and values[KMSEARCH] <= limit,
                }
            )
            if probe == "one-word":
                # Split by how many documents hold the word: rare words are where fragments fill the page.
                for lo, hi, tag in ((1, 9, "held by < 10 documents"), (10, None, "held by >= 10 documents")):
                    sub = [
                        it
                        for it in items
                        if lo <= probes["one-word-df"][it["text"]]
                        and (hi is None or probes["one-word-df"][it["text"]] <= hi)
                    ]
                    vals = {}
                    for s in systems:
                        hits_of = ranked_ids(s, pages, peer_ranked)
                        vals[s] = pooled_share(noise(hits_of(it["text"]), texts, it["words"]) for it in sub)
                    rows.append(
                        {
                            "measure": f"  of which words {tag}",
                            "data": ds,
                            "n": len(sub),
                            "values": vals,
                            "format": "pct",
                        }
                    )

        # Two-word totals.
        ratios, ratios_text = [], []
        for p in probes["two-word"]:
            page = pages[p["text"]]
            r = total_ratio(page["total"], p["holding_words"])
            rt = total_ratio(page["total"], p["holding_text"])
            if r is not None:
                ratios.append(r)
            if rt is not None:
                ratios_text.append(rt)
            records.append(
                {
                    "data": ds,
                    "probe": "two-word",
                    "query": p["text"],
                    "total": page["total"],
                    "holding_words": p["holding_words"],
                    "holding_text": p["holding_text"],
                    "ratio": r,
                    "suggestion": page["suggestion"],
                    "partial": page["partial"],
                }
            )
        med, p90 = quantile(ratios, 0.5), quantile(ratios, 0.9)
        det["two-word"] = {
            "median": med,
            "p90": p90,
            "median_text": quantile(ratios_text, 0.5),
            "p90_text": quantile(ratios_text, 0.9),
            "n": len(ratios),
            "under_1": sum(1 for r in ratios if r < 1),
        }
        n = len(probes["two-word"])
        rows.append(
            {
                "measure": "two-word total / documents holding both words, median",
                "data": ds,
                "n": n,
                "values": {KMSEARCH: med},
                "format": "x",
                "target": f"<= {TOTAL_RATIO_MAX}x",
                "pass": med is not None and med <= TOTAL_RATIO_MAX,
            }
        )
        rows.append(
            {
                "measure": "two-word total / documents holding both words, p90",
                "data": ds,
                "n": n,
                "values": {KMSEARCH: p90},
                "format": "x",
            }
        )
        rows.append(
            {
                "measure": "  the same over documents holding both as substrings, median / p90",
                "data": ds,
                "n": n,
                "values": {KMSEARCH: (det["two-word"]["median_text"], det["two-word"]["p90_text"])},
                "format": "x2",
            }
        )
    return rows, records, details


# --- report -----------------------------------------------------------------------


def _cell(row: dict, s: str) -> str:
    v = row["values"].get(s)
    if v is None:
        return "-"
    f = row["format"]
    if f == "pct":
        return _pct(v)
    if f == "x":
        return _x(v)
    if f == "x2":
        return f"{_x(v[0])} / {_x(v[1])}"
    return f"{v:.3f}"


def _examples(records: list[dict], details: dict) -> list[str]:
    out = ["examples (kmsearch; all in out/precision-queries.jsonl):"]
    for ds in DATASETS:
        det = details[ds]
        for which in ("present", "absent"):
            fixed = det[f"corrected_{which}"]
            if fixed:
                shown = ", ".join(f"{w} -> {s}" for w, s in fixed[:8])
                out.append(f"  {ds}: {which} words corrected ({len(fixed)}): {shown}")
        for probe in ("one-word", "no-space"):
            worst = sorted(
                (
                    r
                    for r in records
                    if r["data"] == ds and r["probe"] == probe and r.get("system") == KMSEARCH and r["noisy"]
                ),
                key=lambda r: (-r["noisy"], r["query"]),
            )[:6]
            for r in worst:
                extra = f", {r['df']} documents hold it as a word" if "df" in r else ""
                out.append(
                    f"  {ds}: {probe} {r['query']!r}: {r['noisy']} of {r['shown']} noisy (total {r['total']}{extra})"
                )
        worst = sorted(
            (r for r in records if r["data"] == ds and r["probe"] == "two-word" and r["ratio"]),
            key=lambda r: -r["ratio"],
        )[:4]
        for r in worst:
            out.append(
                f"  {ds}: two-word {r['query']!r}: total {r['total']}, "
                f"{r['holding_words']} documents hold both words ({r['holding_text']} as substrings)"
            )
    return out


def render(rows: list[dict], records: list[dict], details: dict, meta: dict) -> str:
    systems = meta["systems_run"]
    m, t = meta["machine"], meta["timings"]
    out = [
        "kmsearch precision benchmark (issue 14, item 9)",
        f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, SQLite {m['sqlite']}; "
        f"load average {meta['load'][0]:.1f} at start, {meta['load'][1]:.1f} at end",
        f"command: {meta['command']}",
        f"commit: {meta['commit']}",
        f"data: {', '.join(meta['data'])}; seed {SEED!r}; {meta['words']} dictionary words each present/absent, "
        f"{meta['queries']} queries per probe; cut-off {K}",
        "",
    ]
    header = ["measure", "data", "N", *systems, "target", "pass"]
    lines = []
    for r in rows:
        verdict = "" if "pass" not in r else ("pass" if r["pass"] else "FAIL")
        lines.append(
            [r["measure"], r["data"], str(r["n"]), *(_cell(r, s) for s in systems), r.get("target", ""), verdict]
        )
    out += [_table("results (the pass column judges kmsearch against the issue's target)", header, lines), ""]
    out += [
        "how each figure is counted:",
        "  false corrections: share of the words whose ResultPage.suggestion is not None; words are Thai-only",
        "    (2+ characters, normalised form) of pythainlp.corpus.thai_words(); 'holds' = among the corpus's",
        "    words as the index segments them (indexer.thai.analyse with the content folder's segmenter).",
        "  noise: share of the top-10 results shown, pooled over queries, whose normalised title + body",
        "    contains none of the query's words (nor the joined string) even as a substring. One-word words",
        "    are content words the corpus holds (dictionary words, not PyThaiNLP stopwords or question words,",
        "    not in the synonym table); no-space pairs touch in some document and are not a dictionary word joined.",
        "  two-word: two content words of one document; the denominator counts documents holding both as",
        "    segmented words (the index's segmentation; issue item 1: a piece of another word does not match).",
        "",
    ]
    for ds in DATASETS:
        d = details[ds]
        out.append(
            f"{ds}: {d['vocabulary']} distinct words ({d['segmenter']}); {d['dictionary_present']} of "
            f"{d['dictionary']} dictionary words held; {d['absent_as_text']} of the {meta['words']} absent "
            f"words occur inside other words; two-word ratios under 1: {d['two-word']['under_1']}"
        )
    out += [""] + _examples(records, details) + [""]
    out += ["systems:"] + [f"  {s:<24} {note}" for s, note in meta["systems"].items()] + [""]
    lines = [
        [
            s,
            *(f"{t['build_s'][ds][s]['wall']:.1f}/{t['build_s'][ds][s]['cpu']:.1f}" for ds in DATASETS),
            str(t["queries"][s]),
            f"{t['query_ms'][s]['wall']:.1f}/{t['query_ms'][s]['cpu']:.1f}",
        ]
        for s in systems
    ]
    out += [
        _table(
            f"timings, wall/CPU ({meta['workers']} worker processes in parallel)",
            ["system", *(f"build {ds} s" for ds in DATASETS), "queries", "mean query ms"],
            lines,
        )
    ]
    out += [
        f"kmsearch searches stopped by the project's time limit (partial results): {t['partial'][KMSEARCH]}",
        "",
        f"total {t['total']['wall']:.0f}s wall, {t['total']['cpu']:.0f}s CPU",
    ]
    return "\n".join(out)


def _command(argv: list[str]) -> str:
    exe = os.path.relpath(sys.executable)
    return shlex.join([sys.executable if exe.startswith("..") else exe, "-m", "benchmarks.precision", *argv])


def _commit() -> str:
    import subprocess

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "indexer", "kmsearch", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.precision", description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=300, help="dictionary words present and absent (each, per set)")
    parser.add_argument("--queries", type=int, default=200, help="queries per noise / total probe and set")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes")
    parser.add_argument("--shared", type=Path, default=SHARED, help=f"folder holding {' and '.join(DATASETS)}")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated peers (benchmarks/systems.py)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the JSON results")
    args = parser.parse_args(argv)
    args.shared = args.shared.resolve()
    from .systems import require_fts5_trigram, system_named

    args.peers = [p for p in args.peers.split(",") if p]
    try:
        for name in args.peers:
            system_named(name)
    except KeyError as e:
        parser.error(f"unknown system {e}")
    for ds in DATASETS:
        if not (args.shared / ds / "docs.jsonl").exists():
            parser.error(f"{args.shared / ds} has no docs.jsonl")
    require_fts5_trigram()
    load_start = os.getloadavg()[0]
    result = run(args)
    rows, records, details = evaluate(result)
    meta = {
        "machine": machine(),
        "load": [load_start, os.getloadavg()[0]],
        "command": _command(sys.argv[1:] if argv is None else argv),
        "commit": _commit(),
        "data": [_rel(args.shared / ds) for ds in DATASETS],
        "words": args.words,
        "queries": args.queries,
        "workers": args.workers,
        "systems_run": result["systems"],
        "systems": {name: system_named(name).note for name in result["systems"]},
        "timings": result["timings"],
    }
    print(render(rows, records, details, meta))
    args.out.mkdir(parents=True, exist_ok=True)
    report = {**meta, "rows": rows, "details": details}
    (args.out / "precision.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    with open(args.out / "precision-queries.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
