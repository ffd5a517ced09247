"""The build jobs, each run in a child process: kmsearch's full build (with
a profile if asked, or with Whoosh's multisegment writer) and the plain
Whoosh + newmm baseline's."""

from __future__ import annotations

import cProfile
import shutil
import time
from pathlib import Path

from .profiles import save_profile


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

    from ..systems import Doc

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = []
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, head, body = text.split("---\n", 2)
        meta = yaml.load(head, Loader=loader)
        docs.append(Doc(str(meta["id"]), str(meta["title"]), body))
    return docs


def child_baseline_build(p: dict) -> dict:
    from ..systems import WhooshNewmm

    started = time.perf_counter()
    docs = _read_plain(Path(p["content"]))
    read_s = time.perf_counter() - started
    folder = Path(p["index"])
    shutil.rmtree(folder, ignore_errors=True)
    WhooshNewmm().build(docs, folder)
    return {"seconds": time.perf_counter() - started, "read_s": read_s, "documents": len(docs)}


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
