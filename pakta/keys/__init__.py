"""Every secret the app derives from lives behind this module.

The SECRET_KEY signs sessions (Flask) and keys the hashes of roster
verification codes. Those codes are short (six digits), so a salted slow hash
would still fall to a brute force of a leaked table; a keyed hash with a key
that never touches the database does not, and stays comparable on re-import.
"""

import base64
import hashlib
import hmac

from flask import current_app


def _derived_key(label: str, secret: str | None = None) -> bytes:
    secret = secret if secret is not None else current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()


def verification_code_digest(code: str, secret: str | None = None) -> str:
    key = _derived_key("pakta:verification-code:v1", secret)
    return "v1$" + hmac.new(key, code.strip().encode(), hashlib.sha256).hexdigest()


def verification_code_matches(code: str, digest: str | None, secret: str | None = None) -> bool:
    if not digest:
        return False
    return hmac.compare_digest(verification_code_digest(code, secret), digest)


def signing_link_token(campaign_id: int, employee_id: int, version: int) -> str:
    """The personal link's secret: 144 bits, reproducible from the instance key alone.

    Deriving it (rather than storing it) lets an operator export the same links
    again as CSV or printed slips without the database ever holding a usable
    token; bumping the version voids the old link.
    """
    key = _derived_key("pakta:signing-link:v1")
    message = f"{campaign_id}:{employee_id}:{version}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
