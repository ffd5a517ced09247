"""What every engine backend must do (indexer/engine/base.py), run against
each: Whoosh always, OpenSearch on the session's test cluster (marked
``opensearch``: they run last, after the cluster starts).

Each test builds the tests' own corpus (tests/corpus.py) into a fresh
index of its backend: for OpenSearch an office slug of its own, so the
tests share the cluster without seeing each other's documents.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from dataclasses import replace

import pytest

from indexer import build_index, engine
from indexer.analysis import thai
from indexer.content.documents import Document
from indexer.engine import MATCH_ALL, MATCH_NONE, MATCH_SOME
from indexer.engine.spec import Alternative, Group, Need, QuerySpec
from kmsearch import create_app
from kmsearch.search import query as query_parser

from .corpus import DOCS
from .sites import BACKENDS, Site


@pytest.fixture(params=BACKENDS)
def kind(request):
    if request.param == "opensearch":
        request.getfixturevalue("opensearch")
    return request.param


@pytest.fixture
def site(kind, tmp_path, request):
    s = Site(tmp_path, kind, request)
    s.build()
    yield s
    s.cleanup()


@pytest.fixture
def empty_site(kind, tmp_path, request):
    s = Site(tmp_path, kind, request)
    yield s
    s.cleanup()


# --- reading ---------------------------------------------------------------


def test_the_engine_is_the_one_the_office_names(site):
    assert site.backend.name == site.kind
    assert site.backend.live() is not None
    with site.open() as ix:
        assert ix.key == site.backend.live()
        assert ix.doc_count == len(DOCS)


def test_stored_documents_are_typed(site):
    with site.open() as ix:
        doc = ix.get("land-tax-manual")
    assert doc["title"] == "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง"
    assert doc["date"] == dt.date(2023, 11, 15) and type(doc["date"]) is dt.date
    assert doc["updated"] == dt.date(2024, 2, 1) and type(doc["updated"]) is dt.date
    assert doc["changed"] == dt.date(2024, 2, 1) and type(doc["changed"]) is dt.date
    assert doc["fiscal_year"] == 2567
    assert doc["tags"] == ["ภาษีที่ดิน", "รายได้"] and doc["areas"] == ["law"] and doc["aliases"] == ["land-tax"]
    assert doc["division"] == "finance" and doc["type"] == "manual" and doc["knowledge"] == "explicit"
    assert "<h2" in doc["html"] and "พระราชบัญญัติ" in doc["body"]
    with site.open() as ix:
        assert ix.get("egp-regulation")["updated"] is None
        assert ix.get("no-such-id") is None


def test_aliases_all_and_titles(site):
    with site.open() as ix:
        assert ix.by_alias("land-tax")["id"] == "land-tax-manual"
        assert ix.by_alias("land-tax-manual") is None
        assert sorted(d["id"] for d in ix.all()) == sorted(d.split("id: ")[1].split("\n")[0] for d in DOCS.values())
        titles = dict(ix.titles())
    assert titles["road-repair-lesson"] == "เรื่องเล่าการซ่อมถนนลูกรังหน้าฝน"
    assert all(isinstance(d["date"], dt.date) for d in site.open().all())


def test_words_phrases_and_fields(site):
    assert site.ids("ภาษีที่ดิน")[:1] == ["land-tax-manual"]
    assert site.ids("ถนนลูกรัง")[:1] == ["road-repair-lesson"]
    assert site.ids("ประสิทธิ์")[:1] == ["road-repair-lesson"]  # the holder (people)
    assert site.ids("กวนข้าว")[:1] == ["tradition-note"]  # a fragment of a compound
    assert site.ids('"จัดซื้อจัดจ้าง"') == ["egp-regulation"]  # a quoted phrase
    hits = site.ids("ที่ดิน")
    assert hits.index("land-tax-manual") < hits.index("building-permit")  # title above body


def test_exclusions_and_filters(site):
    assert "land-tax-manual" not in site.ids("ที่ดิน -ภาษี")
    assert "building-permit" in site.ids("ที่ดิน -ภาษี")
    assert site.ids("ที่ดิน", filters={"division": ("engineering",)}) == ["building-permit"]
    assert site.ids("", filters={"knowledge": ("tacit",), "division": ("education",)}) == ["tradition-note"]
    assert site.ids("", filters={"fiscal_year": ("2568",)}) == ["road-repair-lesson"]
    assert set(site.ids("", filters={"area": ("law", "child-center")})) == {
        "land-tax-manual",
        "egp-regulation",
        "child-center-training",
    }


def test_facets_with_counts(site):
    assert site.query("ที่ดิน").facets["division"] == {"finance": 1, "engineering": 1}
    everything = site.query("").facets
    assert everything["division"] == {"finance": 2, "engineering": 2, "education": 2}
    assert everything["knowledge"] == {"explicit": 4, "tacit": 2}
    assert set(everything["area"]) == {"law", "child-center"} and everything["area"]["law"] == 2
    assert everything["fiscal_year"]["2568"] == 1
    assert list(everything["division"]) == sorted(everything["division"])  # equal counts: by name


def test_paging_and_date_sort(site):
    newest = site.ids("", pagelen=10)
    assert newest == [
        "road-repair-lesson",
        "child-center-training",
        "land-tax-manual",
        "egp-regulation",
        "building-permit",
        "tradition-note",
    ]
    pages = [site.ids("", page=p, pagelen=2) for p in (1, 2, 3, 4)]
    assert pages == [newest[0:2], newest[2:4], newest[4:6], []]
    assert site.query("", page=2, pagelen=2).total == 6
    by_date = site.ids("ที่ดิน", sort="date")
    assert by_date == ["land-tax-manual", "building-permit"]


def test_needs_all_some_none(site):
    found = site.query("ภาษี ที่ดิน")
    assert found.match == MATCH_ALL and found.found >= 1
    # the documents counted lack nothing; any listed after them say what they lack
    assert all(not h.missing for h in found.hits[: found.total])
    assert all(h.missing for h in found.hits[found.total :])
    some = site.query("ถนน ข้าวทิพย์")  # no document holds both
    assert some.match == MATCH_SOME
    assert {h.id for h in some.hits} == {"road-repair-lesson", "tradition-note"}
    lacks = {h.id: h.missing for h in some.hits}
    assert lacks["road-repair-lesson"] == ("ข้าวทิพย์",) and lacks["tradition-note"] == ("ถนน",)
    assert site.query("ไฟฟ้าพลังงานนิวเคลียร์").match in (MATCH_NONE, MATCH_SOME)


def test_needs_at_the_engine(site):
    """A QuerySpec with needs, straight to the engine: the count is of the
    documents holding every need; missing words; fragments only when no
    form of the need is a word anywhere."""
    with site.open() as ix:
        land, road = ("ที่ดิน",), ("ถนน",)
        spec = QuerySpec(
            groups=(Group((Alternative(land),)), Group((Alternative(("ภาษี",)),))),
            needs=(Need("ที่ดิน", (land,)), Need("ภาษี", (("ภาษี",),))),
        )
        r = ix.search(spec)
        assert r.match == MATCH_ALL and [h.fields["id"] for h in r.hits][:1] == ["land-tax-manual"]
        assert r.total == r.exact_total == 1  # building-permit holds ที่ดิน, not ภาษี (listed after, marked)
        spec = QuerySpec(
            groups=(Group((Alternative(road),)), Group((Alternative(("ข้าวทิพย์",)),))),
            needs=(Need("ถนน", (road,)), Need("ข้าวทิพย์", (("ข้าวทิพย์",),))),
        )
        r = ix.search(spec)
        assert r.match == MATCH_SOME and r.exact_total == 0
        assert {h.fields["id"]: h.missing for h in r.hits} == {
            "road-repair-lesson": ("ข้าวทิพย์",),
            "tradition-note": ("ถนน",),
        }
        nothing = QuerySpec(groups=(Group((Alternative(("นิวเคลียร์",)),)),), needs=(Need("นิวเคลียร์", (("นิวเคลียร์",),)),))
        r = ix.search(nothing)
        assert (r.match, r.total, r.hits) == (MATCH_NONE, 0, [])
        # a word no document holds as a word, found inside longer words
        inside = ix.words_containing("ลูกร")
        assert "ถนนลูกรัง" in inside  # segmented as one word
        frag = QuerySpec(
            groups=(Group((Alternative(("ลูกร",)),)),),
            needs=(Need("ลูกร", (("ลูกร",),), fallback=tuple((w,) for w in inside)),),
        )
        r = ix.search(frag)
        assert r.fragments == ("ลูกร",) and [h.fields["id"] for h in r.hits] == ["road-repair-lesson"]
        # a facet the word names holds it too (กองช่าง: the division)
        div = QuerySpec(
            groups=(Group((Alternative(("คู่มือ",)),)),),
            needs=(Need("คู่มือ", (("คู่มือ",),)), Need("กองช่าง", (("กองช่าง",),), facets=(("division", "engineering"),))),
        )
        r = ix.search(div)
        assert r.match == MATCH_ALL and r.total == 1 and [h.fields["id"] for h in r.hits][:1] == ["building-permit"]


def test_named_facets_rank_first_and_scores_stay_scores(site):
    """A division the query names (QuerySpec.boosts) puts its documents
    first, whatever their scores; the scores handed back are the ranking's
    own (no tier added)."""
    with site.open() as ix:
        steps = QuerySpec(groups=(Group((Alternative(("ขั้นตอน",)),)),))  # in both documents' summaries
        plain = ix.search(steps)
        assert {h.fields["id"] for h in plain.hits} >= {"land-tax-manual", "building-permit"}
        before = {h.fields["id"]: h.score for h in plain.hits}
        for division, first in (("engineering", "building-permit"), ("finance", "land-tax-manual")):
            named = ix.search(QuerySpec(groups=steps.groups, boosts=(("division", division),)))
            assert named.hits[0].fields["id"] == first
            assert {h.fields["id"]: h.score for h in named.hits} == pytest.approx(before, rel=1e-3, abs=0.02)


def test_a_questions_sub_word_pairs_add_to_the_scores_of_the_documents_holding_them(site):
    """QuerySpec.pairs (ranking.QUESTION_GRAMS_WEIGHT): the document that
    holds ค่าปรับร้อยละ gains; the others keep their scores; what is listed
    stays what the needs say (the parser sends pairs with needs only)."""
    with site.open() as ix:
        plain_spec = QuerySpec(groups=(Group((Alternative(("ภาษี",)),)),), needs=(Need("ภาษี", (("ภาษี",),)),))
        plain = {h.fields["id"]: h.score for h in ix.search(plain_spec).hits}
        pairs = tuple(dict.fromkeys(thai.grams("ค่าปรับร้อยละ", ix.segmenter)))
        paired = {h.fields["id"]: h.score for h in ix.search(replace(plain_spec, pairs=pairs)).hits}
    assert set(paired) == set(plain) and "land-tax-manual" in plain
    assert paired["land-tax-manual"] > plain["land-tax-manual"] * 1.05
    others = {k: v for k, v in paired.items() if k != "land-tax-manual"}
    assert others == pytest.approx({k: plain[k] for k in others}, rel=1e-3, abs=0.02)


LONG_QUESTION = " ".join(
    [
        "ขั้นตอน การ จัดเก็บ ภาษีที่ดิน และ สิ่งปลูกสร้าง ของ เทศบาล ตำบล โคกตูม ผู้ขออนุญาต ยื่นแบบ",
        "พร้อม แบบแปลน สำเนา โฉนด ที่ดิน หนังสือยินยอม เจ้าของ ถนนลูกรัง ซ่อม หน้าฝน บดอัด รางระบายน้ำ",
    ]
)


def test_a_long_question_answers(site):
    """Many words, each in every field and as sub-word pairs: over
    Lucene's 1 024 clauses unless the query sheds some ranking."""
    text = LONG_QUESTION
    found = site.query(text)
    assert found.total >= 1 and found.hits
    assert site.query(text, sort="date").hits


