"""Admin pages: overview, campaigns, roster import, audit trail."""

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pakta.auth import admin_required
from pakta.db import begin_write, get_session
from pakta.forms.admin import (
    CampaignDetailsForm,
    LogoForm,
    NewCampaignForm,
    PactTextForm,
    RosterConfirmForm,
    RosterUploadForm,
    paragraphs,
)
from pakta.i18n import _
from pakta.models import Campaign, utcnow
from pakta.services import audit, campaigns, overview, roster, units
from pakta.timeutil import local_zone, to_local
from pakta.views.form_pages import form_page
from pakta.views.paging import page_number
from pakta.views.uploads import (
    accept_upload,
    check_may_import,
    pending_upload,
    spend,
    upload_table,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def record(action: str, target_type: str, target_id: object, **details) -> None:
    audit.record(
        get_session(),
        actor=current_user,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip_address=request.remote_addr,
        **details,
    )


@bp.get("/")
@login_required
def index():
    db = get_session()
    counts = overview.counts(db, units.visible_unit_ids(db, current_user))
    return render_template(
        "admin/index.html", counts=counts, campaign=campaigns.current_campaign(db)
    )


# -- campaigns ---------------------------------------------------------------


@bp.get("/kampanye")
@admin_required
def campaign_list():
    db = get_session()
    return render_template(
        "admin/campaigns.html", campaigns=campaigns.list_campaigns(db), now=utcnow()
    )


@bp.route("/kampanye/baru", methods=["GET", "POST"])
@admin_required
def campaign_new():
    form = NewCampaignForm()
    if request.method == "GET":
        start = to_local(utcnow()).replace(minute=0, second=0, microsecond=0, tzinfo=None)
        form.opens_at.data = start
        form.closes_at.data = start + timedelta(days=30)
    if form.validate_on_submit():
        db = get_session()
        try:
            campaign = campaigns.create_campaign(
                db,
                slug=form.slug.data,
                title=form.title.data,
                issuing_authority=form.issuing_authority.data or "",
                place=form.place.data,
                official_name=form.official_name.data or "",
                official_title=form.official_title.data or "",
                opens_at=form.opens_at.data.replace(tzinfo=local_zone()),
                closes_at=form.closes_at.data.replace(tzinfo=local_zone()),
            )
        except campaigns.CampaignError as error:
            form.slug.errors.append(str(error))
        else:
            record("campaign.create", "campaign", campaign.id, slug=campaign.slug)
            db.commit()
            flash(_("Campaign created with the four points of the 2022 joint decree."), "success")
            return redirect(url_for("admin.campaign_edit", slug=campaign.slug))
    return form_page("admin/campaign_new.html", form=form)


def _campaign_or_404(slug: str) -> Campaign:
    campaign = campaigns.get_campaign(get_session(), slug)
    if campaign is None:
        abort(404)
    return campaign


@bp.route("/kampanye/<slug>", methods=["GET", "POST"])
@admin_required
def campaign_edit(slug: str):
    db = get_session()
    campaign = _campaign_or_404(slug)
    details = CampaignDetailsForm(
        prefix="details", obj=None if request.method == "POST" else campaign
    )
    if request.method == "GET":
        details.opens_at.data = to_local(campaign.opens_at).replace(tzinfo=None)
        details.closes_at.data = to_local(campaign.closes_at).replace(tzinfo=None)
    text = PactTextForm(prefix="pact")
    if request.method == "GET":
        text.heading.data = campaign.pact.heading
        text.preamble.data = campaign.pact.preamble
        text.points.data = "\n\n".join(campaign.pact.points)
        text.legal_basis.data = "\n\n".join(campaign.pact.legal_basis)
    frozen = campaigns.has_signatures(db, campaign)
    logo = LogoForm(prefix="logo")

    if details.submit.data and details.validate_on_submit():
        try:
            campaigns.update_details(
                db,
                campaign,
                title=details.title.data,
                issuing_authority=details.issuing_authority.data or "",
                place=details.place.data,
                official_name=details.official_name.data or "",
                official_title=details.official_title.data or "",
                opens_at=details.opens_at.data.replace(tzinfo=local_zone()),
                closes_at=details.closes_at.data.replace(tzinfo=local_zone()),
            )
        except campaigns.CampaignError as error:
            details.closes_at.errors.append(str(error))
        else:
            record("campaign.update", "campaign", campaign.id, slug=campaign.slug)
            db.commit()
            flash(_("Campaign saved."), "success")
            return redirect(url_for("admin.campaign_edit", slug=slug))
    elif logo.submit.data and logo.validate_on_submit():
        try:
            campaigns.set_logo(campaign, logo.logo.data.read())
        except campaigns.CampaignError as error:
            logo.logo.errors.append(str(error))
        else:
            record("campaign.logo", "campaign", campaign.id, slug=campaign.slug)
            db.commit()
            flash(_("Logo saved."), "success")
            return redirect(url_for("admin.campaign_edit", slug=slug))
    elif text.submit.data and text.validate_on_submit():
        content = campaigns.PactContent(
            heading=text.heading.data,
            preamble=text.preamble.data or "",
            points=paragraphs(text.points.data),
            legal_basis=paragraphs(text.legal_basis.data),
        )
        try:
            version = campaigns.update_pact(db, campaign, content)
        except campaigns.CampaignError as error:
            text.points.errors.append(str(error))
        else:
            record(
                "campaign.update_pact",
                "campaign",
                campaign.id,
                version=version.version,
                sha256=version.sha256,
            )
            db.commit()
            flash(
                _("Pact text saved as version {version}.").format(version=version.version),
                "success",
            )
            return redirect(url_for("admin.campaign_edit", slug=slug))
    return form_page(
        "admin/campaign_edit.html",
        campaign=campaign,
        details=details,
        text=text,
        frozen=frozen,
        logo=logo,
    )


# -- roster import -----------------------------------------------------------


@bp.route("/roster", methods=["GET", "POST"])
@login_required
def roster_upload():
    check_may_import()
    form = RosterUploadForm()
    if form.validate_on_submit():
        pending = accept_upload(form.roster, roster.read_table, "roster")
        if pending is not None:
            return redirect(url_for("admin.roster_preview", token=pending.token))
    return form_page("admin/roster_upload.html", form=form)


@bp.route("/roster/<token>", methods=["GET", "POST"])
@login_required
def roster_preview(token: str):
    check_may_import()
    db = get_session()
    upload = pending_upload(token, "roster")
    within = units.visible_unit_ids(db, current_user)
    form = RosterConfirmForm()
    deactivate = (
        bool(form.deactivate_missing.data)
        if request.method == "POST"
        else (request.args.get("deactivate_missing") == "1")
    )
    table = upload_table(upload, roster.read_table)
    plan = roster.plan_import(db, table, deactivate_missing=deactivate, within=within)
    if form.validate_on_submit():
        if plan.problems and not form.skip_bad_rows.data:
            flash(_("Nothing was imported: fix the bad rows, or choose to skip them."), "error")
        else:
            result = roster.apply_import(db, plan)
            spend(upload)
            record("roster.import", "roster", upload.filename, **result.as_details())
            db.commit()
            flash(_("Roster imported."), "success")
            return render_template(
                "admin/roster_done.html", result=result, filename=upload.filename
            )
    return form_page(
        "admin/roster_preview.html",
        upload=upload,
        table=table,
        plan=plan,
        form=form,
        deactivate=deactivate,
    )


# -- audit trail ---------------------------------------------------------------


def _audit_filter() -> audit.Filter:
    """The trail's filter from the query string; a day that is not a date is dropped, said."""
    days = {}
    for name in ("since", "until"):
        text = request.args.get(name, "").strip()
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            flash(_("{value} is not a date (YYYY-MM-DD); it was ignored.").format(value=text))
            days[name] = None
    return audit.Filter(
        actor=request.args.get("actor", "")[:255],
        action=request.args.get("action", "")[:64],
        **days,
    )


@bp.get("/audit")
@admin_required
def audit_log():
    page = page_number()
    per_page = 50
    wanted = _audit_filter()
    db = get_session()
    events = audit.events(
        db, wanted, local_zone(), limit=per_page + 1, offset=(page - 1) * per_page
    )
    return render_template(
        "admin/audit.html",
        events=events[:per_page],
        page=page,
        has_next=len(events) > per_page,
        wanted=wanted,
        actions=audit.actions(db),
        query={key: value for key, value in request.args.items() if key != "page"},
    )


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    wanted = _audit_filter()
    db = get_session()
    # The export is itself audited: a writer from the start (SQLite, see pakta.db).
    begin_write(db)
    data = audit.trail_csv(db, wanted, local_zone())
    record("audit.export", "audit", "csv", filters={k: v for k, v in request.args.items() if v})
    db.commit()
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="pakta-audit.csv"'},
    )


@bp.get("/kampanye/<slug>/logo.png")
@admin_required
def campaign_logo(slug: str):
    campaign = _campaign_or_404(slug)
    if not campaign.logo:
        abort(404)
    return Response(campaign.logo, mimetype=campaign.logo_type or "image/png")
