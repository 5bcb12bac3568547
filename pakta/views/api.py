"""The JSON API, version 1.

Certificate verification is public. Rollups need a bearer token (made on the
admin pages or with ``pakta tokens create``) and see what the token's scope
sees, like an operator: a unit outside it is answered 404, as if it did not
exist. Every route here is described in ``pakta.openapi`` (a test checks it).
"""

import hashlib
import logging

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy.exc import OperationalError

from pakta import openapi
from pakta.db import get_session
from pakta.i18n import _
from pakta.models import ApiToken, LogName, utcnow
from pakta.security import csrf, limiter
from pakta.services import api_tokens, campaigns, rollups, units
from pakta.services.certificates import verification
from pakta.services.transparency_log import merkle, proofs
from pakta.timeutil import to_local

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not cookies: a third-party page cannot make a browser send one.
csrf.exempt(bp)

# Rollups are limited per token, and per address too: guessing tokens is hopeless
# (256 bits), but each wrong guess still costs a query.
ROLLUP_LIMIT = "120 per minute"
PER_ADDRESS_LIMIT = "600 per minute"


def verdict_json(verdict: verification.Verdict) -> dict:
    signature = verdict.signature
    revocation = verdict.revocation
    decision = verdict.decision
    return {
        "verdict": decision.outcome.value,
        "reasons": [reason.value for reason in decision.reasons],
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


# -- bearer tokens ------------------------------------------------------------------------


def bearer_value() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_limit_key() -> str:
    """One bucket per token (by its hash: raw tokens never reach the limiter's storage)."""
    value = bearer_value()
    if value is None:
        return "address:" + (request.remote_addr or "")
    return "token:" + hashlib.sha256(value.encode()).hexdigest()


def unauthorized(given: bool):
    """401 with the RFC 6750 challenge; ``given`` says whether a token was sent at all."""
    if given:
        detail = _("The token is unknown or has been revoked.")
        challenge = 'Bearer realm="pakta", error="invalid_token"'
    else:
        detail = _("Send an API token: Authorization: Bearer <token>.")
        challenge = 'Bearer realm="pakta"'
    body = {"error": {"code": 401, "title": _("Authentication required"), "detail": detail}}
    response = jsonify(body)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def authenticated_token() -> ApiToken | None:
    """The request's live token, its use recorded; None when there is none."""
    raw = bearer_value()
    db = get_session()
    token = api_tokens.authenticate(db, raw)
    if token is None:
        return None
    try:
        # Its own short transaction, before the reads: at most once a minute per token.
        db.commit()
    except OperationalError:
        # SQLite may refuse a read transaction turning into a write under concurrent
        # writers; the last use is a convenience, recorded on a later request instead.
        db.rollback()
        current_app.logger.warning("could not record the use of API token %s", token.id)
    return token


def bad_request(detail: str):
    response = jsonify(error={"code": 400, "title": _("Bad request"), "detail": detail})
    response.status_code = 400
    return response


def counts_json(counts: rollups.Counts) -> dict:
    return {"roster": counts.roster, "signed": counts.signed, "rate": round(counts.rate, 2)}


def unit_json(row: rollups.UnitRollup) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "parent": row.parent_code,
        **counts_json(row.total),
        "by_type": {kind: counts_json(row.by_type[kind]) for kind in rollups.EMPLOYMENT_TYPES},
    }


@bp.get("/rollups")
@limiter.limit(ROLLUP_LIMIT, key_func=rate_limit_key)
@limiter.limit(PER_ADDRESS_LIMIT)
def rollup():
    token = authenticated_token()
    if token is None:
        return unauthorized(given=bearer_value() is not None)
    db = get_session()
    try:
        view = rollups.View(request.args.get("view", rollups.View.ROSTER.value))
    except ValueError:
        return bad_request(_("view must be roster or history."))
    slug = request.args.get("campaign")
    campaign = campaigns.get_campaign(db, slug) if slug else campaigns.current_campaign(db)
    if campaign is None:
        abort(404)
    scope = api_tokens.visible_unit_ids(db, token)
    code = request.args.get("unit")
    if code:
        target = units.get_unit(db, code)
        # Outside the scope is answered as unknown: a token does not learn which codes exist.
        if target is None or (scope is not None and target.id not in scope):
            abort(404)
        roots = {target.id}
    else:
        roots = None if token.unit_id is None else {token.unit_id}
    rows = rollups.unit_rollups(db, campaign.id, root_unit_ids=roots, view=view)
    response = jsonify(
        {
            "campaign": campaign.slug,
            "generated_at": to_local(utcnow()).isoformat(timespec="seconds"),
            "view": view.value,
            "units": [unit_json(row) for row in rows],
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi_document():
    response = jsonify(openapi.document(current_app.config["BASE_URL"]))
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- the transparency log: proofs anyone can check against a signed checkpoint --------------


def damaged_log(log_name: LogName):
    """409 for a proof the log cannot give because a stored leaf hash is no hash: the log
    was edited behind the app's back (``pakta audit verify`` says where). The verification
    pages call such a certificate TIDAK SAH; a proof built from the damage would mislead."""
    log.error("the %s log holds a leaf hash that is not 64 hex digits", log_name.value)
    response = jsonify(
        error={
            "code": 409,
            "title": _("The transparency log is damaged"),
            "detail": _(
                "A stored entry of the log is not what the log wrote, so no proof can be "
                "given. The operators have been told."
            ),
        }
    )
    response.status_code = 409
    return response


@bp.get("/proof/<certificate_number>")
@limiter.limit("120 per minute")
def inclusion_proof(certificate_number: str):
    try:
        document = proofs.proof_document(get_session(), certificate_number)
    except ValueError:  # a stored leaf hash that is no hash (proofs.leaf_hashes)
        return damaged_log(LogName.SIGNING)
    if document is None:
        abort(404)
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/consistency")
@limiter.limit("120 per minute")
def consistency_proof():
    db = get_session()
    old = request.args.get("old", type=int)
    new = request.args.get("new", type=int)
    try:
        log = LogName(request.args.get("log", LogName.SIGNING.value))
    except ValueError:
        return bad_request(_("log must be signing or audit."))
    if old is None or new is None:
        return bad_request(_("old and new must be tree sizes."))
    try:
        proof = proofs.consistency(db, log, old, new)
    except merkle.ProofError:
        # Well-formed sizes the log has no proof between (not reached yet, or old > new):
        # that proof does not exist, like an unknown certificate's.
        abort(404)
    except ValueError:  # a stored leaf hash that is no hash (proofs.leaf_hashes)
        return damaged_log(log)
    response = jsonify(
        {"log": log.value, "old_size": old, "new_size": new, "proof": [n.hex() for n in proof]}
    )
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
