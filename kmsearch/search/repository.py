"""Search as the pages and the API need it.

The open index is kept between requests and shared by the server's
threads; each request checks which build is live, so a rebuild swapped in
meanwhile is served from the next request on, without a restart.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import Flask, current_app, g, has_request_context
from markupsafe import Markup

from indexer import engine
from indexer.analysis.thai import normalise
from indexer.analysis.thai import words as words_of
from indexer.content.documents import PUBLISHED, is_draft
from indexer.content.office import Office, load_office, parse_office_text
from indexer.content.wordlists import SYNONYMS_FILE
from indexer.engine.spec import Alternative, Group, Need, QuerySpec
from indexer.thaidate import thai_date
from kmsearch.search import query as query_parser
from kmsearch.search import snippets
from kmsearch.search.passage import passage_target, result_url
from kmsearch.search.synonyms import SynonymFile


@dataclass
class HitView:
    id: str
    title: str
    title_html: Markup
    url: str
    division: str
    type: str
    knowledge: str
    date: str
    date_th: str
    fiscal_year: int
    summary: str
    snippet: Markup
    score: float
    holder: str = ""
    changed: str = ""  # last change (updated, else date), ISO
    areas: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # query words it lacks, when no document holds them all
    anchor: str = ""  # id of the heading before the snippet's first match ("" before the first heading)
    draft: bool = False  # shown only in a preview (SHOW_DRAFTS), with a badge
    office: str = ""  # the office's slug, in a search across offices
    # Where the article is read: "" this site, else another office's site
    # (its ``site_url``), None when that office has not said where.
    site: str | None = ""

    def as_json(self) -> dict:
        # "url" stays the permalink other sites link to; "open" is where a
        # result opens (the passage, the query marked).
        return {
            "id": self.id,
            "title": self.title,
            "url": None if self.site is None else f"{self.site}/a/{self.id}",
            "open": self.url,
            "division": self.division,
            "type": self.type,
            "knowledge": self.knowledge,
            "date": self.date,
            "fiscal_year": self.fiscal_year,
            "snippet": str(self.snippet),
            "score": round(self.score, 4),
            "missing": list(self.missing),
            **({"office": self.office} if self.office else {}),
        }


@dataclass
class ResultPage:
    query: str
    total: int
    page: int
    pagelen: int
    hits: list[HitView]
    facets: dict[str, dict[str, int]]
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", when the query had typos
    partial: bool = False  # the search hit its time limit
    # "all": every hit holds every content word; "some": none holds them
    # all, the hits hold some (each says what it lacks); "none".
    match: str = engine.MATCH_ALL
    found: int = 0  # documents holding every content word as typed: 0 is a knowledge gap
    fragments: tuple[str, ...] = ()  # words the index lacks, matched inside other words
    named: tuple[tuple[str, str], ...] = ()  # (field, slug) the query names: offered as filters
    more: int = 0  # after the ``total``, documents that hold only some of the words

    @property
    def shown(self) -> int:
        """Results that can be paged through: those counted, then those listed after them."""
        return self.total + self.more

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.shown / self.pagelen))


# What the KM figures read of a document (kmsearch.km.figures.as_docs).
CATALOGUE_FIELDS = frozenset(
    ("id", "title", "division", "type", "knowledge", "area", "areas", "tags", "holder", "author", "date", "updated")
)


class IndexBroken(Exception):
    """The live build exists but cannot be opened (damaged files): pages
    answer 503 until a good build is live, which the next request opens."""


def _open_build(backend: engine.Backend) -> engine.SearchIndex:
    try:
        return backend.open()
    except (engine.IndexMissing, engine.EngineUnavailable):
        raise
    except Exception as e:  # whatever a damaged file makes the engine or json raise
        raise IndexBroken(f"{backend}: the live build cannot be opened: {e!r}") from e


class Repository:
    """What the app keeps between requests: settings, office, synonyms.

    Usable without Flask (the CLI and the benchmarks search through it).
    """

    def __init__(self, settings: dict):
        self.content_dir = Path(settings["CONTENT_DIR"])
        self.index_dir = Path(settings["INDEX_DIR"])
        self.settings = settings
        # The engine the office's kmsearch.yaml names, chosen once.
        self.backend = engine.backend_for(self.content_dir, self.index_dir)
        self.synonyms = SynonymFile(self.content_dir / SYNONYMS_FILE)
        self._office: tuple[str | None, Office] | None = None  # (build key, its office)
        self._titles: tuple = (None, [])
        self._catalogue: tuple[str | None, list[dict]] = (None, [])
        self._drafts: tuple = (None, frozenset())
        self._related: tuple[str | None, dict] = (None, {})  # build key, (id, limit) -> related articles
        # A public server never shows a draft; an author's preview does.
        self.show_drafts = bool(settings.get("SHOW_DRAFTS"))
        self._index: engine.SearchIndex | None = None
        self._shared: engine.SearchIndex | None = None
        self._offices: tuple[str | None, dict[str, Office]] = (None, {})
        self._opening = threading.Lock()

    @property
    def office(self) -> Office:
        """The office as the live build read it, so a division added (or
        renamed) with a rebuild is there without a restart; the content
        folder's own while there is no build."""
        try:
            ix: engine.SearchIndex | None = self.open_index()
        except engine.IndexMissing:
            ix = None
        return self.office_for(ix)

    def office_for(self, ix: engine.SearchIndex | None) -> Office:
        """The office as the build ``ix`` read it (the content folder's
        while there is no build)."""
        key = ix.key if ix is not None else None
        cached = self._office
        if cached is None or cached[0] != key:
            text = ix.info.get("office") if ix is not None else None
            office = parse_office_text(text, f"{key}/kmsearch.yaml") if text else load_office(self.content_dir)
            cached = self._office = (key, office)
        return cached[1]

    def open_index(self) -> engine.SearchIndex:
        """The live build, opened once and shared until another build is live.

        A build that is replaced is not closed here: a request in another
        thread may still be reading it.  It closes when the last reference
        goes.
        """
        memo = self._request_memo()
        if "own" in memo:
            return memo["own"]
        live = self.backend.live()
        ix = self._index
        if ix is None or live is None or ix.key != live:
            with self._opening:
                ix = self._index
                if ix is None or live is None or ix.key != live:  # another thread may have opened it
                    ix = self._index = _open_build(self.backend)
        memo["own"] = ix
        return ix

    def _request_memo(self) -> dict:
        """What this request has opened: one request reads one build, asked
        for once (a page asks for the office and the index many times, and
        each asking is a round trip to a cluster)."""
        if not has_request_context():
            return {}
        return g.setdefault("km_open", {}).setdefault(id(self), {})

    def open_shared(self) -> engine.SearchIndex | None:
        """Every office's live build that shares this office's engine (a
        province), opened as one and kept as ``open_index`` keeps its own;
        None when the engine holds this office alone (Whoosh)."""
        memo = self._request_memo()
        if "shared" in memo:
            return memo["shared"]
        live = self.backend.shared_live()
        ix = self._shared if live is not None else None
        if live is not None and (ix is None or ix.key != live):
            with self._opening:
                ix = self._shared
                if ix is None or ix.key != live:
                    ix = self._shared = self.backend.open_shared()
        memo["shared"] = ix
        return ix

    def offices(self, ix: engine.SearchIndex) -> dict[str, Office]:
        """slug -> Office of every office in a shared index, as each build
        recorded its kmsearch.yaml; an office whose file cannot be read is
        left out (its documents keep their slug)."""
        if self._offices[0] != ix.key:
            found = {}
            for slug, text in (ix.info.get("offices") or {}).items():
                try:
                    found[slug] = parse_office_text(text, f"{slug}/kmsearch.yaml")
                except Exception:  # another office's file: never a reason for this site to fail
                    continue
            self._offices = (ix.key, found)
        return self._offices[1]

    def warm(self) -> None:
        """Open the live build and read what searches need, before a
        visitor asks (after a rebuild, at start)."""
        try:
            ix = self.open_index()
        except engine.IndexMissing:
            return
        ix.warm()
        self.titles(ix)

    # --- drafts: every read the pages make passes one of these -------------

    def public(self, spec: QuerySpec) -> QuerySpec:
        """``spec`` limited to what this server shows: published documents,
        unless it is an author's preview."""
        if self.show_drafts:
            return spec
        return replace(spec, filters={**spec.filters, "status": (PUBLISHED,)})

    def shown(self, doc: dict | None) -> dict | None:
        """``doc``, or None when this server must not show it."""
        if doc is None or (is_draft(doc) and not self.show_drafts):
            return None
        return doc

    def related_kept(self, ix: engine.SearchIndex) -> dict:
        """(id, limit) -> related articles, kept for the build ``ix`` (at
        most MAX_RELATED_KEPT articles)."""
        if self._related[0] != ix.key or len(self._related[1]) > MAX_RELATED_KEPT:
            self._related = (ix.key, {})
        return self._related[1]

    def drafts(self, ix: engine.SearchIndex) -> frozenset[str]:
        """Ids of the drafts of the build, read once per build."""
        if self._drafts[0] != ix.key:
            spec = QuerySpec(filters={"status": ("draft",)})
            n = ix.search(spec, pagelen=1, facets=()).total
            found = ix.search(spec, pagelen=max(1, n), facets=()).hits if n else []
            self._drafts = (ix.key, frozenset(h.fields["id"] for h in found))
        return self._drafts[1]

    def shown_words(self, ix: engine.SearchIndex, words: list[str]) -> list[str]:
        """``words`` that a document this server shows holds: the index's
        vocabulary counts drafts too, and a completion must not tell a
        visitor what a draft says.  One search a word, only when the build
        has drafts that this server hides."""
        if self.show_drafts or not self.drafts(ix):
            return words
        kept = []
        for w in words:
            spec = QuerySpec(groups=(Group((Alternative((w,)),)),), needs=(Need(w, ((w,),)),))
            if ix.search(self.public(spec), pagelen=1, facets=()).total:
                kept.append(w)
        return kept

    def titles(self, ix: engine.SearchIndex) -> list[tuple[str, str, str]]:
        """(id, title, normalised title without spaces) of what this server
        shows, cached per build."""
        if self._titles[0] != ix.key:
            hidden = frozenset() if self.show_drafts else self.drafts(ix)
            rows = [(i, t, normalise(t).replace(" ", "")) for i, t in ix.titles() if i not in hidden]
            self._titles = (ix.key, rows)
        return self._titles[1]

    def catalogue(self, ix: engine.SearchIndex) -> list[dict]:
        """The metadata, without body or HTML, of every document this server
        shows, read once a build: the KM figures count these, and reading
        every stored body on each /km request took over a second at 2 000
        documents."""
        if self._catalogue[0] != ix.key:
            rows = [{k: v for k, v in f.items() if k in CATALOGUE_FIELDS} for f in ix.all() if self.shown(f)]
            self._catalogue = (ix.key, rows)
        return self._catalogue[1]

    def run_query(
        self,
        ix: engine.SearchIndex,
        text: str,
        filters: dict[str, tuple[str, ...]] | None = None,
        page: int = 1,
        pagelen: int = 10,
        sort: str = "relevance",
        snippets: bool = True,
        facets: tuple[str, ...] = engine.FACET_FIELDS,
        correct: bool = True,
    ) -> ResultPage:
        text = condensed(text, self.settings["MAX_QUERY_CHARS"], ix.segmenter)
        parsed = query_parser.parse(
            text, ix.segmenter, self.office_for(ix), self.synonyms.groups(), filters, sort, ix if correct else None
        )
        results = ix.search(
            self.public(parsed.spec),
            page=page,
            pagelen=pagelen,
            facets=facets,
            timelimit=self.settings.get("SEARCH_TIME_LIMIT"),
        )
        size = self.settings["SNIPPET_CHARS"] if snippets else 0
        marks = replace(parsed.marks, fragments=tuple(normalise(f) for f in results.fragments))
        hits = [_hit_view(h.fields, h.score, marks, ix, size, h.missing, text) for h in results.hits]
        # A correction is offered only when the corrected query finds what was asked.
        suggestion = parsed.suggestion if results.match == engine.MATCH_ALL else None
        found = results.exact_total if results.match == engine.MATCH_ALL else 0
        return ResultPage(
            text,
            results.total,
            page,
            pagelen,
            hits,
            results.facets,
            parsed.spec.filters,
            suggestion,
            results.timed_out,
            results.match,
            found,
            results.fragments,
            tuple(parsed.named),
            results.more,
        )

    def marks(self, ix: engine.SearchIndex, text: str) -> snippets.Marks:
        """What the snippets of a search for ``text`` mark, for the article
        a result opens.  Without the fragments of words the index lacks:
        the results label those, the article could not."""
        text = condensed(text, self.settings["MAX_QUERY_CHARS"], ix.segmenter)
        office = self.office_for(ix)
        return query_parser.parse(text, ix.segmenter, office, self.synonyms.groups(), None, "relevance", ix).marks


