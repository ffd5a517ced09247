from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import thai
from kmsearch.search.snippets import Marks, highlight, snippet

SEG = thai.Segmenter([])
MARKED = ("ผู้สูงอายุ", "กฎหมาย", "ที่ดิน", "น้ำท่วม", "ปู่ย่า")


def plain(markup) -> str:
    return str(markup).replace("<mark>", "").replace("</mark>", "").replace("…", "")


def test_best_passage_not_the_first():
    text = "บทนำ " + "ข้อความทั่วไป " * 40 + "ผู้สูงอายุที่มีสิทธิรับเบี้ยยังชีพต้องลงทะเบียน " + "ข้อความทั่วไป " * 40
    s = snippet(text, Marks((("ผู้สูงอายุ",), ("ลงทะเบียน",))), SEG, 120)
    assert "<mark>ผู้สูงอายุ</mark>" in str(s) and "<mark>ลงทะเบียน</mark>" in str(s)
    assert str(s).startswith("…") and str(s).endswith("…")


def test_a_word_is_marked_whole_never_inside_another_word():
    s = highlight("ชาวบ้านทำเครื่องหมายไว้ที่บ้า", Marks((("บ้า",), ("หมา",))), SEG)
    assert str(s) == "ชาวบ้านทำเครื่องหมายไว้ที่<mark>บ้า</mark>"


def test_a_word_inside_a_compound_that_holds_it_is_marked_alone():
    s = highlight("สำเนาโฉนดที่ดิน", Marks((("ที่ดิน",), ("โฉนดที่ดิน",)), inside=(("โฉนดที่ดิน", "ที่ดิน"),)), SEG)
    assert str(s) == "สำเนาโฉนด<mark>ที่ดิน</mark>"


def test_a_phrase_is_marked_only_where_its_words_stand_together():
    s = highlight("กองคลัง และกองช่าง", Marks((("กอง", "ช่าง"),)), thai.Segmenter(["กองคลัง"]))
    assert str(s) == "กองคลัง และ<mark>กองช่าง</mark>"


def test_the_typed_string_is_marked_only_on_word_boundaries():
    s = highlight("โครงการจัดการขยะ การจัดการ", Marks(verbatim=("การจัดการ",)), SEG)
    assert str(s).count("<mark>") == 1 and str(s).endswith("<mark>การจัดการ</mark>")


def test_a_fragment_the_index_lacks_as_a_word_is_marked_inside_words():
    s = highlight("คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง", Marks(fragments=("ที่ดิน",)), SEG)
    assert str(s) == "คู่มือการจัดเก็บภาษี<mark>ที่ดิน</mark>และสิ่งปลูกสร้าง"


def test_thai_digits_highlighted_for_an_arabic_query():
    s = highlight("ภายใน ๔๕ วัน", Marks((("45",),)), SEG)
    assert str(s) == "ภายใน <mark>๔๕</mark> วัน"


def test_html_in_text_is_escaped():
    s = snippet("<script>alert(1)</script> ภาษีที่ดิน", Marks((("ภาษี", "ที่ดิน"),)), SEG)
    assert "<script>" not in str(s) and "&lt;script&gt;" in str(s)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(MARKED + ("และ", "ของ", "ประชาชน", "๑๒", "น้ำ")), min_size=1, max_size=80),
    st.sampled_from(MARKED),
    st.integers(20, 120),
)
def test_never_cuts_a_cluster(words, query, size):
    text = "".join(words)  # no spaces, so the snippet is an exact slice
    q = thai.words(query, SEG)
    s = str(snippet(text, Marks((tuple(q),), ("".join(q),)), SEG, size)).strip("…")
    start = text.find(plain(s))
    assert start != -1
    bounds = thai.cluster_bounds(text)
    at = start
    for piece in s.replace("</mark>", "<mark>").split("<mark>"):
        assert at in bounds, (text, s)
        at += len(piece)
    assert at in bounds
