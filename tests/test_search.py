"""Ranking on Thai queries, through the same path the pages use."""

from __future__ import annotations

import pytest

from kmsearch.search import repository


def top(app, q, **filters):
    with app.test_request_context():
        result = repository.run_query(q, {k: tuple(v) for k, v in filters.items()})
        return [h.id for h in result.hits]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("ภาษีที่ดิน", "land-tax-manual"),
        ("ที่ดิน ภาษี", "land-tax-manual"),
        ("การขออนุญาตก่อสร้างอาคาร", "building-permit"),
        ("ขออนุญาตสร้างอาคาร", "building-permit"),
        ("e-gp", "egp-regulation"),
        ("E-GP", "egp-regulation"),
        ("ถนนลูกรัง", "road-repair-lesson"),
        ("ประสิทธิ์", "road-repair-lesson"),  # the holder, the person to ask
        ("ข้าวทิพย์", "tradition-note"),  # in the custom word list
        ("กวนข้าว", "tradition-note"),  # fragment of a compound
        ("ศูนย์พัฒนาเด็กเล็ก", "child-center-training"),
        ("ศพด", "child-center-training"),  # abbreviation from synonyms.txt
        ("อปท", "egp-regulation"),  # and the other way round
        ("องค์กรปกครองส่วนท้องถิ่น", "egp-regulation"),
    ],
)
def test_right_document_on_top(app, q, expected):
    assert top(app, q)[:1] == [expected]


def test_arabic_digits_find_thai_digits_and_back(app):
    assert top(app, "45 วัน")[:1] == ["building-permit"]  # written ๔๕ วัน
    assert top(app, "ร้อยละ ๔๐")[:1] == ["land-tax-manual"]
    assert top(app, "๕๐๐,๐๐๐")[:1] == ["egp-regulation"]  # written 500,000


def test_years_in_either_era(app):
    assert "land-tax-manual" in top(app, "2019 ภาษี")  # พ.ศ. ๒๕๖๒ in the text


def test_title_match_ranks_above_body_match(app):
    hits = top(app, "ที่ดิน")
    assert hits.index("land-tax-manual") < hits.index("building-permit")


def test_quoted_phrase_and_exclusion(app):
    assert top(app, '"จัดซื้อจัดจ้าง"') == ["egp-regulation"]
    assert "land-tax-manual" not in top(app, "ที่ดิน -ภาษี")
    assert "building-permit" in top(app, "ที่ดิน -ภาษี")


def test_or_and_field_filters(app):
    assert set(top(app, "ถนน OR ข้าวทิพย์")) == {"road-repair-lesson", "tradition-note"}
    assert top(app, "ที่ดิน division:กองช่าง") == ["building-permit"]
    assert top(app, "type:lesson")[0] in {"road-repair-lesson", "tradition-note"}


def test_filters_combine_with_the_query(app):
    assert top(app, "ที่ดิน", division=["engineering"]) == ["building-permit"]
    assert top(app, "", knowledge=["tacit"], division=["education"]) == ["tradition-note"]
    assert top(app, "", fiscal_year=["2568"]) == ["road-repair-lesson"]  # 1 Oct 2024


@pytest.mark.parametrize(
    "q", ['"', '"ภาษี', "-", "*", "OR", "division:", "🙂🙂", "\x00\x1f", "ก" * 10000, "a:b:c", '""']
)
def test_malformed_queries_never_fail(app, q):
    top(app, q)


def test_facets_follow_the_query(app):
    with app.test_request_context():
        result = repository.run_query("ที่ดิน")
    assert result.facets["division"] == {"finance": 1, "engineering": 1}


@pytest.mark.parametrize(
    "typo, fixed, expected",
    [
        ("ภาษีที่ดืน", "ภาษีที่ดิน", "land-tax-manual"),  # wrong vowel inside a compound
        ("ก่อสรัาง", "ก่อสร้าง", "building-permit"),  # tone mark misplaced
        ("ถนนลูกรง", "ถนนลูกรัง", "road-repair-lesson"),  # a vowel left out
    ],
)
def test_typos_are_corrected_without_drowning_exact_matches(app, typo, fixed, expected):
    with app.test_request_context():
        result = repository.run_query(typo)
        exact = repository.run_query(fixed)
    assert result.suggestion == fixed
    assert result.hits[0].id == expected
    # words found in the index are never "corrected" into something else
    assert exact.suggestion is None


def test_suggestions_while_typing(client):
    data = client.get("/api/suggest?q=ภาษีที่").get_json()
    assert "ภาษีที่ดิน" in data["terms"]
    assert data["titles"][0]["id"] == "land-tax-manual"
    assert client.get("/api/suggest?q=").get_json() == {"query": "", "titles": [], "terms": []}


def test_did_you_mean_on_the_results_page(client):
    body = client.get("/search?q=ภาษีที่ดืน").get_data(as_text=True)
    assert "หรือคุณหมายถึง" in body and "ภาษีที่ดิน</a>" in body


def test_documents_without_areas_add_no_empty_facet(app):
    with app.test_request_context():
        facets = repository.run_query("").facets
    assert set(facets["area"]) == {"law", "child-center"}
