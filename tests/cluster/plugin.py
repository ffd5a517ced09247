"""pytest side of the OpenSearch test cluster (tests/conftest.py imports it).

Tests that need the cluster are marked ``@pytest.mark.opensearch`` (they
run after all the others) and ask
for ``opensearch_cluster`` (session: the JVMs start once, on the first such
test, and stop at the end of the session, so a run without such tests starts
nothing) or ``opensearch`` (per test: the cluster, every node running and
green first -- a node that an earlier test killed and left dead is restarted).

KMSEARCH_SKIP_OPENSEARCH=1 skips the marked tests (a machine without Java);
KMSEARCH_CLUSTER_TIMEOUT (seconds, default 240) bounds the wait for green.
"""

from __future__ import annotations

import os

import pytest

from .cluster import ClusterError, TestCluster


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "opensearch: needs the real OpenSearch test cluster (tests/cluster), started once a session"
    )


def pytest_collection_modifyitems(config, items):
    # the marked tests run last: the cluster starts after every other test
    # (none of the timing-sensitive ones shares the 2 cores with 3 JVMs)
    items[:] = [i for i in items if i.get_closest_marker("opensearch") is None] + [
        i for i in items if i.get_closest_marker("opensearch") is not None
    ]
    if os.environ.get("KMSEARCH_SKIP_OPENSEARCH") == "1":
        skip = pytest.mark.skip(reason="KMSEARCH_SKIP_OPENSEARCH=1")
        for item in items:
            if item.get_closest_marker("opensearch"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory, request):
    if request.node.get_closest_marker("opensearch") is None and not any(
        item.get_closest_marker("opensearch") for item in request.session.items
    ):
        pytest.fail("opensearch_cluster is for tests marked @pytest.mark.opensearch")
    timeout = float(os.environ.get("KMSEARCH_CLUSTER_TIMEOUT", "240"))
    try:
        cluster = TestCluster.start(tmp_path_factory.mktemp("opensearch"), timeout=timeout)
    except ClusterError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def opensearch(opensearch_cluster):
    """The cluster with every node running and green (dead ones restarted)."""
    for node in opensearch_cluster.nodes:
        if not opensearch_cluster.alive(node):
            opensearch_cluster.restart_node(node)
    opensearch_cluster.health(status="green", nodes=len(opensearch_cluster.nodes), timeout=120)
    return opensearch_cluster
