"""The Thai calendar and numerals, one rule for the whole app.

Staff write years in the Buddhist Era (2567) or the Common Era (2024), in
Thai (๒๕๖๗) or Arabic digits; the fiscal year runs 1 October - 30 September
and is named by the Buddhist Era year in which it ends.  Every parser of a
year (search filters, ``year:`` in a query, the /km dashboard, ``kmsearch
report``) goes through ``parse_year`` so that they all accept and refuse the
same things.

Only ASCII digits count after Thai digits are converted: ``str.isdigit``
is also true for '²' or '៣', which ``int`` then refuses or reads as a
number nobody typed.
"""

from __future__ import annotations

import datetime as dt
import re

from pythainlp.util import thai_digit_to_arabic_digit, thai_strftime
from pythainlp.util.date import thai_abbr_months

BE_OFFSET = 543
# Years anyone here means: a four-digit number outside both ranges (0001,
# 2300, 9999) is not a year, so it can never become a date Python refuses.
FIRST_CE, LAST_CE = 1900, 2199
FIRST_BE, LAST_BE = FIRST_CE + BE_OFFSET, LAST_CE + BE_OFFSET
FISCAL_YEAR_STARTS = 10  # October

_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")  # a page or a count; longer is no number anyone means


class BadYear(ValueError):
    """A year that is not one: the message is Thai, for the reader."""


def arabic_digits(text: str) -> str:
    """๒๕๖๗ -> 2567; everything else as it was."""
    return thai_digit_to_arabic_digit(text)


def whole_number(text: str) -> int | None:
    """12 or ๑๒ -> 12; None for anything else (a sign, a space inside, '²')."""
    text = arabic_digits(str(text).strip())
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def _four_digits(value) -> int | None:
    text = arabic_digits(str(value).strip())
    return int(text) if _FOUR_DIGITS.fullmatch(text) else None


def parse_year(value) -> int:
    """The Buddhist Era year named by ``value``: 2567, ๒๕๖๗ and 2024 all
    give 2567.  Raises BadYear for anything else."""
    year = _four_digits(value)
    if year is not None and FIRST_BE <= year <= LAST_BE:
        return year
    if year is not None and FIRST_CE <= year <= LAST_CE:
        return year + BE_OFFSET
    shown = str(value)[:20]
    raise BadYear(f"“{shown}” ไม่ใช่ปี: ใช้ปี พ.ศ. หรือ ค.ศ. สี่หลัก เช่น 2567 หรือ 2024")


def other_era(word: str) -> str | None:
    """The same year in the other era (2567 <-> 2024), or None when
    ``word`` is not a year: staff write either in their text."""
    year = _four_digits(word)
    if year is None:
        return None
    if FIRST_BE <= year <= LAST_BE:
        return str(year - BE_OFFSET)
    if FIRST_CE <= year <= LAST_CE:
        return str(year + BE_OFFSET)
    return None


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(value) -> int:
    """The Common Era year of a year as staff write it: 2567, ๒๕๖๗ and
    2024 all give 2024 (dates are kept in the Common Era).  Raises BadYear."""
    return parse_year(value) - BE_OFFSET


def ce_date(year, month: int, day: int) -> dt.date:
    """The day, its year in either era: (2567, 2, 29) is 29 Feb 2024, a
    day the Buddhist-era number alone would refuse.  Raises BadYear for a
    year nobody means and ValueError for a day that does not exist."""
    return dt.date(ce_year(year), month, day)


def fiscal_year(day: dt.date) -> int:
    """1 Oct 2023 falls in ปีงบประมาณ 2567."""
    return be_year(day.year) + (1 if day.month >= FISCAL_YEAR_STARTS else 0)


def fiscal_year_range(fy: int) -> tuple[dt.date, dt.date]:
    """First and last day: ปีงบประมาณ 2567 runs 1 Oct 2023 - 30 Sep 2024."""
    ce = fy - BE_OFFSET
    return dt.date(ce - 1, FISCAL_YEAR_STARTS, 1), dt.date(ce, FISCAL_YEAR_STARTS - 1, 30)


def month_label(year: int, month: int) -> str:
    """ต.ค. 66: the abbreviated month and the last two digits of the พ.ศ. year."""
    return f"{thai_abbr_months[month - 1]} {str(be_year(year))[-2:]}"


def fiscal_months(fy: int) -> list[tuple[str, str]]:
    """(YYYY-MM, Thai label such as 'ต.ค. 66') for the twelve months, October first."""
    start, _ = fiscal_year_range(fy)
    out = []
    for i in range(12):
        year, month = start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1
        out.append((f"{year:04d}-{month:02d}", month_label(year, month)))
    return out


def current_fiscal_year(today: dt.date | None = None) -> int:
    return fiscal_year(today or dt.date.today())


def thai_date(value) -> str:
    """12 มี.ค. 2567"""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return thai_strftime(value, "%-d %b %Y")
