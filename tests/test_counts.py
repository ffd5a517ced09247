"""What a person sees around the first result: a count of documents that
hold what was asked, corrections only for typos, highlights on whole words,
the words a result lacks, the filters a query names, knowledge gaps logged.

Each example is one that once went wrong on the bundled content, on a
corpus of this file's own.
"""

from __future__ import annotations

import re

import pytest

from indexer import build_index
from kmsearch import create_app

from .corpus import write_corpus

OFFICE = """office:
  name: เทศบาลตำบลทดสอบนับ
divisions:
  - {slug: finance, name: กองคลัง}
  - {slug: engineering, name: กองช่าง}
  - {slug: health, name: กองสาธารณสุขและสิ่งแวดล้อม, aliases: [กองสาธารณสุข]}
  - {slug: palad, name: สำนักปลัดเทศบาล}
types:
  - {slug: manual, name: คู่มือปฏิบัติงาน, aliases: [คู่มือ]}
  - {slug: training-report, name: รายงานผลการฝึกอบรม}
  - {slug: regulation-note, name: สรุประเบียบ/กฎหมาย, aliases: [ระเบียบ]}
  - {slug: lesson, name: บทเรียน/เรื่องเล่า}
  - {slug: plan, name: แผน}
knowledge:
  - {slug: explicit, name: ความรู้ที่ชัดแจ้ง}
  - {slug: tacit, name: ความรู้ที่ฝังอยู่ในตัวคน, aliases: [ความรู้ฝังลึก]}
"""
SYNONYMS = """หมา = สุนัข
ผู้สูงอายุ = คนชรา = คนแก่
เบี้ยคนชรา = เบี้ยคนแก่ = เบี้ยยังชีพผู้สูงอายุ
การเบิกเงิน = การเบิกจ่ายเงิน
"""


def doc(doc_id, title, division, kind, body, knowledge="explicit", extra=""):
    return (
        f"---\nid: {doc_id}\ntitle: {title}\ndivision: {division}\ntype: {kind}\nknowledge: {knowledge}\n"
        f"date: 2024-01-0{1 + len(doc_id) % 9}\n{extra}---\n{body}\n"
    )


