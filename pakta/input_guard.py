"""Requests carrying a NUL character are refused before any view reads them.

No name, code, token or text of Pakta can hold one; PostgreSQL cannot store one in text
(psycopg refuses the whole statement, which was a 500), and a C library handed one may cut
the string short. So a NUL in the path, the query, a form field or a file's name is a 400.
"""

from collections.abc import Iterator

from flask import Flask, request

from pakta.errors import render_error
from pakta.i18n import _l

NUL = "\x00"


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
    app.before_request(refuse_nul_characters)
