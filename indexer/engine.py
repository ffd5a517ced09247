"""The search engine: the only module that talks to Whoosh.

Schema, Thai tokenizers as Whoosh sees them, writing an index into a fresh
folder and swapping it in, and running a QuerySpec.  Replacing the engine
means replacing this module.

Whoosh pickles the schema, tokenizers included, into the index: the
tokenizer classes must keep this import path.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from whoosh import collectors, fields, index, query, searching, sorting
from whoosh.analysis import Token as WhooshToken
from whoosh.analysis import Tokenizer

from . import thai
from .documents import Document
from .spec import Alternative, Group, QuerySpec

SCHEMA_VERSION = 2
CURRENT = "current"          # symlink to the live build inside the index folder
LOCK = ".build.lock"
PROCS_BATCH = 50             # documents per job of a worker when writing with procs > 1

# Word matches rank above sub-word matches; title above tags, summary and
# people, all above body.  Measured on the relevance benchmark's dev set
# (benchmarks/relevance.py): steeper field boosts (title 5) cost 2-6 points
# of MRR@10 on every query family, so the steps are small.
WORD_FIELDS = {"title": 1.3, "tags": 1.15, "summary": 1.15, "people": 1.15, "body": 1.0}
COORDINATION = 0.9   # bonus for matching more of the query's words
GRAMS_WEIGHTS = {"tgrams": 0.5, "grams": 0.3}
FACET_FIELDS = ("division", "type", "knowledge", "fiscal_year", "area", "tag")
MULTI_VALUED = {"area", "tag", "alias"}
VOCABULARY_FIELDS = ("title", "body")   # tags are nearly always in the body too


class IndexMissing(Exception):
    pass


class BuildLocked(Exception):
    pass


class _ThaiTokenizer(Tokenizer):
    def _tokens(self, value: str) -> list[thai.Token]:
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in self._tokens(value):
            t.text = tok.text
            t.boost = 1.0
            t.stopped = False
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

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = WhooshToken(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, text in enumerate(thai.grams(value, self.segmenter)):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = t.endchar = start_char
            yield t

    def __eq__(self, other):
        return type(other) is type(self) and other.segmenter.words == self.segmenter.words


def make_schema(segmenter: thai.Segmenter) -> fields.Schema:
    words = ThaiWordTokenizer(segmenter)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=words, stored=True),
        tags=fields.TEXT(analyzer=words),
        summary=fields.TEXT(analyzer=words, stored=True),
        people=fields.TEXT(analyzer=words),
        body=fields.TEXT(analyzer=words, stored=True),
        grams=fields.TEXT(analyzer=ThaiGramTokenizer(segmenter), phrase=False),    # of the body
        tgrams=fields.TEXT(analyzer=ThaiGramTokenizer(segmenter), phrase=False),   # title, tags, summary, holder
        division=fields.ID(stored=True),
        type=fields.ID(stored=True),
        knowledge=fields.ID(stored=True),
        area=fields.KEYWORD(stored=True, commas=True),
        tag=fields.KEYWORD(stored=True, commas=True),
        alias=fields.KEYWORD(stored=True, commas=True),
        date=fields.DATETIME(stored=True, sortable=True),
        changed=fields.DATETIME(stored=True, sortable=True),   # last change, for sorting
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
        "grams": doc.text,   # the same string as body: its analysis is reused
        "tgrams": "\n".join([doc.title, *doc.tags, doc.summary, doc.holder]),
        "division": doc.division,
        "type": doc.type,
        "knowledge": doc.knowledge,
        "area": ",".join(doc.areas),
        "tag": ",".join(t.replace(",", " ") for t in doc.tags),
        "alias": ",".join(doc.aliases),
        "date": day,
        "changed": dt.datetime.combine(doc.last_changed, dt.time()),
        "fiscal_year": doc.fiscal_year,
        "html": doc.html,
        "meta": json.dumps({
            "tags": list(doc.tags), "areas": list(doc.areas), "aliases": list(doc.aliases),
            "author": doc.author, "holder": doc.holder, "path": doc.path,
            "date": doc.date.isoformat(),
            "updated": doc.updated.isoformat() if doc.updated else None,
            "attachments": [
                {"path": a.path, "name": a.name, "size": a.size, "type": a.type, "label": a.label}
                for a in doc.attachments
            ],
        }, ensure_ascii=False),
    }


# --- writing -----------------------------------------------------------------

_HELD_LOCKS: set[int] = set()   # descriptors of the build locks this process holds


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; a second one fails at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"{index_dir}: another build is running; try again when it ends") from None
        _HELD_LOCKS.add(fh.fileno())
        try:
            yield
        finally:
            _HELD_LOCKS.discard(fh.fileno())
            fcntl.flock(fh, fcntl.LOCK_UN)


def _after_fork_in_child() -> None:
    """A worker forked by a build (procs > 1) must neither keep the build
    lock nor outlive the build: a flock belongs to the open file, which a
    forked child shares, so a worker left behind by a killed build would
    hold the lock and refuse every later build."""
    if not _HELD_LOCKS:
        return
    devnull = os.open(os.devnull, os.O_RDONLY)
    for fd in _HELD_LOCKS:
        os.dup2(devnull, fd)    # this process's reference to the lock is gone; the number stays valid
    os.close(devnull)
    _HELD_LOCKS.clear()
    parent = os.getppid()
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: die with the build
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:   # the build died before prctl took effect
        os._exit(1)


os.register_at_fork(after_in_child=_after_fork_in_child)


def write_index(index_dir: str | Path, segmenter: thai.Segmenter, add: Iterable[Document],
                remove: Iterable[str] = (), info: dict | None = None, base: Path | None = None,
                procs: int = 1) -> Path:
    """Write an index into a new folder, then make it the live one.

    With ``base``, the new folder starts as a copy of that build (hard
    links: Whoosh never rewrites a segment file) and only ``add`` and
    ``remove`` are applied; otherwise it starts empty.  Readers follow the
    ``current`` symlink, replaced atomically, so they see the old index or
    the new one, never a half-written one; a build that fails or is killed
    leaves the old one serving.  Call it holding ``build_lock``.
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
        meta = {"schema_version": SCHEMA_VERSION, "words": list(segmenter.words), **(info or {})}
        tmp = build / "kmsearch.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False))
        os.replace(tmp, build / "kmsearch.json")  # a hard-linked copy must not change the base's file
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _swap(index_dir, build)
    _prune(index_dir, keep={build.name, _previous_name(index_dir, build.name)})
    return build


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


