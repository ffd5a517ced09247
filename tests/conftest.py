from __future__ import annotations

import pytest

from kmsearch import create_app

from .cluster import plugin
from .cluster.plugin import opensearch, opensearch_cluster, pytest_collection_modifyitems  # noqa: F401  (the OpenSearch test cluster)
from .corpus import write_corpus
from .sites import BACKENDS, Sites, build_settings, on_backend


def pytest_configure(config):
    plugin.pytest_configure(config)
    config.addinivalue_line(
        "markers",
        "both_backends: the module's tests that use a built site (the backend fixture) run on Whoosh and on "
        "OpenSearch (tests/sites.py)",
    )
    config.addinivalue_line(
        "markers", "whoosh_only(reason): in a both_backends module, a test whose subject is the Whoosh backend"
    )


def pytest_generate_tests(metafunc):
    """Modules marked ``both_backends``: every test that uses ``backend``
    (``built``, ``make_app``, ``client`` and the modules' own sites use it)
    once per backend, the OpenSearch one marked ``opensearch`` (run last,
    on the session's cluster); ``whoosh_only("why")`` keeps one on Whoosh."""
    if "backend" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("both_backends") is None:
        return
    only = metafunc.definition.get_closest_marker("whoosh_only")
    if only is not None:
        assert only.args and only.args[0].strip(), f"{metafunc.definition.nodeid}: whoosh_only needs its reason"
        return
    metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    """The engine of the test's site: Whoosh, or each backend in turn in a
    module marked ``both_backends``."""
    return getattr(request, "param", "whoosh")


@pytest.fixture
def cluster(backend, request):
    """The OpenSearch test cluster (every node up, green) when the test runs
    on OpenSearch, else None."""
    return request.getfixturevalue("opensearch") if backend == "opensearch" else None


@pytest.fixture(scope="session")
def sites(tmp_path_factory) -> Sites:
    return Sites(tmp_path_factory)


@pytest.fixture
def built(backend, cluster, sites):
    """Content and index folders of the tests' corpus, built once a session
    per backend: segmentation is not free."""

    def make(root):
        content = on_backend(write_corpus(root / "content"), backend, cluster)
        return build_settings(content, root / "index", backend)

    return sites.get("site", backend, make)


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
