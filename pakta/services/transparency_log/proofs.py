"""Proofs served from the database's leaf hashes: whoever checks them needs only a
checkpoint they trust, so a database that lies gives proofs that fail."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import LogEntry, LogName
from pakta.services.transparency_log import merkle
from pakta.services.transparency_log.events import SIGNING_TYPES


def leaf_hashes(session: Session, log: LogName, size: int) -> list[bytes]:
    query = (
        select(LogEntry.leaf_hash)
        .where(LogEntry.log == log, LogEntry.seq < size)
        .order_by(LogEntry.seq)
    )
    return [bytes.fromhex(value) for value in session.scalars(query)]


def consistency(session: Session, log: LogName, old_size: int, new_size: int) -> list[bytes]:
    leaves = leaf_hashes(session, log, new_size)
    if len(leaves) < new_size:
        raise merkle.ProofError(f"the log has fewer than {new_size} entries")
    return merkle.consistency_proof(leaves, old_size, new_size)


@dataclass(frozen=True)
class Inclusion:
    entry: LogEntry
    tree_size: int
    path: list[bytes]


def signature_entry(session: Session, certificate_number: str) -> LogEntry | None:
    return session.scalar(
        select(LogEntry).where(
            LogEntry.log == LogName.SIGNING,
            LogEntry.subject == certificate_number.strip().upper(),
            LogEntry.event_type.in_(SIGNING_TYPES),
        )
    )


def inclusion(session: Session, entry: LogEntry, tree_size: int) -> Inclusion:
    leaves = leaf_hashes(session, entry.log, tree_size)
    if len(leaves) < tree_size:
        raise merkle.ProofError(f"the log has fewer than {tree_size} entries")
    return Inclusion(entry, tree_size, merkle.inclusion_proof(leaves, entry.seq, tree_size))
