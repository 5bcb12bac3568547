"""Handing out personal signing links: per unit, as CSV or printed slips."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from pakta.db import get_session
from pakta.i18n import _
from pakta.models import Employee, Signature, Unit
from pakta.services import audit, campaigns, link_exports, links, rollups, units
from pakta.views.letterhead import issuer_name

bp = Blueprint("links", __name__, url_prefix="/admin/tautan")


@bp.before_request
@login_required
def require_login():
    pass


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _campaign():
    db = get_session()
    slug = request.args.get("campaign")
    campaign = campaigns.get_campaign(db, slug) if slug else campaigns.current_campaign(db)
    if campaign is None:
        abort(404)
    return campaign


def _unit_in_scope(code: str) -> tuple[Unit, set[int]]:
    """The unit and its sub-tree, if the user may see it."""
    db = get_session()
    unit = units.get_unit(db, code)
    scope = units.visible_unit_ids(db, current_user)
    if unit is None or (scope is not None and unit.id not in scope):
        abort(404)
    return unit, units.subtree_ids(db, unit.id)


@bp.get("/")
def index():
    """The unit tree, each unit with its own active employees and its sub-tree's."""
    db = get_session()
    campaign = _campaign()
    scope = units.visible_unit_ids(db, current_user)
    tree = rollups.unit_rollups(db, campaign.id, root_unit_ids=scope)
    # A closed unit is left out unless someone active is still in it or below it.
    closed = set(db.scalars(select(Unit.id).where(~Unit.active)))
    rows = [row for row in tree if row.unit_id not in closed or row.total.roster]
    return render_template(
        "links/index.html",
        campaign=campaign,
        rows=rows,
        all_campaigns=campaigns.list_campaigns(db),
    )


@bp.get("/<code>/tautan.<fmt>")
def export(code: str, fmt: str):
    if fmt not in ("csv", "pdf"):
        abort(404)
    db = get_session()
    campaign = _campaign()
    unit, subtree = _unit_in_scope(code)
    rows = links.export_rows(db, campaign, subtree, current_user)
    base_url = current_app.config["BASE_URL"]
    if fmt == "csv":
        body, mimetype = link_exports.links_csv(rows, base_url), "text/csv"
    else:
        body = link_exports.links_pdf(
            rows,
            base_url,
            campaign_title=campaign.title,
            issuing_authority=issuer_name(campaign),
            locale=current_app.config["DEFAULT_LOCALE"],
        )
        mimetype = "application/pdf"
    audit.record(
        db,
        actor=current_user,
        action="links.export",
        target_type="unit",
        target_id=unit.code,
        ip_address=request.remote_addr,
        campaign=campaign.slug,
        format=fmt,
        count=len(rows),
    )
    db.commit()
    filename = f"tautan-{campaign.slug}-{unit.code}.{fmt}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<code>")
def people(code: str):
    db = get_session()
    campaign = _campaign()
    unit, subtree = _unit_in_scope(code)
    signed_at = (
        select(Signature.signed_at)
        .where(
            Signature.campaign_id == campaign.id,
            Signature.employee_id == Employee.id,
            Signature.is_valid,
        )
        .scalar_subquery()
    )
    rows = db.execute(
        select(Employee, Unit.name, signed_at)
        .join(Unit, Employee.unit_id == Unit.id)
        .where(Employee.active, Employee.unit_id.in_(subtree))
        .order_by(Unit.code, Employee.name)
    ).all()
    return render_template("links/people.html", campaign=campaign, unit=unit, rows=rows)


@bp.post("/<code>/pegawai/<int:employee_id>/ulang")
def regenerate(code: str, employee_id: int):
    db = get_session()
    campaign = _campaign()
    unit, subtree = _unit_in_scope(code)
    employee = db.get(Employee, employee_id)
    if employee is None or employee.unit_id not in subtree:
        abort(404)
    token = links.regenerate(db, campaign, employee, current_user)
    audit.record(
        db,
        actor=current_user,
        action="links.regenerate",
        target_type="employee",
        target_id=employee.id,
        ip_address=request.remote_addr,
        campaign=campaign.slug,
    )
    db.commit()
    flash(_("The old link no longer works. The new link for {name}:").format(name=employee.name))
    return render_template(
        "links/new_link.html",
        campaign=campaign,
        unit=unit,
        employee=employee,
        url=link_exports.link_url(current_app.config["BASE_URL"], token),
    )
