"""Admins look after the staff accounts: end their sessions, reset their two-step login,
disable or enable them. Every action is audited."""

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from pakta.auth import admin_required
from pakta.db import get_session
from pakta.forms.auth import ConfirmForm
from pakta.i18n import _
from pakta.models import User
from pakta.services import accounts, login_sessions, mfa
from pakta.views.auth import record

bp = Blueprint("users", __name__, url_prefix="/admin/pengguna")


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _record(action: str, user: User, **details) -> None:
    record(action, user, actor=current_user, email=user.email, **details)


@bp.get("/")
@admin_required
def index():
    db = get_session()
    return render_template(
        "admin/users.html",
        users=db.scalars(select(User).order_by(User.role, User.email)).all(),
        sessions=login_sessions.count_by_user(db),
        form=ConfirmForm(),
    )


def _action(view):
    """A POST on one account: CSRF checked, the account found, committed, back to the list."""

    @wraps(view)
    def wrapped(user_id: int):
        if not ConfirmForm().validate_on_submit():
            abort(400)
        user = _user_or_404(user_id)
        message = view(get_session(), user)
        get_session().commit()
        flash(message, "success")
        return redirect(url_for("users.index"))

    return admin_required(wrapped)


@bp.post("/<int:user_id>/akhiri-sesi")
@_action
def end_sessions(db, user: User) -> str:
    count = login_sessions.end_all(db, user)
    _record("user.sessions_ended", user, count=count)
    return _("{email} was logged out everywhere.").format(email=user.email)


@bp.post("/<int:user_id>/reset-dua-langkah")
@_action
def reset_mfa(db, user: User) -> str:
    mfa.reset(db, user)
    _record("user.mfa_reset", user)
    return _("Two-step login of {email} was reset; they set it up at their next login.").format(
        email=user.email
    )


@bp.post("/<int:user_id>/nonaktifkan")
@_action
def disable(db, user: User) -> str:
    if user.id == current_user.id:
        abort(400)
    accounts.set_active(db, user, False)
    _record("user.disable", user)
    return _("{email} can no longer log in.").format(email=user.email)


@bp.post("/<int:user_id>/aktifkan")
@_action
def enable(db, user: User) -> str:
    accounts.set_active(db, user, True)
    _record("user.enable", user)
    return _("{email} can log in again.").format(email=user.email)
