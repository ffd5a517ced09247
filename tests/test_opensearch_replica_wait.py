"""A full OpenSearch build waits for its replicas with the server-side
timeout it names (not the server's default 30 s, which a busy machine
passed), again while they keep recovering (a 3 GB replica took more than
one wait at 200 000 documents), and a recovery that stopped is a
BuildFailed, not a traceback.  No cluster: the client is a stand-in that
records what it was asked."""

from __future__ import annotations

import pytest
from opensearchpy import TransportError

from indexer.content.office import Office
from indexer.engine import BuildFailed
from indexer.engine.opensearch import backend as os_backend


class Health:
    def __init__(self, fails: int):
        self.fails = fails  # waits that time out before the copies are green
        self.calls: list[dict] = []

    def health(self, **kwargs):
        self.calls.append(kwargs)
        if len(self.calls) <= self.fails:
            raise TransportError(408, '{"status":"yellow","timed_out":true}')
        return {"status": "green"}


class Recovery:
    """The recovery API of a replica that copies ``step`` bytes per wait."""

    def __init__(self, step: int):
        self.step, self.copied = step, 0

    def recovery(self, index):
        self.copied += self.step
        replica = {"id": 0, "type": "PEER", "stage": "INDEX", "index": {"size": {"recovered_in_bytes": self.copied}}}
        return {index: {"shards": [{"id": 0, "type": "EMPTY_STORE", "stage": "DONE"}, replica]}}


class Client:
    def __init__(self, fails: int, step: int = 0):
        self.cluster = Health(fails)
        self.indices = Recovery(step)


def backend(tmp_path, fails: int, step: int = 0) -> os_backend.OpenSearchBackend:
    office = Office.__new__(Office)
    object.__setattr__(office, "hosts", ("http://127.0.0.1:9",))
    object.__setattr__(office, "slug", "wait")
    b = os_backend.OpenSearchBackend(tmp_path, office)
    b._client = Client(fails, step)
    return b


def test_the_wait_for_replicas_names_its_own_server_timeout(tmp_path):
    b = backend(tmp_path, fails=0)
    b._wait_for_copies("kmsearch-wait-1", 1)
    (call,) = b.client.cluster.calls
    assert call["wait_for_status"] == "green"
    assert call["params"] == {"timeout": f"{os_backend.GREEN_TIMEOUT}s"}
    assert call["request_timeout"] > os_backend.GREEN_TIMEOUT, "the client waits longer than the server"
    b._wait_for_copies("kmsearch-wait-1", 0)
    assert b.client.cluster.calls[-1]["wait_for_status"] == "yellow"


def test_a_replica_still_recovering_is_waited_for_again(tmp_path):
    b = backend(tmp_path, fails=3, step=400_000_000)
    b._wait_for_copies("kmsearch-wait-1", 1)
    assert len(b.client.cluster.calls) == 4


def test_replicas_that_stopped_recovering_fail_the_build_in_one_line(tmp_path):
    b = backend(tmp_path, fails=10**6, step=0)
    with pytest.raises(
        BuildFailed, match=r"did not start within \d+ s .*stopped recovering; the old build keeps serving"
    ):
        b._wait_for_copies("kmsearch-wait-1", 1)
    assert len(b.client.cluster.calls) == 2, "one wait to see where it is, one to see it has not moved"