DOCS = {
    "health/rabies.md": doc(
        "rabies",
        "การฉีดวัคซีนป้องกันโรคพิษสุนัขบ้า",
        "กองสาธารณสุข",
        "regulation-note",
        "เจ้าของต้องนำสุนัขและแมวไปฉีดวัคซีนป้องกันโรคพิษสุนัขบ้าทุกปี ทำเครื่องหมายที่ปลอกคอ",
    ),
    "health/waste.md": doc(
        "waste", "คู่มือการคัดแยกขยะมูลฝอย", "กองสาธารณสุข", "manual", "การคัดแยกขยะที่ต้นทางช่วยลดปริมาณขยะ ชาวบ้านแยกขยะเปียกใส่ถัง"
    ),
    "health/waste-bank.md": doc(
        "waste-bank",
        "ธนาคารขยะหมู่บ้าน",
        "กองสาธารณสุข",
        "lesson",
        "ชาวบ้านนำขยะรีไซเคิลมาฝากที่ธนาคารขยะทุกเดือน คัดแยกขวดและกระดาษ",
        knowledge="tacit",
        extra="holder: นางสมศรี ใจดี\n",
    ),
    "finance/land-tax.md": doc(
        "land-tax",
        "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง",
        "กองคลัง",
        "manual",
        "ผู้เสียภาษีที่ดินต้องจ่ายภาษีภายในเดือนเมษายน การจัดการภาษีค้างชำระ",
    ),
    "finance/disbursement.md": doc(
        "disbursement",
        "สรุประเบียบการรับเงิน การเบิกจ่ายเงิน",
        "กองคลัง",
        "regulation-note",
        "หน่วยงานวางฎีกาพร้อมหลักฐาน การเบิกจ่ายเงินต้องอนุมัติก่อน",
    ),
    "engineering/permit.md": doc(
        "permit",
        "คู่มือการขออนุญาตก่อสร้างอาคาร",
        "กองช่าง",
        "manual",
        "ผู้ขออนุญาตยื่นแบบพร้อมสำเนาโฉนดที่ดิน เจ้าพนักงานตรวจภายใน 45 วัน",
    ),
    "engineering/road.md": doc(
        "road",
        "คู่มือการซ่อมถนนและไฟฟ้าสาธารณะ",
        "กองช่าง",
        "manual",
        "ช่างออกสำรวจถนนที่ชำรุดทุกเดือน วัดระยะด้วยเครื่อง ultrasonic แล้วซ่อมตามลำดับความเร่งด่วน",
    ),
    "engineering/lesson.md": doc(
        "lamp-lesson",
        "เคล็ดลับหาสาเหตุไฟถนนดับ",
        "กองช่าง",
        "lesson",
        "คู่มือของกองช่างบอกขั้นตอนไว้ แต่ช่างที่มีประสบการณ์ดูคู่มือกองช่างร่วมกับประสบการณ์ คู่มือ กองช่าง คู่มือ กองช่าง คู่มือ กองช่าง",
        knowledge="tacit",
        extra="holder: นายช่างประสิทธิ์ มีฝีมือ\n",
    ),
    "palad/leave.md": doc(
        "leave", "คู่มือการลาของพนักงาน", "สำนักปลัดเทศบาล", "manual", "การลาป่วยตั้งแต่สามวันขึ้นไปต้องมีใบรับรองแพทย์แนบใบลา"
    ),
    "palad/computer.md": doc(
        "computer",
        "การดูแลเครื่องคอมพิวเตอร์ของสำนักงาน",
        "สำนักปลัดเทศบาล",
        "lesson",
        "เครื่องช้าเพราะหน่วยความจำเต็ม ให้ปิดโปรแกรมที่ไม่ใช้ก่อนเพิ่มหน่วยความจำ",
    ),
    "palad/elderly.md": doc(
        "elderly",
        "คู่มือการจ่ายเบี้ยยังชีพผู้สูงอายุ",
        "สำนักปลัดเทศบาล",
        "manual",
        "ผู้สูงอายุที่ย้ายที่อยู่ต้องลงทะเบียนใหม่ ณ ที่อยู่ใหม่ เพื่อรับเบี้ยยังชีพผู้สูงอายุต่อเนื่อง",
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("counts")
    content = write_corpus(root / "content", DOCS)
    (content / "kmsearch.yaml").write_text(OFFICE, encoding="utf-8")
    (content / "synonyms.txt").write_text(SYNONYMS, encoding="utf-8")
    report = build_index(content, root / "index")
    assert report.problems == []
    app = create_app(
        {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "USAGE_DB": str(root / "usage.sqlite3")}
    )
    app.testing = True
    return app


def api(site, q: str, **params) -> dict:
    resp = site.test_client().get("/api/search", query_string={"q": q, **params})
    assert resp.status_code == 200
    return resp.get_json()


def page(site, q: str) -> str:
    return site.test_client().get("/search", query_string={"q": q}).get_data(as_text=True)


def ids(result: dict) -> list[str]:
    return [r["id"] for r in result["results"]]


# --- the count -----------------------------------------------------------------


def test_the_count_holds_every_content_word_not_every_document_with_การ(site):
    found = api(site, "การคัดแยกขยะ")
    assert found["match"] == "all"
    assert sorted(ids(found)) == ["waste", "waste-bank"]
    assert found["total"] == 2
    assert sum(found["facets"]["division"].values()) == 2
    assert "พบ 2 เรื่อง" in page(site, "การคัดแยกขยะ")


@pytest.mark.parametrize(
    "question, answer",
    [
        ("ลาป่วยกี่วันต้องมีใบรับรองแพทย์", "leave"),
        ("ภาษีที่ดินต้องจ่ายภายในเดือนไหน", "land-tax"),
        ("ผู้สูงอายุย้ายที่อยู่ต้องทำอย่างไร", "elderly"),
    ],
)
def test_a_natural_question_counts_the_documents_that_answer_it(site, question, answer):
    found = api(site, question)
    assert found["match"] == "all" and ids(found)[0] == answer and found["total"] == 1
    assert all(r["missing"] for r in found["results"][1:])  # listed after it: they lack a word


def test_a_word_inside_a_compound_that_holds_it_counts(site):
    assert set(ids(api(site, "ที่ดิน"))) == {"land-tax", "permit"}  # permit: สำเนาโฉนดที่ดิน


def test_when_no_document_holds_every_word_the_page_says_so_and_marks_what_is_missing(site):
    found = api(site, "โดรนสำรวจ")
    assert found["match"] == "some" and found["found"] == 0
    assert ids(found) == ["road"]
    assert found["results"][0]["missing"] == ["โดรน"]
    html = page(site, "โดรนสำรวจ")
    assert "ไม่พบเรื่องที่มีครบทุกคำ" in html and "ไม่มีคำว่า: <s>โดรน</s>" in html


def test_nothing_found_is_a_knowledge_gap_with_the_people_to_ask(site):
    html = page(site, "ฝนหลวง")
    assert "ไม่พบเอกสารที่ตรงกับคำค้น" in html and "คลังความรู้ยังไม่มีเรื่องนี้" in html
    assert "นายช่างประสิทธิ์ มีฝีมือ" in html and "/km#km-searches" in html


def test_gaps_are_logged_for_partial_corrected_and_fragment_only_results(site):
    import sqlite3

    for q in ("โดรนสำรวจ", "ภาษีทีดิน", "sonic", "การคัดแยกขยะ"):
        page(site, q)
    with sqlite3.connect(site.config["USAGE_DB"]) as db:
        logged = dict(db.execute("SELECT query, results FROM events WHERE kind = 'search'"))
    assert logged["โดรนสำรวจ"] == 0 and logged["ภาษีทีดิน"] == 0 and logged["sonic"] == 0
    assert logged["การคัดแยกขยะ"] == 2


# --- corrections ---------------------------------------------------------------


@pytest.mark.parametrize("q", ["สุนัขบ้า", "หมาบ้า", "ฉีดวัคซีนหมา", "โดรนสำรวจ", "เบี้ยคนชรา", "บ้า", "ที่ดิน"])
def test_no_did_you_mean_for_a_correct_word(site, q):
    assert api(site, q)["suggestion"] is None
    assert "หรือคุณหมายถึง" not in page(site, q)


def test_a_real_typo_is_corrected_and_its_results_are_the_corrected_ones(site):
    found = api(site, "ภาษีทีดิน")
    assert found["suggestion"] == "ภาษีที่ดิน"
    assert ids(found)[0] == "land-tax"


# --- matching and highlights ----------------------------------------------------


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_a_piece_of_another_word_is_neither_a_match_nor_a_highlight(site):
    found = api(site, "สุนัขบ้า")
    assert ids(found) == ["rabies"]  # not the waste-bank village (หมู่บ้าน)
    snippet = found["results"][0]["snippet"]
    assert set(marks(snippet)) <= {"สุนัข", "บ้า"}
    assert "<mark>บ้า</mark>น" not in snippet and "เครื่อง<mark>หมา" not in snippet


def test_a_word_inside_a_compound_of_words_holds_it(site):
    found = api(site, "เบี้ย")  # เบี้ยยังชีพ = เบี้ย + ยังชีพ
    assert found["match"] == "all" and found["fragments"] == [] and ids(found) == ["elderly"]


def test_a_word_only_inside_other_words_matches_them_labelled_as_such(site):
    found = api(site, "sonic")  # only inside "ultrasonic"
    assert found["fragments"] == ["sonic"] and ids(found) == ["road"] and found["found"] == 0
    html = page(site, "sonic")
    # a Latin run is one cluster: the mark covers it whole (a Thai piece is marked alone)
    assert "เป็นส่วนหนึ่งของคำอื่น" in html and "<mark>ultrasonic</mark>" in html


def test_a_piece_that_is_no_word_finds_the_words_holding_it(site):
    # น่วย is no Thai word, nor a typo only: it is the piece of หน่วยความจำ and หน่วยงาน typed
    found = api(site, "น่วย")
    assert ids(found)[0] == "computer" and "disbursement" in ids(found) and found["fragments"] == ["น่วย"]
    found = api(site, "น่วยความ")
    assert ids(found)[0] == "computer" and "ห<mark>น่วยความ</mark>จำ" in found["results"][0]["snippet"]


def test_a_half_typed_word_is_marked_as_typed_inside_the_word_holding_it(site):
    found = api(site, "ผู้สูงอา")  # ผู้ สูง อา, each a word; อา nowhere in the index
    assert ids(found)[0] == "elderly" and found["match"] == "all"
    snippet = found["results"][0]["snippet"]
    assert "<mark>ผู้สูงอา</mark>ยุ" in snippet and "<mark>อา</mark>" not in snippet


def test_a_two_letter_word_is_not_held_by_compounds(site):
    # อายุ is no อา + ยุ, though both are words: อา, a word nowhere in the index, matches
    # inside others only as the labelled last resort, and is not found
    found = api(site, "อา")
    assert found["fragments"] == ["อา"] and found["found"] == 0 and "elderly" in ids(found)


def test_function_words_are_never_marked_on_their_own(site):
    snippet = api(site, "การคัดแยกขยะ")["results"][0]["snippet"]
    assert "การ" not in marks(snippet) and "ขยะ" in marks(snippet)


def test_a_division_name_is_marked_only_where_it_stands_whole(site):
    found = api(site, "กองช่าง")
    assert all(m in ("กองช่าง",) for r in found["results"] for m in marks(r["snippet"]))


# --- reading the query as a person meant it --------------------------------------


def test_a_named_division_and_type_rank_their_documents_first_and_are_offered_as_filters(site):
    found = api(site, "คู่มือ กองช่าง")
    assert ids(found)[:2] in (["permit", "road"], ["road", "permit"])
    assert {"field": "division", "value": "engineering"} in found["named"]
    html = page(site, "คู่มือ กองช่าง")
    assert "กรองเฉพาะ:" in html and "division=engineering" in html


def test_colloquial_words_reach_the_office_terms(site):
    assert ids(api(site, "เบี้ยคนแก่"))[0] == "elderly"
    assert ids(api(site, "หมา")) == ["rabies"]


def test_a_framing_word_does_not_hide_the_regulation(site):
    assert ids(api(site, "ขั้นตอนการเบิกเงิน"))[0] == "disbursement"


def test_a_letter_longer_than_the_query_limit_keeps_its_content_words(site):
    letter = (
        "เรียน ผู้อำนวยการ "
        + "ด้วยข้าพเจ้ามีความประสงค์จะสอบถามเกี่ยวกับเรื่องต่าง ๆ หลายเรื่อง " * 40
        + "โดยเฉพาะเรื่องใบรับรองแพทย์ของการลาป่วย จึงเรียนมาเพื่อโปรดทราบ"
    )
    assert len(letter) > 2000
    assert "leave" in ids(api(site, letter))


def test_after_the_documents_holding_every_word_come_those_holding_some_marked(site):
    found = api(site, "ถนน ชำรุด")
    assert found["total"] == 1 and ids(found)[0] == "road" and found["results"][0]["missing"] == []
    assert found["more"] >= 1 and all(r["missing"] == ["ชำรุด"] for r in found["results"][1:])
    assert "พบ 1 เรื่อง · และอีก" in page(site, "ถนน ชำรุด")
