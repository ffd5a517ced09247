"""Dates as Thai readers expect them: day, abbreviated month, Buddhist Era."""
from __future__ import annotations

import datetime as dt

from pythainlp.util import thai_strftime


def thai_date(value) -> str:
    """12 มี.ค. 2567"""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return thai_strftime(value, "%-d %b %Y")
