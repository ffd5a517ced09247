"""The usage log, with a real SQLite database, written through the app."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import time
from contextlib import closing

import pytest
from flask import Response

from kmsearch.km.usage import UsageLog, usage_path


@pytest.fixture
def db(tmp_path):
    return tmp_path / "usage.sqlite3"


@pytest.fixture
def logged(make_app, db):
    app = make_app(USAGE_DB=str(db))
    return app, app.test_client()


def events(db) -> list[dict]:
    with closing(sqlite3.connect(db)) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("SELECT * FROM events ORDER BY id")]


def test_article_views_and_searches_are_recorded(logged, db):
    app, client = logged
    assert client.get("/a/land-tax-manual").status_code == 200
    assert client.get("/search", query_string={"q": "ภาษีที่ดิน"}).status_code == 200
    assert client.get("/search", query_string={"q": "  ดาวอังคาร  "}).status_code == 200
    assert client.get("/search", query_string={"q": "ที่ดิน", "division": "finance"}).status_code == 200
    rows = events(db)
    assert [(r["kind"], r["channel"]) for r in rows] == [
        ("view", "web"),
        ("search", "web"),
        ("search", "web"),
        ("search", "web"),
    ]
    assert rows[0]["doc"] == "land-tax-manual" and rows[0]["division"] == "finance"
    assert rows[1]["query"] == "ภาษีที่ดิน" and rows[1]["results"] >= 1
    assert rows[2]["query"] == "ดาวอังคาร" and rows[2]["results"] == 0, "whitespace collapsed, zero results kept"
    assert rows[3]["filters"] == '{"division": ["finance"]}'
    assert all(dt.datetime.fromisoformat(r["at"]) for r in rows)


def test_api_use_is_recorded_and_typing_is_not(logged, db):
    app, client = logged
    assert client.get("/api/search", query_string={"q": "e-GP"}).status_code == 200
    assert client.get("/api/articles/egp-regulation").status_code == 200
    assert client.get("/api/suggest", query_string={"q": "ภาษ"}).status_code == 200
    rows = events(db)
    assert [(r["kind"], r["channel"], r["doc"]) for r in rows] == [
        ("search", "api", ""),
        ("view", "api", "egp-regulation"),
    ]
    assert rows[0]["query"] == "e-gp" and rows[0]["results"] >= 1


def test_what_is_not_a_read_is_not_counted(logged, db):
    app, client = logged
    client.get("/a/land-tax")  # old id: a redirect
    client.get("/a/no-such-thing")  # 404
    client.get("/search", query_string={"q": "ภาษี", "page": "2"})  # paging on is the same search
    client.get("/a/land-tax-manual", headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    client.get("/a/land-tax-manual", headers={"Sec-Purpose": "prefetch"})
    client.head("/a/land-tax-manual")
    client.get("/km")
    assert events(db) == []


def test_feeds_are_recognised_by_their_content_type(make_app, db):
    app = make_app(USAGE_DB=str(db))
    app.add_url_rule("/test-feed.xml", "test_feed", lambda: Response("<feed/>", mimetype="application/atom+xml"))
    app.test_client().get("/test-feed.xml")
    assert [(r["kind"], r["channel"], r["doc"]) for r in events(db)] == [("feed", "feed", "/test-feed.xml")]


def test_no_personal_data_is_kept(logged, db):
    app, client = logged
    agent = "Mozilla/5.0 (Linux; Android 14) UniqueAgentString/9.9"
    client.get("/a/land-tax-manual", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    client.get(
        "/search", query_string={"q": "ภาษี"}, headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert len(events(db)) == 2
    with closing(sqlite3.connect(db)) as con:
        columns = {r[1] for r in con.execute("PRAGMA table_info(events)")}
    assert columns == {"id", "at", "kind", "channel", "doc", "division", "query", "results", "filters"}
    stored = b"".join(p.read_bytes() for p in db.parent.glob("usage.sqlite3*"))
    assert b"10.9.8.7" not in stored and b"UniqueAgentString" not in stored


def test_database_is_in_wal_mode_next_to_the_index_by_default(make_app, built, tmp_path):
    make_app(USAGE_DB=str(tmp_path / "u.db"))  # creating the app creates the log
    with closing(sqlite3.connect(tmp_path / "u.db")) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    from pathlib import Path

    assert usage_path({"USAGE_DB": "", "INDEX_DIR": "/srv/km/instance/index"}) == Path("/srv/km/instance/usage.sqlite3")
    assert usage_path({"USAGE_DB": "off", "INDEX_DIR": "x"}) is None


def test_logging_can_be_turned_off(make_app, tmp_path):
    app = make_app(USAGE_DB="off", INDEX_DIR=str(tmp_path / "ix"))
    assert not app.extensions["kmsearch.usage"].enabled
    assert list(tmp_path.iterdir()) == []


def test_a_locked_database_loses_the_line_not_the_request(logged, db, caplog):
    app, client = logged
    client.get("/a/land-tax-manual")
    assert len(events(db)) == 1
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with caplog.at_level(logging.WARNING, logger="kmsearch.km.usage"):
            started = time.monotonic()
            resp = client.get("/a/land-tax-manual")
            search = client.get("/search", query_string={"q": "ภาษี"})
            api = client.get("/api/search", query_string={"q": "ภาษี"})
            elapsed = time.monotonic() - started
        assert resp.status_code == 200 and search.status_code == 200 and api.status_code == 200
        assert "คู่มือการจัดเก็บภาษีที่ดิน" in resp.get_data(as_text=True)
        assert elapsed < 2.0
        assert any("locked" in r.getMessage() for r in caplog.records)
        # The dashboard still reads (WAL lets readers past a writer).
        assert app.test_client().get("/km").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    client.get("/a/egp-regulation")
    assert [r["doc"] for r in events(db)] == ["land-tax-manual", "egp-regulation"]


def test_an_unwritable_log_never_breaks_a_page(make_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app = make_app(USAGE_DB=str(blocker / "usage.sqlite3"))
    client = app.test_client()
    assert client.get("/a/land-tax-manual").status_code == 200
    assert client.get("/search?q=ภาษี").status_code == 200
    assert client.get("/km").status_code == 200


def test_a_full_database_loses_the_line(tmp_path, monkeypatch):
    log = UsageLog(tmp_path / "u.db")
    assert log.setup()
    real = sqlite3.connect

    def tiny(*args, **kwargs):
        con = real(*args, **kwargs)
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {pages}")  # no room left: the disk is full
        return con

    monkeypatch.setattr(sqlite3, "connect", tiny)
    assert log.record("search", query="ภาษี", filters={"tag": ["x" * 20000]}) is False
    monkeypatch.setattr(sqlite3, "connect", real)
    assert log.record("view", doc="y") is True


def test_thai_days_and_fiscal_year_boundaries(tmp_path):
    log = UsageLog(tmp_path / "u.db")
    log.record("view", doc="a", at=dt.datetime(2024, 9, 30, 23, 59, 59))
    log.record("view", doc="b", at=dt.datetime(2024, 10, 1, 0, 0, 0))
    # 17:30 UTC on 30 September is already 1 October in Thailand.
    log.record("view", doc="c", at=dt.datetime(2024, 9, 30, 17, 30, tzinfo=dt.UTC))
    fy2567 = log.rows(dt.date(2023, 10, 1), dt.date(2024, 9, 30))
    fy2568 = log.rows(dt.date(2024, 10, 1), dt.date(2025, 9, 30))
    assert [(r.month, r.doc, r.n) for r in fy2567] == [("2024-09", "a", 1)]
    assert sorted((r.month, r.doc) for r in fy2568) == [("2024-10", "b"), ("2024-10", "c")]


def test_old_rows_are_rolled_up_and_still_counted(tmp_path):
    today = dt.datetime(2024, 6, 15, 12, 0)
    log = UsageLog(tmp_path / "u.db", retention_days=30, clock=lambda: today)
    for day in (1, 1, 2):
        log.record("view", doc="a", division="finance", at=dt.datetime(2024, 3, day, 9))
    log.record("search", query="ภาษี", results=0, at=dt.datetime(2024, 3, 1, 9))
    log.record("search", query="ภาษี", results=4, at=dt.datetime(2024, 3, 1, 10))
    log.record("view", doc="a", division="finance", at=dt.datetime(2024, 6, 14, 9))  # recent: stays raw
    year = (dt.date(2023, 10, 1), dt.date(2024, 9, 30))
    before = sorted(log.rows(*year))

    log.rollup()
    assert log.raw_count() == 1
    assert sorted(log.rows(*year)) == before

    log.record("view", doc="a", division="finance", at=dt.datetime(2024, 3, 2, 18))  # a late line, same day
    assert log.rollup() == 1
    views = [r for r in log.rows(*year) if r.kind == "view"]
    assert sorted((r.month, r.n) for r in views) == [("2024-03", 4), ("2024-06", 1)]
    searches = sorted((r.zero, r.n) for r in log.rows(*year) if r.kind == "search")
    assert searches == [(False, 1), (True, 1)]


def test_reading_an_absent_log_is_an_empty_log(tmp_path):
    log = UsageLog(tmp_path / "never.db")
    assert log.rows(dt.date(2023, 10, 1), dt.date(2024, 9, 30)) == []
    assert not (tmp_path / "never.db").exists()


def test_a_deleted_log_is_created_again_and_keeps_recording(logged, db):
    app, client = logged
    client.get("/a/land-tax-manual")
    assert len(events(db)) == 1
    db.unlink()  # a clean-up while the server runs
    for _ in range(3):
        client.get("/a/egp-regulation")
    assert [e["doc"] for e in events(db)] == ["egp-regulation"] * 3
    assert client.get("/km").status_code == 200


def test_a_replaced_log_is_followed(logged, db, tmp_path):
    app, client = logged
    client.get("/a/land-tax-manual")
    restored = tmp_path / "backup.sqlite3"
    with closing(sqlite3.connect(db)) as live, closing(sqlite3.connect(restored)) as backup:
        live.backup(backup)  # the backup holds that one view
    client.get("/a/land-tax-manual")
    os.replace(restored, db)  # restored while serving
    client.get("/a/egp-regulation")
    client.get("/search", query_string={"q": "ภาษี"})
    assert [(e["kind"], e["doc"]) for e in events(db)] == [
        ("view", "land-tax-manual"),
        ("view", "egp-regulation"),
        ("search", ""),
    ]
    assert events(db)[2]["query"] == "ภาษี"


def test_a_log_deleted_between_check_and_write_loses_no_line(db):
    log = UsageLog(db)
    assert log.record("view", doc="a")
    real = log._identity
    calls = []

    def stale_then_real():
        # The check before the write still sees the old file; the write meets a new empty one.
        calls.append(1)
        if len(calls) == 1:
            db.unlink()
            return log._file
        return real()

    log._identity = stale_then_real
    assert log.record("view", doc="b")
    assert [e["doc"] for e in events(db)] == ["b"]
