"""The printed report: the machine and command, one table with a column per
size, the targets, what bounds a query and the growth exponents."""

from __future__ import annotations


def _f(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def table(summaries: dict[int, dict]) -> str:
    sizes = sorted(summaries)
    rows: list[tuple[str, list[str]]] = []

    def row(label, fn):
        rows.append((label, [fn(summaries[n]) for n in sizes]))

    for section in (_build_rows, _update_rows, _query_rows, _server_rows):
        section(row)
    width = max(len(r[0]) for r in rows)
    cols = [max(len(f"{n:,}"), *(len(r[1][i]) for r in rows)) for i, n in enumerate(sizes)]
    lines = ["".ljust(width) + "  " + "  ".join(f"{n:,}".rjust(w) for n, w in zip(sizes, cols))]
    for label, cells in rows:
        lines.append(label.ljust(width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, cols)))
    return "\n".join(lines)


def _g(s, *path):
    """s[path[0]][path[1]]..., None where a step is missing."""
    for p in path:
        if not isinstance(s, dict) or p not in s:
            return None
        s = s[p]
    return s


def _quantiles(*path: str, keys=("p50", "p95", "p99")):
    """A cell of the percentiles at ``path``: p50/p95/p99."""
    return lambda s: "/".join(_f(_g(s, *path, k)) for k in keys)


def _build_rows(row) -> None:
    """Builds: time, speed, CPU, the ceiling, memory, index size."""
    row("documents / body text MB", lambda s: f"{s['documents']:,} / {s['body_mb']:.1f}")
    for name, label in (
        ("build-p1", "full build procs=1"),
        ("build-p2", "full build procs=2"),
        ("baseline-build", "baseline build (whoosh+newmm)"),
    ):
        row(
            f"{label}: s (docs/s, MB/s)",
            lambda s, n=name: (
                "-" if not _g(s, n) else f"{_g(s, n, 's'):.1f} ({_g(s, n, 'docs_s'):.0f}, {_g(s, n, 'mb_s'):.3f})"
            ),
        )
    row(
        "  CPU s p1 / p2 / baseline",
        lambda s: (
            f"{_f(_g(s, 'build-p1', 'cpu_s'))} / {_f(_g(s, 'build-p2', 'cpu_s'))} / "
            f"{_f(_g(s, 'baseline-build', 'cpu_s'))}"
        ),
    )
    row("procs=2 speed-up over procs=1 (wall)", lambda s: _f(_g(s, "procs2_speedup"), 2) + "x")
    row("  CPU of procs=2 / CPU of procs=1", lambda s: _f(_g(s, "procs2_cpu_ratio"), 2) + "x")
    row(
        "build / baseline wall (p1, p2)",
        lambda s: f"{_f(_g(s, 'build-p1', 'vs_baseline_time'), 2)}x, {_f(_g(s, 'build-p2', 'vs_baseline_time'), 2)}x",
    )
    row(
        "build / baseline CPU (p1, p2)",
        lambda s: f"{_f(_g(s, 'build-p1', 'vs_baseline_cpu'), 2)}x, {_f(_g(s, 'build-p2', 'vs_baseline_cpu'), 2)}x",
    )
    row(
        "ceiling analyse 1 proc / Pool(2) MB/s",
        lambda s: f"{_f(_g(s, 'ceiling', 'analyse_1proc_mb_s'), 3)} / {_f(_g(s, 'ceiling', 'analyse_pool2_mb_s'), 3)}",
    )
    row(
        "  words+grams 1 proc / nlpo3 alone MB/s",
        lambda s: (
            f"{_f(_g(s, 'ceiling', 'words_and_grams_mb_s'), 3)} / {_f(_g(s, 'ceiling', 'nlpo3_segment_only_mb_s'), 2)}"
        ),
    )
    row(
        "build p2 share of 2-core ceiling",
        lambda s: (
            "-"
            if _g(s, "build-p2", "of_2core_ceiling") is None
            else f"{100 * _g(s, 'build-p2', 'of_2core_ceiling'):.0f}%"
        ),
    )
    row(
        "build p1 share of 1-proc ceiling",
        lambda s: (
            "-"
            if _g(s, "build-p1", "of_1proc_ceiling") is None
            else f"{100 * _g(s, 'build-p1', 'of_1proc_ceiling'):.0f}%"
        ),
    )
    row("  build CPU / analyse CPU (p1)", lambda s: _f(_g(s, "build-p1", "cpu_per_ceiling_cpu"), 2) + "x")
    row(
        "peak RSS MB build p1 / p2 tree / base",
        lambda s: (
            f"{_f(_g(s, 'build-p1', 'maxrss_mb'), 0)} / "
            f"{_f(_g(s, 'build-p2', 'peak_tree_rss_mb'), 0)} / {_f(_g(s, 'baseline-build', 'maxrss_mb'), 0)}"
        ),
    )
    row(
        "index MB kmsearch p1 / p2 / baseline",
        lambda s: (
            f"{_f(_g(s, 'build-p1', 'index_mb'))} / "
            f"{_f(_g(s, 'build-p2', 'index_mb'))} / {_f(_g(s, 'baseline-build', 'index_mb'))}"
        ),
    )
    row("  of which postfiles MB (p2)", lambda s: _f(_g(s, "build-p2", "postfiles_mb")))


