"""The systems compared: kmsearch through its real build and search path, and peers.

Each system builds an index of a list of Docs into a folder it owns and
opens it as a function from query text to the ids of the top hits.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import yaml
from whoosh import fields, index, query
from whoosh.analysis import LowercaseFilter, Tokenizer
from whoosh.analysis import Token as WhooshToken

from indexer import build_index
from indexer.analysis.thai import SEGMENTERS, normalise
from kmsearch.config import load_settings
from kmsearch.search.repository import Repository

from .families import Doc, synonyms_file
from .metrics import K

Search = Callable[[str], list[str]]

# The shape of tests/data/kmsearch.yaml; every passage is the same kind of document.
OFFICE = {
    "office": {"name": "สำนักงานทดสอบความเกี่ยวข้อง"},
    "divisions": [{"slug": "wiki", "name": "วิกิพีเดีย"}],
    "types": [
        {"slug": "manual", "name": "คู่มือปฏิบัติงาน"},
        {"slug": "training-report", "name": "รายงานผลการฝึกอบรม"},
        {"slug": "regulation-note", "name": "สรุประเบียบ/กฎหมาย"},
        {"slug": "lesson", "name": "บทเรียน/เรื่องเล่า"},
        {"slug": "plan", "name": "แผน"},
    ],
    "knowledge": [
        {"slug": "explicit", "name": "ความรู้ที่ชัดแจ้ง"},
        {"slug": "tacit", "name": "ความรู้ที่ฝังอยู่ในตัวคน"},
    ],
}
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def slug(doc_id: str) -> str:
    """The dataset id if the project accepts it as a document id, else a stable stand-in."""
    if _SLUG.match(doc_id):
        return doc_id
    return "d-" + hashlib.sha1(doc_id.encode()).hexdigest()[:16]


def write_content(
    folder: Path, docs: list[Doc], segmenter: str = SEGMENTERS[0], settings: dict | None = None
) -> dict[str, str]:
    """A content folder of the passages; returns project id -> dataset id.
    ``settings``: more of kmsearch.yaml (the engine, for one)."""
    folder.mkdir(parents=True, exist_ok=True)
    office = {**OFFICE, "segmenter": segmenter, **(settings or {})}
    (folder / "kmsearch.yaml").write_text(yaml.safe_dump(office, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "words.txt").write_text("", encoding="utf-8")
    (folder / "synonyms.txt").write_text(synonyms_file(), encoding="utf-8")
    ids: dict[str, str] = {}
    for d in docs:
        sid = slug(d.id)
        if sid in ids:
            raise ValueError(f"{d.id} and {ids[sid]} map to the same id {sid}")
        ids[sid] = d.id
        head = {
            "id": sid,
            "title": d.title,
            "division": "wiki",
            "type": "manual",
            "knowledge": "explicit",
            "date": "2024-01-01",
        }
        text = "---\n" + yaml.safe_dump(head, allow_unicode=True, sort_keys=False) + "---\n" + d.text + "\n"
        (folder / f"{sid}.md").write_text(text, encoding="utf-8")
    return ids


# The OpenSearch cluster of a run (benchmarks.relevance starts the test
# cluster and names its data nodes here, comma-separated; the workers inherit it).
CLUSTER_ENV = "KMSEARCH_BENCH_OPENSEARCH_HOSTS"


class Project:
    """kmsearch itself; with ``segmenter``, the same with another word
    segmentation engine (``segmenter:`` in kmsearch.yaml); with ``engine``
    opensearch, the same on the OpenSearch backend (``engine: opensearch``,
    the run's cluster, an office slug per index)."""

    def __init__(self, segmenter: str = SEGMENTERS[0], engine: str = "whoosh"):
        self.segmenter = segmenter
        self.engine = engine
        self.name = "kmsearch" if segmenter == SEGMENTERS[0] else f"kmsearch-{segmenter}"
        if engine != "whoosh":
            self.name += f"-{engine}"
        self.note = "the project: Markdown content folder -> indexer.build_index -> Repository.run_query" + (
            "" if segmenter == SEGMENTERS[0] else f", words segmented by PyThaiNLP's {segmenter}"
        )
        if engine == "opensearch":
            self.note = "the same on the OpenSearch backend (engine: opensearch; the test cluster of tests/cluster)"

    @property
    def needs_cluster(self) -> bool:
        return self.engine == "opensearch"

    def settings(self, folder: Path) -> dict | None:
        if self.engine == "whoosh":
            return None
        hosts = [h for h in os.environ.get(CLUSTER_ENV, "").split(",") if h]
        if not hosts:
            raise RuntimeError(f"{self.name} needs an OpenSearch cluster: {CLUSTER_ENV} is not set")
        slug = re.sub(r"[^a-z0-9-]+", "-", folder.name.lower()).strip("-")
        return {"engine": "opensearch", "opensearch": {"hosts": hosts}, "office": {**OFFICE["office"], "slug": slug}}

    def build(self, docs: list[Doc], folder: Path) -> None:
        ids = write_content(folder / "content", docs, self.segmenter, self.settings(folder))
        (folder / "ids.json").write_text(json.dumps(ids))
        report = build_index(folder / "content", folder / "index")
        if report.problems or report.documents != len(docs):
            shown = "; ".join(map(str, report.problems[:5]))
            raise RuntimeError(f"kmsearch indexed {report.documents} of {len(docs)} passages: {shown}")

    def open(self, folder: Path) -> Search:
        ids = json.loads((folder / "ids.json").read_text())
        repo = Repository(load_settings({"CONTENT_DIR": str(folder / "content"), "INDEX_DIR": str(folder / "index")}))
        ix = repo.open_index()

        def search(text: str) -> list[str]:
            page = repo.run_query(ix, text, pagelen=K, snippets=False)
            if getattr(page, "partial", False):
                search.partial.add(text)
            return [ids[h.id] for h in page.hits]

        # Searches cut short by the project's time limit: on a busy machine
        # they are the ones whose ranking is not reproducible.
        search.partial = set()
        return search


def require_fts5_trigram() -> None:
    """SQLite 3.34+ built with FTS5 has the trigram tokenizer; say so plainly if not."""
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError as e:
        raise SystemExit(f"this Python's SQLite {sqlite3.sqlite_version} lacks FTS5 with trigram: {e}") from None


class Fts5Trigram:
    """SQLite FTS5, trigram tokenizer, bm25; the query is an OR of quoted pieces."""

    def __init__(self, name: str, note: str, normalised: bool = False, grams: bool = False):
        self.name, self.note, self.normalised, self.grams = name, note, normalised, grams

    def _prepare(self, text: str) -> str:
        return normalise(text) if self.normalised else text

    def build(self, docs: list[Doc], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(folder / "fts.db")
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='trigram')")
        db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?)", ((d.id, self._prepare(d.title), self._prepare(d.text)) for d in docs)
        )
        db.commit()
        db.close()

    def pieces(self, text: str) -> list[str]:
        """What a user of FTS5 trigram would send: the words, or with ``grams`` every trigram."""
        words = [w for w in self._prepare(text).split() if len(w) >= 3]
        if self.grams:
            words = list(dict.fromkeys(w[i : i + 3] for w in words for i in range(len(w) - 2)))
        return words

    def open(self, folder: Path) -> Search:
        db = sqlite3.connect(folder / "fts.db")

        def search(text: str) -> list[str]:
            pieces = self.pieces(text)
            if not pieces:
                return []
            match = " OR ".join('"' + p.replace('"', '""') + '"' for p in pieces)
            rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, K))
            return [r[0] for r in rows]

        return search


