"""The usage log: article views, searches, feed and API use, in SQLite.

Kept for the KM plan's indicator "จำนวนการเข้าถึงฐานข้อมูลความรู้" and for
the searches that found nothing (the knowledge gaps).  No personal data is
stored: no IP address, no user agent, no cookie; a row is a timestamp, what
was used (article id, or query text with its number of results and filters)
and through which channel.

Logging must never slow or break a page.  Every write opens a short-lived
connection with a small busy timeout; a locked, full or unwritable database
loses the log line (a warning is logged, at most once a minute), never the
request.

Raw rows older than the retention period are rolled up into one row per
day and item (``daily``); the indicators read both through the ``usage``
view, so a report for an old fiscal year stays exact.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sqlite3
import threading
import time
import weakref
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Thailand keeps UTC+7 all year (no daylight saving time): days, months and
# fiscal years of the log are Thai calendar days whatever the server's zone.
THAI_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")
BUSY_TIMEOUT = 0.05  # seconds a write waits for a lock before giving up
MAX_QUERY = 200  # characters of a query kept
ROLLUP_EVERY = 24 * 3600  # seconds between opportunistic rollups
WARN_EVERY = 60  # seconds between two warnings about lost lines
# Crawlers and link-preview fetchers are not staff reading; scripts using the
# API are counted.
BOTS = re.compile(r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|preview", re.I)

KINDS = ("view", "search", "feed", "api")

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,               -- Thai local time, YYYY-MM-DDTHH:MM:SS
    kind     TEXT NOT NULL,               -- view | search | feed | api
    channel  TEXT NOT NULL DEFAULT '',    -- web | api | feed
    doc      TEXT NOT NULL DEFAULT '',    -- article id (view), endpoint (api)
    division TEXT NOT NULL DEFAULT '',    -- division slug of the article when viewed
    query    TEXT NOT NULL DEFAULT '',    -- search text, whitespace collapsed, lower case
    results  INTEGER NOT NULL DEFAULT 0,  -- number of results of a search
    filters  TEXT NOT NULL DEFAULT ''     -- JSON of the search filters
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS daily (
    day      TEXT NOT NULL,
    kind     TEXT NOT NULL,
    channel  TEXT NOT NULL,
    doc      TEXT NOT NULL,
    division TEXT NOT NULL,
    query    TEXT NOT NULL,
    zero     INTEGER NOT NULL,            -- 1 when the search found nothing
    n        INTEGER NOT NULL,
    PRIMARY KEY (day, kind, channel, doc, division, query, zero)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS usage AS
    SELECT substr(at, 1, 10) AS day, kind, channel, doc, division, query,
           (kind = 'search' AND results = 0) AS zero, 1 AS n
      FROM events
    UNION ALL
    SELECT day, kind, channel, doc, division, query, zero, n FROM daily;
"""


class UsageUnavailable(Exception):
    """The log exists but cannot be read now (locked, damaged)."""


@dataclass(frozen=True, order=True)
class UsageRow:
    """Usage aggregated over a period: ``n`` uses of one item in one month."""

    month: str  # YYYY-MM (Thai local time)
    kind: str
    channel: str
    doc: str
    division: str
    query: str
    zero: bool
    n: int


def now() -> dt.datetime:
    return dt.datetime.now(THAI_TIME).replace(tzinfo=None, microsecond=0)


def clean_query(text: str) -> str:
    return " ".join(str(text).split()).lower()[:MAX_QUERY]


