"""The witness copy: where a signature sits in the log and the root the log had then.

A certificate prints both, so each signer keeps a copy the instance cannot quietly change;
the verification page shows them from the log (for the holder to compare) and whether the
entry still says what the signature row says.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pakta.models import LogCheckpoint, LogName, Signature
from pakta.services.transparency_log import checkpoints, events, proofs
from pakta.services.transparency_log.entries import logged_fields
from pakta.services.transparency_log.merkle import leaf_hash


@dataclass(frozen=True)
class Witness:
    seq: int
    root_hash: str
    # The entry's body hashes to its leaf and carries the signature row's fields.
    matches: bool


def for_signature(session: Session, signature: Signature) -> Witness | None:
    entry = proofs.signature_entry(session, signature.certificate_number)
    if entry is None:
        return None
    logged = logged_fields(entry.body)
    expected = events.signature_fields(signature, signature.employee.identity_number)
    matches = logged == expected and leaf_hash(entry.body.encode()).hex() == entry.leaf_hash
    return Witness(entry.seq, entry.root_hash, matches)


def latest_checkpoint(session: Session) -> LogCheckpoint | None:
    return checkpoints.latest(session, LogName.SIGNING)
