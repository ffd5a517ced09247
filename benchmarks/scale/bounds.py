"""The job that says what bounds a query (``--bounds``), run in a child
process: the fixed cost of each facet, and the mix's searches with parts of
the query taken away."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from .. import querymix
from .base import PAGELEN, percentiles


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
        out["no_match_ms"]["facet_" + name] = cpu_ms(
            lambda name=name: repo.open_index().search(nothing, facets=(name,))
        )
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

    def strip(g):
        return dataclasses.replace(g, alternatives=tuple(dataclasses.replace(a, grams=()) for a in g.alternatives))

    def no_grams(spec):
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
