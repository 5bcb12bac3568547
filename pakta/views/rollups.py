"""Compliance rollups for the Setda and unit operators: rates per unit, drill-down, trend.

An operator's scope (their unit and everything below it) is passed into every
query; nothing outside it is read, let alone shown.
"""

from collections.abc import Callable
from datetime import date
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pakta import charts, formats
from pakta.auth import admin_required
from pakta.db import get_session
from pakta.errors import render_error
from pakta.forms.rollups import SettingsForm
from pakta.i18n import _
from pakta.models import Campaign, utcnow
from pakta.services import audit, campaigns, rollups, units
from pakta.services.certificates import revocations
from pakta.timeutil import local_zone
from pakta.views.form_pages import UNPROCESSABLE
from pakta.views.paging import page_number

bp = Blueprint("rollups", __name__, url_prefix="/admin/rekap")

# The drill-down's list of people: a large OPD has thousands.
PEOPLE_PER_PAGE = 200

SORTS = {
    "tree": None,
    "rate": lambda row: (row.total.rate, row.name),
    "name": lambda row: row.name.lower(),
    "not_signed": lambda row: (-row.not_signed, row.name),
}


@bp.before_request
@login_required
def require_login():
    pass


def selected_campaign() -> Campaign:
    db = get_session()
    slug = request.args.get("campaign")
    campaign = campaigns.get_campaign(db, slug) if slug else campaigns.current_campaign(db)
    if campaign is None:
        abort(404)
    return campaign


def selected_view() -> rollups.View:
    try:
        return rollups.View(request.args.get("view", "roster"))
    except ValueError:
        return rollups.View.ROSTER


def scope_roots() -> set[int] | None:
    """The roots of what the user may see: None for an admin, the operator's unit otherwise."""
    if current_user.is_admin:
        return None
    return {current_user.unit_id} if current_user.unit_id else set()


def visible_ids() -> set[int] | None:
    return units.visible_unit_ids(get_session(), current_user)


def unit_links(campaign: Campaign, view: rollups.View) -> Callable[[str], str]:
    """Makes the drill-down link of a unit code from one ``url_for``: building a URL per row
    of a 400-unit table took a tenth of the page's time. The roster view is the default, so
    its links leave ``view`` out."""
    marker = "UNITCODE"
    shown = view.value if view is not rollups.View.ROSTER else None
    prefix, suffix = url_for("rollups.unit", code=marker, campaign=campaign.slug, view=shown).split(
        marker, 1
    )
    return lambda code: prefix + quote(code, safe="") + suffix


@bp.get("/")
def dashboard():
    db = get_session()
    campaign = selected_campaign()
    view = selected_view()
    rows = rollups.unit_rollups(db, campaign.id, root_unit_ids=scope_roots(), view=view)
    visible = {row.unit_id for row in rows} if not current_user.is_admin else None
    sort = request.args.get("sort", "tree")
    ordered = sorted(rows, key=SORTS[sort]) if SORTS.get(sort) else rows
    now = utcnow()
    form = SettingsForm(threshold=campaign.alert_threshold, public_rollup=campaign.public_rollup)
    return render_template(
        "rollups/dashboard.html",
        campaign=campaign,
        campaigns_list=campaigns.list_campaigns(db),
        view=view,
        sort=sort if sort in SORTS else "tree",
        rows=ordered,
        overall=rollups.overall(rows),
        today=rollups.signatures_today(
            db, campaign.id, unit_ids=visible, tz=local_zone(), now=now, view=view
        ),
        lagging=rollups.below_threshold(rows, campaign.alert_threshold),
        settings=form,
        types=rollups.EMPLOYMENT_TYPES,
        stray=_stray_codes(rows) if current_user.is_admin else [],
        unit_href=unit_links(campaign, view),
    )


def _stray_codes(rows: list[rollups.UnitRollup]) -> list[str]:
    """The whole tree's top-level units other than the root, from the rows already read."""
    codes = {row.unit_id: row.code for row in rows}
    return sorted(codes[i] for i in units.stray_top_units({r.unit_id: r.parent_id for r in rows}))


@bp.get("/unit/<code>")
def unit(code: str):
    db = get_session()
    campaign = selected_campaign()
    view = selected_view()
    target = units.get_unit(db, code)
    scope = visible_ids()
    if target is None or (scope is not None and target.id not in scope):
        abort(404)
    rows = rollups.unit_rollups(db, campaign.id, root_unit_ids={target.id}, view=view)
    head = rows[0] if rows else None
    page = page_number()
    people, has_next = rollups.employees_page(
        db, campaign.id, {row.unit_id for row in rows}, page=page, per_page=PEOPLE_PER_PAGE
    )
    # The tallies know the roster, so the page count costs no count(*) of the sub-tree.
    roster = head.total.roster if head else 0
    return render_template(
        "rollups/unit.html",
        campaign=campaign,
        view=view,
        unit=target,
        parent=target.parent,  # loaded here: templates run no queries
        rows=rows,
        head=head,
        people=people,
        page=page,
        pages=max(page, -(-roster // PEOPLE_PER_PAGE)),
        has_next=has_next,
        types=rollups.EMPLOYMENT_TYPES,
        revoked_label=revocations.revoked_label,
        unit_href=unit_links(campaign, view),
    )


@bp.get("/tren")
def trend():
    db = get_session()
    campaign = selected_campaign()
    view = selected_view()
    zone = local_zone()
    scope = visible_ids()
    days = rollups.daily_series(db, campaign.id, unit_ids=scope, tz=zone, view=view)
    try:
        day = date.fromisoformat(request.args["day"]) if request.args.get("day") else None
    except ValueError:
        day = None
    day = day or (days[-1].day if days else utcnow().astimezone(zone).date())
    hours = rollups.hourly_series(db, campaign.id, unit_ids=scope, tz=zone, day=day, view=view)
    daily_chart = charts.bars_with_line(
        [
            charts.Bar(formats.day(point.day, "dd/MM"), point.signatures, point.cumulative_rate)
            for point in days
        ],
        title=_("Signatures per day"),
        value_label=_("Signatures"),
        line_label=_("Cumulative sign-up rate"),
    )
    hourly_chart = charts.bars_with_line(
        [
            charts.Bar(f"{point.hour:02d}", point.signatures, point.cumulative_rate)
            for point in hours
        ],
        title=_("Signatures per hour on %(day)s", day=formats.day(day)),
        value_label=_("Signatures"),
        line_label=_("Cumulative sign-up rate"),
    )
    return render_template(
        "rollups/trend.html",
        campaign=campaign,
        view=view,
        days=days,
        day=day,
        hours=hours,
        daily_chart=daily_chart,
        hourly_chart=hourly_chart,
    )


@bp.post("/pengaturan")
@admin_required
def settings():
    db = get_session()
    campaign = selected_campaign()
    form = SettingsForm()
    if form.validate_on_submit():
        campaign.alert_threshold = form.threshold.data
        campaign.public_rollup = bool(form.public_rollup.data)
        audit.record(
            db,
            actor=current_user,
            action="campaign.rollup_settings",
            target_type="campaign",
            target_id=campaign.id,
            ip_address=request.remote_addr,
            threshold=campaign.alert_threshold,
            public_rollup=campaign.public_rollup,
        )
        db.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("rollups.dashboard", campaign=campaign.slug))
    return render_error(
        UNPROCESSABLE,
        _("The threshold must be a whole number from 0 to 100."),
        back_url=url_for("rollups.dashboard", campaign=campaign.slug),
    )
