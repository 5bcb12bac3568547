"""Numbers, percentages and dates as the current locale writes them ("56,8%" in id,
"56.8%" in en), for pages, PDFs, exports and message texts alike.

Rates are kept in percent (0-100) everywhere in Pakta; Babel wants a fraction.
"""

from datetime import date

from flask_babel import format_date, format_decimal, format_percent

PERCENT_PATTERN = "#,##0.0%"
WHOLE_PERCENT_PATTERN = "#,##0%"


def percent(rate: float | None, *, whole: bool = False) -> str:
    """A rate given in percent, to one decimal (or whole), e.g. "56,8%"."""
    if rate is None:
        return ""
    return format_percent(rate / 100, WHOLE_PERCENT_PATTERN if whole else PERCENT_PATTERN)


def decimal(rate: float | None) -> str:
    """A rate in percent to one decimal without the sign, for a column already named so."""
    if rate is None:
        return ""
    return format_decimal(rate, "#,##0.0")


def number(value: int | float | None) -> str:
    """A count with the locale's grouping, e.g. "12.345"."""
    if value is None:
        return ""
    return format_decimal(value)


def day(value: date | None, pattern: str = "d MMM yyyy") -> str:
    """A calendar day (no time, no zone), e.g. "7 Des 2026"."""
    if value is None:
        return ""
    return format_date(value, pattern)
