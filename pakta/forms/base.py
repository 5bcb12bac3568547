"""The base of every form: WTForms' own messages ("This field is required.") in the user's
language. WTForms ships no Indonesian catalog, so they come from Pakta's
(pakta/forms/wtforms_messages.py lists them for `make messages`)."""

from flask_babel import get_translations
from flask_wtf import FlaskForm


class _Catalog:
    """What WTForms asks of ``Meta.get_translations``: Pakta's catalog for this request."""

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


CATALOG = _Catalog()


class PaktaForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return CATALOG