def test_a_long_question_one_document_holds_in_full_answers(site):
    """The same with a document holding every word: the documents that hold
    only some are then counted and listed after it, a query naming every
    word twice (the relevance benchmark found it over Lucene's limit)."""
    text = LONG_QUESTION
    (site.content / "all-the-words.md").write_text(orchid("all-the-words", text.replace(" ", "")), encoding="utf-8")
    site.build()
    found = site.query(text)
    assert found.match == MATCH_ALL and found.hits[0].id == "all-the-words"
    assert found.more >= 1, "documents holding some of the words follow"


def test_the_vocabulary(site):
    with site.open() as ix:
        assert ix.frequency("ที่ดิน") == 1  # building-permit's โฉนดที่ดิน is one word
        assert ix.frequency("ไม่มีคำนี้") == 0
        assert "ที่ดิน" in ix.similar_words("ที่ดืน")
        prefixed = dict(ix.words_with_prefix("ที่"))
        assert prefixed.get("ที่ดิน") == 1
        pair = tuple(thai.words("ระบายน้ำทั้งสองข้าง", ix.segmenter)[:2])  # road-repair-lesson's body
        assert len(pair) == 2
        assert ix.written_together(pair)
        assert not ix.written_together(pair[::-1])
        spaced = tuple(thai.words("ข้าง มิฉะนั้น", ix.segmenter))  # side by side there, with a space between
        assert len(spaced) == 2 and ix.get("road-repair-lesson")
        assert not ix.written_together(spaced)
        assert ix.withdrawn("land-tax-manual") is None
        ix.warm()


