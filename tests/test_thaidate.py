"""The Thai calendar and numerals: one rule for every year a person types,
in a filter, a query, the dashboard or the report command."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from indexer import thaidate
from kmsearch.cli import cli

# Each of these once took a different path: ² is a digit to str.isdigit()
# (a 500), 0000 and 0001 became years before the first Python date.
NOT_YEARS = [
    "²²²²",
    "٢٥٦٧",
    "67",
    "12",
    "0000",
    "0001",
    "2300",
    "9999",
    "20245",
    "-2567",
    "2,567",
    "25 67",
    "",
    "two",
    "๒๕๖",
    "2567.0",
]


@pytest.mark.parametrize(
    "given, year",
    [
        ("2567", 2567),
        ("๒๕๖๗", 2567),
        ("2024", 2567),
        (2568, 2568),
        (" 2566 ", 2566),
        ("๒๐๒๔", 2567),
        ("1900", 2443),
        ("2742", 2742),
    ],
)
def test_a_year_in_either_era_and_either_digits(given, year):
    assert thaidate.parse_year(given) == year


@pytest.mark.parametrize("bad", NOT_YEARS)
def test_what_is_not_a_year_is_refused_in_thai(bad):
    with pytest.raises(thaidate.BadYear, match="ไม่ใช่ปี.*2567"):
        thaidate.parse_year(bad)


def test_the_same_year_in_the_other_era():
    assert thaidate.other_era("2567") == "2024" and thaidate.other_era("2024") == "2567"
    assert thaidate.other_era("๒๕๖๗") == "2024"
    assert [thaidate.other_era(w) for w in ("²²²²", "0001", "500", "2300")] == [None] * 4


def test_whole_numbers_are_ascii_or_thai_digits_only():
    assert thaidate.whole_number("12") == 12 and thaidate.whole_number("๑๒") == 12
    assert [thaidate.whole_number(t) for t in ("²", "-1", "1.5", "1_000", "٣", "", "9" * 10)] == [None] * 7


def test_fiscal_year_runs_from_october_to_september():
    assert thaidate.fiscal_year_range(2567) == (dt.date(2023, 10, 1), dt.date(2024, 9, 30))
    months = thaidate.fiscal_months(2567)
    assert months[0] == ("2023-10", "ต.ค. 66") and months[-1] == ("2024-09", "ก.ย. 67") and len(months) == 12
    assert thaidate.fiscal_year(dt.date(2024, 9, 30)) == 2567
    assert thaidate.fiscal_year(dt.date(2024, 10, 1)) == 2568
    assert thaidate.current_fiscal_year(dt.date(2023, 10, 1)) == 2567


def test_dates_in_the_buddhist_era():
    assert thaidate.thai_date("2024-03-12") == "12 มี.ค. 2567"
    assert thaidate.thai_date(dt.date(2023, 10, 1)) == "1 ต.ค. 2566"


# --- every parser of a year answers 400, never 500 ---------------------------


@pytest.mark.parametrize("bad", ["²²²²", "0000", "0001", "12", "٢٥٦٧"])
@pytest.mark.parametrize("url", ["/search?q=ภาษี&year=", "/api/search?q=ภาษี&year=", "/km?year="])
def test_a_bad_year_is_a_thai_400_everywhere(client, url, bad):
    resp = client.get(url + bad)
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    message = resp.get_json()["error"] if url.startswith("/api/") else body
    assert "ไม่ใช่ปี" in message and "2567" in message
    if not url.startswith("/api/"):
        assert 'lang="th"' in body


@pytest.mark.parametrize("url", ["/search?q=ภาษี&year=", "/api/search?q=ภาษี&year=", "/km?year="])
def test_a_year_is_the_same_year_everywhere(client, url):
    """2567, ๒๕๖๗ and 2024 are one year in a filter, in the dashboard and in the query syntax."""
    pages = [client.get(url + y) for y in ("2567", "๒๕๖๗", "2024")]
    assert [p.status_code for p in pages] == [200] * 3
    if url.startswith("/api/"):
        ids = [[h["id"] for h in p.get_json()["results"]] for p in pages]
        assert ids[0] == ids[1] == ids[2]
        assert ids[0] == [h["id"] for h in client.get("/api/search?q=ภาษี year:2024").get_json()["results"]]


def test_year_in_the_query_follows_the_same_rule(client):
    """year:12 used to mean fiscal year 555 (nothing found, no word said);
    a value that is not a year is searched as words, like other malformed syntax."""
    data = client.get("/api/search", query_string={"q": "year:12"}).get_json()
    assert data["query"] == "year:12"
    assert client.get("/api/search", query_string={"q": "ภาษีที่ดิน year:²²²²"}).status_code == 200
    filtered = client.get("/api/search", query_string={"q": "ภาษีที่ดิน ปี:๒๕๖๗"}).get_json()
    assert {h["fiscal_year"] for h in filtered["results"]} <= {2567}


@pytest.mark.parametrize("bad", ["²²²²", "0000", "67"])
def test_report_command_refuses_a_bad_year_cleanly(built, tmp_path, bad):
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--content",
            built["CONTENT_DIR"],
            "--index",
            built["INDEX_DIR"],
            "--usage-db",
            str(tmp_path / "u.db"),
            "--fiscal-year",
            bad,
        ],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "ไม่ใช่ปี" in result.output and "2567" in result.output
    assert not isinstance(result.exception, (ValueError, TypeError))


@pytest.mark.parametrize("nxt", ["/km%0aX", "/km%0d%0aSet-Cookie:%20x=1", "/km%00", "/%5Cevil.example", "/km%7f"])
def test_login_next_with_control_characters_goes_home_safely(make_app, nxt):
    client = make_app(KM_TOKEN="t0ken").test_client()
    resp = client.get(f"/km/login?next={nxt}")
    assert resp.status_code == 200
    assert 'name="next" value="/km"' in resp.get_data(as_text=True)
    ok = client.post("/km/login", data={"token": "t0ken", "next": unquote(nxt)})
    assert ok.status_code == 303 and ok.headers["Location"] == "/km"
