"""Error pages in one place: one handler per code, HTML or JSON by what was asked."""

import re
import uuid

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc
from werkzeug.exceptions import HTTPException, InternalServerError

from pakta.i18n import _, _l

# How long a client is asked to wait while the database is away: a PostgreSQL restart
# or a failover takes seconds, and the signing page retries on its own.
RETRY_AFTER_SECONDS = 30
# A request id from the proxy (nginx's $request_id) is kept when it looks like one.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    413: _l("The file is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}

EXPLANATIONS = {
    400: _l("Check what you entered and try again."),
    403: _l("If you believe you should have access, contact your unit's operator or the admin."),
    404: _l("The address may be mistyped, or the page has moved."),
    405: _l("Go back and use the buttons on the page."),
    413: _l("Upload a smaller file."),
    429: _l("Please wait a moment before trying again."),
    500: _l("The error has been recorded. Please try again in a few minutes."),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, detail: str | None = None):
    title = str(TITLES.get(code, TITLES[500]))
    explanation = detail or str(EXPLANATIONS.get(code, EXPLANATIONS[500]))
    if wants_json():
        return jsonify(error={"code": code, "title": title, "detail": explanation}), code
    return render_template(
        "errors/error.html", code=code, title=title, explanation=explanation
    ), code


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if code not in TITLES:
        code = 400 if 400 <= code < 500 else 500
    return render_error(code)


def handle_too_many_requests(_error: HTTPException):
    from pakta.security import retry_after

    response = current_app.make_response(render_error(429))
    seconds = retry_after()
    if seconds is not None:
        response.headers["Retry-After"] = str(seconds)
    return response


def handle_csrf_error(_error: CSRFError):
    return render_error(
        400, str(_l("The form expired or was sent twice. Reload the page and try again."))
    )


def request_id() -> str:
    """The id tying a response to its log line: the proxy's X-Request-ID, else a new one."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex[:16]
    return g.request_id


def render_unavailable(detail: str):
    """The 503 that says signing is paused: no database is touched to render it."""
    title = _("Signing is paused for a moment")
    retry = _("Please try again in {seconds} seconds.").format(seconds=RETRY_AFTER_SECONDS)
    rid = request_id()
    if wants_json():
        problem = {
            "type": "about:blank",
            "title": title,
            "status": 503,
            "detail": f"{detail} {retry}",
            "request_id": rid,
        }
        response = jsonify(problem)
        response.mimetype = "application/problem+json"
    else:
        response = current_app.make_response(
            render_template(
                "errors/unavailable.html", title=title, detail=detail, retry=retry, request_id=rid
            )
        )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["X-Request-ID"] = rid
    return response


def handle_database_error(error: exc.SQLAlchemyError):
    from pakta.db import close_session, describe, is_unavailable

    if not is_unavailable(error):
        return handle_unexpected(error)
    # One line per failure: during an outage every request fails the same way, and a
    # traceback each buries the log.
    current_app.logger.warning(
        "database unavailable [request %s] %s %s: %s",
        request_id(),
        request.method,
        request.path,
        describe(error),
    )
    g.database_failure_logged = True
    close_session()
    return render_unavailable(
        _(
            "The database cannot be reached right now. Signatures already confirmed are "
            "safe; a signature not yet confirmed can be sent again."
        )
    )


def handle_unexpected(error: Exception):
    from pakta.db import close_session

    original = getattr(error, "original_exception", None) or error
    current_app.logger.error(
        "unhandled error on %s %s", request.method, request.path, exc_info=original
    )
    # The session may be mid-transaction and broken; throw it away.
    close_session()
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(exc.SQLAlchemyError, handle_database_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(429, handle_too_many_requests)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