DRAFT_DOC = (
    "---\nid: water-draft\ntitle: ร่างคู่มือการซ่อมท่อประปาหมู่บ้าน\ndivision: กองช่าง\ntype: manual\n"
    "knowledge: explicit\ntags: [ประปา]\nstatus: ฉบับร่าง\naliases: [old-water]\ndate: 2024-11-02\n---\n"
    "ท่อประปาหมู่บ้านแตกในหน้าแล้ง ให้ปิดประตูน้ำก่อนซ่อม\n"
)


def test_a_draft_is_stored_and_filtered_out(site):
    (site.content / "engineering" / "water-draft.md").write_text(DRAFT_DOC, encoding="utf-8")
    site.build()
    with site.open() as ix:
        assert ix.get("water-draft")["status"] == "draft"
        assert ix.get("land-tax-manual")["status"] == "published"
        published = ix.search(QuerySpec(filters={"status": ("published",)}), pagelen=50)
        drafts = ix.search(QuerySpec(filters={"status": ("draft",)}), pagelen=50)
    assert "water-draft" not in {h.fields["id"] for h in published.hits} and published.total == len(DOCS)
    assert [h.fields["id"] for h in drafts.hits] == ["water-draft"] and drafts.hits[0].fields["status"] == "draft"
    # The public site: not found, not counted, no redirect from its alias.
    assert "water-draft" not in site.ids("ท่อประปา") and "water-draft" not in site.ids("")
    assert site.query("").facets["division"]["engineering"] == 2
    client = site.app().test_client()
    assert client.get("/a/water-draft").status_code == 404
    assert client.get("/a/old-water").status_code == 404
    assert "water-draft" not in client.get("/sitemap.xml").get_data(as_text=True)
    assert "water-draft" not in client.get("/feed.atom").get_data(as_text=True)
    assert client.get("/api/suggest?q=ร่างคู่มือ").get_json()["titles"] == []
    # no completion tells a visitor what only a draft says
    assert "หน้าแล้ง" not in client.get("/api/suggest?q=หน้าแล").get_json()["terms"]
    assert client.get("/api/suggest?q=สิ่งปลูก").get_json()["terms"] == ["สิ่งปลูกสร้าง"]
    assert client.get("/api/articles/water-draft").status_code == 404
    with site.app().app_context() as ctx:
        repo = ctx.app.extensions["kmsearch"]
        counted = {d["id"] for d in repo.catalogue(repo.open_index())}  # what /km counts
    assert "water-draft" not in counted and len(counted) == len(DOCS)
    # The author's preview: found, counted, marked.
    preview = create_app({"CONTENT_DIR": str(site.content), "INDEX_DIR": str(site.index), "SHOW_DRAFTS": True})
    with preview.app_context():
        repo = preview.extensions["kmsearch"]
        page = repo.run_query(repo.open_index(), "ท่อประปา")
    assert page.hits[0].id == "water-draft" and page.hits[0].draft
    assert "หน้าแล้ง" in preview.test_client().get("/api/suggest?q=หน้าแล").get_json()["terms"]
    html = preview.test_client().get("/a/water-draft")
    assert html.status_code == 200 and "ฉบับร่าง" in html.get_data(as_text=True)
    assert html.headers["X-Robots-Tag"] == "noindex"


