from __future__ import annotations

import datetime as dt
import shutil

import pytest

from indexer import check_content
from indexer.content.loader import parse
from indexer.content.office import load_office
from indexer.content.validate import validate

from .corpus import DATA

HEAD = """---
id: sample-doc
title: คู่มือทดสอบ
division: กองคลัง
type: manual
knowledge: explicit
date: 2024-03-12
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    d = tmp_path_factory.mktemp("office")
    shutil.copy(DATA / "kmsearch.yaml", d / "kmsearch.yaml")
    return load_office(d)


def problems_of(text, office, path="finance/sample-doc.md"):
    raw = parse(text, path)
    if not hasattr(raw, "metadata"):
        return [str(raw)]
    result = validate(raw, office)
    return [str(p) for p in result] if isinstance(result, list) else result


@pytest.mark.parametrize(
    "written, day",
    [
        ("2567-02-29", dt.date(2024, 2, 29)),  # a leap day only in the Common Era number
        ("29/02/2567", dt.date(2024, 2, 29)),
        ("๑๒/๐๓/๒๕๖๗", dt.date(2024, 3, 12)),
        ("12 มี.ค. 2567", dt.date(2024, 3, 12)),
    ],
)
def test_dates_in_either_era(office, written, day):
    assert problems_of(HEAD.replace("2024-03-12", written) + "---\nเนื้อหา\n", office).date == day


@pytest.mark.parametrize("written", ["9999-12-31", "2400-01-01", "0001-01-01"])
def test_a_year_nobody_means_is_named(office, written):
    assert problems_of(HEAD.replace("2024-03-12", written) + "---\nเนื้อหา\n", office) == [
        f"finance/sample-doc.md:7: date: '{written}': {int(written[:4])} is not a year: "
        "write พ.ศ. 2443-2742 or ค.ศ. 1900-2199"
    ]


def test_valid_document(office):
    doc = problems_of(HEAD + "---\nเนื้อหา\n", office)
    assert doc.division == "finance" and doc.type == "manual"
    assert doc.date == dt.date(2024, 3, 12)
    assert doc.fiscal_year == 2567


@pytest.mark.parametrize(
    "lines, expected",
    [
        ("title: \n", "finance/sample-doc.md:3: title: is missing"),
        ("division: กองคลงั\n", "finance/sample-doc.md:4: division: unknown division 'กองคลงั'; did you mean 'กองคลัง'?"),
        (
            "division: finanse\n",
            "finance/sample-doc.md:4: division: unknown division 'finanse'; did you mean 'finance'?",
        ),
        ("type: manul\n", "finance/sample-doc.md:5: type: unknown document type 'manul'; did you mean 'manual'?"),
        ("knowledge: tacit\n", "finance/sample-doc.md:6: holder: is missing: tacit knowledge needs the person to ask"),
        (
            "date: 2024-13-01\n",
            "finance/sample-doc.md:7: date: '2024-13-01' is not a real date (month must be in 1..12)",
        ),
        (
            "date: เมื่อวาน\n",
            "finance/sample-doc.md:7: date: 'เมื่อวาน' is not a date: write 2024-03-12, 12/03/2567 or 12 มี.ค. 2567",
        ),
        (
            "id: Land Tax\n",
            "finance/sample-doc.md:2: id: 'Land Tax' is not a valid id: "
            "use lower-case a-z, 0-9 and '-', e.g. land-tax-manual",
        ),
        ("titel: x\n", "finance/sample-doc.md:8: titel: unknown field; did you mean 'title'?"),
        ("updated: 2020-01-01\n", "finance/sample-doc.md:8: updated: 2020-01-01 is before date 2024-03-12"),
        ("area: [กฎหมาย]\n", "finance/sample-doc.md:8: area: unknown knowledge area 'กฎหมาย'"),
    ],
)
def test_each_problem_names_file_line_and_field(office, lines, expected):
    key = lines.split(":")[0]
    head = "\n".join(line for line in HEAD.splitlines() if not line.startswith(key + ":")) + "\n"
    # keep the field on its original line when it replaces one
    original = HEAD.splitlines()
    if any(line.startswith(key + ":") for line in original):
        head = "\n".join(lines.rstrip("\n") if line.startswith(key + ":") else line for line in original) + "\n"
    else:
        head = HEAD + lines
    problems = problems_of(head + "---\nเนื้อหา\n", office)
    assert any(p.startswith(expected) for p in problems), problems


def test_buddhist_era_and_thai_dates(office):
    for value in ("2567-03-12", "12/03/2567", "12 มี.ค. 2567", "๑๒/๐๓/๒๕๖๗"):
        doc = problems_of(HEAD.replace("date: 2024-03-12", f"date: {value}") + "---\nx\n", office)
        assert doc.date == dt.date(2024, 3, 12), value


def test_invalid_yaml_names_the_line(office):
    problems = problems_of(HEAD + "tags: [a, b\n---\nx\n", office)
    assert problems[0].startswith("finance/sample-doc.md:") and "invalid YAML" in problems[0]


def test_missing_front_matter(office):
    assert problems_of("# แค่หัวข้อ\n", office) == [
        "finance/sample-doc.md:1: front-matter: missing: "
        "the file must start with a line '---', the fields, and another '---'"
    ]


@pytest.mark.parametrize(
    "day, year",
    [
        (dt.date(2023, 9, 30), 2566),
        (dt.date(2023, 10, 1), 2567),
        (dt.date(2024, 9, 30), 2567),
    ],
)
def test_a_document_is_in_the_fiscal_year_its_date_falls_in(office, day, year):
    doc = problems_of(HEAD.replace("2024-03-12", day.isoformat()) + "---\nเนื้อหา\n", office)
    assert doc.fiscal_year == year


def test_duplicate_ids_name_both_files_and_keep_the_first(tmp_path):
    from .corpus import write_corpus

    content = write_corpus(
        tmp_path / "c",
        {
            "a/one.md": HEAD.replace("sample-doc", "same") + "---\nx\n",
            "b/two.md": HEAD.replace("sample-doc", "same") + "---\ny\n",
            "b/broken.md": "---\ntitle: [\n---\n",
            "_templates/manual.md": "---\nnot: content\n---\n",
        },
    )
    report = check_content(content)
    messages = [str(p) for p in report.problems]
    assert report.documents == 1
    assert "b/two.md:2: id: duplicate id 'same': a/one.md already uses it as id" in messages
    assert any(m.startswith("b/broken.md:") for m in messages)
    assert not any("_templates" in m for m in messages)


@pytest.mark.parametrize(
    "written, status",
    [("draft", "draft"), ("ฉบับร่าง", "draft"), ("ร่าง", "draft"), ("Published", "published"), ("เผยแพร่", "published")],
)
def test_status_in_english_or_thai(office, written, status):
    assert problems_of(HEAD + f"status: {written}\n---\nเนื้อหา\n", office).status == status


def test_no_status_is_published_and_an_unknown_one_names_its_line(office):
    assert problems_of(HEAD + "---\nเนื้อหา\n", office).status == "published"
    assert problems_of(HEAD + "status: รอตรวจ\n---\nเนื้อหา\n", office) == [
        "finance/sample-doc.md:8: status: unknown status 'รอตรวจ'; use draft (ฉบับร่าง) or published (เผยแพร่)"
    ]