def init_app(app: Flask) -> None:
    app.extensions["kmsearch"] = Repository(app.config)


def repo() -> Repository:
    return current_app.extensions["kmsearch"]


def get_index() -> engine.SearchIndex:
    return repo().open_index()  # once a request (Repository._request_memo)


def run_query(
    text: str,
    filters: dict[str, tuple[str, ...]] | None = None,
    page: int = 1,
    pagelen: int = 10,
    sort: str = "relevance",
) -> ResultPage:
    return repo().run_query(get_index(), text, filters, page, pagelen, sort)


def run_shared_query(
    text: str,
    filters: dict[str, tuple[str, ...]] | None = None,
    page: int = 1,
    pagelen: int = 10,
    sort: str = "relevance",
) -> tuple[ResultPage, dict[str, Office]] | None:
    """A search across every office sharing the engine, with an ``office``
    facet, and the offices by slug; None when there is no such search.

    An article of this office opens here; another office's opens on that
    office's own site (``office: site_url:`` in its kmsearch.yaml), or has
    no link when the office has not said where its site is."""
    r = repo()
    ix = r.open_shared()
    if ix is None:
        return None
    found = r.run_query(ix, text, filters, page, pagelen, sort, facets=(*engine.FACET_FIELDS, "office"))
    offices = r.offices(ix)
    here = r.office.slug
    hits = []
    for hit in found.hits:
        if hit.office and hit.office != here:
            site = (offices[hit.office].site_url if hit.office in offices else "") or None
            hit = replace(hit, site=site, url=site + hit.url if site else "")
        hits.append(hit)
    return replace(found, hits=hits), offices


