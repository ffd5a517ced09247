"""The OpenSearch backend (``indexer.engine.base``).

Analysis stays the project's own: every text field is sent as the tokens
``indexer.thai`` makes of it (the same code as at query time), joined by
spaces, into fields analysed by ``whitespace`` alone.  OpenSearch's own
``thai`` analyzer is never used: it splits office terms
(องค์การ|บริหาร|ส่วน|ตำบล) and cuts a query differently from the text.

Layout in the cluster, for an office whose slug is S and a prefix P
(``opensearch: prefix:``, default ``kmsearch``):

- ``P-S-<stamp>``: one index per full build of the office, holding only its
  documents, each with ``office: S``.  The alias ``P-S`` names the live one,
  and ``P-all`` every office's live one (one search across a province).
  A full build loads a new index with no replica and refresh off, then
  restores both, waits for the replicas, and moves both aliases in one
  ``_aliases`` call: searches see the old build or the new one.
- Incremental builds bulk index/delete into the live index, whose refresh
  stays off between builds, then refresh: the changes become searchable
  together.
- ``P-builds``: per concrete index, what its build recorded (``info``: the
  serving part and the build state), a generation counter that moves with
  each incremental build, and nothing searchable.

Credentials come from KMSEARCH_OPENSEARCH_USER / KMSEARCH_OPENSEARCH_PASSWORD
(and KMSEARCH_OPENSEARCH_CA for a private CA), never from kmsearch.yaml.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import multiprocessing
import os
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from indexer.analysis import thai
from indexer.content.documents import Document
from indexer.content.office import Office
from indexer.engine import ranking
from indexer.engine.base import (
    FACET_FIELDS,
    MATCH_ALL,
    MATCH_NONE,
    MATCH_SOME,
    SERVING_KEYS,
    BuildFailed,
    EngineUnavailable,
    Hit,
    IndexMissing,
    Results,
    typed,
)
from indexer.engine.spec import Alternative, Group, Need, QuerySpec
from indexer.engine.vocabulary import Vocabulary

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2: status (drafts); 3: BM25 with ranking.B and K1
DEFAULT_PREFIX = "kmsearch"
TEXT_FIELDS = (*ranking.WORD_FIELDS, *ranking.GRAMS_WEIGHTS)
KEYWORDS = ("id", "office", "division", "type", "knowledge", "status", "area", "tag", "alias", "words")
BULK_CHUNK = 500
# How long the cluster holds a bulk request for a shard with no active copy
# (its data node gone) before refusing it, in seconds: below the client's
# own timeout (client_for), so that the build hears "primary shard is not
# active" from the cluster rather than a read timeout ("cannot be reached").
BULK_SHARD_WAIT = 20
CLIENT_TIMEOUT = 30
# A full build with procs > 1: documents per job of an analysis worker, and
# jobs in flight per worker (what the bulk has not taken yet stays bounded).
ANALYSIS_CHUNK = 50
ANALYSIS_AHEAD = 2
# Tiers (see search): each adds this much to a score, so documents of a
# higher tier sort first; large against any BM25 sum, small enough that
# float32 scores keep two decimals within a tier.
TIER = 100_000.0
# Lucene refuses a query of more than 1 024 clauses (indices.query.bool.
# max_clause_count, a static node setting): a long question's words, each
# in five word fields and two gram fields, reach it.  Over this estimate a
# search sheds, in order, the tiers, coordination and the sub-word grams of
# its ranking (never what decides which documents count).
MAX_CLAUSES = 1000
FACET_SIZE = 1000
TOO_MANY = re.compile(r"too[ _]many([ _]nested)?[ _]clauses", re.I)  # how Lucene's refusal reads
GREEN_TIMEOUT = 120  # s: one wait of a full build for its replicas, again while they recover (_wait_for_copies)


def mapping() -> dict:
    props: dict = {name: {"type": "keyword"} for name in KEYWORDS}
    for name in ranking.WORD_FIELDS:
        props[name] = {"type": "text", "analyzer": "whitespace"}  # positions: phrases
    for name in ranking.GRAMS_WEIGHTS:
        props[name] = {"type": "text", "analyzer": "whitespace", "index_options": "freqs"}
    props.update(
        {
            "fiscal_year": {"type": "integer"},
            "date": {"type": "date", "format": "strict_date"},
            "changed": {"type": "date", "format": "strict_date"},
            "stored": {"type": "object", "enabled": False},  # what get() returns
        }
    )
    # The analysed fields are searched, never shown: kept out of _source.
    return {"dynamic": "strict", "_source": {"excludes": [*TEXT_FIELDS, "words"]}, "properties": props}


def _joined(tokens: Iterable[str]) -> str:
    return " ".join(tokens)


def to_source(doc: Document, office: str, segmenter: thai.Segmenter) -> dict:
    """One document as the cluster keeps it: analysed fields as tokens,
    the stored document as it comes back from ``get``."""

    def words(text: str) -> list[str]:
        return [t.text for t in thai.analyse(text, segmenter)]

    fields = {
        "title": words(doc.title),
        "tags": words(" \n".join(doc.tags)),
        "summary": words(doc.summary),
        "people": words(" \n".join(p for p in (doc.author, doc.holder) if p)),
        "body": words(doc.text),
    }
    grams = thai.grams(doc.text, segmenter)
    tgrams = thai.grams("\n".join([doc.title, *doc.tags, doc.summary, doc.holder]), segmenter)
    return {
        "id": doc.id,
        "office": office,
        **{name: _joined(tokens) for name, tokens in fields.items()},
        "grams": _joined(grams),
        "tgrams": _joined(tgrams),
        "words": sorted(set(fields["title"]) | set(fields["body"])),
        "division": doc.division,
        "type": doc.type,
        "knowledge": doc.knowledge,
        "status": doc.status,
        "area": list(doc.areas),
        "tag": [t.replace(",", " ") for t in doc.tags],
        "alias": list(doc.aliases),
        "fiscal_year": doc.fiscal_year,
        "date": doc.date.isoformat(),
        "changed": doc.last_changed.isoformat(),
        "stored": {
            "id": doc.id,
            "title": doc.title,
            "summary": doc.summary,
            "body": doc.text,
            "html": doc.html,
            "division": doc.division,
            "type": doc.type,
            "knowledge": doc.knowledge,
            "status": doc.status,
            "fiscal_year": doc.fiscal_year,
            "area": ",".join(doc.areas),
            "tag": ",".join(t.replace(",", " ") for t in doc.tags),
            "alias": ",".join(doc.aliases),
            "tags": list(doc.tags),
            "areas": list(doc.areas),
            "aliases": list(doc.aliases),
            "author": doc.author,
            "holder": doc.holder,
            "path": doc.path,
            "date": doc.date.isoformat(),
            "changed": doc.last_changed.isoformat(),
            "updated": doc.updated.isoformat() if doc.updated else None,
            "attachments": [
                {"path": a.path, "name": a.name, "size": a.size, "type": a.type, "label": a.label}
                for a in doc.attachments
            ],
        },
    }


def _with_pairs(query: dict, spec: QuerySpec) -> dict:
    """``query`` scoring a question's sub-word pairs too
    (ranking.QUESTION_GRAMS_WEIGHT), as many of them as Lucene's clause
    limit leaves room for (each is a term of one ``match``)."""
    pairs = spec.pairs[: max(0, MAX_CLAUSES - clauses(query))]
    if not pairs:
        return query
    found = {"match": {"grams": {"query": _joined(pairs), "boost": ranking.QUESTION_GRAMS_WEIGHT}}}
    return {"bool": {"must": [query], "should": [found]}}


def _order(by_date: bool) -> list[dict]:
    """By last change, or by score with the fresher first on a tie; then id."""
    if by_date:
        return [{"changed": "desc"}, {"id": "asc"}]
    return [{"_score": "desc"}, {"changed": "desc"}, {"id": "asc"}]


def _hit_key(fields: dict) -> tuple[str, str]:
    """A hit's identity: ids are unique within an office, not across."""
    return fields.get("office", ""), fields["id"]


