"""The signed token a certificate's QR code carries, in two versions.

Both carry the same claims: the 4-byte key id, the certificate number, campaign, unit code,
the signer's name as printed, and the signing date as days since 2000-01-01; and both end
in a 64-byte Ed25519 signature over a domain label of their version and everything before
it. The signer's name is in it so that a QR copied onto someone else's certificate gives
itself away; the NIP never is.

- v1 (certificates issued before v2): a version byte 1, the key id, four length-prefixed
  UTF-8 fields, the date; base64url without padding, in a lower-case ``/v/`` link.
- v2 (issued now): a version byte 2, the key id, the date, one byte saying which alphabet
  each field is packed in (services.certificates.packed_text), four fields of a length byte
  and their bytes; base32 in upper case without padding (A-Z, 2-7), in a ``HTTPS://HOST/V/``
  link. Every character of that link is in the QR code's alphanumeric mode (5.5 bits a
  character where byte mode takes 8), so the symbol is a few versions smaller and its
  modules larger on paper. Base45 (EU DCC) is as dense, but its '%', '+', '$' and space
  would have to be escaped in a link.

Which version a token is shows in its alphabet: no v1 token is all upper-case base32, and
the version byte decides.
"""

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pakta.services.certificates import packed_text

VERSION = 2  # what new certificates get
DOMAINS = {1: b"pakta-certificate-v1\x00", 2: b"pakta-certificate-v2\x00"}
EPOCH = date(2000, 1, 1)
SIGNATURE_BYTES = 64
FIELDS = 4
# The longest token the column limits allow (64-char slug and unit code, a 255-byte
# name) is 630 characters in v1 and 703 in v2; typical ones are about 175 and 180.
MAX_TOKEN_CHARS = 720
_BASE32_TOKEN = re.compile(r"[A-Z2-7]+")
_IN_LINK = re.compile(r"/v/([A-Za-z0-9_-]+)", re.IGNORECASE)


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


def version_of(token: str) -> int:
    """1 or 2 by the token's spelling (not checked further)."""
    return 2 if _BASE32_TOKEN.fullmatch(token.strip()) else 1


def from_text(text: str) -> str:
    """The token in a verification link (``/v/`` or ``/V/``), or ``text`` itself."""
    match = _IN_LINK.search(text)
    return match.group(1) if match else text.strip()


def _texts(claims: Claims) -> list[str]:
    return [claims.certificate_number, claims.campaign, claims.unit_code, claims.signer_name]


def _days(claims: Claims) -> bytes:
    return struct.pack(">H", (claims.signed_on - EPOCH).days)


def _field_v1(text: str) -> bytes:
    data = text.encode("utf-8")
    if len(data) > 255:
        # Cut on a character boundary; the full name stays on the PDF and in the record.
        data = data[:255].decode("utf-8", "ignore").encode("utf-8")
    return bytes([len(data)]) + data


def payload(claims: Claims, version: int = VERSION) -> bytes:
    """The signed bytes of a token of ``version``, before its signature."""
    kid = bytes.fromhex(claims.kid)
    if version == 1:
        fields = b"".join(_field_v1(text) for text in _texts(claims))
        return bytes([1]) + kid + fields + _days(claims)
    alphabets, fields = 0, b""
    for text in _texts(claims):
        alphabet, length, data = packed_text.pack(text)
        alphabets = alphabets << 2 | alphabet
        fields += bytes([length]) + data
    return bytes([2]) + kid + _days(claims) + bytes([alphabets]) + fields


def encode(claims: Claims, private_key: Ed25519PrivateKey, version: int = VERSION) -> str:
    body = payload(claims, version)
    raw = body + private_key.sign(DOMAINS[version] + body)
    if version == 1:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return base64.b32encode(raw).decode().rstrip("=")


def _raw(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise TokenError("not a certificate token")
    try:
        if version_of(token) == 2:
            raw = base64.b32decode(token + "=" * (-len(token) % 8))
            spelled = base64.b32encode(raw).decode().rstrip("=")
        else:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            spelled = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    except (binascii.Error, ValueError) as error:
        raise TokenError("not base32 or base64url") from error
    # The decoders are lenient (unused low bits in the last character, and for base64 '+'
    # for '-' and stray characters): only the one canonical spelling of the bytes is a token.
    if spelled != token:
        raise TokenError("not canonically spelled")
    return raw


def _claims_v1(body: bytes) -> Claims:
    position, fields = 5, []
    for _ in range(FIELDS):
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
    return Claims(body[1:5].hex(), *fields, signed_on=EPOCH + timedelta(days=days))


def _claims_v2(body: bytes) -> Claims:
    if len(body) < 8 + FIELDS:
        raise TokenError("truncated token")
    (days,) = struct.unpack(">H", body[5:7])
    position, fields = 8, []
    for index in range(FIELDS):
        alphabet = body[7] >> (2 * (FIELDS - 1 - index)) & 3
        if position >= len(body):
            raise TokenError("truncated token")
        length = body[position]
        end = position + 1 + packed_text.field_size(alphabet, length)
        if end > len(body):
            raise TokenError("truncated token")
        try:
            fields.append(packed_text.unpack(alphabet, length, body[position + 1 : end]))
        except packed_text.PackingError as error:
            raise TokenError("bad text in token") from error
        position = end
    if position != len(body):
        raise TokenError("bad token length")
    return Claims(body[1:5].hex(), *fields, signed_on=EPOCH + timedelta(days=days))


def decode(token: str) -> tuple[Claims, bytes, bytes]:
    """Parse without checking the signature: (claims, signed body with its domain, signature)."""
    token = token.strip()
    version = version_of(token)
    raw = _raw(token)
    if len(raw) < 1 + 4 + 2 + SIGNATURE_BYTES or raw[0] != version:
        raise TokenError("unknown token version or too short")
    body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    claims = _claims_v1(body) if version == 1 else _claims_v2(body)
    return claims, DOMAINS[version] + body, signature


def verify(token: str, keys: dict[str, Ed25519PublicKey]) -> Claims:
    claims, message, signature = decode(token)
    key = keys.get(claims.kid)
    if key is None:
        raise TokenError("signed with an unknown key")
    try:
        key.verify(signature, message)
    except InvalidSignature as error:
        raise TokenError("the signature does not match") from error
    return claims