def browse(
    filters: dict[str, tuple[str, ...]], page: int = 1, pagelen: int = 10, facets: tuple[str, ...] = engine.FACET_FIELDS
) -> ResultPage:
    ix = get_index()
    results = ix.search(repo().public(QuerySpec(filters=filters)), page=page, pagelen=pagelen, facets=facets)
    hits = [_hit_view(h.fields, 0.0, None, ix, 0) for h in results.hits]
    return ResultPage("", results.total, page, pagelen, hits, results.facets, filters, found=results.total)


def holders(limit: int = 6) -> list[HitView]:
    """One tacit-knowledge document per person to ask, newest first: whom
    to ask when the library has nothing written on a question."""
    found: dict[str, HitView] = {}
    for hit in browse({"knowledge": ("tacit",)}, 1, 50, facets=()).hits:
        if hit.holder and len(found) < limit:
            found.setdefault(hit.holder, hit)
    return list(found.values())


def condensed(text: str, max_chars: int, segmenter) -> str:
    """A query within ``max_chars``: a longer one (a letter pasted in
    whole) keeps its content words, each once, instead of its first
    ``max_chars`` characters."""
    if len(text) <= max_chars:
        return text
    stop = query_parser.function_words()
    kept, size = [], 0
    for word in dict.fromkeys(words_of(text, segmenter)):
        if word in stop or size + len(word) + 1 > max_chars:
            continue
        kept.append(word)
        size += len(word) + 1
    return " ".join(kept)