class UsageLog:
    """Writes and reads one usage database.  Thread-safe: every call opens
    and closes its own connection."""

    def __init__(self, path: str | Path | None, retention_days: int = 90, clock=now):
        self.path = Path(path) if path else None
        self.retention_days = retention_days
        self.clock = clock
        self._ready = False
        self._lock = threading.Lock()
        self._last_rollup = 0.0
        self._lost = 0
        self._last_warning = 0.0
        self._keeper: weakref.finalize | None = None
        self._file: tuple[int, int] | None = None  # (device, inode) of the database set up

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper()

    @property
    def enabled(self) -> bool:
        return self.path is not None

    @property
    def _db_path(self) -> Path:
        # Only reached when enabled: every public method checks that first.
        assert self.path is not None
        return self.path

    # --- writing ------------------------------------------------------------

    def _connect(self, timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
        return sqlite3.connect(self._db_path, timeout=timeout, isolation_level=None)

    def setup(self) -> bool:
        """Create the database in WAL mode; False (and a warning) when it
        cannot be created.  Safe to call again."""
        if not self.enabled:
            return False
        if self._ready:
            return True
        try:
            self._db_path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect(timeout=1.0)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
            # One idle connection stays open: when the last connection to a
            # WAL database closes, SQLite checkpoints and syncs, which made
            # every short-lived write cost ~12 ms instead of ~1 ms.  It never
            # holds a transaction, so it blocks nothing; closed with the log.
            keeper = sqlite3.connect(self._db_path, check_same_thread=False)
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._keeper = weakref.finalize(self, keeper.close)
            self._file = self._identity()
            self._ready = True
        except (sqlite3.Error, OSError) as e:
            self._lose(e)
        return self._ready

    def _identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self._db_path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _set_aside_old_journal(self) -> None:
        """The -wal and -shm beside the path belong to the database that was
        deleted or replaced (SQLite does not checkpoint into a file that
        has moved): opened with the new file, SQLite would apply the old
        file's pages to it.  The WAL is kept aside, not deleted."""
        wal = Path(f"{self.path}-wal")
        if wal.exists():
            os.replace(wal, f"{wal}.stale")
        Path(f"{self.path}-shm").unlink(missing_ok=True)

    def _follow_file(self) -> None:
        """Set up again when the database was deleted or replaced (a backup
        restored, a clean-up) while serving: SQLite would otherwise write
        into an empty new file without tables, or into the deleted one,
        and every line would be lost until a restart.  One stat a write."""
        if not self._ready or self._identity() == self._file:
            return
        with self._lock:
            if not self._ready or self._identity() == self._file:
                return
            self.close()
            self._keeper = None
            self._ready = False
            self._set_aside_old_journal()
        log.warning("usage log %s was deleted or replaced: opening it again", self.path)
        self.setup()

    def record(
        self,
        kind: str,
        *,
        channel: str = "",
        doc: str = "",
        division: str = "",
        query: str = "",
        results: int = 0,
        filters: dict | None = None,
        at: dt.datetime | None = None,
    ) -> bool:
        """Add one line; True when it was written.  Never raises."""
        if not self.enabled:
            return False
        try:
            self._follow_file()
            if not self._ready and not self.setup():
                return False
            stamp = (at or self.clock()).replace(microsecond=0)
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(THAI_TIME).replace(tzinfo=None)
            row = (
                stamp.isoformat(timespec="seconds"),
                kind,
                channel,
                doc[:200],
                division[:100],
                clean_query(query),
                max(0, int(results)),
                json.dumps(filters, ensure_ascii=False, sort_keys=True) if filters else "",
            )
            try:
                self._insert(row)
            except sqlite3.Error:
                # Deleted between the check and the write: once more, on the new file.
                if self._identity() == self._file:
                    raise
                self._follow_file()
                self._insert(row)
        except (sqlite3.Error, OSError, ValueError, TypeError) as e:
            self._lose(e)
            return False
        self._maybe_rollup()
        return True

    def _insert(self, row: tuple) -> None:
        with closing(self._connect()) as db:
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "INSERT INTO events (at, kind, channel, doc, division, query, results, filters)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def _lose(self, error: Exception) -> None:
        with self._lock:
            self._lost += 1
            if time.monotonic() - self._last_warning < WARN_EVERY and self._last_warning:
                return
            lost, self._lost = self._lost, 0
            self._last_warning = time.monotonic()
        log.warning("usage log %s: %s (%d line(s) lost)", self.path, error, lost)

    def _maybe_rollup(self) -> None:
        if time.monotonic() - self._last_rollup < ROLLUP_EVERY and self._last_rollup:
            return
        with self._lock:
            if time.monotonic() - self._last_rollup < ROLLUP_EVERY and self._last_rollup:
                return
            self._last_rollup = time.monotonic()
        self.rollup()

    def rollup(self, before: dt.datetime | None = None) -> int:
        """Fold raw rows older than the retention period (or ``before``) into
        one row per day and item; returns the number of raw rows folded.
        Never raises: a locked database is rolled up next time."""
        if not self.enabled or not (self._ready or self.setup()):
            return 0
        cutoff = before or (self.clock() - dt.timedelta(days=self.retention_days))
        day = cutoff.date().isoformat()  # whole days only
        try:
            with closing(self._connect()) as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.execute(
                        "INSERT INTO daily (day, kind, channel, doc, division, query, zero, n)"
                        " SELECT substr(at, 1, 10), kind, channel, doc, division, query,"
                        "        (kind = 'search' AND results = 0), count(*)"
                        "   FROM events WHERE at < ?"
                        "  GROUP BY 1, 2, 3, 4, 5, 6, 7"
                        " ON CONFLICT (day, kind, channel, doc, division, query, zero)"
                        " DO UPDATE SET n = n + excluded.n",
                        (day,),
                    )
                    folded = db.execute("DELETE FROM events WHERE at < ?", (day,)).rowcount
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        except sqlite3.Error as e:
            self._lose(e)
            return 0
        return folded

    # --- reading ------------------------------------------------------------

    def rows(self, start: dt.date, end: dt.date) -> list[UsageRow]:
        """Usage from ``start`` to ``end`` (both included), one row per month
        and item.  An absent database is an empty log."""
        if not self.enabled or not self._db_path.exists():
            return []
        uri = self._db_path.resolve().as_uri() + "?mode=ro"
        try:
            with closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as db:
                cur = db.execute(
                    "SELECT substr(day, 1, 7), kind, channel, doc, division, query, zero, sum(n)"
                    "  FROM usage WHERE day BETWEEN ? AND ?"
                    " GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2",
                    (start.isoformat(), end.isoformat()),
                )
                return [UsageRow(m, k, c, d, v, q, bool(z), int(n)) for m, k, c, d, v, q, z, n in cur]
        except sqlite3.Error as e:
            raise UsageUnavailable(f"{self.path}: {e}") from None

    def raw_count(self) -> int:
        if not self.enabled or not self._db_path.exists():
            return 0
        with closing(sqlite3.connect(self._db_path, timeout=1.0)) as db:
            return db.execute("SELECT count(*) FROM events").fetchone()[0]


# --- Flask glue ----------------------------------------------------------------


def init_app(app) -> UsageLog:
    """The app's log, from the USAGE_DB and USAGE_RETENTION_DAYS settings,
    and the hook that records feed and API use and API article reads."""
    path = usage_path(app.config)
    usage = UsageLog(path, app.config.get("USAGE_RETENTION_DAYS", 90))
    app.extensions["kmsearch.usage"] = usage
    if usage.enabled and usage.setup():
        usage.rollup()
        usage._last_rollup = time.monotonic()
    app.after_request(_after_request)
    return usage


def usage_path(config) -> Path | None:
    """USAGE_DB: a path, ``off`` to log nothing, or empty for usage.sqlite3
    next to the index folder (instance/usage.sqlite3 by default)."""
    raw = str(config.get("USAGE_DB") or "").strip()
    if raw.lower() in ("off", "none", "false", "0", "-"):
        return None
    if raw:
        return Path(raw).expanduser().resolve()
    return Path(config["INDEX_DIR"]).parent / "usage.sqlite3"


def current() -> UsageLog | None:
    from flask import current_app

    return current_app.extensions.get("kmsearch.usage")


def _countable() -> bool:
    from flask import request

    if request.method != "GET":
        return False
    # Link previews and prefetches are not reads; crawlers are not staff.
    # The user agent is looked at here and never stored.
    if request.headers.get("Sec-Purpose", request.headers.get("Purpose", "")).startswith("prefetch"):
        return False
    return not BOTS.search(request.headers.get("User-Agent", ""))


def record_view(doc: dict, channel: str = "web") -> None:
    """An article was read (called by the article page)."""
    usage = current()
    if usage is not None and usage.enabled and _countable():
        usage.record("view", channel=channel, doc=doc.get("id", ""), division=doc.get("division", ""))


def record_search(query: str, found: int, filters: dict | None = None, page: int = 1, channel: str = "web") -> None:
    """A search was run (called by the search page and the search API).
    Only its first page is counted: paging on is the same search.
    ``found`` counts the documents holding every content word as typed
    (``ResultPage.found``): results that hold only some, or only through a
    correction or inside other words, leave a knowledge gap."""
    usage = current()
    if usage is None or not usage.enabled or page != 1 or not _countable():
        return
    usage.record(
        "search", channel=channel, query=query, results=found, filters={k: list(v) for k, v in (filters or {}).items()}
    )


FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/feed+json")
NOT_COUNTED = {"api.api_search", "api.api_suggest"}  # searches are counted by the view; typing is not use


def _after_request(response):
    """Feeds, API article reads and other API calls, recognised by their
    endpoint and content type: no view function needs to know."""
    from flask import request

    if response.status_code != 200 or request.endpoint is None:
        return response
    usage = current()
    if usage is None or not usage.enabled or not _countable():
        return response
    endpoint = request.endpoint
    if response.mimetype in FEED_TYPES or "feed" in endpoint.rsplit(".", 1)[-1]:
        usage.record("feed", channel="feed", doc=request.path)
    elif endpoint == "api.api_article":
        usage.record("view", channel="api", doc=(request.view_args or {}).get("doc_id", ""))
    elif request.blueprint == "api" and endpoint not in NOT_COUNTED:
        usage.record("api", channel="api", doc=endpoint)
    return response
