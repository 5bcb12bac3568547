"""Certificates in the admin pages: download, revoke, reinstate."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from pakta.db import get_session
from pakta.forms.certificates import ReinstateForm, RevokeForm
from pakta.i18n import _
from pakta.models import Signature
from pakta.services import audit, units
from pakta.services.certificates import issuing, revocations
from pakta.views.form_pages import form_page

bp = Blueprint("certificates", __name__, url_prefix="/admin/sertifikat")


@bp.before_request
@login_required
def require_login():
    pass


def pdf_response(pdf: bytes, number: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="sertifikat-{number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


def _signature_or_404(number: str) -> Signature:
    """Admins see every certificate; an operator those signed in their units."""
    db = get_session()
    signature = revocations.by_certificate_number(db, number)
    if signature is None:
        abort(404)
    scope = units.visible_unit_ids(db, current_user)
    if scope is not None and signature.unit_id not in scope:
        abort(404)
    return signature


@bp.get("/<number>.pdf")
def download(number: str):
    db = get_session()
    signature = _signature_or_404(number)
    certificate = issuing.issue(db, signature, issuing.issuer_for_app())
    db.commit()
    return pdf_response(certificate.pdf, signature.certificate_number)


def _confirm_revocation(signature: Signature, form: RevokeForm) -> str:
    """The second step: nothing is revoked until the admin has read whose certificate it is."""
    form.confirmed.data = "yes"
    return render_template(
        "certificates/confirm_revoke.html",
        signature=signature,
        form=form,
        reason=revocations.REASON_LABELS[form.reason.data],
    )


@bp.route("/<number>", methods=["GET", "POST"])
def detail(number: str):
    db = get_session()
    signature = _signature_or_404(number)
    revoke_form, reinstate_form = RevokeForm(prefix="revoke"), ReinstateForm(prefix="reinstate")
    if request.method == "POST":
        if not current_user.is_admin:
            abort(403)
        try:
            if revoke_form.submit.data and revoke_form.validate_on_submit():
                if not revoke_form.is_confirmed:
                    return _confirm_revocation(signature, revoke_form)
                event = revocations.revoke(
                    db,
                    signature,
                    reason=revoke_form.reason.data,
                    note=revoke_form.note.data or "",
                    actor=current_user,
                )
            elif reinstate_form.submit.data and reinstate_form.validate_on_submit():
                event = revocations.reinstate(
                    db, signature, note=reinstate_form.note.data or "", actor=current_user
                )
            else:
                event = None
        except revocations.RevocationError as error:
            flash(str(error), "error")
        else:
            if event is not None:
                audit.record(
                    db,
                    actor=current_user,
                    action=f"certificate.{event.action.value}",
                    target_type="signature",
                    target_id=signature.certificate_number,
                    ip_address=request.remote_addr,
                    reason=event.reason.value if event.reason else None,
                    note=event.note,
                )
                db.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("certificates.detail", number=number))
    # A form shown again here always asks for the confirmation step anew.
    revoke_form.confirmed.data = ""
    return form_page(
        "certificates/detail.html",
        signature=signature,
        issued=issuing.issued(db, signature),
        history=revocations.history(db, signature.id),
        revoked=revocations.is_revoked(db, signature.id),
        revoke_form=revoke_form,
        reinstate_form=reinstate_form,
        reasons=revocations.REASON_LABELS,
    )
