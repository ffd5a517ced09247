"""What a search engine backend provides (as Whoosh's ``codec/base.py``
names what a codec provides).

A backend stores the documents of one office's builds and answers searches
over the live one.  Two objects:

``Backend``
    bound to one office's index (a folder for Whoosh, an alias in a cluster
    for OpenSearch): writes a build, full or incremental, and swaps it in
    atomically; says which build is live and what its build recorded
    (``info``); opens the live build for reading.

``SearchIndex``
    an open, read-only view of one build, shared by the threads of a
    server: documents by id and by alias, withdrawn ids, every document,
    titles, ``search`` of a ``QuerySpec`` (needs, facets, paging, a time
    limit) and the vocabulary methods that query parsing uses (frequency,
    similar words, words by prefix, words containing a piece, phrase
    counts).

What is not the engine's stays outside every backend: the build lock, the
build state (an entry per content file, its hash), which files changed
(``indexer/build.py``); the ranking policy (``indexer/engine/ranking.py``);
the analysis (``indexer/analysis/thai.py``: the same code at index and query time,
whatever the backend).  Nothing outside ``indexer/engine/<backend>/``
imports a backend's library or knows which backend runs.

Stored documents are plain dicts, typed at the backend's edge: ``date``,
``updated`` (or None) and ``changed`` are ``datetime.date``; ``fiscal_year``
an int; ``areas``, ``tags``, ``aliases`` lists; ``attachments`` a list of
dicts; the rest strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from indexer.analysis.thai import Segmenter
from indexer.content.documents import Document
from indexer.engine.spec import QuerySpec

FACET_FIELDS = ("division", "type", "knowledge", "fiscal_year", "area", "tag")
DATE_FIELDS = ("date", "updated", "changed")

# What the documents counted hold: every content word ("all"), only some
# of them, as no document holds all ("some"), or none at all ("none").
MATCH_ALL, MATCH_SOME, MATCH_NONE = "all", "some", "none"

# The part of a build's info that searching reads (the rest, an entry per
# content file, is for the next build).
SERVING_KEYS = ("schema_version", "words", "segmenter", "gone", "office")


class IndexMissing(Exception):
    """No build is live yet."""


class EngineUnavailable(Exception):
    """The engine cannot be reached (a cluster down): try again later.
    Its message is one line, for a person."""


class BuildFailed(Exception):
    """A build was refused by the engine (a mapping conflict, a rejected
    bulk): the old build keeps serving.  Its message names what failed."""


@dataclass(frozen=True)
class Hit:
    fields: dict
    score: float
    missing: tuple[str, ...] = ()  # needs of the query this document lacks (match "some")


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    timed_out: bool = False
    match: str = MATCH_ALL
    exact_total: int = 0  # documents holding every need as typed (no corrections, no fragments)
    fragments: tuple[str, ...] = ()  # needs matched only as pieces of other words
    more: int = 0  # listed after the ``total``: documents holding only some (ranking.MANY_NEEDS)


class SearchIndex(Protocol):
    key: str  # changes whenever another build (or generation of one) is live
    info: dict  # what the live build recorded that searching needs (SERVING_KEYS)
    segmenter: Segmenter

    @property
    def doc_count(self) -> int: ...
    def get(self, doc_id: str) -> dict | None: ...
    def by_alias(self, old_id: str) -> dict | None: ...
    def withdrawn(self, doc_id: str) -> str | None:
        """The title of an article that was published once and is gone."""

    def all(self) -> list[dict]: ...
    def titles(self) -> list[tuple[str, str]]:
        """(id, title) of every document."""

    def search(
        self,
        spec: QuerySpec,
        page: int = 1,
        pagelen: int = 10,
        facets: Iterable[str] = FACET_FIELDS,
        timelimit: float | None = None,
    ) -> Results:
        """One page of hits, facet counts over every document counted.

        Counted: with ``spec.needs``, the documents holding every need
        (match "all"); when none does, those holding some and scoring
        (match "some", each hit saying which needs it lacks); else none.
        Without needs, every document the groups score.  Ranked by score
        (equal scores: the fresher first), or with ``spec.sort == "date"``
        or an empty spec by last change, newest first, then id."""

    def frequency(self, word: str) -> int:
        """Documents that hold ``word`` as a whole word (title or body)."""

    def similar_words(self, word: str, maxdist: int = 1, limit: int = 3) -> list[str]: ...
    def words_with_prefix(self, prefix: str, limit: int = 8) -> list[tuple[str, int]]: ...
    def words_containing(self, piece: str, limit: int = 20) -> list[str]: ...
    def written_together(self, words: tuple[str, ...]) -> bool:
        """Does any document write ``words`` one after another without a
        space: side by side as whole words, holding the sub-word pairs
        across their joins (``thai.joining_pairs``)?"""

    def warm(self) -> None:
        """Read what searches read once per build, before a visitor asks."""

    def close(self) -> None: ...
    def __enter__(self) -> SearchIndex: ...
    def __exit__(self, *exc: object) -> None: ...


class Backend(Protocol):
    name: str
    schema_version: int  # what a build stores; a change rebuilds every index

    def live(self) -> str | None:
        """The key of the live build, None when there is none (cheap: a
        server asks on every request)."""

    def read_info(self) -> dict | None:
        """Everything the live build recorded (``info`` of ``write``), or None."""

    def write(
        self,
        segmenter: Segmenter,
        add: Iterable[Document],
        remove: Iterable[str] = (),
        info: dict | None = None,
        incremental: bool = False,
        procs: int = 1,
    ) -> str:
        """Write a build and make it the live one; return its key.

        Full (``incremental`` False): a new build of exactly ``add``.
        Incremental: the live build with ``remove`` (ids) deleted and
        ``add`` added or replacing the documents of the same id.  Either
        way readers see the old build or the new one, never half of it;
        a build that fails leaves the old one serving (and raises).
        ``info`` is recorded with the build (``read_info``).  The caller
        holds the build lock."""

    def open(self) -> SearchIndex:
        """The live build, for reading; IndexMissing when there is none."""

    def shared_live(self) -> str | None:
        """The key of what ``open_shared`` would open now (it changes when
        any office's live build does); None when the engine holds this
        office alone."""

    def open_shared(self) -> SearchIndex | None:
        """Every office's live build that shares this engine (a province),
        searched as one: hits carry ``office`` (a slug) and ``office`` is a
        facet; ``info["offices"]`` maps each slug to the kmsearch.yaml its
        build recorded.  None when the engine holds this office alone."""

    def prune(self) -> None:
        """Remove what killed builds left behind (the caller holds the lock)."""


def to_date(value) -> dt.date | None:
    """A stored date as a date, whatever the engine kept (datetime, ISO text)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def typed(fields: dict) -> dict:
    """A stored document with its dates as dates."""
    for name in DATE_FIELDS:
        if name in fields:
            fields[name] = to_date(fields[name])
    return fields
