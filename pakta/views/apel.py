"""Apel mode: the operator's big screen and the signing its QR code leads to.

Operator pages live under ``/apel/``; the signer's pages under ``/a/<apel>/``.
The screen polls ``status.json`` (no server-sent events, nothing in memory), so
it works through a plain reverse proxy and on any number of app processes.
"""

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pakta.db import get_session
from pakta.forms.apel import ApelCloseForm, ApelIdentityForm, ApelOpenForm
from pakta.forms.signing import SignForm
from pakta.i18n import _, _l
from pakta.input_guard import body_limit
from pakta.models import ApelSession, Employee, Signature, SignatureMethod, Unit, utcnow
from pakta.qr import qr_svg
from pakta.security import count_as_failure, hashed_key, limiter, signing_failures
from pakta.services import apel as apel_service
from pakta.services import apel_locks, audit, campaigns, signing, units
from pakta.services.certificates import issuing
from pakta.templating import local_datetime
from pakta.timeutil import local_zone
from pakta.views.form_pages import CONFLICT, UNPROCESSABLE, form_page
from pakta.views.signing import (
    DOWNLOAD_LIMIT,
    STATUS_LIMIT,
    acknowledged_points,
    certificate_download,
    certificate_ready,
    certificate_status_response,
    paused_page,
    signing_body,
    try_to_sign,
    unavailable,
)

bp = Blueprint("apel", __name__)

GRANT_KEY = "apel_pass"
ENTRY_KEY = "apel_entry"
DONE_KEY = "apel_done"
# Everyone at an apel on the office Wi-Fi can share one address, so nothing here is limited
# per address except failures (``signing_failures``). Code checks are limited per NIP (the
# database also locks a NIP, or an address, after a few wrong codes), signing per pass.
NIP_LIMIT = "10 per minute"
HOLDER_LIMIT = "30 per minute"
# A NIP, a code and the CSRF token: a body past this is no identity check, and is refused
# before the per-NIP limit reads the form.
ENTRY_BODY_BYTES = 16 * 1024
entry_body = body_limit(
    ENTRY_BODY_BYTES,
    _l("What was sent is too large"),
    _l("Go back and type your NIP and your verification code again."),
)


@bp.after_request
def no_store(response):
    # Tokens, passes and names: nothing here may be cached or replayed from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the operator's side -----------------------------------------------------------------


def _scope() -> set[int] | None:
    return units.visible_unit_ids(get_session(), current_user)


def _apel_in_scope(public_id: str) -> ApelSession:
    apel = apel_service.get(get_session(), public_id)
    if apel is None or not apel_service.in_scope(apel, _scope()):
        abort(404)
    return apel


def _unit_choices(scope: set[int] | None) -> list[tuple[int, str]]:
    statement = select(Unit.id, Unit.code, Unit.name).where(Unit.active).order_by(Unit.code)
    if scope is not None:
        statement = statement.where(Unit.id.in_(scope))
    return [(row.id, f"{row.name} ({row.code})") for row in get_session().execute(statement)]


@bp.route("/apel/", methods=["GET", "POST"])
@login_required
def index():
    db = get_session()
    scope = _scope()
    campaign = campaigns.open_campaign(get_session())
    form = ApelOpenForm()
    form.unit.choices = _unit_choices(scope)
    if current_user.unit_id is not None and not form.is_submitted():
        form.unit.data = current_user.unit_id
    refused_with = UNPROCESSABLE
    if request.method == "POST":
        unit = db.get(Unit, form.unit.data) if isinstance(form.unit.data, int) else None
        if unit is None or (scope is not None and unit.id not in scope):
            abort(404)
        if campaign is None:
            flash(_("No campaign is open for signing now."), "error")
            refused_with = CONFLICT
        elif form.validate_on_submit():
            apel, created = apel_service.open_session(
                db, campaign=campaign, unit=unit, user=current_user
            )
            if created:
                audit.record(
                    db,
                    actor=current_user,
                    action="apel.open",
                    target_type="apel_session",
                    target_id=apel.public_id,
                    ip_address=request.remote_addr,
                    campaign=campaign.slug,
                    unit=unit.code,
                )
            db.commit()
            return redirect(url_for("apel.screen", public_id=apel.public_id), code=303)
    now = utcnow()
    sessions = apel_service.sessions_in_scope(db, scope)
    return form_page(
        "apel/index.html",
        refused_with=refused_with,
        campaign=campaign,
        form=form,
        sessions=sessions,
        open_ids={s.id for s in sessions if apel_service.is_open(s, now)},
        close_form=ApelCloseForm(),
        locked=apel_locks.locked_numbers(db, scope, now),
    )