_worker: tuple[str, thai.Segmenter] | None = None  # (office, segmenter) of an analysis worker


def _start_worker(office: str, segmenter: thai.Segmenter) -> None:
    global _worker
    _worker = (office, segmenter)


def _analyse_chunk(docs: list[Document]) -> list[dict]:
    assert _worker is not None, "not an analysis worker"
    office, segmenter = _worker
    return [to_source(d, office, segmenter) for d in docs]


def sources(docs: Iterable[Document], office: str, segmenter: thai.Segmenter, procs: int = 1) -> Iterator[dict]:
    """``to_source`` of every document; with ``procs`` > 1 in that many
    forked worker processes, ``ANALYSIS_CHUNK`` documents a job, yielded as
    the jobs finish (not in the order of ``docs``, which this process still
    reads: rendering stays here).  At most ``ANALYSIS_AHEAD`` jobs per worker
    wait for the bulk to take them."""
    if procs <= 1:
        for doc in docs:
            yield to_source(doc, office, segmenter)
        return
    segmenter.segment("")  # the dictionary is loaded before the fork: the workers share it
    context = multiprocessing.get_context("fork")  # the workers need nothing re-imported
    pending: deque[Future] = deque()
    rest = iter(docs)
    chunks = iter(lambda: list(itertools.islice(rest, ANALYSIS_CHUNK)), [])
    with ProcessPoolExecutor(
        procs, mp_context=context, initializer=_start_worker, initargs=(office, segmenter)
    ) as pool:
        try:
            for chunk in chunks:
                pending.append(pool.submit(_analyse_chunk, chunk))
                while len(pending) >= procs * ANALYSIS_AHEAD:
                    yield from _first_done(pending)
            while pending:
                yield from _first_done(pending)
        except BaseException:
            for f in pending:
                f.cancel()
            raise


def _first_done(pending: deque[Future]) -> list[dict]:
    """The results of the oldest job: jobs are of the same size, so the
    oldest is about the first to finish, and waiting on it keeps the rest
    of the queue working."""
    return pending.popleft().result()


def _stored(hit: dict) -> dict:
    fields = dict(hit["_source"]["stored"])
    if "office" in hit["_source"]:  # a search across offices (open_shared)
        fields["office"] = hit["_source"]["office"]
    return typed(fields)


def client_for(hosts: Iterable[str], timeout: float = CLIENT_TIMEOUT):
    """An opensearch-py client; user and password from the environment."""
    from opensearchpy import OpenSearch

    user = os.environ.get("KMSEARCH_OPENSEARCH_USER")
    password = os.environ.get("KMSEARCH_OPENSEARCH_PASSWORD")
    options: dict = {"timeout": timeout, "max_retries": 2, "retry_on_timeout": True}
    if user:
        options["http_auth"] = (user, password or "")
    ca = os.environ.get("KMSEARCH_OPENSEARCH_CA")
    if ca:
        options.update(ca_certs=ca, verify_certs=True)
    return OpenSearch(hosts=list(hosts), **options)


@contextmanager
def _talking(hosts: Iterable[str]) -> Iterator[None]:
    """Client errors as the engine's: unreachable -> EngineUnavailable (one
    line), refused -> BuildFailed naming what was refused."""
    from opensearchpy import exceptions as ex

    try:
        yield
    except (ex.ConnectionError, ex.ConnectionTimeout) as e:
        raise EngineUnavailable(f"OpenSearch at {', '.join(hosts)} cannot be reached ({_reason(e)})") from None
    except ex.TransportError as e:
        if e.status_code in (502, 503, 504, 429):
            raise EngineUnavailable(f"OpenSearch at {', '.join(hosts)} is not answering: {_reason(e)}") from None
        raise


def _reason(e) -> str:
    info = getattr(e, "info", None)
    if isinstance(info, dict):
        err = info.get("error", info)
        if isinstance(err, dict):
            return str(err.get("reason") or err.get("type") or err)[:300]
    return (
        (str(getattr(e, "error", "")) or type(e).__name__).splitlines()[0][:300]
        if getattr(e, "error", None)
        else type(e).__name__
    )


def _bulk_reason(item: dict) -> str:
    """What a refused bulk item says, naming the field of a mapping conflict."""
    op = next(iter(item.values()))
    err = op.get("error") or {}
    reason = err.get("reason", "")
    caused = (err.get("caused_by") or {}).get("reason", "")
    field = re.search(r"field \[([^\]]+)\]", reason + " " + caused)
    where = f"field {field.group(1)!r}: " if field else ""
    if err.get("type") == "unavailable_shards_exception":
        where = "no copy of its shard is active (a data node left the cluster): "
    return f"document {op.get('_id')!r}: {where}{reason}{' (' + caused + ')' if caused else ''}"


