"""Signed checkpoints: the log's size and root, signed with the instance's Ed25519 key.

The text is a C2SP signed note (c2sp.org/signed-note, c2sp.org/tlog-checkpoint), so that
tools made for transparency logs can read it::

    pakta.example.go.id/log/signing        origin: the instance and the log
    1234                                   tree size
    3q2+7w...=                             root hash, base64
    time 2026-12-07T02:00:00.000000+00:00  extension line: when it was signed
                                           blank line
    — pakta.example.go.id/1a2b3c4d AAAA... key name (host/key id), base64(key hash || sig)

The signature covers every byte before the blank line's newline; the four-byte key hash is
SHA-256(key name || "\\n" || 0x01 || public key), as the signed-note spec has it for Ed25519.
"""

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.keys.certificate import Signer, raw_public
from pakta.models import LogCheckpoint, LogName, utcnow
from pakta.services.transparency_log.entries import read_head
from pakta.services.transparency_log.events import timestamp

_DASH = "\u2014"
_ED25519 = b"\x01"


class CheckpointError(ValueError):
    """The text is not a checkpoint, or its signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    time: str
    kid: str
    text: str

    @property
    def log(self) -> str:
        return self.origin.rsplit("/", 1)[-1]


def origin_for(base_url: str, log: LogName) -> str:
    return f"{urlsplit(base_url).netloc or 'pakta'}/log/{log.value}"


def _key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + public_key).digest()[:4]


def sign(signer: Signer, origin: str, size: int, root: bytes, when: datetime) -> str:
    body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\ntime {timestamp(when)}\n"
    name = f"{origin.split('/', 1)[0]}/{signer.kid}"
    public = raw_public(signer.private_key.public_key())
    signature = signer.private_key.sign(body.encode())
    blob = base64.b64encode(_key_hash(name, public) + signature).decode()
    return f"{body}\n{_DASH} {name} {blob}\n"


def parse(text: str) -> Checkpoint:
    body, separator, signatures = text.partition("\n\n")
    lines = body.split("\n")
    if not separator or len(lines) < 3 or not signatures.startswith(_DASH + " "):
        raise CheckpointError("not a signed checkpoint")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
        name = signatures.split("\n", 1)[0].split(" ")[1]
    except (ValueError, IndexError) as error:
        raise CheckpointError("not a signed checkpoint") from error
    when = next((line[5:] for line in lines[3:] if line.startswith("time ")), "")
    if size < 0 or len(root) != 32:
        raise CheckpointError("not a signed checkpoint")
    return Checkpoint(lines[0], size, root, when, name.rsplit("/", 1)[-1], text)


def verify(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> None:
    """Raises CheckpointError unless a line is signed by the key its name gives."""
    key = keys.get(checkpoint.kid)
    if key is None:
        raise CheckpointError(f"unknown key {checkpoint.kid}")
    body, _, signatures = checkpoint.text.partition("\n\n")
    public = raw_public(key)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if blob[:4] != _key_hash(parts[1], public):
            continue
        try:
            key.verify(blob[4:], (body + "\n").encode())
        except InvalidSignature:
            continue
        return
    raise CheckpointError("the signature does not verify")


def file_name(row: LogCheckpoint) -> str:
    return f"pakta-{row.log.value}-{row.tree_size}-{row.id}.txt"


def recent(session: Session, limit: int) -> list[LogCheckpoint]:
    """The newest checkpoints of every log, newest first."""
    return list(
        session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.id.desc()).limit(limit))
    )


def latest(session: Session, log: LogName) -> LogCheckpoint | None:
    return session.scalar(
        select(LogCheckpoint)
        .where(LogCheckpoint.log == log)
        .order_by(LogCheckpoint.tree_size.desc(), LogCheckpoint.id.desc())
    )


def create(session: Session, signer: Signer, base_url: str, log: LogName) -> LogCheckpoint:
    """Sign the log as it stands now (its head is read once, so size and root agree)."""
    head = read_head(session, log)
    size, root = head.size, bytes.fromhex(head.root_hash)
    now = utcnow()
    note = sign(signer, origin_for(base_url, log), size, root, now)
    row = LogCheckpoint(
        log=log, tree_size=size, root_hash=root.hex(), kid=signer.kid, signed_at=now, note=note
    )
    session.add(row)
    session.flush()
    return row


def due(
    session: Session, log: LogName, every_seconds: int = 3600, now: datetime | None = None
) -> bool:
    """New entries since the last checkpoint, and that one at least ``every_seconds`` old."""
    head = read_head(session, log)
    last = latest(session, log)
    if head.size == 0:
        return False
    if last is None:
        return True
    age = ((now or utcnow()) - last.signed_at).total_seconds()
    return head.size > last.tree_size and age >= every_seconds


def sign_due(
    session: Session, signer: Signer, base_url: str, every_seconds: int = 3600
) -> list[LogCheckpoint]:
    """A checkpoint of each log that is ``due``: the worker's maintenance calls this."""
    return [
        create(session, signer, base_url, log)
        for log in LogName
        if due(session, log, every_seconds)
    ]