# --- writing ---------------------------------------------------------------


def test_incremental_add_change_delete_and_withdrawn(site):
    first = site.backend.live()
    land = site.content / "finance" / "land-tax-manual.md"
    land.write_text(land.read_text(encoding="utf-8").replace("ค่าปรับร้อยละ", "ค่าปรับพิเศษร้อยละ"), encoding="utf-8")
    (site.content / "finance" / "egp-regulation.md").unlink()
    (site.content / "finance" / "new-note.md").write_text(
        "---\nid: new-note\ntitle: บันทึกการประชุมเรื่องน้ำประปา\ndivision: finance\ntype: lesson\n"
        "knowledge: explicit\ndate: 2024-11-02\n---\nน้ำประปาหมู่บ้านขุ่นในหน้าฝน\n",
        encoding="utf-8",
    )
    report = site.build()
    assert not report.full and report.added == 2 and report.removed == 1
    assert site.backend.live() != first
    with site.open() as ix:
        assert ix.get("egp-regulation") is None
        assert ix.withdrawn("egp-regulation") == "สรุประเบียบการจัดซื้อจัดจ้างผ่านระบบ e-GP"
        assert ix.get("new-note")["date"] == dt.date(2024, 11, 2)
        assert ix.doc_count == len(DOCS)
        assert ix.frequency("ประปา") or ix.frequency("น้ำประปา")
    assert site.ids("น้ำประปา")[:1] == ["new-note"]
    assert site.ids("ค่าปรับพิเศษ")[:1] == ["land-tax-manual"]
    assert "egp-regulation" not in site.ids("จัดซื้อจัดจ้าง")
    assert site.build().added == 0  # nothing changed: nothing written
    info = site.backend.read_info()
    assert "finance/new-note.md" in info["docs"] and info["gone"]


