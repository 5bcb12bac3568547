"""The Ed25519 keys that sign certificate tokens.

Public keys are published from the database so that every app node, and
anyone offline, can verify. A private key lives in the instance folder as a
0600 PEM file named after its key id, or comes from PAKTA_SIGNING_KEY (the PEM
text) so that several nodes can share it; it never enters the database.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.files import write_atomic
from pakta.models import SigningKey, utcnow


class KeyringError(RuntimeError):
    """Keys are missing or unusable; the message says what to run."""


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:8]


def key_dir(instance_path: str) -> Path:
    return Path(instance_path) / "keys"


def private_key_path(instance_path: str, kid: str) -> Path:
    return key_dir(instance_path) / f"ed25519-{kid}.pem"


def write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, pem, mode=0o600, exclusive=True)


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _from_pem(text: str | bytes) -> Ed25519PrivateKey:
    data = text.encode() if isinstance(text, str) else text
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyringError("PAKTA_SIGNING_KEY must be an Ed25519 private key in PEM (PKCS#8)")
    return key


def published(session: Session) -> list[SigningKey]:
    return list(session.scalars(select(SigningKey).order_by(SigningKey.created_at)))


def public_keys(session: Session) -> dict[str, Ed25519PublicKey]:
    return {
        key.kid: Ed25519PublicKey.from_public_bytes(key.public_key) for key in published(session)
    }


def _register(session: Session, private: Ed25519PrivateKey) -> SigningKey:
    raw = raw_public(private.public_key())
    kid = kid_for(raw)
    row = session.get(SigningKey, kid)
    if row is None:
        row = SigningKey(kid=kid, public_key=raw)
        session.add(row)
        session.flush()
    return row


def _retire_others(session: Session, keep: SigningKey) -> None:
    for row in published(session):
        if row.kid != keep.kid and row.retired_at is None:
            row.retired_at = utcnow()


def init(session: Session, instance_path: str, configured_pem: str | None) -> SigningKey:
    """Make sure a signing key exists; idempotent."""
    if configured_pem:
        row = _register(session, _from_pem(configured_pem))
        if row.retired_at is None:
            _retire_others(session, row)
        return row
    current = active(session)
    if current is not None:
        return current
    return rotate(session, instance_path)


def rotate(session: Session, instance_path: str) -> SigningKey:
    """A new key signs from now on; the old ones stay published for verification."""
    private = Ed25519PrivateKey.generate()
    raw = raw_public(private.public_key())
    write_private(private_key_path(instance_path, kid_for(raw)), _pem(private))
    row = _register(session, private)
    _retire_others(session, row)
    session.flush()
    return row


def active(session: Session) -> SigningKey | None:
    return session.scalar(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
    )


@dataclass(frozen=True)
class Signer:
    kid: str
    private_key: Ed25519PrivateKey


def signer(session: Session, instance_path: str, configured_pem: str | None) -> Signer:
    row = active(session)
    if row is None:
        raise KeyringError("no certificate signing key: run `pakta keys init`")
    if configured_pem:
        private = _from_pem(configured_pem)
        if kid_for(raw_public(private.public_key())) == row.kid:
            return Signer(row.kid, private)
    path = private_key_path(instance_path, row.kid)
    if not path.exists():
        raise KeyringError(
            f"the private key of the active signing key {row.kid} is not on this node: "
            f"set PAKTA_SIGNING_KEY or copy {path.name} into {path.parent}"
        )
    return Signer(row.kid, _from_pem(path.read_bytes()))
