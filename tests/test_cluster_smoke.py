"""The real OpenSearch test cluster (tests/cluster), through opensearch-py.

Two data nodes and a cluster-manager-only tiebreaker, each its own JVM
started from Maven Central artifacts.  What the OpenSearch backend of issue 17
will rely on: whitespace-analysed Thai text (the project's own segmentation
sent as space-joined tokens), bulk loading, phrases, aggregations, an atomic
alias swap, and searches answered by the replica when a node is killed.
"""

from __future__ import annotations

import threading
import time

import pytest
from opensearchpy import OpenSearch, helpers

pytestmark = pytest.mark.opensearch

MAPPING = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 1},
    "mappings": {
        "properties": {
            "title": {"type": "text", "analyzer": "whitespace"},
            "body": {"type": "text", "analyzer": "whitespace"},
            "office": {"type": "keyword"},
        }
    },
}

# Pre-segmented as kmsearch segments them: one token per word, space-joined.
DOCS = [
    {
        "_id": "1",
        "office": "tambon-a",
        "title": "ภาษี ที่ดิน และ สิ่งปลูกสร้าง",
        "body": "การ ชำระ ภาษี ที่ดิน และ สิ่งปลูกสร้าง ประจำ ปี ที่ องค์การบริหารส่วนตำบล",
    },
    {"_id": "2", "office": "tambon-a", "title": "ภาษี ป้าย", "body": "ยื่น แบบ ภาษี ป้าย ภายใน เดือน มีนาคม"},
    {
        "_id": "3",
        "office": "tambon-b",
        "title": "ขอ อนุญาต ก่อสร้าง อาคาร",
        "body": "ที่ดิน ที่ จะ ก่อสร้าง ต้อง มี โฉนด และ ภาษี ค้าง ชำระ ไม่ ได้",
    },
    {
        "_id": "4",
        "office": "tambon-b",
        "title": "เบี้ย ยังชีพ ผู้สูงอายุ",
        "body": "ลงทะเบียน รับ เบี้ย ยังชีพ ผู้สูงอายุ ที่ องค์การบริหารส่วนตำบล",
    },
]


def client_for(*urls: str) -> OpenSearch:
    return OpenSearch(hosts=list(urls), timeout=30, max_retries=2, retry_on_timeout=True)


@pytest.fixture
def client(opensearch):
    c = client_for(*opensearch.data_urls)
    yield c
    c.close()


def load(client: OpenSearch, index: str, docs=DOCS) -> None:
    client.indices.create(index=index, body=MAPPING, params={"wait_for_active_shards": "all"})
    ok, errors = helpers.bulk(client, ({"_index": index, **d} for d in docs), refresh=False)
    assert (ok, errors) == (len(docs), [])
    client.indices.refresh(index=index)


def ids(response) -> list[str]:
    return sorted(h["_id"] for h in response["hits"]["hits"])


def test_two_data_nodes_green(opensearch, client):
    health = client.cluster.health(wait_for_status="green")
    assert health["status"] == "green"
    assert health["number_of_data_nodes"] == 2
    assert health["number_of_nodes"] == len(opensearch.nodes) == 3  # + the tiebreaker
    names = {n["name"] for n in client.nodes.info()["nodes"].values()}
    assert names == {"node-1", "node-2", "node-3"}
    assert client.info()["version"]["number"] == "2.19.6"


def test_thai_tokens_search_and_facets(client):
    load(client, "smoke-thai")
    try:
        tokens = client.indices.analyze(
            index="smoke-thai", body={"field": "body", "text": "ภาษี ที่ดิน องค์การบริหารส่วนตำบล"}
        )["tokens"]
        # whitespace: the project's words stay whole (the engine's own thai
        # analyzer would cut องค์การ|บริหาร|ส่วน|ตำบล)
        assert [t["token"] for t in tokens] == ["ภาษี", "ที่ดิน", "องค์การบริหารส่วนตำบล"]

        assert client.count(index="smoke-thai")["count"] == len(DOCS)
        hits = client.search(index="smoke-thai", body={"query": {"match": {"body": "ที่ดิน"}}})
        assert ids(hits) == ["1", "3"]
        # a phrase: only where ภาษี is right before ที่ดิน
        phrase = client.search(index="smoke-thai", body={"query": {"match_phrase": {"body": "ภาษี ที่ดิน"}}})
        assert ids(phrase) == ["1"]
        assert ids(
            client.search(index="smoke-thai", body={"query": {"match_phrase": {"title": "ภาษี ที่ดิน และ สิ่งปลูกสร้าง"}}})
        ) == ["1"]

        facets = client.search(
            index="smoke-thai",
            body={"size": 0, "query": {"match": {"body": "ภาษี"}}, "aggs": {"office": {"terms": {"field": "office"}}}},
        )
        assert facets["hits"]["total"]["value"] == 3
        buckets = {b["key"]: b["doc_count"] for b in facets["aggregations"]["office"]["buckets"]}
        assert buckets == {"tambon-a": 2, "tambon-b": 1}
    finally:
        client.indices.delete(index="smoke-thai")


