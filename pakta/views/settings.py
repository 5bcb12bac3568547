"""The instance's settings, for admins: the Pemda's name and logo (services.pemda)."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_login import current_user

from pakta.auth import admin_required
from pakta.db import get_session
from pakta.forms.settings import PemdaForm
from pakta.i18n import _
from pakta.services import audit, pemda
from pakta.views.form_pages import form_page
from pakta.views.letterhead import defaults

bp = Blueprint("settings", __name__, url_prefix="/admin/pengaturan")


@bp.before_request
@admin_required
def require_admin():
    pass


@bp.route("/", methods=["GET", "POST"])
def index():
    db = get_session()
    stored = pemda.stored(db)
    form = PemdaForm(data={"name": stored.name})
    if form.validate_on_submit():
        upload = form.logo.data
        try:
            changed = pemda.update(
                db,
                name=form.name.data or "",
                logo=upload.read() if upload else None,
                remove_logo=form.remove_logo.data,
            )
        except pemda.PemdaError as error:
            # Nothing is saved; the form keeps what was typed, only the file must be chosen again.
            form[error.field].errors.append(str(error))
        else:
            if changed:
                audit.record(
                    db,
                    actor=current_user,
                    action="settings.pemda",
                    target_type="pemda_profile",
                    target_id=stored.id,
                    ip_address=request.remote_addr,
                    changed=changed,
                    name=stored.name,
                )
            db.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("settings.index"))
    return form_page(
        "settings/index.html",
        form=form,
        stored=stored,
        profile=pemda.profile(db, defaults()),
        defaults=defaults(),
    )


@bp.get("/logo.png")
def logo():
    """The logo documents print now (stored, else the environment's), as cleaned."""
    found = pemda.profile(get_session(), defaults()).logo
    if found is None:
        abort(404)
    return Response(found, mimetype="image/png")