def _update_rows(row) -> None:
    """One-document updates."""
    row("one-doc update: build s (median)", lambda s: _f(_g(s, "incremental", "build_s_median"), 2))
    row(
        "  searchable over HTTP s (median/max)",
        lambda s: (
            f"{_f(_g(s, 'incremental', 'searchable_s_median'), 2)} / {_f(_g(s, 'incremental', 'searchable_s_max'), 2)}"
        ),
    )
    row(
        "  no-change build s / CLI cold s",
        lambda s: f"{_f(_g(s, 'incremental', 'nochange_build_s'), 2)} / {_f(_g(s, 'incremental', 'cli_build_s'), 2)}",
    )


def _query_rows(row) -> None:
    """Queries in-process, beside the baseline."""
    row(
        "query ms p50/p95/p99 (snippets)",
        _quantiles("query", "snippets"),
    )
    row("  CPU ms p50/p95/p99", _quantiles("query", "snippets_cpu"))
    row(
        "  no snippets (subset) p50/p95",
        _quantiles("query", "no_snippets_subset", keys=("p50", "p95")),
    )
    row(
        "  CPU share parse / search / snippets",
        lambda s: (
            "-"
            if not _g(s, "query", "stages_cpu", "parse_share")
            else "/".join(
                f"{100 * _g(s, 'query', 'stages_cpu', k + '_share'):.0f}%" for k in ("parse", "search", "hits_snippets")
            )
        ),
    )
    row(
        "  baseline p50/p95/p99",
        _quantiles("baseline_query", "plain"),
    )
    row(
        "  baseline CPU ms p50/p95/p99",
        _quantiles("baseline_query", "plain_cpu"),
    )
    row(
        "  kmsearch / baseline p50, p95 (wall)",
        lambda s: f"{_f(_g(s, 'query', 'p50_vs_baseline'), 1)}x, {_f(_g(s, 'query', 'p95_vs_baseline'), 1)}x",
    )
    row(
        "  kmsearch / baseline p50, p95 (CPU)",
        lambda s: f"{_f(_g(s, 'query', 'p50_cpu_vs_baseline'), 1)}x, {_f(_g(s, 'query', 'p95_cpu_vs_baseline'), 1)}x",
    )
    row(
        "  cut by SEARCH_TIME_LIMIT in-process / HTTP",
        lambda s: f"{_f(_g(s, 'query', 'partial'))} / {_f(_g(s, 'server', 'partial'))} of {_f(_g(s, 'query', 'n'))}",
    )


def _server_rows(row) -> None:
    """The server over HTTP: latency, CPU, four clients, memory."""
    row(
        "HTTP /api/search ms p50/p95/p99",
        _quantiles("server", "http"),
    )
    row("  server CPU ms per query", lambda s: _f(_g(s, "server", "cpu_ms_per_query")))
    row(
        "  4 clients: queries/s, p95 ms",
        lambda s: (
            f"{_f(_g(s, 'server', 'concurrent', 'queries_per_s'))}, "
            f"{_f(_g(s, 'server', 'concurrent', 'latency_ms', 'p95'))}"
        ),
    )
    row(
        "server RSS MB idle / after mix / HWM",
        lambda s: (
            f"{_f(_g(s, 'server', 'rss_idle_mb'), 0)} / "
            f"{_f(_g(s, 'server', 'rss_mb'), 0)} / {_f(_g(s, 'server', 'hwm_mb'), 0)}"
        ),
    )
    row(
        "  server RSS after mix: anon / file-backed MB",
        lambda s: f"{_f(_g(s, 'server', 'rss_anon_mb'), 0)} / {_f(_g(s, 'server', 'rss_file_mb'), 0)}",
    )
    row(
        "  search process HWM kmsearch / baseline",
        lambda s: f"{_f(_g(s, 'query', 'process_hwm_mb'), 0)} / {_f(_g(s, 'baseline_query', 'process_hwm_mb'), 0)}",
    )