def test_alias_swap_is_atomic(opensearch, client):
    """Searches of the alias while it is swapped back and forth see exactly
    one of the two indexes each time: never none, never both."""
    load(client, "smoke-old", DOCS[:2])
    load(client, "smoke-new", DOCS[2:])
    client.indices.put_alias(index="smoke-old", name="smoke-live")
    seen: list[tuple[int, frozenset]] = []
    failures: list[Exception] = []
    stop = threading.Event()

    def search_alias():
        c = client_for(*opensearch.data_urls)
        try:
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    r = c.search(index="smoke-live", body={"query": {"match_all": {}}, "size": 10})
                    seen.append((r["hits"]["total"]["value"], frozenset(h["_index"] for h in r["hits"]["hits"])))
                except Exception as e:  # noqa: BLE001 -- reported below
                    failures.append(e)
        finally:
            c.close()

    reader = threading.Thread(target=search_alias)
    reader.start()
    try:
        current, other = "smoke-old", "smoke-new"
        for _ in range(20):
            client.indices.update_aliases(
                body={
                    "actions": [
                        {"remove": {"index": current, "alias": "smoke-live"}},
                        {"add": {"index": other, "alias": "smoke-live"}},
                    ]
                }
            )
            current, other = other, current
            assert list(client.indices.get_alias(name="smoke-live")) == [current]
            time.sleep(0.02)
    finally:
        stop.set()
        reader.join(70)
    try:
        assert failures == []
        assert len(seen) > 20
        assert all(total == 2 and len(indexes) == 1 for total, indexes in seen), set(seen)
        assert {next(iter(i)) for _, i in seen} == {"smoke-old", "smoke-new"}
    finally:
        client.indices.delete(index="smoke-old,smoke-new")


def test_kill_a_data_node_replica_answers(opensearch, client):
    """SIGKILL the node holding the primary during searches: the replica on
    the other node answers every search, health is yellow; then the node is
    restarted here (and the `opensearch` fixture would restart a node that a
    failed test left dead) so later tests get the whole cluster, green."""
    load(client, "smoke-fault")
    try:
        shards = client.cat.shards(index="smoke-fault", format="json")
        primary = next(s["node"] for s in shards if s["prirep"] == "p")
        assert {s["node"] for s in shards} == {"node-1", "node-2"}
        victim = opensearch.node(primary)
        survivor = next(n for n in opensearch.data_nodes if n["name"] != primary)
        s_client = client_for(survivor["url"])

        answers: list[int] = []
        failures: list[Exception] = []
        stop = threading.Event()

        def search_loop():
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    r = s_client.search(index="smoke-fault", body={"query": {"match": {"body": "ที่ดิน"}}})
                    answers.append(r["hits"]["total"]["value"])
                except Exception as e:  # noqa: BLE001 -- reported below
                    failures.append(e)
                time.sleep(0.01)

        reader = threading.Thread(target=search_loop)
        reader.start()
        try:
            time.sleep(0.5)
            before = len(answers)
            opensearch.kill_node(victim)
            health = opensearch.health(status="yellow", nodes=len(opensearch.nodes) - 1, timeout=60)
            time.sleep(1.0)
        finally:
            stop.set()
            reader.join(70)
        assert health["status"] == "yellow", health
        assert health["number_of_data_nodes"] == 1
        assert health["unassigned_shards"] == 1
        assert failures == []
        assert before > 0 and len(answers) > before
        assert set(answers) == {2}
        # the former replica is the primary now, on the survivor
        shards = s_client.cat.shards(index="smoke-fault", format="json")
        assert [(s["prirep"], s["state"], s["node"]) for s in shards if s["state"] == "STARTED"] == [
            ("p", "STARTED", survivor["name"])
        ]
        assert ids(s_client.search(index="smoke-fault", body={"query": {"match_phrase": {"body": "ภาษี ที่ดิน"}}})) == ["1"]
        s_client.close()

        opensearch.restart_node(victim)
        health = client.cluster.health(index="smoke-fault", wait_for_status="green")
        assert health["status"] == "green" and health["number_of_data_nodes"] == 2
    finally:
        client.indices.delete(index="smoke-fault")


def test_a_cluster_not_green_in_time_is_a_clear_error(tmp_path):
    """The bounded wait: past it, ClusterError names the cause and shows each
    node's log, and no JVM of that cluster is left running."""
    from .cluster.cluster import ClusterError, TestCluster

    with pytest.raises(ClusterError) as failed:
        TestCluster.start(tmp_path / "slow", timeout=1)
    message = str(failed.value)
    assert "did not start" in message and "not green with 3 nodes within 1 s" in message
    assert message.count("last lines of") == 3
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _jvms_in(tmp_path):
        time.sleep(0.2)
    assert _jvms_in(tmp_path) == []


def _jvms_in(folder) -> list[int]:
    import os

    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if str(folder).encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids
