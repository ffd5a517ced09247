"""Content folders built into either engine backend, for every suite that
runs on both (tests/conftest.py: ``backend``, ``built``, ``sites``).

Whoosh needs nothing but the index folder. OpenSearch needs the session's
test cluster (tests/cluster) and an office slug of its own per site, so
that the suites share the cluster without seeing each other's documents:
``on_backend`` writes both into the content's kmsearch.yaml.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer import build_index, engine
from indexer.content.office import load_office
from kmsearch import create_app

from .corpus import write_corpus

BACKENDS = ("whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch))

_slugs = itertools.count(1)


def fresh_slug(prefix: str) -> str:
    """A slug no other site of this run (or of an earlier run on a kept
    cluster folder) has: a counter and the process id."""
    return f"{prefix}-{next(_slugs)}-{os.getpid()}"


def on_backend(content: Path, kind: str, cluster=None, slug: str | None = None) -> Path:
    """The content folder's kmsearch.yaml naming ``kind`` (Whoosh: as it
    is; OpenSearch: the cluster's data nodes and a slug of its own)."""
    if kind == "whoosh":
        assert load_office(content).engine == "whoosh"
        return content
    assert kind == "opensearch" and cluster is not None, kind
    slug = slug or fresh_slug("suite")
    hosts = ", ".join(f'"{u}"' for u in cluster.data_urls)
    yaml = content / "kmsearch.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert "\noffice:\n" in f"\n{text}", "the tests' kmsearch.yaml starts its office block with 'office:'"
    yaml.write_text(
        text.replace("office:\n", f"engine: opensearch\nopensearch:\n  hosts: [{hosts}]\noffice:\n  slug: {slug}\n", 1),
        encoding="utf-8",
    )
    assert load_office(content).engine == "opensearch"  # (an unreadable file would fall back to Whoosh)
    return content


def build_settings(content: Path, index: Path, kind: str) -> dict:
    """Build ``content`` into ``kind`` (no problems allowed); the app
    settings over it."""
    assert engine.backend_for(content, index).name == kind, "the site is on the engine the test is for"
    report = build_index(content, index)
    assert report.problems == [], report.problems
    return {"CONTENT_DIR": str(content), "INDEX_DIR": str(index)}


class Sites:
    """Sites built once a session per (name, backend): the suites' corpora
    are built into each backend once, not once per test."""

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._built: dict[tuple[str, str], object] = {}

    def get(self, name: str, kind: str, make: Callable[[Path], object]):
        """``make(root)`` once a session for this name and backend (it
        writes a content folder under ``root``, ``on_backend`` and builds);
        what it returns, kept."""
        key = (name, kind)
        if key not in self._built:
            self._built[key] = make(self._tmp.mktemp(f"{name}-{kind}"))
        return self._built[key]


class Site:
    """A content folder of the tests' corpus, its index and the backend the
    office names (tests/test_engine_conformance.py, tests/test_engine_faults.py)."""

    def __init__(self, root: Path, kind: str, request, slug: str | None = None, docs: dict[str, str] | None = None):
        self.content = write_corpus(root / "content", docs)
        self.index = root / "index"
        self.kind = kind
        cluster = request.getfixturevalue("opensearch") if kind == "opensearch" else None
        on_backend(self.content, kind, cluster, slug=slug or (fresh_slug("conformance") if cluster else None))
        self.backend = engine.backend_for(self.content, self.index)
        assert self.backend.name == kind

    def build(self, **kw):
        report = build_index(self.content, self.index, **kw)
        assert report.problems == [], report.problems
        return report

    def open(self):
        return self.backend.open()

    def app(self):
        app = create_app({"CONTENT_DIR": str(self.content), "INDEX_DIR": str(self.index)})
        app.testing = True
        return app

    def query(self, text: str, filters=None, page: int = 1, pagelen: int = 10, sort: str = "relevance"):
        app = self.app()
        with app.app_context():
            repo = app.extensions["kmsearch"]
            return repo.run_query(repo.open_index(), text, filters, page, pagelen, sort)

    def ids(self, text: str, **kw) -> list[str]:
        return [h.id for h in self.query(text, **kw).hits]

    def cleanup(self):
        if self.kind == "opensearch":
            self.backend.delete_everything()