class OpenSearchBackend:
    """``indexer.engine.base.Backend`` over a cluster; ``index_dir`` keeps
    only the build lock (indexer/build.py)."""

    name = "opensearch"
    schema_version = SCHEMA_VERSION

    def __init__(self, index_dir: str | Path, office: Office):
        self.index_dir = Path(index_dir)
        self.hosts = tuple(office.hosts)
        self.slug = office.slug
        self.prefix = os.environ.get("KMSEARCH_OPENSEARCH_PREFIX") or DEFAULT_PREFIX
        self.alias = f"{self.prefix}-{self.slug}"
        self.every = f"{self.prefix}-all"
        self.builds = f"{self.prefix}-builds"
        self.replicas = 1
        self._client = None

    def __str__(self) -> str:
        return f"OpenSearch {', '.join(self.hosts)} {self.alias}"

    @property
    def client(self):
        if self._client is None:
            self._client = client_for(self.hosts)
        return self._client

    # --- which build is live -------------------------------------------

    def _live_index(self) -> str | None:
        from opensearchpy import NotFoundError

        try:
            found = self.client.indices.get_alias(name=self.alias)
        except NotFoundError:
            return None
        return sorted(found)[0] if found else None

    def _meta(self, index: str, state: bool = False) -> dict | None:
        from opensearchpy import NotFoundError

        params = {} if state else {"_source_excludes": "info.docs,info.titles"}
        try:
            doc = self.client.get(index=self.builds, id=index, params=params)
        except NotFoundError:
            return None
        return doc["_source"]

    def _generations(self, indexes: list[str]) -> dict[str, int]:
        """The generation of each build's note, from its doc values.

        A note holds an entry per file (30 MB at 200 000 documents), and a
        get parses all of it even to leave it out: 3 s for each request a
        server answered, which asks which build is live.  Notes are written
        with a refresh, so a search sees the last one."""
        found = self.client.search(
            index=self.builds,
            body={
                "query": {"ids": {"values": indexes}},
                "_source": False,
                "docvalue_fields": ["generation"],
                "size": len(indexes),
            },
        )["hits"]["hits"]
        return {h["_id"]: int(h["fields"]["generation"][0]) for h in found if h.get("fields", {}).get("generation")}

    def live(self) -> str | None:
        with _talking(self.hosts):
            index = self._live_index()
            if index is None:
                return None
            generation = self._generations([index]).get(index)
        return f"{index}#{generation}" if generation is not None else None

    def read_info(self) -> dict | None:
        with _talking(self.hosts):
            index = self._live_index()
            meta = self._meta(index, state=True) if index else None
        return meta["info"] if meta else None

    def open(self) -> OpenSearchIndex:
        with _talking(self.hosts):
            index = self._live_index()
            meta = self._meta(index) if index else None
        if index is None or meta is None:
            raise IndexMissing(f"{self}: no index; run 'kmsearch build' first")
        return OpenSearchIndex(self, index, meta)

    def _shared_builds(self) -> tuple[str | None, list[str]]:
        """(key, indexes) of every office's live build in ``every``."""
        from opensearchpy import NotFoundError

        with _talking(self.hosts):
            try:
                indexes = sorted(self.client.indices.get_alias(name=self.every))
            except NotFoundError:
                return None, []
            generations = self._generations(indexes) if indexes else {}
        live = [i for i in indexes if i in generations]
        key = "every:" + ",".join(f"{i}#{generations[i]}" for i in live)
        return (key if live else None), live

    def shared_live(self) -> str | None:
        return self._shared_builds()[0]

    def open_shared(self) -> OpenSearchIndex | None:
        key, indexes = self._shared_builds()
        if key is None:
            return None
        with _talking(self.hosts):
            found = self.client.mget(
                index=self.builds, body={"ids": indexes}, params={"_source_excludes": "info.docs,info.titles"}
            )["docs"]
        notes = [d["_source"] for d in found if d.get("found")]
        if not notes:
            return None
        own = next((n for n in notes if n["office"] == self.slug), notes[0])
        # Queries are analysed with this office's word list and segmenter:
        # one analysis per search, whatever office wrote a document.
        meta = {**own, "info": {**own["info"], "offices": {n["office"]: n["info"].get("office", "") for n in notes}}}
        return OpenSearchIndex(self, self.every, meta, key=key)

    # --- writing ----------------------------------------------------------

    def _ensure_builds_index(self) -> None:
        if not self.client.indices.exists(index=self.builds):
            from opensearchpy import RequestError

            try:
                self.client.indices.create(
                    index=self.builds,
                    body={
                        "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                        "mappings": {
                            "dynamic": False,
                            "properties": {
                                "office": {"type": "keyword"},
                                "generation": {"type": "integer"},
                                "info": {"type": "object", "enabled": False},
                            },
                        },
                    },
                )
            except RequestError as e:
                if "resource_already_exists" not in str(e):
                    raise

    def write(
        self,
        segmenter: thai.Segmenter,
        add: Iterable[Document],
        remove: Iterable[str] = (),
        info: dict | None = None,
        incremental: bool = False,
        procs: int = 1,
    ) -> str:
        info = {
            "schema_version": SCHEMA_VERSION,
            "words": list(segmenter.words),
            "segmenter": segmenter.engine,
            **(info or {}),
        }
        with _talking(self.hosts):
            self._ensure_builds_index()
            if incremental:
                return self._write_incremental(segmenter, add, remove, info)
            return self._write_full(segmenter, add, info, procs)

    def _actions(
        self,
        index: str,
        segmenter: thai.Segmenter,
        add: Iterable[Document],
        remove: Iterable[str] = (),
        procs: int = 1,
    ) -> Iterator[dict]:
        for doc_id in remove:
            yield {"_op_type": "delete", "_index": index, "_id": doc_id}
        for source in sources(add, self.slug, segmenter, procs):
            yield {"_op_type": "index", "_index": index, "_id": source["id"], "_source": source}

    def _bulk(self, actions: Iterable[dict]) -> None:
        from opensearchpy import helpers

        # (opensearch-py sends "timeout" to the server only beside its own request_timeout)
        wait = {"timeout": f"{BULK_SHARD_WAIT}s", "request_timeout": CLIENT_TIMEOUT}
        for ok, item in helpers.streaming_bulk(
            self.client,
            actions,
            chunk_size=BULK_CHUNK,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=2,
            params=wait,
        ):
            if not ok:
                op = next(iter(item.values()))
                if op.get("status") == 404 and "delete" in item:
                    continue  # deleting what is already gone
                raise BuildFailed(f"{self}: the cluster refused {_bulk_reason(item)}; the old build keeps serving")

    def _data_nodes(self) -> int:
        health = self.client.cluster.health()
        return int(health.get("number_of_data_nodes", 1))

    def _write_full(self, segmenter: thai.Segmenter, add: Iterable[Document], info: dict, procs: int = 1) -> str:
        from opensearchpy import RequestError

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        index = f"{self.alias}-{stamp}"
        try:
            self.client.indices.create(
                index=index,
                body={
                    "settings": {
                        "number_of_shards": 1,
                        "number_of_replicas": 0,
                        "refresh_interval": "-1",
                        # the ranking policy's BM25, not Lucene's defaults
                        "similarity": {"default": {"type": "BM25", "b": ranking.B, "k1": ranking.K1}},
                    },
                    "mappings": mapping(),
                },
            )
        except RequestError as e:
            raise BuildFailed(f"{self}: the cluster refused the index {index}: {_reason(e)}") from None
        try:
            self._bulk(self._actions(index, segmenter, add, procs=procs))
            replicas = min(self.replicas, max(0, self._data_nodes() - 1))
            # Refresh stays off between builds: an incremental build's
            # changes become searchable together, at its refresh.
            # auto-expanded, not a number: a data node that left during the build
            # (or joins later) gets the replica when it is back
            self.client.indices.put_settings(
                index=index, body={"index": {"auto_expand_replicas": f"0-{self.replicas}"}}
            )
            self.client.indices.refresh(index=index)
            self._wait_for_copies(index, replicas)
            self.client.index(
                index=self.builds, id=index, body={"office": self.slug, "generation": 1, "info": info}, refresh="true"
            )
            old = self._live_index()
            actions = [{"add": {"index": index, "alias": self.alias}}, {"add": {"index": index, "alias": self.every}}]
            if old:
                actions[:0] = [
                    {"remove": {"index": old, "alias": self.alias}},
                    {"remove": {"index": old, "alias": self.every}},
                ]
            self.client.indices.update_aliases(body={"actions": actions})
        except BaseException:
            self._drop(index)
            raise
        self.prune()
        return f"{index}#1"

    def _wait_for_copies(self, index: str, replicas: int) -> None:
        """Every copy of the new index started: waiting GREEN_TIMEOUT at a
        time on the server, for as long as each wait saw the copies recover
        further.  A replica's recovery on busy cores takes its time (the
        server's default of 30 s was passed by a 1 711-document index at
        load 9; a 3 GB replica at 200 000 documents took more than 120 s):
        what fails the build is a recovery that stopped, not a big one.
        opensearch-py takes a ``timeout`` parameter as its own unless
        ``request_timeout`` is given, hence both.  Stopped: BuildFailed,
        and the old build keeps serving."""
        from opensearchpy import TransportError

        seen = None
        while True:
            try:
                self.client.cluster.health(
                    index=index,
                    wait_for_status="green" if replicas else "yellow",
                    params={"timeout": f"{GREEN_TIMEOUT}s"},
                    request_timeout=GREEN_TIMEOUT + 15,
                )
                return
            except TransportError as e:
                if e.status_code != 408:
                    raise
            progress = self._recovery(index)
            if progress == seen:
                raise BuildFailed(
                    f"{self}: the copies of {index} did not start within {GREEN_TIMEOUT} s "
                    f"({replicas} replica(s) asked) and stopped recovering; the old build keeps serving"
                )
            seen = progress

    def _recovery(self, index: str) -> tuple:
        """How far the copies of ``index`` have recovered: bytes and
        translog operations copied, and each shard's stage."""
        shards = self.client.indices.recovery(index=index).get(index, {}).get("shards", [])
        return (
            sum(s.get("index", {}).get("size", {}).get("recovered_in_bytes", 0) for s in shards),
            sum(s.get("translog", {}).get("recovered", 0) for s in shards),
            tuple(sorted((s.get("id", 0), s.get("type", ""), s.get("stage", "")) for s in shards)),
        )

    def _write_incremental(
        self, segmenter: thai.Segmenter, add: Iterable[Document], remove: Iterable[str], info: dict
    ) -> str:
        index = self._live_index()
        meta = self._meta(index) if index else None
        if index is None or meta is None:
            raise IndexMissing(f"{self}: no live build to change")
        self._bulk(self._actions(index, segmenter, add, remove))
        self.client.indices.refresh(index=index)
        generation = int(meta["generation"]) + 1
        self.client.index(
            index=self.builds,
            id=index,
            body={"office": self.slug, "generation": generation, "info": info},
            refresh="true",
        )
        return f"{index}#{generation}"

    def _drop(self, index: str) -> None:
        try:
            self.client.indices.delete(index=index, params={"ignore_unavailable": "true"})
            self.client.delete(index=self.builds, id=index, ignore=[404], refresh="true")
        except Exception as e:  # the cluster went away: prune() tries again next build
            log.warning("could not remove %s: %s", index, e)

    def prune(self) -> None:
        """Every index of this office but the live one (and its note)."""
        with _talking(self.hosts):
            live = self._live_index()
            for index in self._indexes():
                if index != live:
                    self._drop(index)

    def _indexes(self) -> list[str]:
        """This office's build indexes: ``P-S-*`` also matches an office
        whose slug is S followed by a dash, hence the exact pattern."""
        found = self.client.indices.get(index=f"{self.alias}-*", params={"expand_wildcards": "open,closed"})
        return [i for i in found if re.fullmatch(re.escape(self.alias) + r"-\d{8}-\d{6}-\d{6}", i)]

    def delete_everything(self) -> None:
        """Every index and note of this office (tests; moving an office back)."""
        with _talking(self.hosts):
            for index in self._indexes():
                self._drop(index)


