"""Template filters and globals: local times, masked numbers, versioned static files."""

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import format_datetime
from jinja2 import pass_context

from pakta import formats, labels
from pakta.i18n import LOCALES, get_locale
from pakta.services.identity import mask_identity
from pakta.timeutil import local_zone


@cache
def _static_digest(path: str) -> str:
    file = Path(current_app.static_folder) / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """A static URL that changes with the file, so it can be cached for a year."""
    if not has_request_context():
        return _versioned(path)
    # Every page asks for the same few files: each URL is built once per app and script
    # root (a proxy's prefix) rather than by a url_for a file on every page.
    known = current_app.extensions.setdefault("pakta.static_urls", {})
    key = (request.script_root, path)
    if key not in known:
        known[key] = _versioned(path)
    return known[key]


def _versioned(path: str) -> str:
    return url_for("static", filename=path, v=_static_digest(path))


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    patterns = {
        "medium": "d MMMM yyyy, HH.mm zzz",
        "date": "d MMMM yyyy",
        "short": "d MMM yyyy HH.mm",
        "time": "HH.mm",
    }
    pattern = patterns.get(style, style)
    if "zzz" in pattern:
        # The zone's own abbreviation (WIB, WITA, WIT) in every language, where CLDR
        # would print "+0700" in English.
        abbreviation = value.astimezone(local_zone()).tzname() or ""
        pattern = pattern.replace("zzz", "'" + abbreviation.replace("'", "''") + "'")
    return format_datetime(value, pattern)


# The page's locale, under a name no view passes: looked up once a page rather than once for
# each of the thousands of numbers a dashboard writes.
_LOCALE = "_page_locale"


def _page_locale() -> dict:
    return {_LOCALE: str(get_locale())}


@pass_context
def _number(context, value: int | float | None) -> str:
    return formats.number(value, locale=context.get(_LOCALE))


@pass_context
def _percent(context, rate: float | None, whole: bool = False) -> str:
    return formats.percent(rate, whole=whole, locale=context.get(_LOCALE))


def init_app(app: Flask) -> None:
    app.context_processor(_page_locale)
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["mask"] = mask_identity
    app.jinja_env.filters["percent"] = _percent
    app.jinja_env.filters["number"] = _number
    app.jinja_env.filters["day"] = formats.day
    app.jinja_env.filters["signing_method"] = labels.signing_method
    app.jinja_env.filters["audit_action"] = labels.audit_action
    app.jinja_env.globals["audit_object"] = labels.audit_object
    app.jinja_env.globals.update(static_url=static_url, get_locale=get_locale, LOCALES=LOCALES)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
