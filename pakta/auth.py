"""Flask-Login wiring and the role checks views use."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort
from flask_login import LoginManager, current_user, login_required

from pakta.db import get_session
from pakta.i18n import _l
from pakta.models import User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to open that page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # The id carries the session version, so a password change ends other sessions.
    raw_id, _, version = user_id.partition(":")
    if not raw_id.isdigit() or not version.isdigit():
        return None
    user = get_session().get(User, int(raw_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