def _words_query(words: tuple[str, ...], field: str, boost: float) -> dict:
    if len(words) == 1:
        return {"term": {field: {"value": words[0], "boost": boost}}}
    return {"match_phrase": {field: {"query": " ".join(words), "boost": boost}}}


def _all_grams(grams: tuple[str, ...], field: str, boost: float) -> dict:
    return {"bool": {"must": [{"term": {field: g}} for g in grams], "boost": boost}}


def clauses(query) -> int:
    """How many clauses Lucene counts in ``query`` against its limit, over
    the whole tree: a clause per term, per phrase (however many words) and
    per terms query (however many values); a match query is an OR of its
    terms.  Measured on the test cluster (OpenSearch 2.19): 1 000 nested
    terms pass and 1 100 are refused; so are 1 100 two-word phrases, not
    700; 100 terms queries of 16 values pass."""
    if isinstance(query, list):
        return sum(clauses(q) for q in query)
    if not isinstance(query, dict):
        return 0
    n = 0
    for key, value in query.items():
        if key in ("term", "terms", "match_phrase", "match_all", "match_none"):
            n += 1
        elif key == "match":
            n += sum(len(str(v.get("query", "")).split()) if isinstance(v, dict) else 1 for v in value.values())
        else:
            n += clauses(value)
    return n