def _hit_view(f: dict, score: float, marks, ix, size: int, missing: tuple[str, ...] = (), query: str = "") -> HitView:
    anchor, url = "", f"/a/{f['id']}"
    if marks and size:
        found = snippets.passage(f.get("body", ""), marks, ix.segmenter, size)
        snip = found.html
        title_html = snippets.highlight(f["title"], marks, ix.segmenter)
        if query:
            # At its first marked word; a snippet with nothing marked is the
            # body's start: nothing to jump to.
            anchor, words = (
                passage_target(f, found.first) if found.first > found.start or "<mark>" in snip else ("", "")
            )
            url = result_url(f["id"], query, anchor, words)
    else:
        snip = Markup.escape(f.get("summary") or f.get("body", "")[:200])
        title_html = Markup.escape(f["title"])
    return HitView(
        id=f["id"],
        title=f["title"],
        title_html=title_html,
        url=url,
        division=f["division"],
        type=f["type"],
        knowledge=f["knowledge"],
        date=f["date"].isoformat(),
        date_th=thai_date(f["date"]),
        fiscal_year=f["fiscal_year"],
        summary=f.get("summary", ""),
        snippet=snip,
        score=score,
        holder=f.get("holder", ""),
        changed=(f.get("changed") or f["date"]).isoformat(),
        areas=tuple(f.get("areas", ())),
        tags=tuple(f.get("tags", ())),
        missing=missing,
        anchor=anchor,
        draft=is_draft(f),
        office=f.get("office", ""),
    )


