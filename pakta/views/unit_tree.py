"""The unit-tree import: upload, preview, confirm (admins, and operators for their sub-tree)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from pakta.db import get_session
from pakta.forms.admin import UnitTreeConfirmForm, UnitTreeUploadForm
from pakta.i18n import _
from pakta.services import unit_tree, units
from pakta.views.admin import record
from pakta.views.form_pages import form_page
from pakta.views.uploads import (
    accept_upload,
    check_may_import,
    pending_upload,
    spend,
    upload_table,
)

bp = Blueprint("unit_tree", __name__, url_prefix="/admin/unit")

KIND = "units"


@bp.route("/impor", methods=["GET", "POST"])
@login_required
def upload():
    check_may_import()
    form = UnitTreeUploadForm()
    if form.validate_on_submit():
        pending = accept_upload(form.tree, unit_tree.read_unit_table, KIND)
        if pending is not None:
            return redirect(url_for("unit_tree.preview", token=pending.token))
    return form_page("unit_tree/upload.html", form=form)


@bp.route("/impor/<token>", methods=["GET", "POST"])
@login_required
def preview(token: str):
    check_may_import()
    db = get_session()
    pending = pending_upload(token, KIND)
    table = upload_table(pending, unit_tree.read_unit_table)
    plan = unit_tree.plan_unit_tree(db, table, within=units.visible_unit_ids(db, current_user))
    form = UnitTreeConfirmForm()
    if form.validate_on_submit():
        if plan.problems:
            flash(_("Nothing was imported: fix the rows with problems and upload again."), "error")
        else:
            result = unit_tree.apply_unit_tree(db, plan)
            spend(pending)
            record("units.import", "units", pending.filename, **result.as_details())
            db.commit()
            flash(_("Unit tree imported."), "success")
            return render_template(
                "unit_tree/done.html", result=result, filename=pending.filename, plan=plan
            )
    return form_page("unit_tree/preview.html", upload=pending, table=table, plan=plan, form=form)
