"""Appending to a log: one entry, in the caller's transaction, without reading old entries.

The head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises
writers already, see pakta.db.begin_write), so two transactions appending at once take
turns: the second sees the first's size and frontier, and sequence numbers neither repeat
nor skip. Rolling back the caller's transaction rolls the entry back with the record it
logs, so the log and the records never part.
"""

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import LogEntry, LogHead, LogName, utcnow
from pakta.services.transparency_log.frontier import Frontier
from pakta.services.transparency_log.merkle import EMPTY_ROOT, leaf_hash


def canonical_json(fields: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8 as is: the same fields always give the same bytes."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_body(log: LogName, seq: int, event_type: str, fields: dict[str, Any]) -> str:
    # The position and kind are inside the hashed bytes: moving an entry changes its leaf.
    return canonical_json({**fields, "log": log.value, "seq": seq, "type": event_type})


def locked_head(session: Session, log: LogName) -> LogHead:
    head = session.scalars(
        select(LogHead)
        .where(LogHead.log == log)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if head is None:
        # Migration 0010 creates both heads; a database built otherwise gets its own here.
        head = LogHead(log=log, size=0, frontier=b"", root_hash=EMPTY_ROOT.hex())
        session.add(head)
        session.flush()
    return head


def append(
    session: Session, log: LogName, event_type: str, subject: str, fields: dict[str, Any]
) -> LogEntry:
    """Add one entry at the end of the log. Flushes, never commits."""
    head = locked_head(session, log)
    frontier = Frontier.from_bytes(head.size, head.frontier)
    body = entry_body(log, head.size, event_type, fields)
    leaf = leaf_hash(body.encode())
    seq = head.size
    frontier.append(leaf)
    root = frontier.root().hex()
    entry = LogEntry(
        log=log,
        seq=seq,
        event_type=event_type,
        subject=subject,
        body=body,
        leaf_hash=leaf.hex(),
        root_hash=root,
    )
    head.size = frontier.size
    head.frontier = frontier.to_bytes()
    head.root_hash = root
    head.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return entry


def entry_for(session: Session, log: LogName, subject: str, event_type: str) -> LogEntry | None:
    """The first entry of this kind about ``subject`` (a certificate number, an event id)."""
    return session.scalar(
        select(LogEntry)
        .where(LogEntry.log == log, LogEntry.subject == subject)
        .where(LogEntry.event_type == event_type)
        .order_by(LogEntry.seq)
    )