def alternative_query(alt: Alternative, grams_too: bool = True) -> list[dict]:
    """The ranking policy for one way to say a word: per field, its weight
    times the alternative's (``ranking.WORD_FIELDS``, ``GRAMS_WEIGHTS``)."""
    out = []
    if alt.words:
        out += [_words_query(alt.words, f, boost * alt.weight) for f, boost in ranking.WORD_FIELDS.items()]
    grams = tuple(dict.fromkeys(alt.grams)) if grams_too or not alt.words else ()
    if grams:
        out += [_all_grams(grams, f, boost * alt.weight) for f, boost in ranking.GRAMS_WEIGHTS.items()]
    return out


def group_query(group: Group, grams_too: bool = True) -> dict:
    return {
        "bool": {
            "should": [q for a in group.alternatives for q in alternative_query(a, grams_too)],
            "minimum_should_match": 1,
        }
    }


def holding_query(forms: tuple[tuple[str, ...], ...]) -> list[dict]:
    """Any of ``forms`` as whole words (side by side) in any word field.
    The single words of a field go in one terms query, one clause for
    Lucene: a long question's needs (a word and its compounds, 27 forms of
    ปี) passed its clause limit as a term query each."""
    words = list(dict.fromkeys(f[0] for f in forms if len(f) == 1))
    phrases = [f for f in forms if len(f) > 1]
    out = []
    for field in ranking.WORD_FIELDS:
        if words:
            out.append({"terms": {field: words}} if len(words) > 1 else {"term": {field: words[0]}})
        out += [_words_query(f, field, 1.0) for f in phrases]
    return out


def _any(clauses: list[dict], name: str | None = None) -> dict:
    q: dict = {"bool": {"should": clauses or [{"match_none": {}}], "minimum_should_match": 1}}
    if name:
        q["bool"]["_name"] = name
    return q