def test_a_full_build_swaps_in_whole(site):
    before = site.backend.live()
    report = site.build(full=True)
    assert report.full and site.backend.live() != before
    with site.open() as ix:
        assert ix.doc_count == len(DOCS)


def test_the_old_build_serves_until_the_new_one_is_complete(site, monkeypatch):
    """While a full build is being written, searches answer from the old
    one, whole; a build that fails leaves it serving."""
    from indexer import build as build_mod

    before = site.backend.live()
    seen: list = []
    gate = threading.Event()
    original = build_mod.prepare

    def slow(doc, found):
        if not gate.is_set():
            gate.set()
            with site.open() as ix:
                seen.append((site.backend.live(), ix.doc_count, site.ids("ภาษีที่ดิน")[:1]))
        return original(doc, found)

    monkeypatch.setattr(build_mod, "prepare", slow)
    site.build(full=True)
    assert seen == [(before, len(DOCS), ["land-tax-manual"])]

    def broken(doc, found):
        raise OSError("disk full")

    live = site.backend.live()
    monkeypatch.setattr(build_mod, "_prepared", lambda *a, **k: (broken(None, None) for _ in [0]))
    with pytest.raises(OSError):
        build_index(site.content, site.index, full=True)
    assert site.backend.live() == live
    assert site.ids("ภาษีที่ดิน")[:1] == ["land-tax-manual"]


