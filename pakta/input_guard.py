"""Requests carrying a NUL character, or a body larger than their form can take, are refused
before any view reads them.

No name, code, token or text of Pakta can hold a NUL; PostgreSQL cannot store one in text
(psycopg refuses the whole statement, which was a 500), and a C library handed one may cut
the string short. So a NUL in the path, the query, a form field or a file's name is a 400.

Most forms take at most MAX_CONTENT_LENGTH (uploads). A form that can only ever be small,
such as the signing form, says so with ``body_limit``: a larger body is a 413 that says what
was too large, before the form (and the CSRF token in it) is read at all.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask, current_app, request

from pakta.errors import render_error
from pakta.i18n import _l

NUL = "\x00"


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    title: str  # lazy strings: translated when the 413 page is shown
    explanation: str


def body_limit(max_bytes: int, title: str, explanation: str) -> Callable:
    """Marks a view whose requests carry at most ``max_bytes``; put it right under the
    route, so that it marks the function the route calls."""
    limit = BodyLimit(max_bytes, title, explanation)

    def mark(view):
        view.body_limit = limit
        return view

    return mark


def request_body_limit() -> BodyLimit | None:
    """The limit the view of this request was marked with, if any."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "body_limit", None)


def apply_body_limit():
    limit = request_body_limit()
    if limit is not None:
        # Flask applies this request's own limit instead of MAX_CONTENT_LENGTH; Werkzeug
        # raises the 413 when the form is first read, whatever its encoding.
        request.max_content_length = min(limit.max_bytes, current_app.config["MAX_CONTENT_LENGTH"])


def _texts() -> Iterator[str]:
    yield request.path
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            yield key
            yield value
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""


def refuse_nul_characters():
    if any(NUL in text for text in _texts()):
        message = _l("The request contains a NUL character, which no field accepts.")
        return render_error(400, str(message))
    return None


def init_app(app: Flask) -> None:
    # Before anything reads the form: these checks, the CSRF check, limits keyed on a field.
    app.before_request(apply_body_limit)
    app.before_request(refuse_nul_characters)
