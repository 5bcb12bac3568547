"""Flask-Login wiring, server-side sessions and the role checks views use."""

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from pakta import clock
from pakta.db import get_session
from pakta.i18n import _l
from pakta.models import User
from pakta.services import login_sessions

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open that page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

# The signed cookie's key for the server-side session's token (services.login_sessions).
LOGIN_SESSION_KEY = "login_session"
# What an admin without a second factor may open: the enrolment page and the way out.
OPEN_BEFORE_ENROLMENT = {
    "auth.mfa_setup",
    "auth.mfa_qr",
    "auth.logout",
    "auth.set_language",
    "static",
}


def timeouts() -> login_sessions.Timeouts:
    config = current_app.config
    return login_sessions.Timeouts(
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
    )


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # The id carries the session version, so a password change ends other sessions even
    # for a cookie whose server-side session somehow outlived it.
    raw_id, _, version = user_id.partition(":")
    token = session.get(LOGIN_SESSION_KEY)
    if not token or not raw_id.isdigit() or not version.isdigit():
        return None
    db = get_session()
    user, written = login_sessions.resume(
        db, token, int(raw_id), now=clock.now(), timeouts=timeouts()
    )
    if written:
        db.commit()
    if user is None or user.session_version != int(version):
        return None
    return user


def begin_session(user: User) -> None:
    """Logs ``user`` in with a new session: a new token and a cleared cookie (no fixation),
    keeping only the chosen language."""
    db = get_session()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[LOGIN_SESSION_KEY] = login_sessions.start(
        db, user, now=clock.now(), ip_address=request.remote_addr or "", timeouts=timeouts()
    )
    login_user(user)


def end_session() -> None:
    token = session.get(LOGIN_SESSION_KEY)
    if token:
        login_sessions.end(get_session(), token)
    logout_user()
    session.pop(LOGIN_SESSION_KEY, None)


def current_token() -> str | None:
    return session.get(LOGIN_SESSION_KEY)


def require_second_factor():
    """An admin without TOTP is sent to enrol, and can open nothing else until done."""
    if LOGIN_SESSION_KEY not in session or request.endpoint in OPEN_BEFORE_ENROLMENT:
        return None  # not logged in: no user is loaded (the signing routes pay nothing)
    if current_user.is_authenticated and current_user.is_admin and not current_user.has_totp:
        return redirect(url_for("auth.mfa_setup"))
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(require_second_factor)


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
