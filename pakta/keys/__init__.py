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


APEL_TOKEN_BYTES = 9  # 72 bits: 12 base64url characters in the QR code


def apel_token_tag(public_id: str, window: int, secret: str | None = None) -> str:
    """The tag of an apel QR token: who (the apel session) and when (the minute).

    Nothing is stored: every app process derives the same tag for the same
    session and minute, so a screen served by one process and a scan answered
    by another agree.
    """
    key = _derived_key("pakta:apel-token:v1", secret)
    digest = hmac.new(key, f"{public_id}:{window}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:APEL_TOKEN_BYTES]).decode().rstrip("=")


def apel_token_matches(public_id: str, window: int, tag: str, secret: str | None = None) -> bool:
    return hmac.compare_digest(apel_token_tag(public_id, window, secret).encode(), tag.encode())


def attempt_key(kind: str, value: str, secret: str | None = None) -> str:
    """A keyed hash of a NIP or an address for counting failed attempts (64 hex characters).

    A plain hash of a NIP (about 10^8 of them) is reversed in seconds; without
    the instance key these cannot be, so the attempt table lists nobody.
    """
    key = _derived_key(f"pakta:attempt:{kind}:v1", secret)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def log_identity_digest(identity_number: str, secret: str | None = None) -> str:
    """The employee as the transparency log names them: a keyed hash of the NIP.

    Published logs and checkpoints then list no one, while the instance can still find a
    person's entries and recompute them in ``pakta audit verify``.
    """
    key = _derived_key("pakta:log-identity:v1", secret)
    return hmac.new(key, identity_number.strip().encode(), hashlib.sha256).hexdigest()


def log_address_digest(address: str, secret: str | None = None) -> str:
    """A client address as the audit log keeps it: a keyed hash ("" when none was
    recorded), so that the log holds no address that ``pakta purge`` could not remove."""
    if not address:
        return ""
    key = _derived_key("pakta:log-address:v1", secret)
    return hmac.new(key, address.strip().encode(), hashlib.sha256).hexdigest()
