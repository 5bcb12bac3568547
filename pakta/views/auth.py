"""Logging in (password, then the second factor), out, changing one's password, two-step
login enrolment, ending one's other sessions, choosing the language."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from pakta import clock
from pakta.auth import begin_session, current_token, end_session
from pakta.db import get_session
from pakta.forms.auth import ChangePasswordForm, ConfirmForm, EnrolForm, LoginForm, SecondFactorForm
from pakta.i18n import LOCALES, _
from pakta.models import User
from pakta.qr import qr_svg
from pakta.security import account_key_for, count_as_failure, password_form, remember_device
from pakta.services import accounts, audit, login_sessions, mfa
from pakta.views.form_pages import form_page

bp = Blueprint("auth", __name__)

# Between the password and the code: who, since when, and where to go afterwards.
PENDING = "second_factor_pending"
PENDING_FOR = timedelta(minutes=5)


@bp.errorhandler(mfa.MfaUnavailable)
def mfa_unavailable(error: mfa.MfaUnavailable):
    """The enrolment pages when the TOTP key is missing or wrong: said plainly, not a 500."""
    from pakta.errors import render_error

    get_session().rollback()
    return render_error(503, str(error))


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def typed_email() -> str:
    return request.form.get("email", "")


def pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending:
        return None
    started = clock.now().timestamp() - pending["at"]
    if started > PENDING_FOR.total_seconds():
        session.pop(PENDING, None)
        return None
    return get_session().get(User, pending["user"])


def pending_email() -> str:
    user = pending_user()
    return user.email if user else ""


def current_email() -> str:
    return current_user.email if current_user.is_authenticated else ""


def record_failure(action: str, user: User | None, email: str = "", *, actor=None) -> None:
    """Counts the failure for the limits and audits it with the address, never the secret
    tried. Before a login completes nobody is known to be acting: the actor is anonymous."""
    count_as_failure()
    db = get_session()
    audit.record(
        db,
        actor=actor or "anonymous",
        action=action,
        target_type="user",
        target_id=user.id if user else email[:64],
        ip_address=request.remote_addr,
    )
    db.commit()


def record(action: str, user: User, *, actor: User | None = None, **details) -> None:
    """Audits an action on ``user``'s account, by ``actor`` (the user themselves unless
    given), with the address."""
    audit.record(
        get_session(),
        actor=actor or user,
        action=action,
        target_type="user",
        target_id=user.id,
        ip_address=request.remote_addr,
        **details,
    )


def recovery_codes_page(codes: list[str]):
    # Shown this once: the page must not stay in a cache or in the history.
    response = make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


def finish_login(user: User, next_url: str | None):
    db = get_session()
    begin_session(user)
    record("auth.login", user)
    db.commit()
    response = redirect(safe_next(next_url) or url_for("admin.index"))
    remember_device(response, account_key_for(user.email))
    return response


@bp.route("/masuk", methods=["GET", "POST"])
@password_form(typed_email)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = accounts.authenticate(db, form.email.data, form.password.data)
        if user is None:
            known = accounts.find_user(db, form.email.data)
            record_failure("auth.login_failed", known, accounts.normalize_email(form.email.data))
            flash(_("Wrong email or password."), "error")
        elif user.has_totp:
            db.commit()  # a rehashed password is kept even if the code never comes
            session[PENDING] = {
                "user": user.id,
                "at": clock.now().timestamp(),
                "next": safe_next(request.args.get("next")),
            }
            return redirect(url_for("auth.second_factor"))
        else:
            return finish_login(user, request.args.get("next"))
    return form_page("auth/login.html", form=form)


@bp.route("/masuk/kode", methods=["GET", "POST"])
@password_form(pending_email)
def second_factor():
    user = pending_user()
    if user is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            accepted = user.active and mfa.check_second_factor(
                db, user, form.code.data, now=clock.now()
            )
        except mfa.MfaUnavailable as error:
            # Not a wrong guess: no code can be checked until the key or the account is put
            # right, which the message asks for (a recovery code still works).
            form.code.errors.append(str(error))
            return render_template("auth/second_factor.html", form=form), 503
        if accepted:
            next_url = session[PENDING].get("next")
            return finish_login(user, next_url)
        record_failure("auth.second_factor_failed", user)
        form.code.errors.append(_("That code is not correct or was already used."))
    return form_page("auth/second_factor.html", form=form)


@bp.route("/akun/dua-langkah", methods=["GET", "POST"])
@login_required
def mfa_setup():
    db = get_session()
    user = current_user._get_current_object()
    if user.has_totp:
        # A POST here is an enrolment form from before two-step login was turned on.
        return form_page("auth/mfa_on.html", form=ConfirmForm())
    secret = mfa.begin_enrolment(user)
    db.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(db, user, form.code.data, now=clock.now())
        except mfa.MfaError as error:
            form.code.errors.append(str(error))
        else:
            record("auth.mfa_enrolled", user)
            db.commit()
            return recovery_codes_page(codes)
    return form_page("auth/mfa_setup.html", form=form, secret=secret)


@bp.get("/akun/dua-langkah/qr.svg")
@login_required
def mfa_qr():
    """The enrolment QR code, made here (pakta.qr): the secret never leaves for a CDN."""
    user = current_user._get_current_object()
    if user.has_totp or not user.totp_secret:
        abort(404)
    response = Response(qr_svg(mfa.provisioning_uri(user)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/akun/dua-langkah/kode-pemulihan")
@login_required
def new_recovery_codes():
    db = get_session()
    user = current_user._get_current_object()
    if not user.has_totp or not ConfirmForm().validate_on_submit():
        abort(400)
    codes = mfa.new_recovery_codes(db, user)
    record("auth.recovery_codes_renewed", user)
    db.commit()
    return recovery_codes_page(codes)


@bp.post("/keluar")
def logout():
    if current_user.is_authenticated:
        db = get_session()
        record("auth.logout", current_user)
        end_session()
        db.commit()
    else:
        end_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/akun/sesi/akhiri")
@login_required
def end_other_sessions():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db = get_session()
    ended = login_sessions.end_all(db, current_user, keep=current_token())
    record("auth.sessions_ended", current_user, count=ended)
    db.commit()
    flash(_("Your other sessions were logged out."), "success")
    return redirect(url_for("auth.change_password"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
@password_form(current_email)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.new_password.data)
        except accounts.WrongPassword as error:
            record_failure("auth.change_password_failed", user, actor=user)
            form.current_password.errors.append(str(error))
        except accounts.AccountError as error:
            form.new_password.errors.append(str(error))
        else:
            login_sessions.end_all(db, user)
            record("auth.change_password", user)
            # Every session ended, this one too: it starts again with a new token.
            begin_session(user)
            db.commit()
            flash(_("Your password has been changed. Other sessions were logged out."), "success")
            return redirect(url_for("admin.index"))
    return form_page("auth/change_password.html", form=form, end_form=ConfirmForm())


@bp.post("/bahasa/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    session["locale"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))
