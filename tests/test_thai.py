from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import thai

SEG = thai.Segmenter(["โคกตูม", "อปท.", "e-GP"])


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("๒๕๖๗", "2567"),
        ("ก\u0e4d\u0e32ลัง", "กำลัง"),  # decomposed sara am
        ("น\u0e4d\u0e49\u0e32", "น้ำ"),  # nikhahit, tone, sara aa
        ("ที\u200bดิน", "ทีดิน"),  # zero-width space dropped
        ("ภาษี\u00adที่ดิน", "ภาษีที่ดิน"),  # soft hyphen dropped
        ("มากกกกก", "มาก"),  # repeated letters
        ("ก\u0e48\u0e35", "กี่"),  # tone mark typed before the vowel
        ("เเปลก", "แปลก"),  # two sara e are sara ae
        ("e-GP ＡＢＣ", "e-gp abc"),  # case and width
        ("1000", "1000"),  # repeated digits are not emphasis
    ],
)
def test_normalise(raw, expected):
    assert thai.normalise(raw) == expected


def test_custom_words_stay_whole():
    assert "โคกตูม" in thai.words("เทศบาลตำบลโคกตูม", SEG)
    assert "โคกตูม" not in thai.words("เทศบาลตำบลโคกตูม", thai.Segmenter([]))


def test_analysis_drops_punctuation_and_joins_abbreviations():
    assert thai.words("(อปท.), e-GP ๒๕๖๗!", SEG) == ["อปท", "e-gp", "2567"]
    assert thai.words("อปท", SEG) == ["อปท"]


def test_offsets_point_into_the_original_text():
    text = "ภาษีที่ดิน ปี ๒๕๖๗ ก\u0e4d\u0e32หนด ท\u200bำ มากกกก"
    for tok in thai.analyse(text, SEG):
        assert thai.normalise(text[tok.start : tok.end]).replace(".", "") == tok.text


def test_grams_of_a_fragment_are_a_run_of_the_compound():
    whole = thai.grams("ภาษีที่ดินและสิ่งปลูกสร้าง", SEG)
    part = thai.grams("ที่ดิน", SEG)
    n = len(part)
    assert any(whole[i : i + n] == part for i in range(len(whole)))


def test_the_pairs_joining_words_are_the_grams_of_them_written_together():
    text = "ภาษีทีดินและสิ่งปลูกสร้าง"
    words = thai.words(text, SEG)
    joins = thai.joining_pairs(words)
    assert len(joins) == len(words) - 1
    assert set(joins) <= set(thai.grams(text, SEG))
    assert not set(joins) & set(thai.grams(" ".join(words), SEG))  # written apart, no pair joins them
    assert thai.joining_pairs(["ปี", "2567", "ภาษี"]) == []  # only between Thai words


def test_clusters_keep_marks_with_their_letter():
    for word in ("ผู้สูงอายุ", "กฎหมาย", "ที่ดิน", "น้ำ"):
        for c in thai.clusters(word):
            assert not thai.COMBINING.__contains__(c.text[0]), (word, c.text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_and_safe(text):
    once = thai.normalise(text)
    assert thai.normalise(once) == once
    norm = thai.normalise_spans(text)
    starts, ends = norm.offsets()
    assert len(starts) == len(norm.text) == len(ends)
    assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends))


thai_text = st.text(
    alphabet=st.sampled_from(
        list("กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาำิีึืุูเแโใไ่้๊๋็์ั ๐๑๒๓๔๕๖๗๘๙") + ["\u200b", "\u0e4d", " ", "."]
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(thai_text)
def test_query_and_index_analysis_agree(text):
    """Analysing a text, or the normalised text, gives the same words."""
    assert thai.words(text, SEG) == thai.words(thai.normalise(text), SEG)
    for tok in thai.analyse(text, SEG):
        assert 0 <= tok.start < tok.end <= len(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(thai_text, st.text()))
def test_fast_path_agrees_with_the_character_loop(text):
    fast, slow = thai.normalise_spans(text), thai._normalise_slow(text)
    assert fast.text == thai.normalise(slow.text) or fast.text == slow.text
    starts, ends = fast.offsets()
    assert len(starts) == len(fast.text)
    assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends))


def test_grams_by_word_equal_grams_of_the_whole_run():
    text = "การจัดเก็บภาษีที่ดินและสิ่งปลูกสร้างของเทศบาลตำบลโคกตูม"
    clusters, whole = [], set()
    for word in thai.words(text, SEG):
        parts = thai._tcc(word)
        if len(parts) == 2:
            whole.add(len(clusters))  # the pair that is this whole word
        clusters += parts
    assert clusters == [c.text for c in thai.clusters(text)]  # word boundaries are cluster boundaries
    assert whole
    assert thai.grams(text, SEG) == [a + b for i, (a, b) in enumerate(zip(clusters, clusters[1:])) if i not in whole]
    assert thai.grams("ที่ดิน ภาษี", SEG) == ["ที่ดิ", "ดิน", "ภาษี"]  # no pair across a space


def test_a_two_cluster_word_keeps_its_pair_only_when_it_stands_alone():
    # alone (a query of one word): kept, so it is found inside longer words
    assert thai.grams("ภาษี", SEG) == ["ภาษี"]
    # in a run of words: the word fields hold it already
    run = thai.grams("ภาษีของเทศบาล", SEG)
    assert "ภาษี" not in run and "ษีข" in run and "เทศ" in run


@pytest.mark.parametrize(
    "text",
    [
        "น้ํามันเชื้อเพลิง ๑๒๓ บาท",  # decomposed sara am, Thai digits
        "กํ่าลัง e-GP ABC",  # a tone mark between nikhahit and sara aa
        "ภาษี\u200bที่ดิน\ufeff ปี ๒๕๖๗",  # invisible characters
        "ทำนา สำนักปลัด",  # already normal
    ],
)
def test_quick_normalise_agrees_with_normalise_on_what_it_covers(text):
    assert thai.quick_normalise(text) == thai.normalise(text)
