"""A question Lucene refuses as too many clauses is asked again with the
first half of its words until answered; other refusals are not retried.
No cluster: ``_search_spec`` is a stand-in."""

from __future__ import annotations

import pytest
from opensearchpy import TransportError

from indexer.engine import ranking
from indexer.engine.opensearch import backend as os_backend
from indexer.engine.spec import Alternative, Group, Need, QuerySpec


def spec_of(n: int) -> QuerySpec:
    words = [f"w{i}" for i in range(n)]
    return QuerySpec(
        groups=tuple(Group((Alternative((w,)),)) for w in words),
        needs=tuple(Need(w, ((w,),)) for w in words),
    )


def index_refusing(times: int, message: str):
    ix = os_backend.OpenSearchIndex.__new__(os_backend.OpenSearchIndex)
    ix.index = "kmsearch-x-1"
    asked = []

    def answer(spec, *args):
        asked.append(len(spec.needs))
        if len(asked) <= times:
            # as opensearch-py raises it: the reason in the answer's root cause
            raise TransportError(
                500, "search_phase_execution_exception", {"error": {"root_cause": [{"reason": message}]}}
            )
        return "answered"

    ix._search_spec = answer
    return ix, asked


@pytest.mark.parametrize(
    "message",
    [
        "Query contains too many nested clauses; maxClauseCount is set to 1024",
        "too_many_nested_clauses: Query contains too many nested clauses; maxClauseCount is set to 1024",
    ],
)
def test_too_many_clauses_asks_again_with_half_the_words(message):
    ix, asked = index_refusing(2, message)
    assert ix.search(spec_of(12)) == "answered"
    assert asked == [12, 6, 3]


def test_other_refusals_are_not_retried():
    ix, asked = index_refusing(1, "illegal_argument_exception")
    with pytest.raises(TransportError):
        ix.search(spec_of(12))
    assert asked == [12]


def test_a_refusal_inside_a_batch_reads_as_the_clients_own():
    """The counts and the search go in one _msearch: a refused item is
    raised as the client raises a refused search, its root cause in the
    message (what the retry above reads)."""

    class Client:
        def msearch(self, body):
            return {
                "responses": [
                    {"hits": {"total": {"value": 3}}},
                    {
                        "error": {
                            "root_cause": [
                                {
                                    "type": "too_many_nested_clauses",
                                    "reason": "Query contains too many nested clauses; maxClauseCount is set to 1024",
                                }
                            ],
                            "type": "search_phase_execution_exception",
                        },
                        "status": 500,
                    },
                ]
            }

    class Backend:
        hosts = ("http://127.0.0.1:9",)

    ix = os_backend.OpenSearchIndex.__new__(os_backend.OpenSearchIndex)
    ix._client, ix._backend, ix._target, ix.shared = Client(), Backend(), "kmsearch-x", False
    with pytest.raises(TransportError) as refused:
        ix._batch([{"size": 0}, {"size": 10}])
    assert os_backend.TOO_MANY.search(str(refused.value)) and refused.value.status_code == 500


def test_a_need_of_many_forms_is_a_few_clauses():
    # ปี of a long question: the word and 26 indexed compounds, and a phrase
    forms = (("ปี",), *((f"ปี{i}",) for i in range(26)), ("ปี", "งบประมาณ"))
    assert os_backend.clauses(os_backend.holding_query(forms)) == 2 * len(ranking.WORD_FIELDS)
