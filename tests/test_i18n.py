"""Templates translate each string from the page's catalog, in the page's locale."""

from flask import render_template_string
from flask_babel import force_locale

from pakta import i18n

PAGE = (
    '{{ _("Signed") }}|{{ _("Open until %(closes)s.", closes="<b>") }}|'
    '{{ ngettext("%(num)d certificate written to %(path)s", '
    '"%(num)d certificates written to %(path)s", 2, path="x") }}'
)


def test_templates_translate_into_the_default_locale_escaping_their_values(app):
    with app.test_request_context("/"):
        signed, until, written = render_template_string(PAGE).split("|")
    assert signed == "Ditandatangani"
    assert until == "Penandatanganan dibuka sampai &lt;b&gt;."
    assert written == "2 sertifikat disimpan ke x"


def test_a_page_rendered_in_a_forced_locale_is_in_that_locale(app):
    with app.test_request_context("/"), force_locale("en"):
        assert render_template_string(PAGE).split("|")[0] == "Signed"


def test_a_page_looks_its_catalog_up_once_however_many_strings_it_has(app, monkeypatch):
    lookups, look_up = [], i18n.get_translations

    def counted():
        lookups.append(1)
        return look_up()

    monkeypatch.setattr(i18n, "get_translations", counted)
    with app.test_request_context("/"):
        render_template_string(PAGE * 5)
    assert len(lookups) == 1
