"""The search engine, behind one interface (``base.py``) with one
subpackage per backend: ``whoosh/`` (embedded, the default) and
``opensearch/`` (a cluster).  Callers use ``backend_for`` or ``backend``
and the names re-exported here; none of them imports a backend.

Whoosh pickles its schema, tokenizers included, into every index, naming
them ``indexer.engine.ThaiWordTokenizer`` and ``indexer.engine.ThaiGramTokenizer``
(the tokenizers say so through ``__module__`` wherever they are written);
``__getattr__`` below keeps those names importable, so indexes written
before the split keep loading (no schema version bump).
"""

from __future__ import annotations

from pathlib import Path

from indexer.content.office import ENGINES, ConfigError, Office, load_office
from indexer.engine.base import (
    FACET_FIELDS,
    MATCH_ALL,
    MATCH_NONE,
    MATCH_SOME,
    SERVING_KEYS,
    Backend,
    BuildFailed,
    EngineUnavailable,
    Hit,
    IndexMissing,
    Results,
    SearchIndex,
    to_date,
    typed,
)

__all__ = [
    "ENGINES",
    "FACET_FIELDS",
    "MATCH_ALL",
    "MATCH_NONE",
    "MATCH_SOME",
    "SERVING_KEYS",
    "Backend",
    "BuildFailed",
    "EngineUnavailable",
    "Hit",
    "IndexMissing",
    "Results",
    "SearchIndex",
    "backend",
    "backend_for",
    "to_date",
    "typed",
]


def backend(index_dir: str | Path, office: Office | None = None) -> Backend:
    """The backend the office's settings name (``engine:`` in kmsearch.yaml),
    for the index folder ``index_dir`` (Whoosh keeps its builds there; an
    OpenSearch backend only its local notes)."""
    kind = office.engine if office is not None else "whoosh"
    if kind == "opensearch" and office is not None:
        from indexer.engine.opensearch import OpenSearchBackend

        return OpenSearchBackend(index_dir, office)
    if kind != "whoosh":
        raise ConfigError(f"engine: {kind!r} is not one of {', '.join(ENGINES)}")
    from indexer.engine.whoosh import WhooshBackend

    return WhooshBackend(index_dir)


def backend_for(content_dir: str | Path, index_dir: str | Path) -> Backend:
    """The backend of the office whose content is ``content_dir``; Whoosh
    when its kmsearch.yaml cannot be read (a build then says why)."""
    try:
        office = load_office(content_dir)
    except ConfigError:
        office = None
    return backend(index_dir, office)


def __getattr__(name: str):
    if name in ("ThaiWordTokenizer", "ThaiGramTokenizer"):  # unpickling a Whoosh schema
        from indexer.engine.whoosh import backend as whoosh_backend

        return getattr(whoosh_backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
