"""The key that seals TOTP secrets in the database (AES-256-GCM).

Whoever holds an account's TOTP secret can make its codes, so the database, and every dump
or backup of it, keeps the secret only sealed under a key that never enters the database: a
file beside the signing keys (``instance/keys/totp-secrets.key``, or PAKTA_TOTP_KEY_FILE),
made on first use outside production and made by `pakta keys init` in production.

The file holds one key per line, base64url: the first seals, and the ones after it still
open what they sealed, which lets `pakta mfa rotate-key` re-seal every secret before the
old key is dropped. A sealed secret reads ``v1$<key id>$<nonce and ciphertext>``; the
account's id is its associated data, so a sealed secret copied onto another account does
not open there.
"""

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pakta.files import write_atomic
from pakta.keys.certificate import KeyringError

VERSION = "v1"
PREFIX = VERSION + "$"
NONCE_BYTES = 12  # AES-GCM's standard nonce, random per secret
KEY_BYTES = 32


class TotpKeyError(KeyringError):
    """The key file is missing, unreadable or malformed, or lacks the key a secret needs;
    the message says which file and what to do."""


class SealError(ValueError):
    """A sealed secret that does not open under its key: damaged, or not this account's."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"pakta:totp-key:" + key).hexdigest()[:8]


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)


def sealed_key_id(value: str) -> str | None:
    """The id of the key ``value`` was sealed under, or None when it is not sealed."""
    parts = value.split("$")
    return parts[1] if len(parts) == 3 and parts[0] == VERSION else None


def _associated_data(user_id: int) -> bytes:
    # The purpose and scheme are bound too: nothing else sealed alike passes for a secret.
    return f"pakta:totp-secret:{VERSION}:user:{user_id}".encode()


@dataclass(frozen=True)
class Keyring:
    keys: tuple[bytes, ...]  # the first seals; all of them open

    @property
    def active_id(self) -> str:
        return key_id(self.keys[0])

    def ids(self) -> list[str]:
        return [key_id(key) for key in self.keys]

    def seal(self, secret: str, user_id: int) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, secret.encode(), _associated_data(user_id))
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{self.active_id}${body}"

    def open(self, value: str, user_id: int) -> str:
        """The clear secret; TotpKeyError when its key is not here, SealError when it does
        not open (damaged, or sealed for another account)."""
        kid = sealed_key_id(value)
        if kid is None:
            raise SealError("not a sealed TOTP secret")
        key = next((key for key in self.keys if key_id(key) == kid), None)
        if key is None:
            raise TotpKeyError(
                f"the TOTP secrets are sealed under key {kid}, which the TOTP key file does "
                f"not hold (it holds {', '.join(self.ids())})"
            )
        body = value.split("$")[2]
        try:
            data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            nonce, sealed = data[:NONCE_BYTES], data[NONCE_BYTES:]
            return AESGCM(key).decrypt(nonce, sealed, _associated_data(user_id)).decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise SealError("the sealed TOTP secret does not open for this account") from None

    def reseal(self, value: str, user_id: int) -> str:
        """``value`` sealed under the first key (as it was when it already is)."""
        if sealed_key_id(value) == self.active_id:
            return value
        return self.seal(self.open(value, user_id), user_id)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _encode(keys: tuple[bytes, ...]) -> str:
    return "".join(base64.urlsafe_b64encode(key).decode() + "\n" for key in keys)


def load(path: str | os.PathLike) -> Keyring:
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise TotpKeyError(
            f"the TOTP key file {path} is missing: run `pakta keys init`, or copy it from "
            "another node or from the backup of the keys"
        ) from None
    except OSError as error:
        raise TotpKeyError(f"the TOTP key file {path} cannot be read: {error.strerror}") from None
    keys = []
    for line in text.split():
        try:
            key = base64.urlsafe_b64decode(line.encode())
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise TotpKeyError(
                f"the TOTP key file {path} is damaged: each line must be a 32-byte key in base64url"
            )
        keys.append(key)
    if not keys:
        raise TotpKeyError(f"the TOTP key file {path} holds no key")
    return Keyring(tuple(keys))


def create(path: str | os.PathLike) -> Keyring:
    """The key file at ``path``, made with a new key when it does not exist yet."""
    path = Path(path)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, _encode((new_key(),)), mode=0o600, exclusive=True)
        except FileExistsError:
            return load(path)  # another process made it first: both use that one
        except OSError as error:
            raise TotpKeyError(
                f"the TOTP key file {path} cannot be made: {error.strerror}"
            ) from None
    return load(path)


def write(path: str | os.PathLike, keyring: Keyring) -> None:
    """Replaces the key file whole (never half-written), readable by the app alone."""
    write_atomic(path, _encode(keyring.keys), mode=0o600)


def keyring_for(config, *, create_missing: bool | None = None) -> Keyring:
    """The keyring a Pakta app with ``config`` uses: made on first use outside production;
    in production a missing file is an error (`pakta keys init` makes it)."""
    if create_missing is None:
        create_missing = config["ENV"] != "production"
    path = config["TOTP_KEY_FILE"]
    return create(path) if create_missing else load(path)


def current() -> Keyring:
    """The running app's keyring, read from its file each time: a rotation by the command
    line, or on another node, is seen at once."""
    from flask import current_app

    return keyring_for(current_app.config)