class OpenSearchIndex:
    """``indexer.engine.base.SearchIndex`` over the office's alias."""

    def __init__(self, backend: OpenSearchBackend, index: str, meta: dict, key: str | None = None):
        self._backend = backend
        self._client = backend.client
        self.index = index
        # Across offices (Backend.open_shared): the alias of every office,
        # and no office filter.
        self.shared = key is not None
        self._target = backend.every if self.shared else backend.alias
        self._source = ["stored", "office"] if self.shared else ["stored"]
        self.key = key or f"{index}#{meta['generation']}"
        self.path = self.key
        self.info = {k: v for k, v in meta["info"].items() if k in (*SERVING_KEYS, "offices")}
        self.segmenter = thai.Segmenter(self.info.get("words", ()), self.info.get("segmenter", thai.SEGMENTERS[0]))
        self._lock = threading.Lock()
        self._vocab: Vocabulary | None = None
        self._doc_count: int | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass  # the client is the backend's

    @contextmanager
    def _talking(self):
        with _talking(self._backend.hosts):
            yield

    def _office(self) -> dict:
        return {"match_all": {}} if self.shared else {"term": {"office": self._backend.slug}}

    def _search_type(self, body: dict) -> dict:
        """Each office's index has term statistics of its own: a word every
        document of a small office holds would score next to nothing there.
        Scored across offices, with the statistics of all."""
        return {"search_type": "dfs_query_then_fetch"} if self.shared and body.get("size", 10) else {}

    def _search(self, body: dict) -> dict:
        with self._talking():
            return self._client.search(index=self._target, body=body, params=self._search_type(body))

    def _count(self, query: dict) -> int:
        with self._talking():
            return int(self._client.count(index=self._target, body={"query": query})["count"])

    @property
    def doc_count(self) -> int:
        # fixed for a build and generation (the key), as this object is;
        # across offices, any office's build can change it
        if self._doc_count is None or self.shared:
            self._doc_count = self._count(self._office())
        return self._doc_count

    def get(self, doc_id: str) -> dict | None:
        found = self._search(
            {
                "query": {"bool": {"filter": [self._office(), {"term": {"id": doc_id}}]}},
                "size": 1,
                "_source": ["stored"],
            }
        )["hits"]["hits"]
        return _stored(found[0]) if found else None

    def by_alias(self, old_id: str) -> dict | None:
        found = self._search(
            {
                "query": {"bool": {"filter": [self._office(), {"term": {"alias": old_id}}]}},
                "size": 1,
                "_source": ["stored"],
            }
        )["hits"]["hits"]
        return _stored(found[0]) if found else None

    def withdrawn(self, doc_id: str) -> str | None:
        return self.info.get("gone", {}).get(doc_id)

    def _every(self, source) -> Iterator[dict]:
        after = None
        while True:
            body = {
                "query": {"bool": {"filter": [self._office()]}},
                "size": 1000,
                "sort": [{"id": "asc"}],
                "_source": source,
            }
            if after:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            if not hits:
                return
            yield from hits
            after = hits[-1]["sort"]

    def all(self) -> list[dict]:
        return [_stored(h) for h in self._every(["stored"])]

    def titles(self) -> list[tuple[str, str]]:
        return [
            (h["_source"]["stored"]["id"], h["_source"]["stored"]["title"])
            for h in self._every(["stored.id", "stored.title"])
        ]

    # --- search -----------------------------------------------------------

    def _scoring(self, spec: QuerySpec, grams_too: bool = True) -> tuple[list[dict], list[dict]]:
        """(must, should): required groups, and the optional ones."""
        must = [group_query(g, grams_too) for g in spec.groups if g.required]
        should = [group_query(g, grams_too) for g in spec.groups if not g.required]
        return must, should

    def _shown(self, spec: QuerySpec) -> tuple[list[dict], list[dict]]:
        """(filter, must_not): the office, the filters, the exclusions."""
        filters = [self._office()]
        for name, values in spec.filters.items():
            if values:
                filters.append({"terms": {name: list(values)}})
        return filters, [group_query(g) for g in spec.exclude]

    def _need(self, need: Need, typed_only: bool, name: str | None = None) -> dict:
        clauses = holding_query(need.words)
        clauses += [{"term": {f: v}} for f, v in need.facets]
        if need.run:
            grams = tuple(dict.fromkeys(need.run))
            clauses += [_all_grams(grams, f, 1.0) for f in ranking.GRAMS_WEIGHTS]
        if not typed_only:
            clauses += holding_query(need.corrections)
            if need.fallback:
                clauses += holding_query(need.fallback)
        return _any(clauses, name)

    def _scored(self, query: dict, should: list[dict]) -> dict:
        """Coordination (``ranking.GROUP_COORDINATION``): with several
        optional groups, a score scales with how many of them match."""
        if len(should) <= 1 or not ranking.GROUP_COORDINATION:
            return query
        return {
            "function_score": {
                "query": query,
                "functions": [{"filter": q, "weight": 1} for q in should],
                "score_mode": "sum",
                "boost_mode": "multiply",
            }
        }

    def _batch(self, bodies: list[dict]) -> list[dict]:
        """Searches sent together, in one round trip (``_msearch``), answered in order."""
        lines: list[dict] = []
        for body in bodies:
            lines += [{"index": self._target, **self._search_type(body)}, body]
        with self._talking():
            answers = self._client.msearch(body=lines)["responses"]
            for a in answers:
                if "error" in a:
                    from opensearchpy import TransportError

                    # info as the client gives it for a search of its own: its message names the root cause
                    raise TransportError(int(a.get("status", 500)), str(a["error"].get("type", "error")), a)
        return answers

    def search(
        self,
        spec: QuerySpec,
        page: int = 1,
        pagelen: int = 10,
        facets: Iterable[str] = FACET_FIELDS,
        timelimit: float | None = None,
    ) -> Results:
        """``_search_spec``; a question that Lucene still refuses as too many
        clauses after every shedding (``too_many_nested_clauses``: its
        needs alone past the limit) is asked again with the first half of
        its words, until it is answered: its first words decide."""
        from opensearchpy import TransportError

        while True:
            try:
                return self._search_spec(spec, page, pagelen, facets, timelimit)
            except TransportError as e:
                # "too_many_nested_clauses: Query contains ..." or the bare sentence
                if not TOO_MANY.search(str(e)) or (len(spec.needs) <= 1 and len(spec.groups) <= 1):
                    raise
                log.warning("%s: too many clauses for Lucene; asking again with half of the words", self.index)
                spec = dataclasses.replace(
                    spec,
                    needs=spec.needs[: max(1, len(spec.needs) // 2)],
                    groups=spec.groups[: max(1, len(spec.groups) // 2)],
                )

    def _search_spec(
        self,
        spec: QuerySpec,
        page: int,
        pagelen: int,
        facets: Iterable[str],
        timelimit: float | None,
    ) -> Results:
        facets = tuple(facets)
        filters, must_not = self._shown(spec)
        must, should = self._scoring(spec)
        needs = [self._need(n, typed_only=False) for n in spec.needs]
        typed = clauses([filters, must_not, needs]) > MAX_CLAUSES
        if typed:
            # So many words that asking for each with its corrections and
            # fallback in every word field passes Lucene's clause limit by
            # itself (a long natural question of bench-relevance): the
            # words as typed decide.  Whoosh has no such limit.
            needs = [self._need(n, typed_only=True) for n in spec.needs]
        if clauses([filters, must_not, must, should, needs]) > MAX_CLAUSES:
            must, should = self._scoring(spec, grams_too=False)  # words still rank; pairs only for words without
        by_date = spec.sort == "date" or spec.empty
        start = (page - 1) * pagelen
        # in each body: opensearch-py takes a "timeout" parameter as its own
        limit = {"timeout": f"{max(1, int(timelimit * 1000))}ms"} if timelimit else {}

        def body_for(query: dict, match: str, question: bool) -> tuple[dict, int, bool]:
            """The search of one page: (body, documents asked for, tiered)."""
            if 2 * clauses(query) <= MAX_CLAUSES:
                query = self._scored(query, should)
            query = _with_pairs(query, spec)
            # Whoosh's tiers: among documents holding every need, those that
            # hold them as typed, and those of a division, type or kind the
            # query names (spec.boosts), first; each clause a document matches
            # adds TIER, taken off again from each hit's score.
            tiers: list[dict] = []
            if not by_date and match == MATCH_ALL and not question:
                tiers = [self._need(n, typed_only=True) for n in spec.needs]
                tiers += [{"term": {f: v}} for f, v in spec.boosts]
            if tiers and clauses(query) + clauses(tiers) > MAX_CLAUSES:
                tiers = []
            if tiers:
                query = {
                    "function_score": {
                        "query": query,
                        "functions": [
                            {"filter": {"match_all": {}}, "weight": 1},
                            *({"filter": c, "weight": TIER} for c in tiers),
                        ],
                        "score_mode": "sum",
                        "boost_mode": "sum",
                    }
                }
            verbatim = bool(spec.verbatim) and not by_date and match != MATCH_NONE
            size = (
                max(page * pagelen, ranking.VERBATIM_DEPTH) if verbatim and start < ranking.VERBATIM_DEPTH else pagelen
            )
            body: dict = {
                "query": query,
                "sort": _order(by_date),
                "from": 0 if size != pagelen else start,
                "size": size,
                "track_total_hits": True,
                "_source": self._source,
                "aggs": {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in facets},
            }
            if question:  # the counts stay those of the documents holding every word
                body["aggs"] = {"counted": {"filter": {"bool": {"filter": needs}}, "aggs": body["aggs"]}}
            body.update(limit)
            if match == MATCH_NONE:
                body["size"], body["from"] = 0, 0
            return body, size, bool(tiers)

        match, exact_total, full_count = MATCH_ALL, 0, 0
        fragments: tuple[str, ...] = ()
        named: list[str] = []
        more, question = 0, False
        partial: dict | None = None
        found: dict | None = None
        guess: tuple[dict, int, bool] | None = None
        counts_cut = False  # a count cut short by the time limit: the page says it is partial
        if spec.empty:
            query: dict = {"bool": {"filter": filters, "must_not": must_not}}
        elif spec.needs:
            # Every count the page needs, and the search itself when it does
            # not depend on them, in one round trip; each query within
            # Lucene's clause limit (_within_limit: the ranking is shed, never
            # what decides which documents count).
            every = self._within_limit(
                spec,
                must + should,
                lambda scoring: {"bool": {"filter": filters + needs, "must_not": must_not, "should": scoring}},
            )
            typed_q = {"bool": {"filter": filters + [self._need(n, True) for n in spec.needs], "must_not": must_not}}
            fallback = [n for n in spec.needs if n.fallback]
            counts = [{"bool": {"filter": filters + needs, "must_not": must_not}}, typed_q]
            counts += [
                {
                    "bool": {
                        "filter": filters + [_any(holding_query(n.fallback))],
                        "must_not": must_not + [self._need(n, True)] + [_any(holding_query(n.corrections))],
                    }
                }
                for n in fallback
            ]
            lacking: dict | None = None
            if len(spec.needs) >= ranking.MANY_NEEDS:
                # A question of many words (ranking.MANY_NEEDS): after the
                # documents that hold them all, those that hold some, each
                # saying what it lacks; from QUESTION_NEEDS all of them
                # ranked by score together.
                named = self._holding_some(spec, filters, must_not, [], typed)[0]
                any_need = self._within_limit(
                    spec, must + should, lambda scoring: self._holding_some(spec, filters, must_not, scoring, typed)[1]
                )
                lacking = self._lacking_some(spec, filters, must_not, needs, must + should, typed)
                # every need named twice can pass the limit even unranked:
                # then those holding some less those holding all
                counts.append(lacking if clauses(lacking) <= MAX_CLAUSES else any_need)
            settled = len(spec.needs) < ranking.QUESTION_NEEDS  # the search does not wait for "more"
            bodies = [{"size": 0, "track_total_hits": True, "query": q, **limit} for q in counts]
            guess = body_for(every, MATCH_ALL, False) if settled else None
            answers = self._batch(bodies + ([guess[0]] if guess else []))
            totals = [int(a["hits"]["total"]["value"]) for a in answers[: len(counts)]]
            counts_cut = any(a.get("timed_out") for a in answers[: len(counts)])
            full_count, exact_total = totals[0], totals[1]
            fragments = tuple(n.label for n, t in zip(fallback, totals[2 : 2 + len(fallback)]) if t)
            if full_count:
                query = every
                if lacking is not None:
                    if clauses(lacking) <= MAX_CLAUSES:
                        more, partial = totals[-1], lacking
                        if 2 * clauses(partial) <= MAX_CLAUSES:
                            partial = self._scored(partial, should)
                        partial = _with_pairs(partial, spec)
                    else:  # listed (below) by excluding the full matches' ids
                        more = max(0, totals[-1] - full_count)
                    question = bool(more) and not settled
                    if question:
                        query = any_need
                if guess:
                    found = answers[-1]
            else:
                named = self._holding_some(spec, filters, must_not, [], typed)[0]
                query = self._within_limit(
                    spec, must + should, lambda scoring: self._holding_some(spec, filters, must_not, scoring, typed)[1]
                )

                def counted(scoring: list[dict]) -> dict:
                    q: dict = {"bool": {"filter": filters + [_any(needs)], "must_not": must_not}}
                    if scoring:
                        q["bool"].update(should=scoring, minimum_should_match=1)
                    return q

                match = MATCH_SOME if self._count(self._within_limit(spec, must + should, counted)) else MATCH_NONE
        else:
            query = {"bool": {"filter": filters, "must_not": must_not, "must": must, "should": should}}
            if should and not must:
                query["bool"]["minimum_should_match"] = 1
        if found is not None and guess:
            size, tiered = guess[1], guess[2]
        else:
            body, size, tiered = body_for(query, match, question)
            found = self._search(body)
        raw = found["hits"]["hits"]
        hits: list[Hit] = []
        tier_of: dict[tuple[str, str], int] = {}
        for h in raw:
            missing: tuple[str, ...] = ()
            held = set(h.get("matched_queries") or ())
            if match == MATCH_SOME or question:
                missing = tuple(n.label for n, name in zip(spec.needs, named) if name not in held)
            score = 0.0 if by_date else float(h.get("_score") or 0.0)
            fields = _stored(h)
            if tiered:  # score + 1 + TIER * tier, the score below TIER
                tier = int((score - 1) // TIER)
                score = max(0.0, score - 1 - TIER * tier)
                tier_of[_hit_key(fields)] = tier
            hits.append(Hit(fields, score, missing))
        if size != pagelen:
            hits = self._verbatim(hits, spec.verbatim, tier_of)[start : start + pagelen]
        total = int(found["hits"]["total"]["value"]) if match != MATCH_NONE else 0
        if question:
            total -= more
        elif more and len(hits) < pagelen:
            if partial is None:  # the full matches are fewer than a page's end: excluded by id
                every = {"bool": {"filter": filters + needs, "must_not": must_not}}
                full = self._search({"query": every, "size": max(1, total), "_source": ["stored.id"]})["hits"]["hits"]
                ids = [h["_source"]["stored"]["id"] for h in full]
                partial = {"bool": {**any_need["bool"], "must_not": must_not + [{"terms": {"id": ids}}]}}
            hits += self._partial(partial, spec, named, max(0, start - total), pagelen - len(hits), by_date)
        if not spec.needs:
            exact_total = total
        aggregations = found.get("aggregations", {})
        if question:
            aggregations = aggregations.get("counted", {})
        groups = {}
        for name in facets:
            buckets = aggregations.get(name, {}).get("buckets", [])
            counts_of = {str(b["key"]): int(b["doc_count"]) for b in buckets if str(b["key"]) != ""}
            groups[name] = dict(sorted(counts_of.items(), key=lambda kv: (-kv[1], kv[0])))
        return Results(
            total=total,
            hits=hits,
            facets=groups,
            timed_out=bool(found.get("timed_out")) or counts_cut,
            match=match,
            exact_total=exact_total,
            fragments=fragments,
            more=more,
        )

    def _holding_some(
        self, spec: QuerySpec, filters: list[dict], must_not: list[dict], scoring: list[dict], typed: bool = False
    ) -> tuple[list[str], dict]:
        """Documents holding at least one need, each need named so that a
        hit says which it lacks (``matched_queries``)."""
        named = [f"need-{i}" for i in range(len(spec.needs))]
        some = [self._need(n, typed, name) for n, name in zip(spec.needs, named)]
        query: dict = {"bool": {"filter": filters + [_any(some)], "must_not": must_not}}
        if scoring:
            query["bool"].update(should=scoring, minimum_should_match=1)
        return named, query

    def _within_limit(self, spec: QuerySpec, scoring: list[dict], make) -> dict:
        """``make(scoring)``, or if that passes MAX_CLAUSES, ``make`` of the
        ranking without sub-word grams, then of no ranking clauses at all:
        what decides which documents count (the needs, the filters) is never
        shed.  A long question's needs (each word, its corrections and its
        fallback in every word field) can take most of Lucene's 1 024
        clauses by themselves: the relevance benchmark's natural questions
        met 'Query contains too many nested clauses' (too_many_nested_clauses)."""
        query = make(scoring)
        if clauses(query) <= MAX_CLAUSES:
            return query
        query = make(sum(self._scoring(spec, grams_too=False), []))
        if clauses(query) <= MAX_CLAUSES:
            return query
        return make([])

    def _lacking_some(
        self,
        spec: QuerySpec,
        filters: list[dict],
        must_not: list[dict],
        needs: list[dict],
        scoring: list[dict],
        typed: bool = False,
    ) -> dict:
        """Documents holding some needs but not all (listed after the full
        matches).  It names every need twice, so a long question passes
        Lucene's clause limit sooner than the search itself (``_within_limit``)."""
        lacking = [{"bool": {"filter": needs}}]

        def make(ranking: list[dict]) -> dict:
            _, some = self._holding_some(spec, filters, must_not, ranking, typed)
            return {"bool": {**some["bool"], "must_not": must_not + lacking}}

        return self._within_limit(spec, scoring, make)

    def _partial(self, query: dict, spec: QuerySpec, named: list[str], start: int, size: int, by_date: bool) -> list:
        """The documents listed after the full matches, each with what it lacks."""
        body = {"query": query, "sort": _order(by_date), "from": start, "size": size, "_source": self._source}
        hits = []
        for h in self._search(body)["hits"]["hits"]:
            held = set(h.get("matched_queries") or ())
            missing = tuple(n.label for n, name in zip(spec.needs, named) if name not in held)
            hits.append(Hit(_stored(h), 0.0 if by_date else float(h.get("_score") or 0.0), missing))
        return hits

    def _verbatim(self, hits: list[Hit], needles: tuple[str, ...], tier_of: dict[tuple[str, str], int]) -> list[Hit]:
        """``ranking.VERBATIM_BONUS`` among the best ``VERBATIM_DEPTH``."""
        out = list(hits)
        for i, h in enumerate(out[: ranking.VERBATIM_DEPTH]):
            text = thai.quick_normalise(h.fields.get("title", "") + "\n" + h.fields.get("body", ""))
            share = sum(n in text for n in needles) / len(needles)
            if share:
                out[i] = Hit(h.fields, h.score * (1 + ranking.VERBATIM_BONUS * share), h.missing)
        head = sorted(
            out[: ranking.VERBATIM_DEPTH],
            key=lambda h: (-tier_of.get(_hit_key(h.fields), 0), -round(h.score, 2), -h.fields["changed"].toordinal()),
        )
        return head + out[ranking.VERBATIM_DEPTH :]

    # --- vocabulary -------------------------------------------------------

    def _vocabulary(self) -> Vocabulary:
        with self._lock:
            if self._vocab is not None:
                return self._vocab
        counts: dict[str, int] = {}
        after = None
        while True:
            comp: dict = {"size": 10000, "sources": [{"w": {"terms": {"field": "words"}}}]}
            if after:
                comp["after"] = after
            found = self._search(
                {"size": 0, "query": {"bool": {"filter": [self._office()]}}, "aggs": {"words": {"composite": comp}}}
            )["aggregations"]["words"]
            for b in found["buckets"]:
                counts[b["key"]["w"]] = int(b["doc_count"])
            after = found.get("after_key")
            if not found["buckets"] or not after:
                break
        vocabulary = Vocabulary(counts)
        with self._lock:
            self._vocab = vocabulary
            return vocabulary

    def warm(self) -> None:
        self._vocabulary()

    def frequency(self, word: str) -> int:
        return self._vocabulary().frequency(word)

    def similar_words(self, word: str, maxdist: int = 1, limit: int = 3) -> list[str]:
        return self._vocabulary().similar(word, maxdist, limit)

    def words_containing(self, piece: str, limit: int = 20) -> list[str]:
        return self._vocabulary().containing(piece, limit)

    def words_with_prefix(self, prefix: str, limit: int = 8) -> list[tuple[str, int]]:
        return self._vocabulary().with_prefix(prefix, limit)

    def written_together(self, words: tuple[str, ...]) -> bool:
        joins = [_any([{"term": {f: pair}} for f in ranking.GRAMS_WEIGHTS]) for pair in thai.joining_pairs(words)]
        return self._count({"bool": {"filter": [self._office(), _any(holding_query((tuple(words),))), *joins]}}) > 0
