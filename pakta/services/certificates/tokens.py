"""The signed token a certificate's QR code carries, in three versions.

All carry the same claims: the 4-byte key id, the certificate number, campaign, unit code,
the signer's name as printed, and the signing date as days since 2000-01-01; and all end
in a 64-byte Ed25519 signature over a domain label of their version and everything before
it. The signer's name is in it so that a QR copied onto someone else's certificate gives
itself away; the NIP never is.

- v1 (certificates issued before v2): a version byte 1, the key id, four length-prefixed
  UTF-8 fields, the date; base64url without padding, in a lower-case ``/v/`` link.
- v2: a version byte 2, the key id, the date, one byte saying which alphabet
  each field is packed in (services.certificates.packed_text), four fields of a length byte
  and their bytes; base32 in upper case without padding (A-Z, 2-7), in a ``HTTPS://HOST/V/``
  link. Every character of that link is in the QR code's alphanumeric mode (5.5 bits a
  character where byte mode takes 8), so the symbol is a few versions smaller and its
  modules larger on paper. Base45 (EU DCC) is as dense, but its '%', '+', '$' and space
  would have to be escaped in a link.
- v3 (issued now): v2 with the certificate's witness copy of the signing log after the
  date: its entry's position (4 bytes) and the first ``ROOT_PREFIX_BYTES`` of the log's
  root right after that entry (services.transparency_log.witness). Signed with the rest,
  so the verification page can hold the log as it is now against the log the signer was
  given, which nobody with only the database can rewrite.

Which version a token is shows in its alphabet: no v1 token is all upper-case base32; v2
and v3 are told apart by their version byte, the first one and a half characters.
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

VERSION = 3  # what new certificates get (v2 for a signature the log does not hold)
DOMAINS = {
    1: b"pakta-certificate-v1\x00",
    2: b"pakta-certificate-v2\x00",
    3: b"pakta-certificate-v3\x00",
}
EPOCH = date(2000, 1, 1)
SIGNATURE_BYTES = 64
FIELDS = 4
# What a v3 token keeps of the log's root. Rewriting the log behind a certificate's back
# without it showing means finding a tree whose root at that size starts with these bytes:
# a second preimage of 96 bits: about 2^96 SHA-256, 2.5 * 10^11 GPU-years at 10^10 a
# second, and the prefixes of all later certificates must hold at once. The birthday bound
# (2^48) helps only an instance that grinds two histories while the person is still
# signing; the signed checkpoints others keep are for that. 8 bytes (2^64: some 60
# GPU-years, a rented cluster's month) are too few for evidence kept for years. With
# the position, the copy costs 25 characters of the link: at https://pakta.sukabumikota.go.id
# a typical certificate's QR code stays at version 9 and a 69-character name's at 10 (the
# test instance's goes from 8 to 9: 0.74 mm a module at 42 mm, test_paper_qr.py).
ROOT_PREFIX_BYTES = 12
_WITNESS = struct.Struct(">I")  # the entry's position: 4 billion entries are plenty
# The longest token the column limits allow (64-char slug and unit code, a 255-byte
# name) is 630 characters in v1, 703 in v2 and 728 in v3; typical ones are about 180,
# 190 and 215.
MAX_TOKEN_CHARS = 736
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
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
    # v3 only, the witness copy: the signature's position in the signing log and the first
    # ROOT_PREFIX_BYTES of the log's root once it was appended.
    log_seq: int | None = None
    log_root_prefix: bytes | None = None

    @property
    def has_witness(self) -> bool:
        return self.log_seq is not None and self.log_root_prefix is not None


def version_of(token: str) -> int:
    """1, 2 or 3 by the token's spelling and version byte (not checked further)."""
    token = token.strip()
    if not _BASE32_TOKEN.fullmatch(token):
        return 1
    if len(token) < 2:
        return 2
    # The first byte is the first character's 5 bits and the second's top 3.
    first = _BASE32.index(token[0]) << 3 | _BASE32.index(token[1]) >> 2
    return 3 if first == 3 else 2


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


def _witness(claims: Claims) -> bytes:
    if not claims.has_witness or len(claims.log_root_prefix) != ROOT_PREFIX_BYTES:
        raise ValueError(f"a v3 token needs the log position and {ROOT_PREFIX_BYTES} root bytes")
    return _WITNESS.pack(claims.log_seq) + claims.log_root_prefix


def version_for(claims: Claims) -> int:
    """The newest version ``claims`` fill: v3 with a witness copy, v2 without one."""
    return VERSION if claims.has_witness else 2


def payload(claims: Claims, version: int | None = None) -> bytes:
    """The signed bytes of a token of ``version`` (``version_for`` the claims if not given),
    before its signature."""
    version = version_for(claims) if version is None else version
    kid = bytes.fromhex(claims.kid)
    if version == 1:
        fields = b"".join(_field_v1(text) for text in _texts(claims))
        return bytes([1]) + kid + fields + _days(claims)
    alphabets, fields = 0, b""
    for text in _texts(claims):
        alphabet, length, data = packed_text.pack(text)
        alphabets = alphabets << 2 | alphabet
        fields += bytes([length]) + data
    witness = _witness(claims) if version == 3 else b""
    return bytes([version]) + kid + _days(claims) + witness + bytes([alphabets]) + fields


def encode(claims: Claims, private_key: Ed25519PrivateKey, version: int | None = None) -> str:
    """The token of ``claims``, in ``version`` or the newest they fill (``version_for``);
    v1 and v2 leave a witness copy out."""
    version = version_for(claims) if version is None else version
    body = payload(claims, version)
    raw = body + private_key.sign(DOMAINS[version] + body)
    if version == 1:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return base64.b32encode(raw).decode().rstrip("=")


def _raw(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise TokenError("not a certificate token")
    try:
        if version_of(token) != 1:
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
    """v2, and v3 with its witness copy between the date and the fields' alphabets."""
    witness = _WITNESS.size + ROOT_PREFIX_BYTES if body[0] == 3 else 0
    alphabets = 7 + witness
    if len(body) < alphabets + 1 + FIELDS:
        raise TokenError("truncated token")
    (days,) = struct.unpack(">H", body[5:7])
    log_seq, log_root_prefix = None, None
    if witness:
        (log_seq,) = _WITNESS.unpack(body[7 : 7 + _WITNESS.size])
        log_root_prefix = body[7 + _WITNESS.size : alphabets]
    position, fields = alphabets + 1, []
    for index in range(FIELDS):
        alphabet = body[alphabets] >> (2 * (FIELDS - 1 - index)) & 3
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
    return Claims(
        body[1:5].hex(),
        *fields,
        signed_on=EPOCH + timedelta(days=days),
        log_seq=log_seq,
        log_root_prefix=log_root_prefix,
    )


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
