"""Admin pages for API tokens: list, create (the token shown once), revoke."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from pakta.auth import admin_required
from pakta.db import get_session
from pakta.forms.tokens import NewTokenForm, RevokeTokenForm
from pakta.i18n import _
from pakta.models import Unit
from pakta.services import api_tokens
from pakta.views.form_pages import form_page

bp = Blueprint("tokens", __name__, url_prefix="/admin/token")


@bp.before_request
@admin_required
def require_admin():
    pass


def unit_choices() -> list[tuple[str, str]]:
    rows = get_session().execute(select(Unit.code, Unit.name).order_by(Unit.code))
    return [("", _("The whole Pemda"))] + [(code, f"{code} — {name}") for code, name in rows]


def token_or_404(token_id: int):
    token = api_tokens.get_token(get_session(), token_id)
    if token is None:
        abort(404)
    return token


@bp.get("/")
def index():
    form = NewTokenForm()
    form.unit.choices = unit_choices()
    return render_template(
        "tokens/index.html", tokens=api_tokens.list_tokens(get_session()), form=form
    )


@bp.post("/baru")
def create():
    db = get_session()
    form = NewTokenForm()
    form.unit.choices = unit_choices()
    if not form.validate_on_submit():
        return form_page("tokens/index.html", tokens=api_tokens.list_tokens(db), form=form)
    try:
        token, raw = api_tokens.create(
            db,
            name=form.name.data,
            unit_code=form.unit.data or None,
            creator=current_user,
            ip_address=request.remote_addr or "",
        )
    except api_tokens.TokenError as error:
        form.name.errors = [*form.name.errors, str(error)]
        return form_page("tokens/index.html", tokens=api_tokens.list_tokens(db), form=form)
    db.commit()
    # Shown in this response only: never flashed (the session cookie) nor redirected to.
    response = make_response(render_template("tokens/created.html", token=token, raw=raw))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:token_id>/cabut", methods=["GET", "POST"])
def revoke(token_id: int):
    db = get_session()
    token = token_or_404(token_id)
    form = RevokeTokenForm()
    if token.revoked_at is not None:
        flash(_("That token was already revoked."), "info")
        return redirect(url_for("tokens.index"))
    if form.validate_on_submit():
        api_tokens.revoke(db, token, current_user, ip_address=request.remote_addr or "")
        db.commit()
        flash(_("Token {name} revoked.").format(name=token.name), "success")
        return redirect(url_for("tokens.index"))
    return form_page("tokens/revoke.html", token=token, form=form)
