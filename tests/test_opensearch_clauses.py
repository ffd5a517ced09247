"""The backend's count of a query's clauses is the one Lucene refuses by,
on the real test cluster: what it sheds to stay under the limit is what
Lucene would refuse, and a long question is answered whole."""

from __future__ import annotations

import pytest
from opensearchpy import TransportError

from indexer.engine.opensearch import backend as os_backend

pytestmark = pytest.mark.opensearch

LIMIT = 1024  # Lucene's default indices.query.bool.max_clause_count, the test cluster's


def leaves(shape: str, n: int) -> list[dict]:
    if shape == "term":
        return [{"term": {"body": f"w{i}"}} for i in range(n)]
    if shape == "phrase":
        return [{"match_phrase": {"body": f"w{i} x{i} y{i}"}} for i in range(n)]
    if shape == "terms":
        return [{"terms": {"body": [f"w{i}-{j}" for j in range(20)]}} for i in range(n)]
    return [{"bool": {"must": [{"term": {"grams": f"g{i}-{j}"}} for j in range(10)]}} for i in range(n // 10)]


def nested(clauses: list[dict]) -> dict:
    """As a search nests them: needs in a filter, each an OR of its forms."""
    return {"bool": {"filter": [{"bool": {"should": clauses[i : i + 50]}} for i in range(0, len(clauses), 50)]}}


@pytest.fixture
def client(opensearch):
    client = os_backend.client_for(opensearch.data_urls)
    client.indices.create(index="clauses", body={"mappings": os_backend.mapping()})
    yield client
    client.indices.delete(index="clauses")


@pytest.mark.parametrize("shape", ["term", "phrase", "terms", "grams"])
def test_the_estimate_is_the_count_lucene_refuses_by(client, shape):
    for n, accepted in ((1000, True), (1100, False)):
        query = nested(leaves(shape, n))
        assert (os_backend.clauses(query) <= LIMIT) is accepted, (shape, n, os_backend.clauses(query))
        try:
            client.search(index="clauses", body={"query": query, "size": 0})
            answered = True
        except TransportError as e:
            assert os_backend.TOO_MANY.search(str(e)), e
            answered = False
        assert answered is accepted, (shape, n)