def _engine_rows(w: dict, o: dict) -> list[tuple[str, float | None, float | None, int]]:
    """(label, Whoosh, OpenSearch, digits) of one size."""

    def jvm(kind: str, data: bool) -> float | None:
        """Summed over the data nodes, or the tiebreaker's."""
        roles = o.get("jvm_roles") or {}
        vals = [v[kind] for name, v in (o.get("jvm") or {}).items() if ("data" in roles.get(name, ())) == data]
        return sum(vals) if vals else None

    return [
        ("full build procs=1 docs/s", _g(w, "build-p1", "docs_s"), _g(o, "build-p1", "docs_s"), 1),
        ("full build procs=2 docs/s", _g(w, "build-p2", "docs_s"), _g(o, "build-p2", "docs_s"), 1),
        ("  procs=2 s", _g(w, "build-p2", "s"), _g(o, "build-p2", "s"), 1),
        ("  procs=2 / procs=1 speed-up", _g(w, "procs2_speedup"), _g(o, "procs2_speedup"), 2),
        ("  Python CPU s procs=1", _g(w, "build-p1", "cpu_s"), _g(o, "build-p1", "cpu_s"), 1),
        ("  Python CPU s procs=2", _g(w, "build-p2", "cpu_s"), _g(o, "build-p2", "cpu_s"), 1),
        ("  JVMs' CPU s procs=1 / procs=2", None, _g(o, "build-p1", "jvm_cpu_s"), 1),
        ("", None, _g(o, "build-p2", "jvm_cpu_s"), 1),
        ("  peak RSS MB build procs=1 (Python)", _g(w, "build-p1", "maxrss_mb"), _g(o, "build-p1", "maxrss_mb"), 0),
        (
            "  peak RSS MB build procs=2 (tree)",
            _g(w, "build-p2", "peak_tree_rss_mb"),
            _g(o, "build-p2", "peak_tree_rss_mb"),
            0,
        ),
        (
            "index MB (OpenSearch: primary store)",
            _g(w, "build-p1", "index_mb") or _g(w, "build-p2", "index_mb"),
            _mb(_g(o, "build-p2", "store", "primary_bytes") or _g(o, "build-p1", "store", "primary_bytes")),
            1,
        ),
        (
            "  OpenSearch total store MB (with replica)",
            None,
            _mb(_g(o, "build-p2", "store", "total_bytes") or _g(o, "build-p1", "store", "total_bytes")),
            1,
        ),
        (
            "one-doc change: build s (median)",
            _g(w, "incremental", "build_s_median"),
            _g(o, "incremental", "build_s_median"),
            2,
        ),
        (
            "  searchable over HTTP s (worst of 3)",
            _g(w, "incremental", "searchable_s_max"),
            _g(o, "incremental", "searchable_s_max"),
            2,
        ),
        (
            "  CLI build, cold interpreter s",
            _g(w, "incremental", "cli_build_s"),
            _g(o, "incremental", "cli_build_s"),
            2,
        ),
        ("  no-change build s", _g(w, "incremental", "nochange_build_s"), _g(o, "incremental", "nochange_build_s"), 2),
        ("query ms p50 (snippets, facets)", _g(w, "query", "snippets", "p50"), _g(o, "query", "snippets", "p50"), 1),
        ("query ms p95", _g(w, "query", "snippets", "p95"), _g(o, "query", "snippets", "p95"), 1),
        ("  Python CPU ms p50", _g(w, "query", "snippets_cpu", "p50"), _g(o, "query", "snippets_cpu", "p50"), 1),
        ("  Python CPU ms p95", _g(w, "query", "snippets_cpu", "p95"), _g(o, "query", "snippets_cpu", "p95"), 1),
        (
            "  no snippets (subset) p95",
            _g(w, "query", "no_snippets_subset", "p95"),
            _g(o, "query", "no_snippets_subset", "p95"),
            1,
        ),
        (
            "  search share of Python CPU %",
            _pct(_g(w, "query", "stages_cpu", "search_share")),
            _pct(_g(o, "query", "stages_cpu", "search_share")),
            0,
        ),
        ("HTTP /api/search ms p50", _g(w, "server", "http", "p50"), _g(o, "server", "http", "p50"), 1),
        ("HTTP /api/search ms p95", _g(w, "server", "http", "p95"), _g(o, "server", "http", "p95"), 1),
        (
            "  server CPU ms per query (Python)",
            _g(w, "server", "cpu_ms_per_query"),
            _g(o, "server", "cpu_ms_per_query"),
            1,
        ),
        (
            "  4 clients: queries/s",
            _g(w, "server", "concurrent", "queries_per_s"),
            _g(o, "server", "concurrent", "queries_per_s"),
            1,
        ),
        ("server RSS MB HWM (Python)", _g(w, "server", "hwm_mb"), _g(o, "server", "hwm_mb"), 0),
        ("search process HWM MB (Python)", _g(w, "query", "process_hwm_mb"), _g(o, "query", "process_hwm_mb"), 0),
        ("JVM RSS MB now: data nodes (sum)", None, jvm("rss_mb", True), 0),
        ("  JVM RSS MB peak: data nodes (sum)", None, jvm("hwm_mb", True), 0),
        ("  JVM RSS MB peak: tiebreaker", None, jvm("hwm_mb", False), 0),
    ]


