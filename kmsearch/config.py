"""Settings: one declared table for defaults, types, help and validation."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


class SettingsError(Exception):
    pass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    type: type
    help: str
    env: str | None = None
    minimum: int = 1  # for int settings


SETTINGS = (
    Setting("CONTENT_DIR", "content", Path, "Folder of Markdown documents and kmsearch.yaml.", "KMSEARCH_CONTENT"),
    Setting(
        "INDEX_DIR", "instance/index", Path, "Folder where the search index is written and read.", "KMSEARCH_INDEX"
    ),
    Setting("PAGE_SIZE", 10, int, "Results per page on the web pages.", "KMSEARCH_PAGE_SIZE"),
    Setting("MAX_LIMIT", 50, int, "Largest page size the JSON API accepts.", None),
    Setting("SNIPPET_CHARS", 220, int, "Approximate length of a result snippet, in characters.", None),
    Setting("MAX_QUERY_CHARS", 500, int, "Longer queries are cut to this length.", None),
    Setting("MAX_PAGE", 100, int, "Highest results page served.", None),
    Setting(
        "SEARCH_TIME_LIMIT",
        2.0,
        float,
        "Seconds a search may run before it stops and says the results are partial.",
        "KMSEARCH_SEARCH_TIME_LIMIT",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        str,
        "Address the site is reached at (https://km.example.go.th) for canonical links, "
        "share cards, feeds and the sitemap; empty: the address of each request.",
        "KMSEARCH_PUBLIC_URL",
    ),
    Setting(
        "USAGE_DB",
        "",
        str,
        "Usage log (SQLite): a path, 'off', or empty for usage.sqlite3 next to the index folder.",
        "KMSEARCH_USAGE_DB",
    ),
    Setting(
        "USAGE_RETENTION_DAYS",
        90,
        int,
        "Days raw usage rows are kept before being rolled up per day.",
        "KMSEARCH_USAGE_RETENTION_DAYS",
    ),
    Setting(
        "KM_TOKEN",
        "",
        str,
        "Password of the KM committee for /km; empty: counts open to all, search terms hidden.",
        "KMSEARCH_KM_TOKEN",
    ),
    Setting(
        "SHOW_DRAFTS",
        False,
        bool,
        "Show drafts (status: draft), marked as drafts, for an author's preview on their own machine "
        "(kmsearch serve --drafts); never on the public site.",
        None,
    ),
    Setting(
        "PROXIES",
        0,
        int,
        "Reverse proxies in front of the server whose X-Forwarded-For and X-Forwarded-Proto "
        "are trusted (the client's address for the sign-in limit, HTTPS for HSTS and secure cookies).",
        "KMSEARCH_PROXIES",
        minimum=0,
    ),
)
DEFAULTS = {s.name: s.default for s in SETTINGS}
_NOT_A = {int: "ไม่ใช่จำนวนเต็ม", float: "ไม่ใช่ตัวเลข"}


def load_settings(overrides: dict | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Defaults, then environment variables, then explicit overrides.

    Relative paths are resolved against the working directory once, here.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for s in SETTINGS:
        if s.env and env.get(s.env):
            values[s.name] = env[s.env]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    out = {}
    for s in SETTINGS:
        raw = values[s.name]
        try:
            value = s.type(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{s.name}: {raw!r} {_NOT_A.get(s.type, 'ใช้ไม่ได้')}") from None
        if s.type is int and value < s.minimum:
            raise SettingsError(f"{s.name}: ต้องไม่น้อยกว่า {s.minimum} (ได้ {value})")
        if s.type is Path:
            value = value.expanduser().resolve()
        out[s.name] = value
    given = overrides or {}
    for name in set(given) - set(DEFAULTS):
        out[name] = given[name]
    return out
