"""Signing through a personal link, and the pieces the kiosk shares with it."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from pakta import jobs
from pakta.db import database, get_session
from pakta.forms.signing import SignForm
from pakta.i18n import _, _l
from pakta.input_guard import body_limit
from pakta.models import Campaign, Employee, Signature, SignatureMethod, utcnow
from pakta.security import count_as_failure, limiter, signing_failures, token_key
from pakta.services import availability, links, signing
from pakta.services.certificates import jobs as certificate_jobs
from pakta.services.certificates import revocations
from pakta.services.signature_image import (
    SignatureImageError,
    clean_signature_png,
    decode_data_url,
    too_large,
)
from pakta.views.form_pages import form_page
from pakta.views.letterhead import issuer_name

bp = Blueprint("signing", __name__)

# The drawing field takes at most 300,000 characters (SignForm), which URL-encoding at most
# triples; the rest of the form is a few hundred bytes. A larger body is no drawn signature:
# it is refused (413) before it is read, instead of failing the form's checks.
SIGNING_BODY_BYTES = 1024 * 1024
signing_body = body_limit(
    SIGNING_BODY_BYTES,
    _l("The signature is too large"),
    _l(
        "What was sent is larger than any drawn signature. Go back, clear the drawing and "
        "sign again."
    ),
)


@bp.after_request
def no_store(response):
    # Pages with a person's name must not linger in caches or the back button.
    response.headers["Cache-Control"] = "no-store"
    return response


def acknowledged_points(form: MultiDict) -> list[int]:
    return sorted({int(value) for value in form.getlist("points") if value.isdigit()})


def evidence_from(
    form: SignForm, witness_user_id: int | None = None, apel_session_id: int | None = None
) -> tuple[signing.Evidence, str | None]:
    """Turn a posted form into evidence, and what is wrong with its drawing (None if nothing).

    A drawing that cannot be accepted is left out of the evidence and emptied in the form,
    so the page shown again neither keeps nor redraws it.
    """
    png, image_problem = None, None
    if form.signature.data:
        try:
            png = clean_signature_png(decode_data_url(form.signature.data))
        except SignatureImageError as error:
            image_problem = str(error)
            form.signature.data = ""
    evidence = signing.Evidence(
        ip_address=request.remote_addr or "",
        scheme=request.scheme,
        user_agent=request.user_agent.string or "",
        signature_png=png,
        typed_name=None if png else (form.typed_name.data or None),
        acknowledged_points=acknowledged_points(request.form),
        witness_user_id=witness_user_id,
        apel_session_id=apel_session_id,
        client_submission_id=form.submission_id.data or None,
    )
    return evidence, image_problem


def unavailable(error: signing.SigningError, campaign: Campaign, **context):
    """The page saying why nobody can sign here now (window closed, inactive, ...): 403."""
    return render_template(
        "signing/unavailable.html", error=error, campaign=campaign, **context
    ), 403


def paused_page():
    """The 503 saying that signing is paused, or None while signatures can be written.

    Checked before a signing form is shown or taken, so nobody fills in a form that
    cannot be stored; a person who has signed still sees their certificate.
    """
    from pakta.errors import render_unavailable

    if not availability.signing_paused(get_session(), maintenance=current_app.config["READ_ONLY"]):
        return None
    return render_unavailable(
        _("Signing is paused while the system is maintained. Your link stays valid.")
    )


def refused_fields(form: SignForm) -> dict[str, str]:
    """What to say of a form its own checks refused: a drawing or a name too long, next to
    its field; anything else (the CSRF token, the submission id) means the page expired or
    was sent twice."""
    problems = {}
    if form.signature.errors:
        problems["signature"] = str(too_large())
        form.signature.data = ""  # not sent back to be redrawn
    if form.typed_name.errors:
        problems["typed_name"] = form.typed_name.errors[0]
    if not problems or set(form.errors) - {"signature", "typed_name"}:
        problems["form"] = _("The form expired or was sent twice. Reload the page and try again.")
    return problems


def try_to_sign(
    form: SignForm,
    campaign: Campaign | links.CampaignView,
    employee: Employee | links.EmployeeView,
    method: SignatureMethod,
    witness_user_id: int | None = None,
    apel_session_id: int | None = None,
) -> tuple[signing.Outcome | None, dict[str, str]]:
    """Validate and sign; returns the outcome, or the problems to show on the form: each
    field's ("points", "signature", "typed_name") next to it, and "form" for the whole form.

    The caller has looked for the employee's signature in this request and found none.
    """
    if not form.validate_on_submit():
        return None, refused_fields(form)
    evidence, image_problem = evidence_from(form, witness_user_id, apel_session_id)
    if image_problem:
        problems = signing.submission_problems(campaign, employee, evidence)
        problems.pop("typed_name", None)
        return None, problems | {"signature": image_problem}
    try:
        outcome = signing.sign(
            get_session(),
            campaign=campaign,
            employee=employee,
            method=method,
            evidence=evidence,
            looked_up=True,
        )
    except signing.IncompleteSubmission as error:
        return None, error.problems or {"form": str(error)}
    except signing.SigningError as error:
        return None, {"form": str(error)}
    get_session().commit()
    return outcome, {}


# Per link: one person's form, post, done page and a few reloads. Everyone behind one
# office address signs on their own link, so the address alone is never limited here.
LINK_LIMIT = "30 per minute"
# The done page polls every 1.5 s.
STATUS_LIMIT = "120 per minute"
# Each download may render a PDF.
DOWNLOAD_LIMIT = "10 per minute"


def invalid_link():
    count_as_failure()
    return render_template("signing/invalid_link.html"), 404


@bp.route("/s/<token>", methods=["GET", "POST"])
@signing_body
@limiter.limit(LINK_LIMIT, key_func=token_key)
@signing_failures
def personal(token: str):
    if (answer := answer_from_rows(token)) is not None:
        return answer
    opened = links.open_link(get_session(), token)
    if opened is None:
        return invalid_link()
    campaign, employee, existing = opened.campaign, opened.employee, opened.signature
    if existing is not None:
        if request.method == "POST":
            return redirect(url_for("signing.personal", token=token), code=303)
        return done_page(existing, campaign, token, opened.certificate_issued)
    notice_first = opened.revoked_before and request.method == "GET" and "lagi" not in request.args
    if notice_first and (page := revoked_page(campaign, employee, token)):
        return page
    try:
        signing.check_can_sign(campaign, employee, utcnow())
    except signing.SigningError as error:
        return unavailable(error, campaign, employee=employee)
    if paused := paused_page():
        return paused
    form = SignForm()
    problems = {}
    if request.method == "POST":
        outcome, problems = try_to_sign(form, campaign, employee, SignatureMethod.PERSONAL_LINK)
        if outcome is not None:
            return redirect(url_for("signing.personal", token=token), code=303)
    return sign_page(form, campaign, employee, problems)


def answer_from_rows(token: str):
    """The answer from plain rows (``links.show_link``) when it is what nearly every signer
    gets: the signing form, a signature written from the same values
    (``signing.write_signature``), the done page, or the page of an unknown link; None for
    the rest (a revoked signature's notice, a closed campaign, an inactive employee), which
    ``personal`` answers from the mapped objects.

    A GET's reads end with a COMMIT, not with the ROLLBACK that closing the session sends:
    on a ROLLBACK psycopg forgets every statement it prepared on the connection, so that
    PostgreSQL planned each of a signature's statements anew on every request (this one's
    plan cost it about four times its execution). Nothing was written: the two end the
    transaction alike.
    """
    answer = _answer_from_rows(token)
    if answer is not None and request.method == "GET":
        get_session().commit()
    return answer


def _answer_from_rows(token: str):
    shown = links.show_link(get_session(), token)
    if shown is None:
        return invalid_link()
    campaign, employee = shown.campaign, shown.employee
    posted = request.method == "POST"
    if shown.signature is not None:
        if posted:
            return redirect(url_for("signing.personal", token=token), code=303)
        return done_page(shown.signature, campaign, token, shown.certificate_issued)
    if shown.revoked_before and not posted:
        return None
    try:
        signing.check_can_sign(campaign, employee, utcnow())
    except signing.SigningError:
        return None
    if paused := paused_page():
        return paused
    form, problems = SignForm(), {}
    if posted:
        outcome, problems = try_to_sign(form, campaign, employee, SignatureMethod.PERSONAL_LINK)
        if outcome is not None:
            return redirect(url_for("signing.personal", token=token), code=303)
    return sign_page(form, campaign, employee, problems)


def sign_page(form: SignForm, campaign, employee, problems: dict[str, str]):
    """The signing form for ``employee`` (an ``Employee`` or ``links.EmployeeView``) in
    ``campaign`` (a ``Campaign`` or ``links.CampaignView``), with ``problems`` next to
    their fields; 422 when it comes back refused (form_page)."""
    return form_page(
        "signing/sign.html",
        form=form,
        campaign=campaign,
        issuer_name=issuer_name(campaign),
        employee=employee,
        problems=problems,
        ticked=acknowledged_points(request.form),
    )


def revoked_page(campaign: Campaign, employee: Employee, token: str):
    """Their signature was revoked: say when and why before offering the form again, so
    nobody takes the form for a glitch or keeps using the revoked certificate."""
    revocation = revocations.last_revocation(get_session(), campaign.id, employee.id)
    if revocation is None:
        return None
    return render_template(
        "signing/revoked.html",
        revocation=revocation,
        reason=revocations.REASON_LABELS[revocation.reason.value] if revocation.reason else None,
        campaign=campaign,
        token=token,
    )


def done_page(
    signature: Signature | links.SignatureView,
    campaign: Campaign | links.CampaignView,
    token: str,
    issued: bool,
):
    """The signed page. A certificate not issued yet is asked for in the background (again,
    if the process that was asked died before rendering it), and the page shows its progress."""
    return render_template(
        "signing/done.html",
        signature=signature,
        campaign=campaign,
        token=token,
        ready=certificate_ready(signature, issued),
    )


def certificate_ready(signature: Signature | links.SignatureView, issued: bool) -> bool:
    """Whether the certificate can be downloaded now; if not, it is asked for in the background."""
    if issued:
        return True
    # End this request's read transaction: the job uses a session of its own.
    get_session().commit()
    queued = jobs.enqueue_certificate(current_app._get_current_object(), signature.id)
    return queued is not None and queued.done


def certificate_status_response(signature: Signature, issued: bool, pdf_url: str):
    """``{ready, url}`` for a done page's progress script.

    A certificate still missing a minute after signing is issued here: its job may be stuck
    behind a dead worker or an outage, and the page must not say "being prepared" for ever.
    """
    ready = issued
    if not ready and certificate_jobs.preparing_too_long(signature.signed_at, utcnow()):
        ready = issue_on_the_spot(signature.id)
    response = jsonify(ready=ready, url=pdf_url)
    response.headers["Cache-Control"] = "no-store"
    return response


def certificate_download(signature: Signature):
    """The certificate PDF, issued here first if no background job has issued it yet."""
    from pakta.services.certificates import issuing
    from pakta.views.certificates import pdf_response

    db = get_session()
    issued = issuing.issued(db, signature)
    if issued is None:
        db.commit()  # end the read transaction: issuing stores in a short write transaction
        certificate_jobs.issue_certificate(
            current_app._get_current_object(), signature.id, database().sessionmaker
        )
        issued = issuing.issued(db, signature)
    return pdf_response(issued.pdf, signature.certificate_number)


@bp.get("/s/<token>/sertifikat/status")
@limiter.limit(STATUS_LIMIT, key_func=token_key)
@signing_failures
def certificate_status(token: str):
    """The progress script's question; 404 for a link without a signature."""
    opened = links.open_link(get_session(), token)
    if opened is None or opened.signature is None:
        if opened is None:
            count_as_failure()
        response = jsonify(ready=False, error="not found")
        response.status_code = 404
        response.headers["Cache-Control"] = "no-store"
        return response
    return certificate_status_response(
        opened.signature,
        opened.certificate_issued,
        url_for("signing.certificate", token=token),
    )


def issue_on_the_spot(signature_id: int) -> bool:
    """Issue the certificate in this request, as the download link would; False (logged)
    when that failed, and the page keeps asking."""
    get_session().commit()  # end the read transaction: issuing stores in a short write one
    try:
        return certificate_jobs.issue_certificate(
            current_app._get_current_object(), signature_id, database().sessionmaker
        )
    except Exception:
        current_app.logger.exception("the certificate of %s could not be issued", signature_id)
        return False


@bp.get("/s/<token>/sertifikat.pdf")
@limiter.limit(DOWNLOAD_LIMIT, key_func=token_key)
@signing_failures
def certificate(token: str):
    opened = links.open_link(get_session(), token)
    if opened is None:
        return invalid_link()
    if opened.signature is None:
        return redirect(url_for("signing.personal", token=token))
    return certificate_download(opened.signature)