def newmm_words(text: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return [w for w in word_tokenize(text, engine="newmm") if w.strip()]


class NewmmTokenizer(Tokenizer):
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
        for pos, word in enumerate(newmm_words(value)):
            t.text = word
            t.boost, t.stopped = 1.0, False
            if keeporiginal:
                t.original = word
            if positions:
                t.pos = start_pos + pos
            yield t


class WhooshNewmm:
    """What a quick implementation would do: one TEXT field of newmm words, default BM25F."""

    name = "whoosh-newmm"
    note = "Whoosh, one TEXT field of PyThaiNLP newmm words, default BM25F; query = OR of newmm words"

    def build(self, docs: list[Doc], folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        analyzer = NewmmTokenizer() | LowercaseFilter()
        schema = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT(analyzer=analyzer))
        ix = index.create_in(str(folder), schema)
        with ix.writer(limitmb=256) as w:
            for d in docs:
                w.add_document(id=d.id, body=d.title + "\n" + d.text)

    def open(self, folder: Path) -> Search:
        searcher = index.open_dir(str(folder)).searcher()

        def search(text: str) -> list[str]:
            terms = list(dict.fromkeys(w.lower() for w in newmm_words(text)))
            if not terms:
                return []
            hits = searcher.search(query.Or([query.Term("body", w) for w in terms]), limit=K)
            return [h["id"] for h in hits]

        return search


SYSTEMS = {
    s.name: s
    for s in (
        Project(),
        Project(engine="opensearch"),
        Fts5Trigram(
            "fts5-trigram", "SQLite FTS5 trigram, bm25; query = OR of the quoted whitespace pieces of >= 3 chars"
        ),
        Fts5Trigram(
            "fts5-trigram-norm",
            "as fts5-trigram, documents and queries through indexer.thai.normalise",
            normalised=True,
        ),
        Fts5Trigram(
            "fts5-trigram-norm-grams",
            "as fts5-trigram-norm, query = OR of every trigram of those pieces",
            normalised=True,
            grams=True,
        ),
        WhooshNewmm(),
    )
}
# Not among the peers of a default run: `benchmarks/segmenters.py` (or
# `--systems`) compares kmsearch's segmentation engines.
ENGINE_VARIANTS = {p.name: p for p in (Project(k) for k in SEGMENTERS[1:])}


def system_named(name: str):
    return SYSTEMS.get(name) or ENGINE_VARIANTS[name]
