"""Error pages in one place: one handler per code, HTML or JSON by what was asked."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from pakta.i18n import _l

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


def handle_csrf_error(_error: CSRFError):
    return render_error(
        400, str(_l("The form expired or was sent twice. Reload the page and try again."))
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
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