@bp.post("/apel/<public_id>/tutup")
@login_required
def close(public_id: str):
    db = get_session()
    apel = _apel_in_scope(public_id)
    form = ApelCloseForm()
    if not form.validate_on_submit():
        abort(400)
    if apel.closed_at is None:
        apel_service.close_session(apel)
        audit.record(
            db,
            actor=current_user,
            action="apel.close",
            target_type="apel_session",
            target_id=apel.public_id,
            ip_address=request.remote_addr,
            campaign=apel.campaign.slug,
            unit=apel.unit.code,
            signatures=apel_service.count_apel_signatures(db, apel),
        )
        db.commit()
        flash(_("Apel mode is closed: its QR code no longer works."), "info")
    return redirect(url_for("apel.index"), code=303)


@bp.get("/apel/<public_id>/layar")
@login_required
def screen(public_id: str):
    apel = _apel_in_scope(public_id)
    figures = apel_service.status(get_session(), apel, tz=local_zone())
    return render_template("apel/screen.html", apel=apel, status=figures)


def status_document(apel: ApelSession, figures: apel_service.Status) -> dict:
    return {
        "open": figures.open,
        "window": figures.window,
        "qr": url_for("apel.qr", public_id=apel.public_id, w=figures.window),
        "signed": figures.signed,
        "roster": figures.roster,
        "percent": round(figures.rate, 1),
        "today": figures.today,
        "recent": figures.recent,
    }


@bp.get("/apel/<public_id>/status.json")
def status(public_id: str):
    if not current_user.is_authenticated:
        return jsonify(error="login required"), 401
    apel = _apel_in_scope(public_id)
    figures = apel_service.status(get_session(), apel, tz=local_zone())
    return jsonify(status_document(apel, figures))


def entry_url(apel: ApelSession, now: datetime | None = None) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/a/{apel.public_id}/{apel_service.token_for(apel, now)}"


@bp.get("/apel/<public_id>/qr.svg")
@login_required
def qr(public_id: str):
    apel = _apel_in_scope(public_id)
    if not apel_service.is_open(apel):
        abort(404)
    return Response(qr_svg(entry_url(apel)), mimetype="image/svg+xml")


# -- the signer's side -------------------------------------------------------------------


def _public_apel(public_id: str) -> ApelSession:
    apel = apel_service.get(get_session(), public_id)
    if apel is None:
        count_as_failure()
        abort(404)
    return apel


def nip_key() -> str:
    return hashed_key("nip", apel_service.normalize_number(request.form.get("number", "")))


def pass_key() -> str:
    """The holder of the signing pass in this browser session; without one, the address
    (such a request only gets the page asking to scan again)."""
    granted = session.get(GRANT_KEY)
    if isinstance(granted, dict) and granted.get("employee") is not None:
        return f"pass:{granted.get('apel')}:{granted.get('employee')}"
    return "no-pass:" + (request.remote_addr or "")


def _rescan(apel: ApelSession | None, reason: str, status_code: int = 410):
    return render_template("apel/rescan.html", apel=apel, reason=reason), status_code


def _has_entry(apel: ApelSession) -> bool:
    granted = session.get(ENTRY_KEY)
    return (
        isinstance(granted, dict)
        and granted.get("apel") == apel.id
        and isinstance(granted.get("until"), int)
        and granted["until"] > utcnow().timestamp()
    )


@bp.route("/a/<public_id>/<token>", methods=["GET", "POST"])
@entry_body
@limiter.limit(NIP_LIMIT, key_func=nip_key, methods=["POST"])
@signing_failures
def entry(public_id: str, token: str):
    db = get_session()
    apel = _public_apel(public_id)
    now = utcnow()
    if not apel_service.is_open(apel, now):
        return _rescan(apel, "closed")
    check = apel_service.check_token(apel, token, now)
    if check is apel_service.TokenCheck.INVALID:
        count_as_failure()
        abort(404)
    # A scan in time gives a few minutes to type the NIP and code, even as the token ages.
    if check is apel_service.TokenCheck.EXPIRED and not (
        request.method == "POST" and _has_entry(apel)
    ):
        return _rescan(apel, "expired")
    campaign = apel.campaign
    if not campaign.is_open(now):
        error = signing.CampaignNotOpen(campaign, now)
        return unavailable(error, campaign)
    if request.method == "GET":
        session[ENTRY_KEY] = {
            "apel": apel.id,
            "until": int((now + apel_service.ENTRY_LIFETIME).timestamp()),
        }
    form = ApelIdentityForm()
    error, refused_with = None, UNPROCESSABLE
    if form.validate_on_submit():
        result = apel_service.verify_identity(
            db,
            apel,
            number=form.number.data,
            code=form.code.data,
            address=request.remote_addr or "",
            now=now,
        )
        # A failed attempt must count even though nothing else is written.
        db.commit()
        if result.ok:
            session.pop(ENTRY_KEY, None)
            session.pop(DONE_KEY, None)
            session[GRANT_KEY] = apel_service.make_pass(apel, result.employee, now)
            return redirect(url_for("apel.sign", public_id=apel.public_id), code=303)
        count_as_failure()
        error = _refusal_message(result)
        if result.retry_at:
            refused_with = 429
    elif request.method == "POST":
        error = _("Fill in your NIP and your verification code.")
    return form_page(
        "apel/entry.html",
        refused_with=refused_with,
        apel=apel,
        campaign=campaign,
        form=form,
        error=error,
    )