def test_an_empty_office_builds_and_answers(empty_site):
    for p in empty_site.content.rglob("*.md"):
        p.unlink()
    empty_site.build()
    with empty_site.open() as ix:
        assert ix.doc_count == 0 and ix.all() == [] and ix.titles() == []
        r = ix.search(QuerySpec())
        assert (r.total, r.hits) == (0, [])
        assert ix.frequency("ภาษี") == 0 and ix.words_with_prefix("ภ") == []


def test_no_build_yet_is_index_missing(empty_site):
    assert empty_site.backend.live() is None and empty_site.backend.read_info() is None
    with pytest.raises(engine.IndexMissing):
        empty_site.open()


def test_nothing_outside_a_backend_imports_its_library():
    """The architecture rule of the engine: whoosh and opensearchpy are
    imported only inside indexer/engine/<backend>/."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bad = []
    for path in [*root.glob("indexer/**/*.py"), *root.glob("kmsearch/**/*.py")]:
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top == "whoosh" and not rel.startswith("indexer/engine/whoosh/"):
                    bad.append((rel, name))
                if top == "opensearchpy" and not rel.startswith("indexer/engine/opensearch/"):
                    bad.append((rel, name))
            if (
                isinstance(node, ast.ImportFrom)
                and node.level
                and node.module
                and (
                    node.module.startswith("engine.whoosh")
                    or node.module.startswith("engine.opensearch")
                    or node.module in ("whoosh", "opensearch")
                )
                and not rel.startswith("indexer/engine/")
            ):
                bad.append((rel, node.module))
    assert bad == []


def test_documents_module_unchanged():
    # the engine takes Document as the content pipeline makes it
    assert {"id", "title", "date", "updated", "last_changed"} <= set(Document.__dataclass_fields__) | {"last_changed"}


@pytest.mark.opensearch
def test_offices_share_the_cluster_without_touching_each_other(opensearch, tmp_path, request):
    """Two offices in one cluster (one slug the other's prefix): each
    office's builds change only its own documents; kmsearch-all spans both,
    with an office field to facet on."""
    stamp = time.monotonic_ns() % 10**6
    a = Site(tmp_path / "a", "opensearch", request, slug=f"shared-{stamp}")
    b = Site(tmp_path / "b", "opensearch", request, slug=f"shared-{stamp}-two")
    try:
        a.build()
        b.build()
        b_live = b.backend.live()
        (a.content / "finance" / "egp-regulation.md").unlink()
        a.build()
        a.build(full=True)
        assert b.backend.live() == b_live
        with b.open() as ix:
            assert ix.get("egp-regulation") is not None and ix.doc_count == len(DOCS)
        with a.open() as ix:
            assert ix.get("egp-regulation") is None and ix.doc_count == len(DOCS) - 1
        client = a.backend.client
        every = client.search(
            index=a.backend.every,
            body={
                "size": 0,
                "query": {"terms": {"office": [a.backend.slug, b.backend.slug]}},
                "aggs": {"office": {"terms": {"field": "office"}}},
            },
        )
        counts = {x["key"]: x["doc_count"] for x in every["aggregations"]["office"]["buckets"]}
        assert counts == {a.backend.slug: len(DOCS) - 1, b.backend.slug: len(DOCS)}
    finally:
        a.cleanup()
        b.cleanup()


def orchid(doc_id: str, body: str) -> str:
    return (
        f"---\nid: {doc_id}\ntitle: บันทึกแปลงเกษตร {doc_id}\ndivision: กองช่าง\ntype: lesson\n"
        f"knowledge: explicit\ndate: 2024-05-0{len(doc_id) % 9 + 1}\n---\n{body}\n"
    )


ORCHIDS = {
    "orchid-both": "กล้วยไม้ในแปลงนี้ได้ปุ๋ยทุกสัปดาห์",
    "orchid-also-both": "ให้ปุ๋ยกล้วยไม้ช่วงเช้า",
    "orchid-only": "กล้วยไม้ออกดอกในหน้าฝน",
    "fertiliser-only": "ปุ๋ยหมักจากเศษใบไม้",
}


def test_documents_holding_some_words_follow_those_holding_all(site):
    for doc_id, body in ORCHIDS.items():
        (site.content / f"{doc_id}.md").write_text(orchid(doc_id, body), encoding="utf-8")
    site.build()
    result = site.query("กล้วยไม้ ปุ๋ย")
    assert result.total == 2 and result.more == 2, "the count stays the documents holding every word"
    full, partial = result.hits[:2], result.hits[2:]
    assert {h.id for h in full} == {"orchid-both", "orchid-also-both"} and all(not h.missing for h in full)
    assert {(h.id, h.missing) for h in partial} == {("orchid-only", ("ปุ๋ย",)), ("fertiliser-only", ("กล้วยไม้",))}
    assert sum(result.facets["division"].values()) == 2, "facets count the full matches"
    # paging runs on from the full matches into the partial ones
    pages = [site.query("กล้วยไม้ ปุ๋ย", page=p, pagelen=3).hits for p in (1, 2)]
    assert [len(p) for p in pages] == [3, 1]
    assert {h.id for p in pages for h in p} == set(ORCHIDS)
    # a question (ranking.QUESTION_NEEDS words): all of them ranked together,
    # counted and faceted by those holding every word
    (site.content / "orchid-all.md").write_text(orchid("orchid-all", "กล้วยไม้ได้ปุ๋ยหมักจากใบไม้ในหน้าฝน"), encoding="utf-8")
    site.build()
    asked = site.query("กล้วยไม้ ปุ๋ย ใบไม้ หน้าฝน")
    assert asked.total == 1 and asked.more == 5  # the four above and the road lesson's หน้าฝน
    assert sum(asked.facets["division"].values()) == 1
    lacking = {h.id: set(h.missing) for h in asked.hits}
    assert lacking["orchid-all"] == set() and lacking["orchid-only"] == {"ปุ๋ย", "ใบไม้"}
    assert set(lacking) == {*ORCHIDS, "orchid-all", "road-repair-lesson"}


@pytest.mark.opensearch
def test_parallel_analysis_indexes_what_one_process_does(opensearch, tmp_path, request, monkeypatch):
    """A full build with procs=2 analyses documents in forked workers, a few
    documents a job, and streams them into the bulk in whatever order the
    jobs finish: the same documents, scores and answers as procs=1."""
    import indexer.build
    from indexer.engine.opensearch import backend as os_backend

    monkeypatch.setattr(indexer.build, "PROCS_MIN_DOCS", 1)  # the tests' corpus is small
    monkeypatch.setattr(os_backend, "ANALYSIS_CHUNK", 2)  # several jobs per worker
    one = Site(tmp_path / "one", "opensearch", request)
    two = Site(tmp_path / "two", "opensearch", request)
    for doc_id, body in ORCHIDS.items():
        for site in (one, two):
            (site.content / f"{doc_id}.md").write_text(orchid(doc_id, body), encoding="utf-8")
    who = tmp_path / "analysed-by.txt"  # a worker's memory is its own: each analysis says where it ran
    original = os_backend.to_source

    def noted(doc, office, segmenter):
        with open(who, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(doc, office, segmenter)

    monkeypatch.setattr(os_backend, "to_source", noted)
    try:
        one.build(procs=1, full=True)
        assert set(who.read_text().split()) == {str(os.getpid())}, "procs=1 analyses in this process"
        who.unlink()
        report = two.build(procs=2, full=True)
        assert report.added == len(DOCS) + len(ORCHIDS)
        pids = who.read_text().split()
        assert len(pids) == report.added and str(os.getpid()) not in pids and 1 <= len(set(pids)) <= 2
        with one.open() as a, two.open() as b:
            assert a.doc_count == b.doc_count == len(DOCS) + len(ORCHIDS)
            assert sorted(a.all(), key=lambda d: d["id"]) == sorted(b.all(), key=lambda d: d["id"])
            assert a.frequency("กล้วยไม้") == b.frequency("กล้วยไม้") > 0
        for text in ("กล้วยไม้ ปุ๋ย", "ภาษีที่ดิน", "จัดซื้อจัดจ้าง", '"ปุ๋ยหมัก"'):
            ra, rb = one.query(text), two.query(text)
            assert [(h.id, round(h.score, 3)) for h in ra.hits] == [(h.id, round(h.score, 3)) for h in rb.hits], text
            assert (ra.total, ra.facets) == (rb.total, rb.facets), text
        assert one.ids("กล้วยไม้ ปุ๋ย")[:2] == two.ids("กล้วยไม้ ปุ๋ย")[:2] != []
    finally:
        one.cleanup()
        two.cleanup()


@pytest.mark.opensearch
def test_documents_holding_some_words_past_the_clause_limit(opensearch, tmp_path, request, monkeypatch):
    """When naming every word twice (holding some, not all) would pass
    Lucene's clause limit, OpenSearch counts those holding some less those
    holding all and lists them by excluding the full matches' ids: the same
    documents, counted and listed, as below the limit."""
    from indexer.engine.opensearch import backend as os_backend

    site = Site(tmp_path, "opensearch", request)
    try:
        for doc_id, body in ORCHIDS.items():
            (site.content / f"{doc_id}.md").write_text(orchid(doc_id, body), encoding="utf-8")
        site.build()
        below = site.query("กล้วยไม้ ปุ๋ย")
        repo = site.app().extensions["kmsearch"]
        with site.open() as ix:
            parsed = query_parser.parse(
                "กล้วยไม้ ปุ๋ย", ix.segmenter, repo.office, repo.synonyms.groups(), None, "relevance", ix
            )
            once = os_backend.clauses([ix._need(n, typed_only=False) for n in repo.public(parsed.spec).needs])
        monkeypatch.setattr(os_backend, "MAX_CLAUSES", once + 8)  # the needs once fit, twice do not
        listed = []
        original = os_backend.OpenSearchIndex._partial

        def noted(self, query, *args):
            listed.append(query)
            return original(self, query, *args)

        monkeypatch.setattr(os_backend.OpenSearchIndex, "_partial", noted)
        past = site.query("กล้วยไม้ ปุ๋ย")
        assert listed and "'terms': {'id':" in str(listed[-1]), "listed by excluding the full matches' ids"
        assert (past.total, past.more) == (below.total, below.more) == (2, 2)
        assert [h.id for h in past.hits[:2]] and {h.id for h in past.hits[2:]} == {h.id for h in below.hits[2:]}
        assert {h.id for h in past.hits[2:]} == {"orchid-only", "fertiliser-only"}
        assert all(h.missing for h in past.hits[2:])
        # so many words that their needs alone pass the limit: the words as typed decide
        monkeypatch.setattr(os_backend, "MAX_CLAUSES", once - 1)
        typed = site.query("กล้วยไม้ ปุ๋ย")
        assert (typed.total, typed.more) == (2, 2) and {h.id for h in typed.hits[:2]} == {h.id for h in below.hits[:2]}
    finally:
        site.cleanup()