def live_path(index_dir: str | Path) -> Path | None:
    link = Path(index_dir) / CURRENT
    if link.is_symlink() and link.resolve().is_dir() and index.exists_in(str(link.resolve())):
        return link.resolve()
    return None


# --- searching ---------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    fields: dict
    score: float


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    timed_out: bool = False


def stored(fields_: dict) -> dict:
    out = dict(fields_)
    meta = json.loads(out.pop("meta", "{}") or "{}")
    out.update(meta)
    return out


class SearchIndex:
    """An open, read-only view of the live index.

    Opened per request by the web app, so a rebuild swapped in meanwhile is
    picked up by the next request with no restart.
    """

    def __init__(self, index_dir: str | Path):
        path = live_path(index_dir)
        if path is None:
            raise IndexMissing(f"{index_dir}: no index; run 'kmsearch build' first")
        self.path = path
        self._ix = index.open_dir(str(path))
        self.info = json.loads((path / "kmsearch.json").read_text())
        self.segmenter = thai.Segmenter(self.info.get("words", ()))
        self._searcher = self._ix.searcher()

    def close(self) -> None:
        self._searcher.close()

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

    def search(self, spec: QuerySpec, page: int = 1, pagelen: int = 10,
               facets: Iterable[str] = FACET_FIELDS, timelimit: float | None = None) -> Results:
        """One page of hits, facet counts over all hits; with ``timelimit``
        (seconds) a slow search stops and returns what it found so far."""
        q = _build(spec)
        kwargs = {"filter": _filters(spec.filters)}
        facet_list = list(facets)
        if facet_list:
            kwargs["groupedby"] = {
                name: sorting.FieldFacet(name, allow_overlap=name in MULTI_VALUED, maptype=sorting.Count)
                for name in facet_list
            }
        by_date = spec.sort == "date" or spec.empty
        if by_date:
            kwargs["sortedby"] = [sorting.FieldFacet("changed", reverse=True), sorting.FieldFacet("id")]
        collector = self._searcher.collector(limit=page * pagelen, **kwargs)
        if timelimit:
            # use_alarm=False: a stray SIGALRM would hit the main thread.
            collector = collectors.TimeLimitCollector(collector, timelimit=timelimit, use_alarm=False)
        timed_out = False
        try:
            self._searcher.search_with_collector(q, collector)
        except searching.TimeLimit:
            timed_out = True
        finally:
            timer = getattr(collector, "timer", None)
            if timer is not None:
                timer.cancel()
        results = collector.results()
        hits = [Hit(stored(h.fields()), 0.0 if by_date else (h.score or 0.0)) for h in results[:page * pagelen]]
        if not by_date:
            # Equal scores: the fresher document first.
            hits.sort(key=lambda h: (-round(h.score, 6), -h.fields["changed"].toordinal()))
        hits = hits[(page - 1) * pagelen:]
        groups = {}
        for name in facet_list:
            counts = results.groups(name)
            groups[name] = {str(k): v for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
                            if k not in (None, "")}
        return Results(total=len(results), hits=hits, facets=groups, timed_out=timed_out)

    # --- vocabulary: spelling correction and suggestions ------------------

    def frequency(self, word: str) -> int:
        """Documents that contain ``word`` as a whole word anywhere."""
        reader = self._searcher.reader()
        return max(reader.doc_frequency(f, word) for f in VOCABULARY_FIELDS)

    def similar_words(self, word: str, maxdist: int = 1, limit: int = 3) -> list[str]:
        """Indexed words within ``maxdist`` edits, most frequent first."""
        reader = self._searcher.reader()
        found: dict[str, int] = {}
        for f in VOCABULARY_FIELDS:
            for term in reader.terms_within(f, word, maxdist):
                if term != word:
                    found[term] = max(found.get(term, 0), reader.doc_frequency(f, term))
        return [w for w, _ in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]

    def words_with_prefix(self, prefix: str, limit: int = 8) -> list[tuple[str, int]]:
        """Indexed words starting with ``prefix``, most frequent first."""
        reader = self._searcher.reader()
        found: dict[str, int] = {}
        for f in VOCABULARY_FIELDS:
            for term in reader.expand_prefix(f, prefix):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                found[text] = max(found.get(text, 0), reader.doc_frequency(f, text))
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]

    def titles(self) -> list[tuple[str, str]]:
        """(id, title) of every document."""
        return [(f["id"], f["title"]) for f in self._searcher.all_stored_fields()]


