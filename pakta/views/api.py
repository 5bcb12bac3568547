"""The JSON API, version 1."""

from flask import Blueprint, jsonify

from pakta.db import get_session
from pakta.security import limiter
from pakta.services import verification
from pakta.timeutil import to_local

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def verdict_json(verdict: verification.Verdict) -> dict:
    signature = verdict.signature
    revocation = verdict.revocation
    return {
        "status": verdict.status.value,
        "certificate_number": verdict.claims.certificate_number if verdict.claims else None,
        "name": signature.signer_name if signature else None,
        "unit": signature.unit_name if signature else None,
        "campaign": signature.campaign.title if signature else None,
        "signed_at": to_local(signature.signed_at).isoformat() if signature else None,
        "pdf_sha256": verdict.pdf_sha256,
        "revoked_at": revocation.occurred_at.isoformat() if revocation else None,
        "revocation_reason": revocation.reason.value if revocation and revocation.reason else None,
    }


@bp.get("/verify/<path:token>")
@limiter.limit("120 per minute")
def verify(token: str):
    response = jsonify(verdict_json(verification.verify_token(get_session(), token)))
    response.headers["Cache-Control"] = "no-cache"
    return response
