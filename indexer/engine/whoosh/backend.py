"""The Whoosh backend (``indexer.engine.base``): schema, the Thai
tokenizers as Whoosh sees them, writing a build into a fresh folder and
swapping it in, and running a QuerySpec with ``scoring.Scorer``.

Whoosh pickles the schema, tokenizers included, into the index: the
tokenizers name themselves ``indexer.engine.ThaiWordTokenizer`` /
``ThaiGramTokenizer`` (``__module__``), a path ``indexer/engine/__init__.py``
keeps importable, so indexes written before this module moved still load.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import multiprocessing
import os
import shutil
import threading
import time
import weakref
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields, index, searching
from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from indexer.analysis import thai
from indexer.content.documents import Document
from indexer.engine import ranking
from indexer.engine.base import (
    FACET_FIELDS,
    MATCH_ALL,
    MATCH_NONE,
    MATCH_SOME,
    SERVING_KEYS,
    Hit,
    IndexMissing,
    Results,
    typed,
)
from indexer.engine.spec import QuerySpec
from indexer.engine.vocabulary import Vocabulary
from indexer.engine.whoosh import postfile, scoring

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4  # 4: status (drafts)
CURRENT = "current"  # symlink to the live build inside the index folder
SERVING = "search.json"  # the part of kmsearch.json that searching reads
PROCS_BATCH = 50  # documents per job of a worker when writing with procs > 1

MULTI_VALUED = {"area", "tag", "alias"}
VOCABULARY_FIELDS = ("title", "body")  # tags are nearly always in the body too
SCORED_FIELDS = (*scoring.WORD_FIELDS, *scoring.GRAMS_WEIGHTS)  # their postings also go to postfiles


class _ThaiTokenizer(Tokenizer):
    def _tokens(self, value: str) -> list[thai.Token]:
        raise NotImplementedError

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0  # no filter follows that could change these
        t.stopped = False
        for tok in self._tokens(value):
            t.text = tok.text
            if keeporiginal:
                t.original = tok.text
            if positions:
                t.pos = start_pos + tok.pos
            if chars:
                t.startchar = start_char + tok.start
                t.endchar = start_char + tok.end
            yield t


class ThaiWordTokenizer(_ThaiTokenizer):
    def __init__(self, segmenter: thai.Segmenter):
        self.segmenter = segmenter

    def _tokens(self, value):
        return thai.analyse(value, self.segmenter)

    def __eq__(self, other):
        return type(other) is type(self) and other.segmenter.words == self.segmenter.words


class ThaiGramTokenizer(Tokenizer):
    """Sub-word pairs; positions only, since highlights come from words."""

    def __init__(self, segmenter: thai.Segmenter):
        self.segmenter = segmenter

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        for i, text in enumerate(thai.grams(value, self.segmenter)):
            t.text = text
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = t.endchar = start_char
            yield t

    def __eq__(self, other):
        return type(other) is type(self) and other.segmenter.words == self.segmenter.words


# The path pickled into every index (see the module's docstring).
ThaiWordTokenizer.__module__ = ThaiGramTokenizer.__module__ = "indexer.engine"


def make_schema(segmenter: thai.Segmenter) -> fields.Schema:
    words = ThaiWordTokenizer(segmenter)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        title=fields.TEXT(analyzer=words, stored=True),
        tags=fields.TEXT(analyzer=words),
        summary=fields.TEXT(analyzer=words, stored=True),
        people=fields.TEXT(analyzer=words),
        body=fields.TEXT(analyzer=words, stored=True),
        grams=fields.TEXT(analyzer=ThaiGramTokenizer(segmenter), phrase=False),  # of the body
        tgrams=fields.TEXT(analyzer=ThaiGramTokenizer(segmenter), phrase=False),  # title, tags, summary, holder
        division=fields.ID(stored=True, sortable=True),  # columns: facets read in one go
        type=fields.ID(stored=True, sortable=True),
        knowledge=fields.ID(stored=True, sortable=True),
        status=fields.ID(stored=True, sortable=True),  # a column, filtered like a facet
        area=fields.KEYWORD(stored=True, commas=True, sortable=True),
        tag=fields.KEYWORD(stored=True, commas=True, sortable=True),
        alias=fields.KEYWORD(stored=True, commas=True),
        date=fields.DATETIME(stored=True, sortable=True),
        changed=fields.DATETIME(stored=True, sortable=True),  # last change, for sorting
        fiscal_year=fields.NUMERIC(stored=True, sortable=True),
        html=fields.STORED,
        meta=fields.STORED,
    )


def to_fields(doc: Document) -> dict:
    day = dt.datetime.combine(doc.date, dt.time())
    return {
        "id": doc.id,
        "title": doc.title,
        "tags": " \n".join(doc.tags),
        "summary": doc.summary,
        "people": " \n".join(p for p in (doc.author, doc.holder) if p),
        "body": doc.text,
        "grams": doc.text,  # the same string as body: its analysis is reused
        "tgrams": "\n".join([doc.title, *doc.tags, doc.summary, doc.holder]),
        "division": doc.division,
        "type": doc.type,
        "knowledge": doc.knowledge,
        "status": doc.status,
        "area": ",".join(doc.areas),
        "tag": ",".join(t.replace(",", " ") for t in doc.tags),
        "alias": ",".join(doc.aliases),
        "date": day,
        "changed": dt.datetime.combine(doc.last_changed, dt.time()),
        "fiscal_year": doc.fiscal_year,
        "html": doc.html,
        "meta": json.dumps(
            {
                "tags": list(doc.tags),
                "areas": list(doc.areas),
                "aliases": list(doc.aliases),
                "author": doc.author,
                "holder": doc.holder,
                "path": doc.path,
                "date": doc.date.isoformat(),
                "updated": doc.updated.isoformat() if doc.updated else None,
                "attachments": [
                    {"path": a.path, "name": a.name, "size": a.size, "type": a.type, "label": a.label}
                    for a in doc.attachments
                ],
            },
            ensure_ascii=False,
        ),
    }


# --- writing -----------------------------------------------------------------


def write_index(
    index_dir: str | Path,
    segmenter: thai.Segmenter,
    add: Iterable[Document],
    remove: Iterable[str] = (),
    info: dict | None = None,
    base: Path | None = None,
    procs: int = 1,
) -> Path:
    """Write an index into a new folder, then make it the live one.

    With ``base``, the new folder starts as a copy of that build (hard
    links: Whoosh never rewrites a segment file) and only ``add`` and
    ``remove`` are applied; otherwise it starts empty.  Readers follow the
    ``current`` symlink, replaced atomically, so they see the old index or
    the new one, never a half-written one; a build that fails or is killed
    leaves the old one serving.  Call it holding the build lock
    (``indexer.build.build_lock``).
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    build = index_dir / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    try:
        if base is None:
            build.mkdir()
            ix = index.create_in(str(build), make_schema(segmenter))
        else:
            shutil.copytree(base, build, copy_function=os.link)
            ix = index.open_dir(str(build))
        # compound=False: each segment stays a set of plain files that a
        # reader maps as they are; a compound file is copied into memory
        # (BytesIO) on every open, about 92 MB at 10 000 documents.
        options = {"limitmb": 256, "compound": False}
        if procs > 1:
            # Each worker analyses its share and writes its own segment
            # (multisegment): merging their postings would leave the main
            # process working alone for half of the build.  The dictionary
            # is loaded before the workers fork, so they share it.
            segmenter.segment("")
            options.update(procs=procs, multisegment=True, batchsize=PROCS_BATCH)
        writer = ix.writer(**options)
        try:
            for doc_id in remove:
                writer.delete_by_term("id", doc_id)
            for doc in add:
                if base is None:
                    writer.add_document(**to_fields(doc))
                else:
                    writer.update_document(**to_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        _write_postfiles(build, procs)
        meta = {
            "schema_version": SCHEMA_VERSION,
            "words": list(segmenter.words),
            "segmenter": segmenter.engine,
            **(info or {}),
        }
        # What a server needs is kept apart from what the next build needs
        # (an entry per file): parsing that took 86 MB at 50 000 documents.
        serving = {k: meta[k] for k in SERVING_KEYS if k in meta}
        for name, data in (("kmsearch.json", meta), (SERVING, serving)):
            tmp = build / f"{name}.tmp"
            tmp.write_text(json.dumps(data, ensure_ascii=False))
            os.replace(tmp, build / name)  # a hard-linked copy must not change the base's file
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _swap(index_dir, build)
    _prune(index_dir, keep={build.name, _previous_name(index_dir, build.name)})
    return build


def _write_postfiles(folder: Path, procs: int = 1) -> None:
    """Beside each segment of ``postfile.MIN_DOCS`` documents or more that
    has none yet, its postings as numpy reads them
    (``postfile.py``), one process per segment up to
    ``procs``.  Copied segments keep theirs; Whoosh deletes a merged
    segment's file with the segment's own (same prefix)."""
    with index.open_dir(str(folder)).reader() as reader:
        missing = [
            seg.segment().segment_id()
            for seg, _ in reader.leaf_readers()
            if seg.doc_count_all() >= postfile.MIN_DOCS
            and not (folder / (seg.segment().segment_id() + postfile.SUFFIX)).exists()
        ]
    if procs > 1 and len(missing) > 1:
        context = multiprocessing.get_context("fork")  # the workers need nothing re-imported
        with ProcessPoolExecutor(min(procs, len(missing)), mp_context=context) as pool:
            list(pool.map(_write_postfile, [folder] * len(missing), missing))
    else:
        for segment_id in missing:
            _write_postfile(folder, segment_id)


def _write_postfile(folder: Path, segment_id: str) -> None:
    with index.open_dir(str(folder)).reader() as reader:
        for seg, _ in reader.leaf_readers():
            if seg.segment().segment_id() == segment_id:
                postfile.write(
                    folder / (segment_id + postfile.SUFFIX), {f: _segment_postings(seg, f) for f in SCORED_FIELDS}
                )


def _segment_postings(seg, field: str) -> Iterator[tuple[bytes, int, tuple[np.ndarray, np.ndarray] | None]]:
    """Every term of ``field`` in one segment, in order, with its document
    frequency and, if it is not too rare to be worth it, its postings.

    What is worth it is ``postfile.least_postings``."""
    terms = seg._terms
    if field not in terms.indexed_field_names():
        return
    least = postfile.least_postings(field)
    fmt = seg.schema[field].format
    for (name, tbytes), info in terms.items_from(field, b""):
        if name != field:
            break
        df = info.doc_frequency()
        found = _postings_arrays(terms._codec.postings_reader(terms._postfile, info, fmt)) if df >= least else None
        yield tbytes, df, found


def _postings_arrays(m) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers (int64) and frequencies (float64) of a segment's
    matcher, unpacked a block at a time rather than posting by posting."""
    m = getattr(m, "child", m)  # deletions: the caller filters them
    if not hasattr(m, "_blocklength"):  # postings inlined in the term info
        ids, tfs = [], []
        while m.is_active():
            ids.append(m.id())
            tfs.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float64)
    ids, tfs = [], []
    for block in _blocks(m):
        ids.append(_block_ids(block))
        weights, n = block._data[1], block._blocklength
        if weights is None:
            tfs.append(np.ones(n))
        elif isinstance(weights, float):
            tfs.append(np.full(n, weights))
        else:
            tfs.append(np.asarray(weights, dtype=np.float64))
    if not ids:
        return scoring.EMPTY, np.zeros(0)
    return np.concatenate(ids), np.concatenate(tfs)


def _blocks(m) -> Iterator:
    """A segment's posting matcher positioned on each of its blocks in
    turn (Whoosh's W3 codec: a block's header is read, its data only when
    asked for)."""
    while m._blocklength:
        yield m
        if m._lastblock:
            return
        m._goto(m._nextoffset)


def _block_ids(m) -> np.ndarray:
    """The document numbers of the block ``m`` is on, as int64."""
    if m._data is None:
        m._read_data()
    raw = m._data[0]
    return np.frombuffer(raw, np.uint8).astype(np.int64) if m._byteids else np.cumsum(np.asarray(raw, dtype=np.int64))


def read_info(index_dir: str | Path) -> tuple[Path, dict] | None:
    """The live build and what the build that wrote it recorded."""
    path = live_path(index_dir)
    if path is None:
        return None
    try:
        return path, json.loads((path / "kmsearch.json").read_text())
    except (OSError, ValueError):
        return None


def _swap(index_dir: Path, build: Path) -> None:
    tmp = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    previous = os.readlink(index_dir / CURRENT) if (index_dir / CURRENT).is_symlink() else None
    os.symlink(build.name, tmp)
    os.replace(tmp, index_dir / CURRENT)
    (index_dir / ".previous").write_text(previous or "")


def _previous_name(index_dir: Path, current: str) -> str:
    try:
        return (index_dir / ".previous").read_text().strip()
    except OSError:
        return ""


def _prune(index_dir: Path, keep: set[str]) -> None:
    # The previous build stays: a server may still be reading from it.
    for child in index_dir.glob("build-*"):
        if child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def prune(index_dir: str | Path) -> None:
    """Remove what killed builds left: every build folder but the live and
    the previous one.  Call it holding ``build_lock`` (no build is writing)."""
    index_dir = Path(index_dir)
    live = live_path(index_dir)
    if live is not None:
        _prune(index_dir, keep={live.name, _previous_name(index_dir, live.name)})


def live_path(index_dir: str | Path) -> Path | None:
    link = Path(index_dir) / CURRENT
    if link.is_symlink() and link.resolve().is_dir() and index.exists_in(str(link.resolve())):
        return link.resolve()
    return None


# --- searching ---------------------------------------------------------------


def stored(fields_: dict) -> dict:
    out = dict(fields_)
    meta = json.loads(out.pop("meta", "{}") or "{}")
    out.update(meta)
    return typed(out)


class SearchIndex:
    """An open, read-only view of one build of the index.

    Cheap to share: the web app keeps one per build and opens the next when
    the ``current`` symlink moves.  Each thread reads through a Whoosh
    searcher of its own; postings, lengths and facet values read once are
    shared by all of them (see ``scoring.py``).
    """

    def __init__(self, index_dir: str | Path):
        path = live_path(index_dir)
        if path is None:
            raise IndexMissing(f"{index_dir}: no index; run 'kmsearch build' first")
        self.path = path
        self.key = str(path)
        self._ix = index.open_dir(str(path))
        serving = path / SERVING
        self.info = json.loads((serving if serving.exists() else path / "kmsearch.json").read_text())
        self.segmenter = thai.Segmenter(self.info.get("words", ()), self.info.get("segmenter", thai.SEGMENTERS[0]))
        self._local = threading.local()
        self._searchers: list[searching.Searcher] = []
        self._lock = threading.Lock()
        # A replaced build is dropped, not closed, while requests may still
        # read it: its files close with the last reference.  A finalizer
        # rather than __del__: when the build is collected with an app's
        # reference cycle, it runs before the open files are finalized.
        weakref.finalize(self, _close_searchers, self._searchers, self._lock)
        first = self._searcher
        self._source = _Source(self, first)
        self._scorer = scoring.Scorer(self._source)
        self._read: dict[str, object] = {}  # facets, sort columns, vocabulary: read once per build

    @property
    def _searcher(self) -> searching.Searcher:
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self._ix.searcher()
            with self._lock:
                self._searchers.append(s)
        return s

    def close(self) -> None:
        _close_searchers(self._searchers, self._lock)
        self._local = threading.local()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def get(self, doc_id: str) -> dict | None:
        found = self._searcher.document(id=doc_id)
        return stored(found) if found else None

    def by_alias(self, old_id: str) -> dict | None:
        for docnum in self._searcher.document_numbers(alias=old_id):
            return stored(self._searcher.stored_fields(docnum))
        return None

    def withdrawn(self, doc_id: str) -> str | None:
        """The title of an article that was published once and is gone."""
        return self.info.get("gone", {}).get(doc_id)

    def all(self) -> list[dict]:
        return [stored(f) for f in self._searcher.all_stored_fields()]

    def search(
        self,
        spec: QuerySpec,
        page: int = 1,
        pagelen: int = 10,
        facets: Iterable[str] = FACET_FIELDS,
        timelimit: float | None = None,
    ) -> Results:
        """One page of hits, facet counts over all hits; with ``timelimit``
        (seconds) a slow search stops and returns what it found so far."""
        deadline = time.monotonic() + timelimit if timelimit else None
        allowed = None
        for name, values in spec.filters.items():
            if values:
                having = self._facet(name).having(values)
                allowed = having if allowed is None else allowed & having
        score, timed_out = self._scorer.score(spec, deadline, allowed)
        shown = self._scorer.shown(spec, allowed)
        matched = score > 0
        match, exact_total, fragments = MATCH_ALL, int(np.count_nonzero(matched)), ()
        held: list[np.ndarray] = []
        typed_count = None
        if spec.needs and not timed_out:
            match, matched, exact_total, held, typed_count, fragments = self._matching(spec, score, shown)
        # Among documents that hold everything, those that hold it as typed,
        # and those of the division, type or kind the query names, first.
        tier = typed_count if match == MATCH_ALL and spec.needs else None
        for name, value in spec.boosts:
            named = self._facet(name).having((value,))
            tier = named.astype(np.int32) if tier is None else tier + named
        total = int(np.count_nonzero(matched))
        by_date = spec.sort == "date" or spec.empty
        k = page * pagelen
        top = self._top(np.flatnonzero(matched), score, k, by_date, tier)
        # A question of many words: after the documents that hold them all,
        # those that hold some, each saying what it lacks (the section that
        # answers a legal question seldom repeats every word of it).
        more = 0
        if match == MATCH_ALL and len(spec.needs) >= ranking.MANY_NEEDS:
            some = np.logical_or.reduce(held) & shown & (score > 0) & ~matched
            more = int(np.count_nonzero(some))
            if len(spec.needs) >= ranking.QUESTION_NEEDS:
                # a question: whether a document repeats every one of its
                # words says less than the score; ranked together, marked
                top = self._top(np.flatnonzero(matched | some), score, k, by_date)
            elif len(top) < k and more:
                top = np.concatenate([top, self._top(np.flatnonzero(some), score, k - len(top), by_date)])
        top = top[(page - 1) * pagelen :]
        searcher = self._searcher
        hits = [
            Hit(
                stored(searcher.stored_fields(int(d))),
                0.0 if by_date else float(score[d]),
                tuple(n.label for n, h in zip(spec.needs, held) if not h[d]),
            )
            for d in top
        ]
        groups = {}
        for name in facets:
            counts = self._facet(name).counts(matched)
            groups[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return Results(
            total=total,
            hits=hits,
            facets=groups,
            timed_out=timed_out,
            match=match,
            exact_total=exact_total,
            fragments=fragments,
            more=more,
        )

    def _matching(self, spec: QuerySpec, score: np.ndarray, shown: np.ndarray):
        """Which documents a search counts: those holding every need, or
        when none does, those holding some (ranked as scored, each marked
        with what it lacks)."""

        def facet(name: str, value: str) -> np.ndarray:
            return self._facet(name).having((value,))

        held, typed, fragments = [], [], []
        for need in spec.needs:
            h, t, fragment = self._scorer.need(need, facet)
            held.append(h)
            typed.append(t)
            if fragment:
                fragments.append(need.label)
        every = np.logical_and.reduce(held) & shown
        exact_total = int(np.count_nonzero(np.logical_and.reduce(typed) & shown))
        typed_count = np.sum(typed, axis=0, dtype=np.int32)
        if every.any():
            # held by its metadata alone (กองช่าง as a division): ranked last, not left out
            score[every & (score <= 0)] = np.finfo(float).tiny
            return MATCH_ALL, every, exact_total, held, typed_count, tuple(fragments)
        some = np.logical_or.reduce(held) & shown & (score > 0)
        return (MATCH_SOME if some.any() else MATCH_NONE), some, exact_total, held, typed_count, tuple(fragments)

    def _top(
        self, docs: np.ndarray, score: np.ndarray, k: int, by_date: bool, tier: np.ndarray | None = None
    ) -> np.ndarray:
        """The first ``k`` of ``docs``: by tier (higher first) then score,
        equal scores the fresher first; or by date, newest first, then by id."""
        changed = self._column("changed")
        keys: tuple[np.ndarray, ...]
        if by_date:
            keys = (self._column("id")[docs], -changed[docs])  # id: its rank in id order
        else:
            keys = (-changed[docs], -np.round(score[docs], 6))
            if tier is not None and len(docs) and tier[docs].min() != tier[docs].max():
                keys = (*keys, -tier[docs])
        if len(docs) > 4 * k + 100:
            # Only documents that could be among the first k need sorting.
            primary = keys[-1]
            cut = np.partition(primary, k - 1)[k - 1]
            keep = primary <= cut
            docs, keys = docs[keep], tuple(key[keep] for key in keys)
        return docs[np.lexsort(keys)][:k]

    def _once(self, key: str, read):
        """What ``read()`` returns, computed once per build for all threads."""
        with self._lock:
            found = self._read.get(key)
        if found is None:
            found = read()
            with self._lock:
                found = self._read.setdefault(key, found)
        return found

    def _column(self, name: str) -> np.ndarray:
        """A per-document array of a sortable field."""

        def read() -> np.ndarray:
            reader = self._searcher.reader()
            values = list(reader.column_reader(name)) if reader.has_column(name) else []
            if not values:
                return np.arange(self._source.size)  # an index without the column: document order
            if name == "changed":
                return np.array([v.toordinal() if v else 0 for v in values], dtype=np.int64)
            # Text sorts as its rank among all values.
            ranks = np.empty(len(values), dtype=np.int64)
            ranks[np.argsort(np.array(values, dtype=str), kind="stable")] = np.arange(len(values))
            return ranks

        return self._once(f"column:{name}", read)

    def _facet(self, name: str) -> _Facet:
        return self._once(name, lambda: _Facet.read(self._searcher, name, self._source))

    # --- vocabulary: spelling correction and suggestions ------------------

    def frequency(self, word: str) -> int:
        """Documents that contain ``word`` as a whole word anywhere."""
        return self._vocabulary().frequency(word)

    def words_containing(self, piece: str, limit: int = 20) -> list[str]:
        """Indexed words that hold ``piece`` inside them, most frequent first:
        the last resort for a query word the index lacks as a word."""
        return self._vocabulary().containing(piece, limit)

    def written_together(self, words: tuple[str, ...]) -> bool:
        return self._scorer.written_together(tuple(words))

    def similar_words(self, word: str, maxdist: int = 1, limit: int = 3) -> list[str]:
        """Indexed words within ``maxdist`` edits, most frequent first."""
        return self._vocabulary().similar(word, maxdist, limit)

    def _vocabulary(self) -> Vocabulary:
        return self._once("vocabulary", lambda: Vocabulary(self._source.word_counts(VOCABULARY_FIELDS)))

    def warm(self) -> None:
        """Read what searches read once per build (lengths, facets, sort
        columns, the vocabulary, the postfiles' terms), so that no visitor
        waits for it."""
        for f in SCORED_FIELDS:
            self._source.lengths(f)
        for f in FACET_FIELDS:
            self._facet(f)
        self._column("changed")
        self._column("id")
        self._vocabulary()
        self._source.load()

    def words_with_prefix(self, prefix: str, limit: int = 8) -> list[tuple[str, int]]:
        """Indexed words starting with ``prefix``, most frequent first."""
        return self._vocabulary().with_prefix(prefix, limit)

    def titles(self) -> list[tuple[str, str]]:
        """(id, title) of every document."""
        return [(f["id"], f["title"]) for f in self._searcher.all_stored_fields()]


def _close_searchers(searchers: list[searching.Searcher], lock: threading.Lock) -> None:
    with lock:
        for s in searchers:
            s.close()
        searchers.clear()


class _Source:
    """What ``scoring.Scorer`` reads: postings as arrays and document
    frequencies from each segment's postfile (Whoosh's own posting blocks
    and term table for a segment written without one), field lengths, idf."""

    def __init__(self, ix: SearchIndex, searcher: searching.Searcher):
        # A proxy, not a reference: without a cycle, a replaced build is
        # freed as soon as its last request ends, not at the next full
        # garbage collection (a server kept up to three old builds, 90 MB
        # each at 50 000 documents, across a few quick rebuilds).
        self._ix = weakref.proxy(ix)
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        # Per segment, in the reader's order: its postfile, if it has one.
        # They close with the last reference to this build.
        self._postfiles: list[postfile.PostFile | None] = []
        for seg, offset in reader.leaf_readers():
            deleted = seg.deleted_docs_set if seg.has_deletions() else ()
            self.live[[offset + d for d in deleted]] = False
            # A build of no documents has one empty leaf and no segment.
            segment = seg.segment()
            self._postfiles.append(
                None if segment is None else _open_postfile(ix.path / (segment.segment_id() + postfile.SUFFIX))
            )
        self._lengths: dict[str, np.ndarray] = {}
        self._average: dict[str, float] = {}
        self._frequencies: dict[tuple[str, str], int] = {}
        self._texts: dict[int, str] = {}  # recently read documents, normalised
        self._texts_lock = threading.Lock()

    def _segments(self):
        """(Whoosh segment reader of this thread, document offset, postfile
        or None) per segment."""
        leaves = self._ix._searcher.reader().leaf_readers()
        return [(seg, offset, pf) for (seg, offset), pf in zip(leaves, self._postfiles)]

    def load(self) -> None:
        for pf in self._postfiles:
            if pf is not None:
                pf.load()

    def postings(self, field: str, word: str) -> tuple[np.ndarray, np.ndarray]:
        btext = word.encode("utf-8")
        ids, tfs = [], []
        for seg, offset, pf in self._segments():
            if pf is not None and field in pf:
                found = pf.postings(field, btext)
                if found is None:  # in the segment, too rare to be stored
                    found = _postings_arrays(seg.postings(field, btext))
            elif (field, btext) in seg:
                found = _postings_arrays(seg.postings(field, btext))
            else:
                continue
            if len(found[0]):
                ids.append(found[0].astype(np.int64) + offset)
                tfs.append(found[1])
        if not ids:
            return scoring.EMPTY, np.zeros(0)
        all_ids, all_tfs = np.concatenate(ids), np.concatenate(tfs).astype(np.float64)
        keep = self.live[all_ids]
        return all_ids[keep].astype(np.int32), all_tfs[keep]

    def frequency(self, field: str, word: str) -> int:
        # Asked for each word before and while its postings are read (the
        # rarest are read first, idf): remembered for the build.
        key = (field, word)
        found = self._frequencies.get(key)
        if found is None:
            btext = word.encode("utf-8")
            if all(pf is not None and field in pf for pf in self._postfiles):
                # no segment reader needed: a need asks thousands of these
                found = sum(pf.frequency(field, btext) for pf in self._postfiles if pf is not None)
            else:
                found = sum(
                    pf.frequency(field, btext) if pf is not None and field in pf else seg.doc_frequency(field, btext)
                    for seg, _, pf in self._segments()
                )
            if len(self._frequencies) >= 100_000:
                self._frequencies.clear()
            self._frequencies[key] = found
        return found

    def word_counts(self, fields: Iterable[str]) -> dict[str, int]:
        """Every term of ``fields`` and the documents holding it in the
        field holding it most (what ``frequency`` gives, for all words at
        once): from the postfiles' term tables, Whoosh's own for a segment
        without one; segment by segment, as the merged iterators of a
        multi-segment reader cost ten times more."""
        counts: dict[bytes, int] = {}
        for name in fields:
            summed: dict[bytes, int] = {}
            for seg, _, pf in self._segments():
                if pf is not None and name in pf:
                    terms = pf.frequencies(name)
                else:
                    terms = ((t, info.doc_frequency()) for t, info in seg.iter_field(name))
                for term, n in terms:
                    summed[term] = summed.get(term, 0) + n
            for term, n in summed.items():
                if n > counts.get(term, 0):
                    counts[term] = n
        return {term.decode("utf-8"): n for term, n in counts.items()}

    def lengths(self, field: str) -> np.ndarray:
        found = self._lengths.get(field)
        if found is None:
            parts = [_segment_lengths(seg, field) for seg, _ in self._ix._searcher.reader().leaf_readers()]
            found = self._lengths[field] = np.concatenate(parts) if parts else np.zeros(0)
        return found

    def average_length(self, field: str) -> float:
        if field not in self._average:
            self._average[field] = self._ix._searcher.avg_field_length(field) or 1.0
        return self._average[field]

    def idf(self, field: str, word: str) -> float:
        # Whoosh's formula; deleted documents count until a merge drops them.
        return math.log(self.size / (self.frequency(field, word) + 1)) + 1

    def text(self, doc: int) -> str:
        found = self._texts.get(doc)
        if found is None:
            f = self._ix._searcher.stored_fields(doc)
            found = thai.quick_normalise(f.get("title", "") + "\n" + f.get("body", ""))
            with self._texts_lock:  # threads share it: evicting iterates
                if len(self._texts) >= 512:
                    self._texts.pop(next(iter(self._texts)))
                self._texts[doc] = found
        return found

    def phrase(self, field: str, words: tuple[str, ...], candidates: np.ndarray) -> np.ndarray:
        # Positions are read for the candidates only (documents holding
        # every word), from the blocks that hold them, rarest word first:
        # a candidate leaves as soon as no start fits the words read so
        # far, so the common words of a long phrase are read for few.
        # Starts are kept as one int64 per (document, position), not as
        # sets: four searches at once must not hold a set per candidate.
        decode = self._ix._searcher.schema[field].format.decoder("positions")
        order = sorted(dict.fromkeys(words), key=lambda w: self.frequency(field, w))
        found = []
        for seg, offset, _ in self._segments():
            local = candidates[(candidates >= offset) & (candidates < offset + seg.doc_count_all())] - offset
            starts = None
            for w in order:
                if not len(local):
                    break
                keys = _positions(seg.postings(field, w.encode("utf-8")), local, decode)
                fits = None
                for i in (i for i, x in enumerate(words) if x == w):
                    here = keys[(keys & _POSITION_MASK) >= i] - i  # where the phrase starts if w is its i-th word
                    fits = here if fits is None else np.intersect1d(fits, here, assume_unique=True)
                assert fits is not None  # w is one of the words
                starts = fits if starts is None else np.intersect1d(starts, fits, assume_unique=True)
                local = np.unique(starts >> _DOC_SHIFT)
            found.append(local + offset)
        return np.concatenate(found) if found else scoring.EMPTY


def _open_postfile(path: Path) -> postfile.PostFile | None:
    """A segment's postfile; None when it has none or it cannot be read,
    and the segment is then read from Whoosh's own files: slower, the same
    answers."""
    if not path.exists():
        return None
    try:
        return postfile.PostFile(path)
    except (OSError, ValueError) as e:
        log.warning("%s; reading that segment without it", e)
        return None


_DOC_SHIFT = 32
_POSITION_MASK = (1 << _DOC_SHIFT) - 1


def _positions(m, docs: np.ndarray, decode) -> np.ndarray:
    """``document << 32 | position`` for each position of a segment's term
    in ``docs`` (sorted), sorted.  Blocks without any of ``docs`` are
    skipped unread."""
    m = getattr(m, "child", m)
    out = array("q")
    if not hasattr(m, "_blocklength"):  # postings inlined in the term info
        for d in docs.tolist():
            if m.is_active() and m.id() < d:
                m.skip_to(d)
            if m.is_active() and m.id() == d:
                out.extend(sorted(d << _DOC_SHIFT | p for p in m.value_as("positions")))
        return np.frombuffer(out, dtype=np.int64) if out else scoring.EMPTY
    j = 0
    for block in _blocks(m):
        if j == len(docs):
            break
        if block._maxid < docs[j]:
            continue  # none of docs here: its data is never read
        ids, values = _block_ids(block), block._data[2]
        upto = int(np.searchsorted(docs, block._maxid, side="right"))
        wanted = docs[j:upto]
        at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
        for k in at[ids[at] == wanted].tolist():
            d = int(ids[k]) << _DOC_SHIFT
            out.extend(sorted(d | p for p in decode(values[k])))
        j = upto
    return np.frombuffer(out, dtype=np.int64) if out else scoring.EMPTY


# Whoosh keeps a field's length per document as one byte (a log scale).
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _segment_lengths(seg, field: str) -> np.ndarray:
    """Field lengths of one segment's documents, read as one block of bytes
    rather than a Python call per document (0.1 s per field at 10 000)."""
    n = seg.doc_count_all()
    try:
        column = seg._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
        if column is None:
            return np.zeros(n)
        raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        codes = np.zeros(n, dtype=np.uint8)
        codes[: len(raw)] = raw[:n]
        return _BYTE_TO_LENGTH[codes]
    except AttributeError:  # another codec: the slow, public way
        return np.array([seg.doc_field_length(d, field, 0) or 0 for d in range(n)], dtype=np.float64)


@dataclass
class _Facet:
    """The values of one facet field per document, for counting the values
    of any set of matching documents with one ``bincount``."""

    values: list[str]
    docs: np.ndarray  # document numbers, one entry per (document, value)
    codes: np.ndarray  # index into ``values`` of each entry
    size: int

    @classmethod
    def read(cls, searcher: searching.Searcher, name: str, source: _Source) -> _Facet:
        reader = searcher.reader()
        size = source.size
        values: list[str] = []
        docs: list[Any] = []  # document numbers from a column; arrays of them from the lexicon
        codes: list[Any] = []
        if reader.has_column(name):
            # One value per document; "a,b" for the multi-valued fields.
            column = list(reader.column_reader(name))
            if name in MULTI_VALUED:
                pairs = [(d, v.strip()) for d, text in enumerate(column) if text for v in text.split(",") if v.strip()]
            else:
                pairs = [(d, str(v)) for d, v in enumerate(column) if v not in (None, "")]
            index_of: dict[str, int] = {}
            for d, v in pairs:
                docs.append(d)
                codes.append(index_of.setdefault(v, len(index_of)))
            values = list(index_of)
            keep: Any = source.live[docs] if docs else []
            return cls(values, np.array(docs, dtype=np.int64)[keep], np.array(codes, dtype=np.int64)[keep], size)
        for btext in reader.lexicon(name):  # an index written without columns
            found, _ = source.postings(name, btext.decode("utf-8"))
            docs.append(found)
            codes.append(np.full(len(found), len(values)))
            values.append(btext.decode("utf-8"))
        if not docs:
            return cls([], scoring.EMPTY, scoring.EMPTY, size)
        return cls(values, np.concatenate(docs), np.concatenate(codes), size)

    def counts(self, matched: np.ndarray) -> dict[str, int]:
        hit = matched[self.docs]
        totals = np.bincount(self.codes[hit], minlength=len(self.values))
        # Only the values present: a tag facet has thousands of values.
        return {self.values[i]: int(totals[i]) for i in np.flatnonzero(totals).tolist() if self.values[i]}

    def having(self, wanted: Iterable[str]) -> np.ndarray:
        """Per document: has any of ``wanted``."""
        wanted = set(wanted)
        mask = np.array([v in wanted for v in self.values] + [False])
        out = np.zeros(self.size, dtype=bool)
        out[self.docs[mask[self.codes]]] = True
        return out


class WhooshBackend:
    """``indexer.engine.base.Backend`` over an index folder."""

    name = "whoosh"
    schema_version = SCHEMA_VERSION

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)

    def __str__(self) -> str:
        return str(self.index_dir)

    def live(self) -> str | None:
        path = live_path(self.index_dir)
        return str(path) if path is not None else None

    def read_info(self) -> dict | None:
        found = read_info(self.index_dir)
        return found[1] if found else None

    def write(
        self,
        segmenter: thai.Segmenter,
        add: Iterable[Document],
        remove: Iterable[str] = (),
        info: dict | None = None,
        incremental: bool = False,
        procs: int = 1,
    ) -> str:
        base = live_path(self.index_dir) if incremental else None
        if incremental and base is None:
            raise IndexMissing(f"{self.index_dir}: no live build to change")
        return str(write_index(self.index_dir, segmenter, add, remove, info, base=base, procs=procs))

    def open(self) -> SearchIndex:
        return SearchIndex(self.index_dir)

    def shared_live(self) -> str | None:
        return None  # an index folder holds one office

    def open_shared(self) -> None:
        return None

    def prune(self) -> None:
        prune(self.index_dir)
