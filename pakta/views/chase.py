"""Chasing the units that lag: not-yet-signed lists, reminders, and the rollup as files.

Every route reads only the user's scope: an operator's unit and its sub-units (a unit
outside it is a 404, as on the dashboard), everything for an admin. The scope, campaign
and view are those of the dashboard (``pakta.views.rollups``).
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from pakta.db import get_session
from pakta.errors import render_error
from pakta.forms.chase import ReminderForm
from pakta.i18n import _
from pakta.models import Unit, utcnow
from pakta.services import audit, exports, reminders, units
from pakta.timeutil import local_zone
from pakta.views.form_pages import CONFLICT, UNPROCESSABLE
from pakta.views.letterhead import issuer_name, letterhead
from pakta.views.rollups import scope_roots, selected_campaign, selected_view, visible_ids

bp = Blueprint("chase", __name__, url_prefix="/admin/rekap")

# A text/* mimetype gets "; charset=utf-8" from Werkzeug: naming it here would say it twice.
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@bp.before_request
@login_required
def require_login():
    pass


@bp.after_request
def no_store(response):
    # The lists carry personal signing links.
    response.headers["Cache-Control"] = "no-store"
    return response


def _unit_in_scope(code: str) -> tuple[Unit, set[int]]:
    """The unit and its sub-tree, if the user may see it; 404 otherwise."""
    db = get_session()
    target = units.get_unit(db, code)
    scope = visible_ids()
    if target is None or (scope is not None and target.id not in scope):
        abort(404)
    return target, units.subtree_ids(db, target.id)


def _attachment(body: bytes, mimetype: str, *parts: str) -> Response:
    filename = secure_filename("-".join(parts)) or "pakta"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _pending(campaign, subtree):
    return reminders.pending(
        get_session(),
        campaign,
        subtree,
        creator=current_user,
        base_url=current_app.config["BASE_URL"],
    )


@bp.get("/belum/<code>")
def not_signed(code: str):
    db = get_session()
    campaign = selected_campaign()
    unit, subtree = _unit_in_scope(code)
    people = _pending(campaign, subtree)
    db.commit()  # links created for people who had none
    # Read by employees, not by the operator: in the instance's language.
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        group_text = reminders.group_text(campaign, len(people), unit.name)
        texts = {person.employee_id: reminders.personal_text(campaign, person) for person in people}
    return render_template(
        "rollups/not_signed.html",
        campaign=campaign,
        view=selected_view(),
        unit=unit,
        people=people,
        group_text=group_text,
        texts=texts,
        with_email=sum(1 for person in people if person.email),
        with_phone=sum(1 for person in people if person.phone),
        smtp_ready=reminders.SmtpSettings.from_config(current_app.config) is not None,
        is_open=campaign.is_open(utcnow()),
        form=ReminderForm(),
    )


@bp.get("/belum/<code>.csv")
def not_signed_csv(code: str):
    db = get_session()
    campaign = selected_campaign()
    unit, subtree = _unit_in_scope(code)
    people = _pending(campaign, subtree)
    audit.record(
        db,
        actor=current_user,
        action="rollups.export",
        target_type="unit",
        target_id=unit.code,
        ip_address=request.remote_addr,
        campaign=campaign.slug,
        list="not_signed",
        format="csv",
        count=len(people),
    )
    db.commit()
    return _attachment(
        exports.not_signed_csv(people), FORMATS["csv"], "belum", campaign.slug, unit.code + ".csv"
    )


@bp.post("/belum/<code>/ingatkan")
def remind(code: str):
    db = get_session()
    campaign = selected_campaign()
    unit, subtree = _unit_in_scope(code)
    list_url = url_for("chase.not_signed", code=unit.code, campaign=campaign.slug)
    smtp = reminders.SmtpSettings.from_config(current_app.config)
    form = ReminderForm()
    if smtp is None:
        return render_error(
            CONFLICT, _("Reminder emails are not set up on this server."), back_url=list_url
        )
    if not form.validate_on_submit():
        return render_error(UNPROCESSABLE, _("Tick the box to confirm."), back_url=list_url)
    people = _pending(campaign, subtree)
    try:
        outcome = reminders.send_reminders(
            db,
            campaign,
            people,
            sender=current_user,
            smtp=smtp,
            limit_per_hour=current_app.config["REMINDER_LIMIT_PER_HOUR"],
            locale=current_app.config["DEFAULT_LOCALE"],
            issuer=issuer_name(campaign),
        )
    except reminders.CampaignNotOpen:
        db.rollback()
        return render_error(
            CONFLICT,
            _("Reminders can only be sent while the campaign is open for signing."),
            back_url=list_url,
        )
    audit.record(
        db,
        actor=current_user,
        action="reminders.send",
        target_type="unit",
        target_id=unit.code,
        ip_address=request.remote_addr,
        campaign=campaign.slug,
        sent=outcome.sent,
        failed=outcome.failed,
        recently_reminded=outcome.recently_reminded,
        without_email=outcome.without_email,
        over_limit=outcome.over_limit,
    )
    db.commit()
    flash(
        _(
            "Reminder emails sent: {sent}. Failed: {failed}. Skipped, reminded in the last "
            "12 hours: {recent}. Skipped, no email address: {without}. Skipped, over your "
            "hourly limit: {over}."
        ).format(
            sent=outcome.sent,
            failed=outcome.failed,
            recent=outcome.recently_reminded,
            without=outcome.without_email,
            over=outcome.over_limit,
        ),
        "error" if outcome.failed else "success",
    )
    if outcome.first_error:
        flash(_("The mail server said: {error}").format(error=outcome.first_error), "error")
    return redirect(list_url)


@bp.get("/ekspor.<fmt>")
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    db = get_session()
    campaign = selected_campaign()
    view = selected_view()
    code = request.args.get("unit")
    if code:
        unit, _subtree = _unit_in_scope(code)
        roots = {unit.id}
    else:
        unit, roots = None, scope_roots()
    report = exports.recap(
        db, campaign, user=current_user, root_unit_ids=roots, view=view, with_people=fmt == "xlsx"
    )
    if fmt == "csv":
        body = exports.rollup_csv(report)
    elif fmt == "xlsx":
        body = exports.rollup_xlsx(report, tz=local_zone())
    else:
        issued_by = letterhead(campaign)
        body = exports.recap_pdf(report, issued_by)
    audit.record(
        db,
        actor=current_user,
        action="rollups.export",
        target_type="campaign",
        target_id=campaign.slug,
        ip_address=request.remote_addr,
        format=fmt,
        view=view.value,
        unit=unit.code if unit else None,
        units=len(report.rows),
    )
    db.commit()
    parts = ["rekap", campaign.slug, view.value] + ([unit.code] if unit else [])
    parts[-1] += f".{fmt}"
    return _attachment(body, FORMATS[fmt], *parts)
