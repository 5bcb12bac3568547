"""Numbers, percentages and dates as the current locale writes them ("56,8%" in id,
"56.8%" in en), for pages, PDFs, exports and message texts alike.

Rates are kept in percent (0-100) everywhere in Pakta; Babel wants a fraction.
"""

from datetime import date
from functools import lru_cache

import babel.numbers
from flask_babel import format_date, format_decimal, get_locale

PERCENT_PATTERN = "#,##0.0%"
WHOLE_PERCENT_PATTERN = "#,##0%"
# Formatted numbers kept, per locale: the dashboard writes some 4,000 a page (400 units,
# nine columns), and Babel takes about 8 µs a number, most of a page's time. A page
# written again (the same counts, or nearly) then costs a dictionary look-up a number.
_KEPT = 16_384


def percent(rate: float | None, *, whole: bool = False, locale: str | None = None) -> str:
    """A rate given in percent, to one decimal (or whole), e.g. "56,8%"; in ``locale``
    (default: the request's)."""
    if rate is None:
        return ""
    return _percent(locale or str(get_locale()), rate, whole)


@lru_cache(maxsize=_KEPT)
def _percent(locale: str, rate: float, whole: bool) -> str:
    pattern = WHOLE_PERCENT_PATTERN if whole else PERCENT_PATTERN
    return babel.numbers.format_percent(rate / 100, pattern, locale=locale)


def decimal(rate: float | None) -> str:
    """A rate in percent to one decimal without the sign, for a column already named so."""
    if rate is None:
        return ""
    return format_decimal(rate, "#,##0.0")


def number(value: int | float | None, *, locale: str | None = None) -> str:
    """A count with the locale's grouping, e.g. "12.345"; in ``locale`` (default: the
    request's)."""
    if value is None:
        return ""
    return _number(locale or str(get_locale()), value)


@lru_cache(maxsize=_KEPT)
def _number(locale: str, value: int | float) -> str:
    return babel.numbers.format_decimal(value, locale=locale)


def day(value: date | None, pattern: str = "d MMM yyyy") -> str:
    """A calendar day (no time, no zone), e.g. "7 Des 2026"."""
    if value is None:
        return ""
    return format_date(value, pattern)
