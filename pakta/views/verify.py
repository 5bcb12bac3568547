"""Public verification: anyone holding a certificate can check it, without an account.

Pages show no more personal data than needed (UU 27/2022): the name as
printed, the NIP masked to its last three digits, the unit and the campaign.
"""

import base64
import json

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    url_for,
)

from pakta.db import get_session
from pakta.keys import certificate as certificate_keys
from pakta.models import utcnow
from pakta.security import limiter
from pakta.services import campaigns
from pakta.services.certificates import issuing, pdf_check, revocations, verification
from pakta.services.transparency_log import witness
from pakta.views.form_pages import form_page
from pakta.views.letterhead import letterhead

bp = Blueprint("verify", __name__)

VERIFY_LIMIT = "120 per minute"


@bp.context_processor
def labels():
    return {
        "now": utcnow(),
        "outcomes": verification.OUTCOME_LABELS,
        "findings": verification.FINDING_LABELS,
        "revocation_reasons": revocations.REASON_LABELS,
    }


@bp.after_request
def short_cache(response):
    # A verdict can change (revocation), so it must not be cached for long.
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.get("/v/<path:token>")
@limiter.limit(VERIFY_LIMIT)
def certificate(token: str):
    db = get_session()
    verdict = verification.verify_token(db, token)
    # A certificate's page names who issued it; any other, who runs this service.
    campaign = verdict.signature.campaign if verdict.signature else None
    issued_by = letterhead(campaign)
    logo_url = None
    if issued_by.logo:
        logo_url = url_for("verify.logo", slug=campaign.slug if campaign else None)
    return render_template(
        "verify/verdict.html",
        verdict=verdict,
        issued_by=issued_by,
        logo_url=logo_url,
        witness=witness.for_signature(db, verdict.signature) if verdict.signature else None,
        checkpoint=witness.latest_checkpoint(db),
    )


@bp.get("/logo.jpg", defaults={"slug": None})
@bp.get("/logo/<slug>.jpg")
def logo(slug: str | None):
    """The logo a campaign's certificates print (else the Pemda's), as they print it."""
    db = get_session()
    campaign = None
    if slug is not None:
        campaign = campaigns.get_campaign(db, slug)
        if campaign is None:
            abort(404)
    found = letterhead(campaign).logo
    if found is None:
        abort(404)
    response = Response(issuing.printed_logo(found), mimetype="image/jpeg")
    # An admin may change the logo: short enough to follow, long enough to spare the server.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# The upper-case links printed for v2 tokens (services.certificates.tokens); an endpoint of
# its own, so that url_for("verify.certificate") keeps building the lower-case /v/ link.
bp.add_url_rule("/V/<path:token>", "certificate_printed", certificate)


def published_keys_document() -> dict:
    keys = []
    for key in certificate_keys.published(get_session()):
        x = base64.urlsafe_b64encode(key.public_key).decode().rstrip("=")
        keys.append(
            {
                "kid": key.kid,
                "alg": "Ed25519",
                "status": "retired" if key.retired_at else "active",
                "created_at": key.created_at.isoformat(),
                "retired_at": key.retired_at.isoformat() if key.retired_at else None,
                "jwk": {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key.kid},
            }
        )
    return {"keys": keys}


@bp.get("/.well-known/pakta-keys.json")
def published_keys():
    response = jsonify(published_keys_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/verify")
def offline():
    """Checks a token's signature in the browser, for when the server cannot be reached."""
    # The keys travel inside the page, so a saved copy checks codes with no network at all.
    keys_json = json.dumps(published_keys_document()).replace("</", "<\\/")
    return render_template("verify/offline.html", keys_json=keys_json)


@bp.route("/periksa-pdf", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def check_pdf():
    result = None
    error = None
    if request.method == "POST":
        upload = request.files.get("pdf")
        data = upload.read() if upload else b""
        if not data:
            error = "empty"
        else:
            result = pdf_check.check(get_session(), data, issuing.app_trust_roots())
    # A file that was read gets its verdict (200), even "not a Pakta certificate"; only a
    # form sent without one is refused.
    return form_page("verify/check_pdf.html", refused=error is not None, result=result, error=error)
