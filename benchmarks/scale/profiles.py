"""cProfile runs kept as text (and .prof) beside the results, and the
functions that cost most, for the JSON."""

from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

from .base import ROOT


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
