"""A full OpenSearch build waits for its replicas with the server-side
timeout it names (not the server's default 30 s, which a busy machine
passed), and a wait that runs out is a BuildFailed, not a traceback.  No
cluster: the client is a stand-in that records what it was asked."""

from __future__ import annotations

import pytest
from opensearchpy import TransportError

from indexer.content.office import Office
from indexer.engine import BuildFailed
from indexer.engine.opensearch import backend as os_backend


class Health:
    def __init__(self, fails: bool):
        self.fails = fails
        self.calls: list[dict] = []

    def health(self, **kwargs):
        self.calls.append(kwargs)
        if self.fails:
            raise TransportError(408, '{"status":"yellow","timed_out":true}')
        return {"status": "green"}


class Client:
    def __init__(self, fails: bool):
        self.cluster = Health(fails)


def backend(tmp_path, fails: bool) -> os_backend.OpenSearchBackend:
    office = Office.__new__(Office)
    object.__setattr__(office, "hosts", ("http://127.0.0.1:9",))
    object.__setattr__(office, "slug", "wait")
    b = os_backend.OpenSearchBackend(tmp_path, office)
    b._client = Client(fails)
    return b


def test_the_wait_for_replicas_names_its_own_server_timeout(tmp_path):
    b = backend(tmp_path, fails=False)
    b._wait_for_copies("kmsearch-wait-1", 1)
    (call,) = b.client.cluster.calls
    assert call["wait_for_status"] == "green"
    assert call["params"] == {"timeout": f"{os_backend.GREEN_TIMEOUT}s"}
    assert call["request_timeout"] > os_backend.GREEN_TIMEOUT, "the client waits longer than the server"
    b._wait_for_copies("kmsearch-wait-1", 0)
    assert b.client.cluster.calls[-1]["wait_for_status"] == "yellow"


def test_replicas_not_started_in_time_fail_the_build_in_one_line(tmp_path):
    b = backend(tmp_path, fails=True)
    with pytest.raises(BuildFailed, match=r"did not start within \d+ s .*the old build keeps serving"):
        b._wait_for_copies("kmsearch-wait-1", 1)