def _refusal_message(result: apel_service.IdentityResult) -> str:
    if result.refusal is apel_service.Refusal.LOCKED:
        return _(
            "Too many wrong attempts. Wait until %(time)s, then try again.",
            time=local_datetime(result.retry_at, "HH.mm zzz"),
        )
    if result.refusal is apel_service.Refusal.NO_CODE:
        return _(
            "The roster has no verification code for you, so you cannot sign here. "
            "Sign through your personal link, or at the kiosk with the operator."
        )
    return _(
        "The NIP or the verification code is wrong, or you are not on the roster of this "
        "apel's unit. Check both and try again."
    )


def _pass_holder(apel: ApelSession):
    employee_id = apel_service.pass_employee_id(session.get(GRANT_KEY), apel)
    if employee_id is None:
        return None
    employee = get_session().get(Employee, employee_id)
    if employee is None or not apel_service.may_sign_here(get_session(), apel, employee):
        return None
    return employee


def _finish(signature: Signature, apel: ApelSession, *, created: bool):
    session.pop(GRANT_KEY, None)
    session[DONE_KEY] = {"apel": apel.id, "signature": signature.public_id, "new": created}
    return redirect(url_for("apel.done", public_id=apel.public_id), code=303)


@bp.route("/a/<public_id>/tanda-tangan", methods=["GET", "POST"])
@signing_body
@limiter.limit(HOLDER_LIMIT, key_func=pass_key)
@signing_failures
def sign(public_id: str):
    db = get_session()
    apel = _public_apel(public_id)
    employee = _pass_holder(apel)
    if employee is None:
        return _rescan(apel, "pass", 403)
    campaign = apel.campaign
    existing = signing.existing_signature(db, campaign, employee)
    if existing is not None:
        return _finish(existing, apel, created=False)
    # A valid pass lets its holder finish even if the operator closes the apel meanwhile.
    try:
        signing.check_can_sign(campaign, employee, utcnow())
    except signing.SigningError as error:
        return unavailable(error, campaign, employee=employee)
    if paused := paused_page():
        return paused
    form = SignForm()
    problems = {}
    if request.method == "POST":
        outcome, problems = try_to_sign(
            form, campaign, employee, SignatureMethod.APEL, apel_session_id=apel.id
        )
        if outcome is not None:
            return _finish(outcome.signature, apel, created=outcome.created)
    return form_page(
        "apel/sign.html",
        apel=apel,
        form=form,
        campaign=campaign,
        employee=employee,
        problems=problems,
        ticked=acknowledged_points(request.form),
    )


def _own_signature(apel: ApelSession) -> tuple[Signature | None, dict]:
    """The signature this browser session made at this apel (from its done mark), or None:
    a signer's done page and certificate are theirs alone."""
    shown = session.get(DONE_KEY)
    if not (isinstance(shown, dict) and shown.get("apel") == apel.id):
        return None, {}
    signature = get_session().scalar(
        select(Signature).where(
            Signature.public_id == str(shown.get("signature")),
            Signature.campaign_id == apel.campaign_id,
        )
    )
    return signature, shown


def done_key() -> str:
    """The signer's done mark in this browser session; without one, the address."""
    shown = session.get(DONE_KEY)
    if isinstance(shown, dict) and shown.get("signature"):
        return f"apel-done:{shown.get('signature')}"
    return "no-done:" + (request.remote_addr or "")


@bp.get("/a/<public_id>/selesai")
def done(public_id: str):
    apel = _public_apel(public_id)
    signature, shown = _own_signature(apel)
    if signature is None:
        return _rescan(apel, "pass", 403)
    return render_template(
        "apel/done.html",
        apel=apel,
        signature=signature,
        campaign=apel.campaign,
        already=not shown.get("new"),
        ready=certificate_ready(signature, issuing.issued(get_session(), signature) is not None),
    )


@bp.get("/a/<public_id>/sertifikat/status")
@limiter.limit(STATUS_LIMIT, key_func=done_key)
@signing_failures
def certificate_status(public_id: str):
    """The done page's progress script asks here, as the personal link's does."""
    apel = _public_apel(public_id)
    signature, _shown = _own_signature(apel)
    if signature is None:
        response = jsonify(ready=False, error="not found")
        response.status_code = 404
        return response
    issued = issuing.issued(get_session(), signature) is not None
    return certificate_status_response(
        signature, issued, url_for("apel.certificate", public_id=apel.public_id)
    )


@bp.get("/a/<public_id>/sertifikat.pdf")
@limiter.limit(DOWNLOAD_LIMIT, key_func=done_key)
@signing_failures
def certificate(public_id: str):
    apel = _public_apel(public_id)
    signature, _shown = _own_signature(apel)
    if signature is None:
        return _rescan(apel, "pass", 403)
    return certificate_download(signature)
