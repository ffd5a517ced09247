"""Thai words marked for line breaking in rendered HTML
(kmsearch/search/wordbreak.py): by the office's own segmentation, in text
only, adding no character."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from indexer.analysis import thai
from indexer.content.render import to_html
from indexer.content.wordlists import read_words
from kmsearch.search.wordbreak import LONGEST, break_html, break_text, word_breaks

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def segmenter():
    return thai.Segmenter(read_words(CONTENT)[0])


def visible(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def words_of(markup: str) -> list[str]:
    return re.findall(r'<span class="w">([^<]*)</span>', markup)


def test_the_office_words_are_never_cut(segmenter):
    out = str(break_text("เทศบาลตำบลโคกตูมเตรียมความพร้อม", segmenter))
    assert "โคกตูม" in words_of(out) and "เตรียม" in words_of(out)
    assert out.count("<wbr>") == len(words_of(out)) - 1
    assert visible(out) == "เทศบาลตำบลโคกตูมเตรียมความพร้อม"


def test_copying_gives_back_the_text_as_written(segmenter):
    source = (CONTENT / "finance" / "land-building-tax-manual.md").read_text(encoding="utf-8").split("---", 2)[2]
    body = to_html(source)
    out = str(break_html(body, segmenter))
    assert visible(out) == visible(body)
    assert "\u200b" not in out and "\u2060" not in out


def test_tags_attributes_code_and_marks_are_left_as_they_were(segmenter):
    body = (
        '<p><a href="/a/x" title="โคกตูมเตรียม">โคกตูม</a> ภาษี&amp;อากร <code>ภาษีที่ดิน</code>'
        " เตรียม<mark>ภาษีที่ดิน</mark>และต่างๆ</p><pre>โคกตูมเตรียม</pre>"
    )
    out = str(break_html(body, segmenter))
    assert '<a href="/a/x" title="โคกตูมเตรียม">' in out
    assert "<code>ภาษีที่ดิน</code>" in out and "<pre>โคกตูมเตรียม</pre>" in out
    assert out.count("<mark>") == out.count("</mark>") == 1
    assert re.search(r"<mark>(<wbr>)?<span class=\"w\">ภาษีที่ดิน</span></mark>", out), out
    assert "&amp;" in out
    # ๆ stays with its word: a line never starts with it.
    assert "<wbr>ๆ" not in out and '<wbr><span class="w">ๆ' not in out
    assert visible(out) == visible(body)


def test_breaks_only_between_thai_words(segmenter):
    text = "ระบบ e-GP ของเทศบาลตำบลโคกตูม"
    at = word_breaks(text, segmenter)
    assert all(thai._is_thai(text[p - 1]) and thai._is_thai(text[p]) for p in at)
    assert text.index("โคกตูม") in at and text.index("ตูม") not in at


def test_a_run_too_long_to_fit_a_phone_is_left_to_the_browser(segmenter):
    run = "ก" * (LONGEST + 1)
    assert words_of(str(break_text(run, segmenter))) == []
