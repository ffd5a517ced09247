from __future__ import annotations

import pytest

from indexer import build_index
from kmsearch import create_app

from .cluster.plugin import opensearch, opensearch_cluster, pytest_collection_modifyitems, pytest_configure  # noqa: F401  (the OpenSearch test cluster)
from .corpus import write_corpus


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Content and index folders, built once: segmentation is not free."""
    root = tmp_path_factory.mktemp("site")
    content = write_corpus(root / "content")
    index = root / "index"
    report = build_index(content, index)
    assert report.problems == []
    return {"CONTENT_DIR": str(content), "INDEX_DIR": str(index)}


@pytest.fixture
def make_app(built, tmp_path):
    """Apps over the built corpus, each test with a usage log of its own."""

    def factory(**overrides):
        app = create_app({**built, "USAGE_DB": str(tmp_path / "usage.sqlite3"), **overrides})
        app.testing = True
        return app

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()
