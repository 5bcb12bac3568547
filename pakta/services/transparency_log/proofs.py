"""Proofs served from the database's leaf hashes: whoever checks them needs only a
checkpoint they trust, so a database that lies gives proofs that fail."""

import json
from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from pakta.models import LogCheckpoint, LogEntry, LogHead, LogName
from pakta.services.transparency_log import checkpoints, merkle
from pakta.services.transparency_log.entries import read_head
from pakta.services.transparency_log.events import SIGNING_TYPES

HEX_DIGITS = 2 * merkle.HASH_SIZE


def leaf_hashes(session: Session, log: LogName, size: int) -> list[bytes]:
    """The leaf hashes of the entries before position ``size``, in order (fewer when some are
    missing). Raises ValueError for a stored leaf hash that is not 64 hex digits.

    On PostgreSQL the database joins them into one string in order, a third of the time of
    a row each for 50,000 entries (the verification page reads them all for every v3
    certificate); SQLite orders no aggregate before 3.44, so it reads a row each.
    """
    where = (LogEntry.log == log, LogEntry.seq < size)
    if session.get_bind().dialect.name == "postgresql":
        joined = func.string_agg(
            LogEntry.leaf_hash, aggregate_order_by(literal_column("''"), LogEntry.seq)
        )
        count, text = session.execute(select(func.count(), joined).where(*where)).one()
        if len(text or "") != HEX_DIGITS * count:
            raise ValueError("a leaf hash is not 64 hex digits")
        raw = bytes.fromhex(text or "")
        return [
            raw[start : start + merkle.HASH_SIZE] for start in range(0, len(raw), merkle.HASH_SIZE)
        ]
    query = select(LogEntry.leaf_hash).where(*where).order_by(LogEntry.seq)
    return [bytes.fromhex(value) for value in session.scalars(query)]


def consistency(session: Session, log: LogName, old_size: int, new_size: int) -> list[bytes]:
    # Checked against the head first: a size past the log (any integer a caller types) never
    # reaches the database, whose integer it may not fit.
    if not 0 < old_size <= new_size <= session.get(LogHead, log).size:
        raise merkle.ProofError(f"no consistency proof from {old_size} to {new_size} entries")
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


def _checkpoint_json(row: LogCheckpoint | None) -> dict | None:
    if row is None:
        return None
    return {"tree_size": row.tree_size, "root_hash": row.root_hash, "note": row.note}


def proof_document(session: Session, certificate_number: str) -> dict | None:
    """The signature's entry, its audit path and the latest checkpoint, as the API serves it.

    The path leads to the latest checkpoint's root when that checkpoint already covers the
    entry (then the signed note alone vouches for it), otherwise to the log's current root.
    """
    entry = signature_entry(session, certificate_number)
    if entry is None:
        return None
    latest = checkpoints.latest(session, LogName.SIGNING)
    head = read_head(session, LogName.SIGNING)
    if latest is not None and latest.tree_size > entry.seq:
        size, root_hash = latest.tree_size, latest.root_hash
    else:
        size, root_hash = head.size, head.root_hash
    path = inclusion(session, entry, size).path
    return {
        "entry": {
            "seq": entry.seq,
            "type": entry.event_type,
            "body": entry.body,
            "leaf_hash": entry.leaf_hash,
        },
        "tree_size": size,
        "root_hash": root_hash,
        "audit_path": [node.hex() for node in path],
        "checkpoint": _checkpoint_json(latest),
    }


def check_document(document: dict, certificate_number: str) -> int:
    """Checks a proof document offline: the entry is the certificate's, and its path leads to
    the root given. Returns the entry's position; raises ProofError (or KeyError, ValueError
    on a malformed document)."""
    entry = document["entry"]
    body = json.loads(entry["body"])
    if not isinstance(body, dict) or body.get("certificate_number") != (
        certificate_number.strip().upper()
    ):
        raise merkle.ProofError("the entry is another certificate's")
    leaf = merkle.leaf_hash(entry["body"].encode())
    if leaf.hex() != entry["leaf_hash"]:
        raise merkle.ProofError("the entry's leaf hash is not the hash of its body")
    merkle.verify_inclusion(
        int(entry["seq"]),
        int(document["tree_size"]),
        leaf,
        [bytes.fromhex(node) for node in document["audit_path"]],
        bytes.fromhex(document["root_hash"]),
    )
    return int(entry["seq"])
