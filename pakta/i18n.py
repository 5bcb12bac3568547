"""Translation helpers shared by views, forms and services.

Message ids are English; Bahasa Indonesia (``id``) is the default locale and
its catalog must be complete. Services import ``_l`` from here so that they
never depend on a request: the lazy string is translated when it is shown.
"""

from flask import current_app, request, session
from flask_babel import Babel, format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