def _alternative(alt: Alternative) -> query.Query:
    parts: list[query.Query] = []
    for name, boost in WORD_FIELDS.items():
        b = boost * alt.weight
        if len(alt.words) == 1:
            parts.append(query.Term(name, alt.words[0], boost=b))
        elif alt.words:
            parts.append(query.Phrase(name, list(alt.words), boost=b))
    for name, boost in GRAMS_WEIGHTS.items():
        b = boost * alt.weight
        if len(alt.grams) == 1:
            parts.append(query.Term(name, alt.grams[0], boost=b))
        elif alt.grams:
            # Pairs are indexed without positions (a third of the build's
            # postings): all pairs present stands in for the phrase.
            parts.append(query.And([query.Term(name, g) for g in dict.fromkeys(alt.grams)], boost=b))
    return query.Or(parts)


def _group(group: Group) -> query.Query:
    alts = [_alternative(a) for a in group.alternatives]
    return alts[0] if len(alts) == 1 else query.Or(alts)


def _build(spec: QuerySpec) -> query.Query:
    if spec.empty:
        q: query.Query = query.Every()
    else:
        required = [_group(g) for g in spec.groups if g.required]
        optional = [_group(g) for g in spec.groups if not g.required]
        # Any word may match; documents matching more of them score higher.
        q = query.Or(optional, scale=COORDINATION) if optional else None
        if required:
            q = query.And(required) if q is None else query.AndMaybe(query.And(required), q)
    if spec.exclude:
        q = query.AndNot(q, query.Or([_group(g) for g in spec.exclude]))
    return q


def _filters(filters: dict[str, tuple[str, ...]]) -> query.Query | None:
    clauses = []
    for name, values in filters.items():
        if not values:
            continue
        if name == "fiscal_year":
            terms = [query.Term(name, int(v)) for v in values]
        else:
            terms = [query.Term(name, v) for v in values]
        clauses.append(terms[0] if len(terms) == 1 else query.Or(terms))
    return query.And(clauses) if clauses else None
