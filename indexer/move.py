"""Moving an office from one search engine to another with one command
(``kmsearch move``): Whoosh to an OpenSearch cluster, and back.

The office keeps serving from the engine it is on until the other holds a
complete build: the whole content is built into the new engine with the
new kmsearch.yaml (``build_index(office_text=...)``), the build is opened
and counted, and only then is kmsearch.yaml rewritten, with exactly the
text that was built, so the next ``kmsearch build`` finds nothing to do.
A build that fails leaves the file and the old engine as they were.  The
withdrawn ids of the old engine come along: links to deleted articles
keep answering 410.  The old engine's index is left in place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from indexer import engine
from indexer.build import BuildReport, build_index
from indexer.content.office import (
    CONFIG_NAME,
    ConfigError,
    load_office,
    parse_office_text,
    read_office_text,
    with_engine,
)


class MoveFailed(Exception):
    """The new engine's build is not what the content holds: nothing moved."""


@dataclass
class Moved:
    before: str  # the engine the office was on
    after: str
    report: BuildReport
    old_index: str  # where the old engine's build stays (to delete by hand)


def move_engine(
    content_dir: str | Path,
    index_dir: str | Path,
    target: str,
    hosts: tuple[str, ...] = (),
    slug: str = "",
    procs: int = 1,
) -> Moved:
    root = Path(content_dir)
    path = root / CONFIG_NAME
    text = read_office_text(root).text
    office = load_office(root)
    moved_text = with_engine(text, target, hosts, slug)
    moved = parse_office_text(moved_text, str(path))
    if (moved.engine, moved.hosts, moved.slug) == (office.engine, office.hosts, office.slug):
        raise ConfigError(f"{path}: engine: the office is already on {target}")
    old = engine.backend(index_dir, office)
    try:
        inherit = old.read_info()
    except engine.EngineUnavailable:
        inherit = None  # moving off a cluster that is gone: only the withdrawn ids are lost
    report = build_index(root, index_dir, procs=procs, full=True, office_text=moved_text, inherit=inherit)
    with engine.backend(index_dir, moved).open() as ix:
        held = ix.doc_count
    if held != report.documents:
        raise MoveFailed(f"{path}: the new engine holds {held} documents, the build wrote {report.documents}")
    partial = path.with_name(f".{CONFIG_NAME}.moving")
    partial.write_text(moved_text, encoding="utf-8")
    os.replace(partial, path)
    return Moved(office.engine, moved.engine, report, str(old))
