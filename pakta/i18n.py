"""Translation helpers shared by views, forms and services.

Message ids are English; Bahasa Indonesia (``id``) is the default locale and
its catalog must be complete. Services import ``_l`` from here so that they
never depend on a request: the lazy string is translated when it is shown.
"""

from flask import current_app, request, session
from flask_babel import Babel, format_datetime, get_locale, get_translations, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import pass_context

__all__ = ["_", "_l", "ngettext", "babel", "format_datetime", "get_locale", "LOCALES"]

LOCALES = {"id": "Bahasa Indonesia", "en": "English"}

babel = Babel()


def select_locale() -> str:
    chosen = session.get("locale") if request else None
    if chosen in LOCALES:
        return chosen
    return current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Templates look the catalog up once per page, not once per string: Flask-Babel's own
    # callables find it anew for each of the few dozen strings a page has, which cost the
    # signing pages a third of their rendering. Jinja still escapes and formats each string.
    app.context_processor(_page_catalog)
    app.jinja_env.install_gettext_callables(
        gettext=_page_gettext, ngettext=_page_ngettext, newstyle=True
    )


# The page's catalog, under a name no view passes.
_CATALOG = "_page_catalog"


def _page_catalog() -> dict:
    return {_CATALOG: get_translations()}


def _catalog(context):
    # A macro imported without the page's context finds no catalog there: ask Flask-Babel.
    return context.get(_CATALOG) or get_translations()


@pass_context
def _page_gettext(context, string: str) -> str:
    return _catalog(context).ugettext(string)


@pass_context
def _page_ngettext(context, singular: str, plural: str, number: int) -> str:
    return _catalog(context).ungettext(singular, plural, number)
