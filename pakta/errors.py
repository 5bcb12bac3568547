"""Error pages in one place: one handler per code, HTML or JSON by what was asked."""

import math
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import format_timedelta
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
    409: _l("That cannot be done now"),
    413: _l("The file is too large"),
    422: _l("What was sent could not be accepted"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}

EXPLANATIONS = {
    400: _l("Check what you entered and try again."),
    403: _l("If you believe you should have access, contact your unit's operator or the admin."),
    404: _l("The address may be mistyped, or the page has moved."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("Reload the page to see how things stand now, then try again."),
    413: _l("Upload a smaller file."),
    422: _l("Check what you entered and try again."),
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


def render_error(
    code: int, detail: str | None = None, back_url: str | None = None, title: str | None = None
):
    """The error page; ``back_url`` makes its button go back there instead of home, ``title``
    says more than the code's own title."""
    title = str(title or TITLES.get(code, TITLES[500]))
    explanation = detail or str(EXPLANATIONS.get(code, EXPLANATIONS[500]))
    if wants_json():
        return jsonify(error={"code": code, "title": title, "detail": explanation}), code
    return render_template(
        "errors/error.html", code=code, title=title, explanation=explanation, back_url=back_url
    ), code


def wait_in_words(seconds: int) -> str:
    """ "in 2 minutes" ("dalam 2 menit"): a minute or more is rounded up to whole minutes, so
    the words never promise less than the wait."""
    if seconds >= 60:
        seconds = 60 * math.ceil(seconds / 60)
    return format_timedelta(timedelta(seconds=seconds), threshold=1, add_direction=True)


def handle_too_many_requests(_error: HTTPException):
    from pakta.security import retry_after

    seconds = retry_after()
    if seconds is None:
        return render_error(429)
    detail = _("Please try again %(wait)s.", wait=wait_in_words(seconds))
    response = current_app.make_response(render_error(429, detail))
    # Flask-Limiter sends no rate-limit headers (they cost Redis reads on every request).
    response.headers["Retry-After"] = str(seconds)
    return response


def form_page() -> str:
    """Where the form that was sent is: the page that linked here if it is on this site,
    else the address it was sent to (forms here post to their own page)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme in ("http", "https") and referrer.netloc == request.host:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return request.path


def handle_too_large(_error: HTTPException):
    from pakta.input_guard import request_body_limit

    limit = request_body_limit()
    if limit is not None:
        return render_error(
            413, str(limit.explanation), back_url=form_page(), title=str(limit.title)
        )
    detail = _(
        "A file can be at most %(size)s MB. Choose a smaller file, or split it into parts.",
        size=current_app.config["MAX_UPLOAD_MB"],
    )
    return render_error(413, detail, back_url=form_page())


def handle_http_error(error: HTTPException):
    code = error.code or 500
    if code not in TITLES:
        code = 400 if 400 <= code < 500 else 500
    return render_error(code)


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
    app.register_error_handler(413, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