def _mb(v):
    return None if v is None else v / 1e6


def _pct(v):
    return None if v is None else 100 * v


def engines_table(whoosh: dict[int, dict], opensearch: dict[int, dict]) -> str:
    """Whoosh and OpenSearch of the same run side by side, a column each
    and their ratio per size."""
    sizes = sorted(set(whoosh) | set(opensearch))
    rows: list[tuple[str, list[str]]] = []
    for i, (label, *_rest) in enumerate(_engine_rows({}, {})):
        cells = []
        for n in sizes:
            _, wv, ov, digits = _engine_rows(whoosh.get(n, {}), opensearch.get(n, {}))[i]
            ratio = ov / wv if wv and ov is not None else None
            cells += [
                _f(wv, digits) if wv is not None else "-",
                _f(ov, digits) if ov is not None else "-",
                f"{ratio:.2f}x" if ratio is not None else "",
            ]
        rows.append((label, cells))
    heads = [h for n in sizes for h in (f"{n:,} whoosh", "opensearch", "os/whoosh")]
    width = max(len(r[0]) for r in rows)
    cols = [max(len(h), *(len(r[1][i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["".ljust(width) + "  " + "  ".join(h.rjust(w) for h, w in zip(heads, cols))]
    for label, cells in rows:
        lines.append(label.ljust(width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, cols)))
    return "\n".join(lines)


def _target_line(t: dict) -> str:
    mark = "n/a " if t["met"] is None else "met " if t["met"] else "MISS"
    return f"  [{mark}] {t['target']} @ {t['size']:,}: {t['value']:.2f} {t['unit']} (limit {t['limit']})"


def render_opensearch(result: dict) -> list[str]:
    """The OpenSearch part of the report: the cluster, the side-by-side
    table, the targets."""
    os_ = result["opensearch"]
    first = next(iter(os_["summaries"].values()), {})
    c = first.get("cluster") or {}
    lines = [
        "",
        f"OpenSearch {c.get('version', '?')} test cluster (tests/cluster): 2 data nodes of {c.get('heap', '?')} heap "
        f"+ tiebreaker, full JIT, green in {_f(c.get('seconds_to_green'))} s; on the same 2 cores",
        "",
        engines_table(result["summaries"], os_["summaries"]),
        "",
        "OpenSearch targets (issue 17):",
    ]
    lines += [_target_line(t) for t in os_["targets"]]
    return lines


def render(result: dict) -> str:
    m = result["machine"]
    head = [
        f"kmsearch scale benchmark  {result['started']}",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']:,} MB, Python {m['python']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in m['loadavg_start'])}",
        f"command: {result['command']}",
        f"code fingerprint: {result['code']}",
        f"engines: {', '.join(result.get('engines', ['whoosh']))}",
    ]
    if not result["summaries"]:  # OpenSearch alone
        return "\n".join(head + render_opensearch(result))
    lines = head + [
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
    if result.get("opensearch"):
        lines += render_opensearch(result)
    return "\n".join(lines)
