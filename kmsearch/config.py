"""Settings: one declared table for defaults, types, help and validation."""
from __future__ import annotations

import os
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


SETTINGS = (
    Setting("CONTENT_DIR", "content", Path, "Folder of Markdown documents and kmsearch.yaml.", "KMSEARCH_CONTENT"),
    Setting("INDEX_DIR", "instance/index", Path, "Folder where the search index is written and read.", "KMSEARCH_INDEX"),
    Setting("PAGE_SIZE", 10, int, "Results per page on the web pages.", "KMSEARCH_PAGE_SIZE"),
    Setting("MAX_LIMIT", 50, int, "Largest page size the JSON API accepts.", None),
    Setting("SNIPPET_CHARS", 220, int, "Approximate length of a result snippet, in characters.", None),
    Setting("MAX_QUERY_CHARS", 500, int, "Longer queries are cut to this length.", None),
    Setting("MAX_PAGE", 100, int, "Highest results page served.", None),
)
DEFAULTS = {s.name: s.default for s in SETTINGS}


def load_settings(overrides: dict | None = None, environ: dict | None = None) -> dict:
    """Defaults, then environment variables, then explicit overrides.

    Relative paths are resolved against the working directory once, here.
    """
    environ = os.environ if environ is None else environ
    values = dict(DEFAULTS)
    for s in SETTINGS:
        if s.env and environ.get(s.env):
            values[s.name] = environ[s.env]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    out = {}
    for s in SETTINGS:
        raw = values[s.name]
        try:
            value = s.type(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{s.name}: {raw!r} is not a valid {s.type.__name__}") from None
        if s.type is int and value < 1:
            raise SettingsError(f"{s.name}: must be at least 1, not {value}")
        if s.type is Path:
            value = value.expanduser().resolve()
        out[s.name] = value
    extra = set(overrides or {}) - set(DEFAULTS)
    for name in extra:
        out[name] = overrides[name]
    return out
