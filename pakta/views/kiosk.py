"""The supervised kiosk: a shared tablet at the apel, run by a logged-in operator.

Nothing of a signer may stay on screen for the next one: every page is
no-store, the script returns to the search after each signature and after a
minute idle, and navigation replaces history instead of adding to it.

While kiosk mode is on, the browser session can reach only the kiosk: a signer
cannot tap their way into the operator's pages, and leaving takes the
operator's password.
"""

from flask import (
    Blueprint,
    abort,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pakta.db import get_session
from pakta.forms.signing import KioskExitForm, KioskSearchForm, KioskStartForm, SignForm
from pakta.i18n import _
from pakta.models import Employee, Signature, SignatureMethod, utcnow
from pakta.security import password_form
from pakta.services import campaigns, kiosk, signing, units
from pakta.views.auth import current_email, record_failure
from pakta.views.form_pages import form_page
from pakta.views.letterhead import issuer_name
from pakta.views.signing import (
    acknowledged_points,
    paused_page,
    signing_body,
    try_to_sign,
    unavailable,
)

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


KIOSK_SESSION_KEY = "kiosk_mode"
# Endpoints a kiosk-mode session may still reach besides the kiosk's own.
OPEN_IN_KIOSK_MODE = {"static", "auth.set_language"}


@bp.before_request
@login_required
def require_login():
    if not in_kiosk_mode() and request.endpoint not in ("kiosk.start", "kiosk.leave"):
        return redirect(url_for("kiosk.start"))
    return None


def in_kiosk_mode() -> bool:
    return has_request_context() and bool(session.get(KIOSK_SESSION_KEY))


@bp.before_app_request
def confine_kiosk_mode():
    if not in_kiosk_mode() or request.blueprint == "kiosk":
        return None
    if request.endpoint in OPEN_IN_KIOSK_MODE:
        return None
    return redirect(url_for("kiosk.search"))


@bp.app_context_processor
def kiosk_flag():
    return {"kiosk_mode": in_kiosk_mode()}


@bp.route("/mulai", methods=["GET", "POST"])
def start():
    form = KioskStartForm()
    if form.validate_on_submit():
        session[KIOSK_SESSION_KEY] = True
        return redirect(url_for("kiosk.search"))
    return form_page("kiosk/start.html", form=form, campaign=campaigns.open_campaign(get_session()))


@bp.route("/keluar", methods=["GET", "POST"])
@password_form(current_email)
def leave():
    from pakta.services import accounts

    form = KioskExitForm()
    if form.validate_on_submit():
        if accounts.verify_password(current_user, form.password.data):
            session.pop(KIOSK_SESSION_KEY, None)
            flash(_("Kiosk mode has ended."), "info")
            return redirect(url_for("admin.index"))
        operator = current_user._get_current_object()
        record_failure("kiosk.leave_failed", operator, actor=operator)
        form.password.errors.append(_("Wrong password."))
    return form_page("kiosk/exit.html", form=form)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _signer_or_404(employee_id: int) -> Employee:
    db = get_session()
    employee = db.get(Employee, employee_id)
    scope = units.visible_unit_ids(db, current_user)
    if employee is None or (scope is not None and employee.unit_id not in scope):
        abort(404)
    return employee


@bp.get("/")
def search():
    db = get_session()
    campaign = campaigns.open_campaign(get_session())
    form = KioskSearchForm(request.args)
    results = []
    if campaign is not None and form.validate() and form.q.data:
        results = kiosk.find_signers(db, form.q.data, units.visible_unit_ids(db, current_user))
    # Whether someone has signed is shown only to that person, once they pick themselves.
    return render_template(
        "kiosk/search.html",
        campaign=campaign,
        issuer_name=issuer_name(campaign),
        form=form,
        results=results,
        too_short=bool(form.q.data) and not kiosk.specific_enough(form.q.data),
        min_query=kiosk.MIN_QUERY,
        min_digits=kiosk.MIN_NUMBER_QUERY,
    )


@bp.route("/tanda-tangan/<int:employee_id>", methods=["GET", "POST"])
@signing_body
def sign(employee_id: int):
    db = get_session()
    campaign = campaigns.open_campaign(get_session())
    employee = _signer_or_404(employee_id)
    if campaign is None:
        return redirect(url_for("kiosk.search"))
    existing = signing.existing_signature(db, campaign, employee)
    if existing is not None:
        if request.method == "POST":
            return redirect(url_for("kiosk.done", public_id=existing.public_id), code=303)
        # Already signed: back to the search, showing nothing of this person's signature.
        return redirect(url_for("kiosk.search", already=1))
    try:
        signing.check_can_sign(campaign, employee, utcnow())
    except signing.SigningError as error:
        return unavailable(error, campaign, employee=employee, kiosk=True)
    if paused := paused_page():
        return paused
    form = SignForm()
    problems = {}
    if request.method == "POST":
        outcome, problems = try_to_sign(
            form, campaign, employee, SignatureMethod.KIOSK, witness_user_id=current_user.id
        )
        if outcome is not None:
            return redirect(url_for("kiosk.done", public_id=outcome.signature.public_id), code=303)
    return form_page(
        "kiosk/sign.html",
        form=form,
        campaign=campaign,
        employee=employee,
        problems=problems,
        ticked=acknowledged_points(request.form),
    )


@bp.get("/selesai/<public_id>")
def done(public_id: str):
    db = get_session()
    signature = db.scalar(select(Signature).where(Signature.public_id == public_id))
    scope = units.visible_unit_ids(db, current_user)
    # Shown only briefly and only to the kiosk that witnessed it.
    if (
        signature is None
        or signature.witness_user_id != current_user.id
        or (scope is not None and signature.unit_id not in scope)
    ):
        abort(404)
    if (utcnow() - signature.signed_at).total_seconds() > 120:
        return redirect(url_for("kiosk.search"))
    return render_template("kiosk/done.html", signature=signature)
