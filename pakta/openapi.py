"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand as data, next to nothing else, so it reads as the contract it
is. tests/views/test_api.py checks that every route under /api/v1 appears here
and that the document is valid OpenAPI 3.1.
"""

from pakta.models import RevocationReason
from pakta.services.certificates.verification import Finding, Outcome, Status
from pakta.services.rollups import EMPLOYMENT_TYPES, View

PREFIX = "/api/v1"
# The proof endpoints' answer when a stored leaf hash is no hash (views.api.damaged_log).
DAMAGED_LOG = (
    "The log was edited behind the app's back (a stored leaf hash is not a hash): no proof "
    "can be given."
)


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict, description: str, **extra) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


COUNTS = {
    "type": "object",
    "description": "People on the active roster, how many of them signed, and the rate.",
    "required": ["roster", "signed", "rate"],
    "properties": {
        "roster": {"type": "integer", "minimum": 0},
        "signed": {"type": "integer", "minimum": 0},
        "rate": {
            "type": "number",
            "minimum": 0,
            "description": "signed / roster in percent, two decimals; 0 for an empty roster. "
            "In the history view it can exceed 100 after people moved.",
        },
    },
}

UNIT_ROLLUP = {
    "type": "object",
    "description": "A unit's counts, its sub-units included.",
    "required": ["code", "name", "parent", "roster", "signed", "rate", "by_type"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "parent": _nullable("string", description="The parent unit's code; null for a root."),
        **COUNTS["properties"],
        "by_type": {
            "type": "object",
            "description": "The same counts split by employment type.",
            "required": list(EMPLOYMENT_TYPES),
            "properties": {kind: _ref("schemas", "Counts") for kind in EMPLOYMENT_TYPES},
            "additionalProperties": False,
        },
    },
}

ROLLUPS = {
    "type": "object",
    "required": ["campaign", "generated_at", "view", "units"],
    "properties": {
        "campaign": {"type": "string", "description": "The campaign's slug."},
        "generated_at": {"type": "string", "format": "date-time"},
        "view": {"type": "string", "enum": [view.value for view in View]},
        "units": {
            "type": "array",
            "description": "Depth-first, siblings by code: each unit comes before its sub-units.",
            "items": _ref("schemas", "UnitRollup"),
        },
    },
}

VERDICT = {
    "type": "object",
    "description": "Read `verdict` first: it is the one answer (valid only when the code "
    "is genuine and not revoked). `status` is what the code alone shows.",
    "required": [
        "verdict",
        "reasons",
        "status",
        "certificate_number",
        "name",
        "unit",
        "campaign",
        "signed_at",
        "pdf_sha256",
        "revoked_at",
        "revocation_reason",
    ],
    "properties": {
        "verdict": {
            "type": "string",
            "enum": [outcome.value for outcome in Outcome],
            "description": "valid (SAH), revoked (DICABUT: genuine but revoked) or "
            "invalid (TIDAK SAH).",
        },
        "reasons": {
            "type": "array",
            "description": "Why the verdict is not valid; empty when it is.",
            "items": {"type": "string", "enum": [finding.value for finding in Finding]},
        },
        "status": {"type": "string", "enum": [status.value for status in Status]},
        "certificate_number": _nullable("string"),
        "name": _nullable("string", description="The signer's name as printed."),
        "unit": _nullable("string", description="The unit the signer belonged to when signing."),
        "campaign": _nullable("string", description="The campaign's title."),
        "signed_at": _nullable("string", format="date-time"),
        "pdf_sha256": _nullable("string"),
        "revoked_at": _nullable("string", format="date-time"),
        "revocation_reason": {
            "type": ["string", "null"],
            "enum": [reason.value for reason in RevocationReason] + [None],
        },
    },
}

HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256, hex."}

CHECKPOINT = {
    "type": "object",
    "description": "A signed checkpoint of the signing log: a C2SP signed note "
    "(origin, tree size, base64 root, 'time' line, blank line, Ed25519 signature line).",
    "required": ["tree_size", "root_hash", "note"],
    "properties": {
        "tree_size": {"type": "integer", "minimum": 0},
        "root_hash": HASH,
        "note": {"type": "string"},
    },
}

PROOF = {
    "type": "object",
    "description": "A signature's entry in the signing log and its RFC 6962 audit path. The "
    "path leads from SHA-256(0x00 || body) to root_hash for a tree of tree_size entries: the "
    "latest checkpoint's when it covers the entry, else the log's current root.",
    "required": ["entry", "tree_size", "root_hash", "audit_path", "checkpoint"],
    "properties": {
        "entry": {
            "type": "object",
            "required": ["seq", "type", "body", "leaf_hash"],
            "properties": {
                "seq": {"type": "integer", "minimum": 0, "description": "The leaf index."},
                "type": {"type": "string", "enum": ["signature", "resignature"]},
                "body": {
                    "type": "string",
                    "description": "The canonical JSON that was hashed (sorted keys, no spaces).",
                },
                "leaf_hash": HASH,
            },
        },
        "tree_size": {"type": "integer", "minimum": 1},
        "root_hash": HASH,
        "audit_path": {"type": "array", "items": HASH},
        "checkpoint": {"oneOf": [_ref("schemas", "Checkpoint"), {"type": "null"}]},
    },
}

CONSISTENCY = {
    "type": "object",
    "description": "An RFC 6962 consistency proof: the tree of old_size entries is a prefix "
    "of the tree of new_size entries.",
    "required": ["log", "old_size", "new_size", "proof"],
    "properties": {
        "log": {"type": "string", "enum": ["signing", "audit"]},
        "old_size": {"type": "integer", "minimum": 1},
        "new_size": {"type": "integer", "minimum": 1},
        "proof": {"type": "array", "items": HASH},
    },
}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "title", "detail"],
            "properties": {
                "code": {"type": "integer"},
                "title": {"type": "string"},
                "detail": {"type": "string"},
            },
        }
    },
}


def _error(description: str, **extra) -> dict:
    return _json(_ref("schemas", "Error"), description, **extra)


RESPONSES = {
    "BadRequest": _error("A query parameter has a value the API does not accept."),
    "Unauthorized": _error(
        "No token was sent, or it is unknown or revoked.",
        headers={
            "WWW-Authenticate": {
                "description": 'Bearer realm="pakta", with error="invalid_token" '
                "when a token was sent.",
                "schema": {"type": "string"},
            }
        },
    ),
    "NotFound": _error(
        "No such campaign, or a unit that does not exist or lies outside the token's scope."
    ),
    "TooManyRequests": _error("Too many requests; wait before trying again."),
}


def _paths() -> dict:
    return {
        f"{PREFIX}/verify/{{token}}": {
            "get": {
                "operationId": "verifyCertificate",
                "summary": "Check a certificate's code (the part of its QR link after /v/).",
                "tags": ["certificates"],
                "security": [],
                "parameters": [
                    {
                        "name": "token",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _json(_ref("schemas", "Verdict"), "The verdict, whatever it is."),
                    "400": _error("The code holds a NUL character, which no request may."),
                    # The router matches no path holding a line break: no code has one.
                    "404": _error("The code holds a line break, which no certificate's has."),
                    "429": _ref("responses", "TooManyRequests"),
                },
            }
        },
        f"{PREFIX}/rollups": {
            "get": {
                "operationId": "getRollups",
                "summary": "Sign-up rates per unit, sub-units rolled up into their parents.",
                "description": "A token sees the whole Pemda or one unit's sub-tree, as chosen "
                "when it was made. 120 requests a minute per token.",
                "tags": ["rollups"],
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "campaign",
                        "in": "query",
                        "description": "The campaign's slug; default the current campaign.",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "unit",
                        "in": "query",
                        "description": "Only this unit's sub-tree; default the token's scope.",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "view",
                        "in": "query",
                        "description": "roster: people count where they work now (default); "
                        "history: signatures count where they were made.",
                        "schema": {
                            "type": "string",
                            "enum": [view.value for view in View],
                            "default": View.ROSTER.value,
                        },
                    },
                ],
                "responses": {
                    "200": _json(_ref("schemas", "Rollups"), "The units in scope."),
                    "400": _ref("responses", "BadRequest"),
                    "401": _ref("responses", "Unauthorized"),
                    "404": _ref("responses", "NotFound"),
                    "429": _ref("responses", "TooManyRequests"),
                },
            }
        },
        f"{PREFIX}/proof/{{certificate_number}}": {
            "get": {
                "operationId": "getInclusionProof",
                "summary": "A signature's log entry, its audit path and the latest checkpoint.",
                "tags": ["transparency"],
                "security": [],
                "parameters": [
                    {
                        "name": "certificate_number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _json(_ref("schemas", "InclusionProof"), "The proof."),
                    "404": _error("No signature with this certificate number is logged."),
                    "409": _error(DAMAGED_LOG),
                    "429": _ref("responses", "TooManyRequests"),
                },
            }
        },
        f"{PREFIX}/consistency": {
            "get": {
                "operationId": "getConsistencyProof",
                "summary": "Proof that the log of one checkpoint extends that of an older one.",
                "tags": ["transparency"],
                "security": [],
                "parameters": [
                    {
                        "name": name,
                        "in": "query",
                        "required": True,
                        "description": description,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                    for name, description in (
                        ("old", "The older checkpoint's tree size."),
                        ("new", "The newer checkpoint's tree size."),
                    )
                ]
                + [
                    {
                        "name": "log",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["signing", "audit"]},
                    }
                ],
                "responses": {
                    "200": _json(_ref("schemas", "ConsistencyProof"), "The proof."),
                    "400": _ref("responses", "BadRequest"),
                    "404": _ref("responses", "NotFound"),
                    "409": _error(DAMAGED_LOG),
                    "429": _ref("responses", "TooManyRequests"),
                },
            }
        },
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document.",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": _json(
                        {"type": "object", "description": "An OpenAPI 3.1 document."},
                        "The OpenAPI description of this API.",
                    )
                },
            }
        },
    }


def document(base_url: str) -> dict:
    """The whole document; ``base_url`` is where the instance is served (PAKTA_BASE_URL)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pakta API",
            "version": "1",
            "description": "Certificate verification, and the sign-up rates of the "
            "Pakta Integritas Netralitas ASN per unit for holders of an API token.",
        },
        "servers": [{"url": base_url.rstrip("/") or "/"}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (pkt_...) made by an admin; shown once.",
                }
            },
            "schemas": {
                "Counts": COUNTS,
                "UnitRollup": UNIT_ROLLUP,
                "Rollups": ROLLUPS,
                "Verdict": VERDICT,
                "Checkpoint": CHECKPOINT,
                "InclusionProof": PROOF,
                "ConsistencyProof": CONSISTENCY,
                "Error": ERROR,
            },
            "responses": RESPONSES,
        },
    }
