"""Numbers, percentages and days in the user's locale."""

from datetime import date

import pytest
from flask import render_template_string
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


def test_a_number_written_again_in_its_locale_is_not_formatted_again(app, monkeypatch):
    # The dashboard writes some 4,000 numbers a page; Babel took most of its time.
    import babel.numbers

    formatted = []
    original = babel.numbers.format_decimal

    def counted(value, *args, **kwargs):
        formatted.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(babel.numbers, "format_decimal", counted)
    formats._number.cache_clear()
    assert formats.number(98765, locale="id") == formats.number(98765, locale="id") == "98.765"
    assert formats.number(98765, locale="en") == "98,765"
    assert formatted == [98765, 98765]


def test_templates_write_numbers_and_rates_in_the_pages_locale(app):
    template = "{{ 12345|number }} {{ 56.78|percent }} {{ 56.78|percent(whole=True) }}"
    for locale, written in (("id", "12.345 56,8% 57%"), ("en", "12,345 56.8% 57%")):
        with app.test_request_context(), force_locale(locale):
            assert render_template_string(template) == written
