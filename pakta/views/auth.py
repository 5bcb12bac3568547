"""Logging in and out, changing one's password, choosing the language."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from pakta.db import get_session
from pakta.forms.auth import ChangePasswordForm, LoginForm
from pakta.i18n import LOCALES, _
from pakta.security import count_as_failure, hashed_key, is_failure, limiter
from pakta.services import accounts, audit

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# Only failed logins count, per account (whatever the address: a password guessed from a
# botnet) and per address (whatever the account: colleagues logging in from one office
# are not refused, one address trying passwords is).
ACCOUNT_LIMIT = "10 per minute; 50 per hour"
FAILURES_PER_ADDRESS = "10 per minute; 50 per hour"


def account_key() -> str:
    return hashed_key("account", accounts.normalize_email(request.form.get("email", "")))


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(ACCOUNT_LIMIT, key_func=account_key, methods=["POST"], deduct_when=is_failure)
@limiter.limit(
    FAILURES_PER_ADDRESS, key_func=get_remote_address, methods=["POST"], deduct_when=is_failure
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is None:
            count_as_failure()
            # Failed logins are audited under the address typed, known account or not.
            audit.record(
                db,
                actor=accounts.normalize_email(form.email.data or ""),
                action="auth.login_failed",
                target_type="user",
                target_id=accounts.normalize_email(form.email.data or ""),
                ip_address=request.remote_addr,
            )
            db.commit()
            flash(_("Wrong email or password."), "error")
        else:
            login_user(user)
            audit.record(
                db,
                actor=user,
                action="auth.login",
                target_type="user",
                target_id=user.id,
                ip_address=request.remote_addr,
            )
            db.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/keluar")
def logout():
    if current_user.is_authenticated:
        db = get_session()
        audit.record(
            db,
            actor=current_user,
            action="auth.logout",
            target_type="user",
            target_id=current_user.id,
            ip_address=request.remote_addr,
        )
        db.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except accounts.AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            audit.record(
                db,
                actor=current_user,
                action="auth.change_password",
                target_type="user",
                target_id=current_user.id,
                ip_address=request.remote_addr,
            )
            db.commit()
            # The session version changed: log this session in again so it stays.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/change_password.html", form=form)


@bp.post("/bahasa/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))
