"""The signed token a certificate's QR code carries.

Compact on purpose, so the QR stays small enough to scan when printed 3 cm
wide: a version byte, the 4-byte key id, four length-prefixed UTF-8 fields
(certificate number, campaign, unit code, the signer's name as printed), the
signing date as days since 2000-01-01, then a 64-byte Ed25519 signature over
a domain label and everything before it; base64url without padding.

The signer's name is in it so that a QR copied onto someone else's
certificate gives itself away; the NIP never is.
"""

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = 1
DOMAIN = b"pakta-certificate-v1\x00"
EPOCH = date(2000, 1, 1)
SIGNATURE_BYTES = 64
# The longest token the column limits allow (64-char slug and unit code, a 255-byte
# name) is 630 characters; typical ones are about 200.
MAX_TOKEN_CHARS = 700


class TokenError(ValueError):
    """The token is malformed, or its signature does not hold."""


@dataclass(frozen=True)
class Claims:
    kid: str
    certificate_number: str
    campaign: str
    unit_code: str
    signer_name: str
    signed_on: date


def _field(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > 255:
        # Cut on a character boundary; the full name stays on the PDF and in the record.
        data = data[:255].decode("utf-8", "ignore").encode("utf-8")
    return bytes([len(data)]) + data


def payload(claims: Claims) -> bytes:
    days = (claims.signed_on - EPOCH).days
    return (
        bytes([VERSION])
        + bytes.fromhex(claims.kid)
        + _field(claims.certificate_number)
        + _field(claims.campaign)
        + _field(claims.unit_code)
        + _field(claims.signer_name)
        + struct.pack(">H", days)
    )


def encode(claims: Claims, private_key: Ed25519PrivateKey) -> str:
    body = payload(claims)
    signature = private_key.sign(DOMAIN + body)
    return base64.urlsafe_b64encode(body + signature).decode().rstrip("=")


def _b64decode(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise TokenError("not a certificate token")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as error:
        raise TokenError("not base64url") from error
    # The decoder is lenient ('+' for '-', unused low bits in the last character, stray
    # characters): only the one canonical spelling of the bytes is a token.
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token:
        raise TokenError("not canonical base64url")
    return raw


def decode(token: str) -> tuple[Claims, bytes, bytes]:
    """Parse without checking the signature: (claims, signed body, signature)."""
    raw = _b64decode(token.strip())
    if len(raw) < 1 + 4 + 4 + 2 + SIGNATURE_BYTES or raw[0] != VERSION:
        raise TokenError("unknown token version or too short")
    body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    position = 5
    fields = []
    for _ in range(4):
        if position >= len(body):
            raise TokenError("truncated token")
        length = body[position]
        text = body[position + 1 : position + 1 + length]
        if len(text) != length:
            raise TokenError("truncated token")
        try:
            fields.append(text.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise TokenError("bad text in token") from error
        position += 1 + length
    if len(body) != position + 2:
        raise TokenError("bad token length")
    (days,) = struct.unpack(">H", body[position:])
    claims = Claims(body[1:5].hex(), *fields, signed_on=EPOCH + timedelta(days=days))
    return claims, body, signature


def verify(token: str, keys: dict[str, Ed25519PublicKey]) -> Claims:
    claims, body, signature = decode(token)
    key = keys.get(claims.kid)
    if key is None:
        raise TokenError("signed with an unknown key")
    try:
        key.verify(signature, DOMAIN + body)
    except InvalidSignature as error:
        raise TokenError("the signature does not match") from error
    return claims
