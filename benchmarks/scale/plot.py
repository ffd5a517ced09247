"""benchmarks/scale.svg: three log-log panels, build time, query p95 and
index size against the number of documents, written by hand as SVG."""

from __future__ import annotations

import math
from pathlib import Path

from .summary import index_mb

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 300, 240, 52, 12, 28, 40


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
                ("kmsearch", "#1f77b4", index_mb),
                ("whoosh+newmm", "#d62728", lambda s: s.get("baseline-build", {}).get("index_mb")),
            ],
        ),
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * W}" height="{H + 46}" font-family="sans-serif" font-size="11">',  # noqa: E501
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="8" y="16" font-size="13">{_esc(title)}</text>',
    ]
    xs = [math.log10(n) for n in sizes]
    xlo, xhi = (min(xs) - 0.15, max(xs) + 0.15) if xs else (0, 1)
    for i, (name, series) in enumerate(panels):
        parts += _panel(i * W, name, series, [(n, summaries[n]) for n in sizes], (xlo, xhi))
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def _panel(ox: float, name: str, series, points: list[tuple[int, dict]], x_range: tuple[float, float]) -> list[str]:
    """One panel at ``ox``: its series over (documents, summary) points."""
    xlo, xhi = x_range
    parts: list[str] = []
    oy = 24
    vals = [fn(s) for _, _, fn in series for _, s in points]
    vals = [v for v in vals if v]
    if not vals:
        return []
    ylo, yhi = math.floor(math.log10(min(vals)) * 2) / 2, math.ceil(math.log10(max(vals)) * 2) / 2 + 1e-9
    if yhi - ylo < 1:
        yhi = ylo + 1

    def px(x):
        return ox + PAD_L + (x - xlo) / (xhi - xlo) * (W - PAD_L - PAD_R)

    def py(y):
        return oy + PAD_T + (1 - (y - ylo) / (yhi - ylo)) * (H - PAD_T - PAD_B)

    parts.append(f'<text x="{ox + PAD_L}" y="{oy + 16}" font-size="12">{_esc(name)}, log-log</text>')
    parts.append(
        f'<rect x="{px(xlo)}" y="{py(yhi)}" width="{px(xhi) - px(xlo)}" height="{py(ylo) - py(yhi)}" '
        f'fill="none" stroke="#999"/>'
    )
    k = math.ceil(ylo)
    while k <= yhi:
        parts.append(f'<line x1="{px(xlo)}" x2="{px(xhi)}" y1="{py(k):.1f}" y2="{py(k):.1f}" stroke="#eee"/>')
        parts.append(f'<text x="{px(xlo) - 4}" y="{py(k) + 4:.1f}" text-anchor="end">{_num(10**k)}</text>')
        k += 1
    for n, _ in points:
        x = math.log10(n)
        parts.append(f'<text x="{px(x):.1f}" y="{py(ylo) + 14:.1f}" text-anchor="middle">{n:,}</text>')
    parts.append(f'<text x="{px((xlo + xhi) / 2):.1f}" y="{py(ylo) + 28:.1f}" text-anchor="middle">documents</text>')
    for j, (label, color, fn) in enumerate(series):
        pts = [(px(math.log10(n)), py(math.log10(v))) for n, s in points if (v := fn(s))]
        if len(pts) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
                + '"/>'
            )
        for x, y in pts:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        parts.append(f'<text x="{px(xlo) + 6}" y="{py(yhi) + 14 + 13 * j}" fill="{color}">{_esc(label)}</text>')
    return parts


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(v: float) -> str:
    return f"{v:g}" if v < 1e4 else f"{v:.0e}"
