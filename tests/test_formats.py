"""Numbers, percentages and days in the user's locale."""

from datetime import date

import pytest
from flask_babel import force_locale

from pakta import formats


@pytest.mark.parametrize(
    ("locale", "rate", "count", "day"),
    [("id", "56,8%", "12.345", "7 Des 2026"), ("en", "56.8%", "12,345", "7 Dec 2026")],
)
def test_each_locale_writes_rates_counts_and_days_its_own_way(app, locale, rate, count, day):
    with app.app_context(), force_locale(locale):
        assert formats.percent(56.78) == rate
        assert formats.number(12345) == count
        assert formats.day(date(2026, 12, 7)) == day


def test_a_whole_percentage_drops_the_decimal_and_nothing_gives_an_empty_text(app):
    with app.app_context(), force_locale("id"):
        assert formats.percent(56.78, whole=True) == "57%"
        assert formats.percent(None) == formats.number(None) == formats.day(None) == ""