def suggest(prefix: str, limit: int = 8) -> dict:
    """Completions for a partly typed query: titles containing what was
    typed, and indexed words that start with its last word."""
    ix = get_index()
    norm = normalise(prefix).strip()
    if not norm:
        return {"titles": [], "terms": []}
    titles = repo().titles(ix)
    squeezed = norm.replace(" ", "")
    found = [{"id": i, "title": t, "url": f"/a/{i}"} for i, t, key in titles if squeezed in key][:limit]
    chunks = prefix.split()
    terms: list[str] = []
    if chunks and not prefix[-1].isspace():
        before = prefix.rstrip()[: len(prefix.rstrip()) - len(chunks[-1])]
        last = normalise(chunks[-1])
        stem, endings = "", [w for w, _ in ix.words_with_prefix(last, limit)]
        if not endings:
            # The last run may end in a word that is not finished yet.
            pieces = words_of(chunks[-1], ix.segmenter)
            if pieces:
                stem = "".join(pieces[:-1])
                endings = [w for w, _ in ix.words_with_prefix(pieces[-1], limit)]
        terms = [before + stem + w for w in repo().shown_words(ix, endings)]
    return {"titles": found, "terms": list(dict.fromkeys(terms))[:limit]}


def article(doc_id: str) -> tuple[dict | None, str | None]:
    """(document, None), or (None, new id) when ``doc_id`` is an old alias."""
    ix, shown = get_index(), repo().shown
    doc = shown(ix.get(doc_id))
    if doc is not None:
        return doc, None
    moved = shown(ix.by_alias(doc_id))
    return None, (moved["id"] if moved else None)


def withdrawn(doc_id: str) -> tuple[str, list[HitView]] | None:
    """For an article that was deleted: its title and articles like it."""
    title = get_index().withdrawn(doc_id)
    if title is None:
        return None
    return title, run_query(title, pagelen=5).hits


def overview() -> ResultPage:
    """Counts per division, type, kind and year, and the newest documents."""
    return browse({}, page=1, pagelen=8)


MAX_RELATED_KEPT = 10_000  # articles whose related list is kept per build


def related(doc: dict, limit: int = 4) -> list[HitView]:
    """Articles like ``doc``, worked out once a build (two or three
    searches, a third of an article page's time on a cluster)."""
    ix = get_index()
    kept = repo().related_kept(ix)
    if (doc["id"], limit) not in kept:
        kept[doc["id"], limit] = _related(ix, doc, limit)
    return kept[doc["id"], limit]


def _related(ix: engine.SearchIndex, doc: dict, limit: int) -> list[HitView]:
    """Words of its title and tags found in theirs, ranked up for each
    knowledge area and tag they share with it."""
    areas, tags = set(doc.get("areas", ())), set(doc.get("tags", ()))
    text = " ".join([doc["title"], *sorted(tags)])[:200]
    found = repo().run_query(ix, text, None, 1, 20, snippets=False, facets=(), correct=False).hits
    top = max((h.score for h in found), default=0.0) or 1.0
    hits = {h.id: h for h in found}
    scores = {h.id: h.score / top for h in found}
    for name, values in (("area", areas), ("tag", tags)):
        if values:
            for h in browse({name: tuple(sorted(values))}, 1, 20, facets=()).hits:
                hits.setdefault(h.id, h)
                scores.setdefault(h.id, 0.0)
    for i, h in hits.items():
        scores[i] += 0.5 * len(areas & set(h.areas)) + 0.3 * len(tags & set(h.tags))
    scores.pop(doc["id"], None)
    # Equal scores: the fresher article first.
    ranked = sorted((i for i in scores if scores[i] > 0.05), key=lambda i: (scores[i], hits[i].changed), reverse=True)
    return [hits[i] for i in ranked[:limit]]
