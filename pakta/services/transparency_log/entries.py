"""Appending to a log: one entry, in the caller's transaction, without reading old entries.

The head row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises
writers already, see pakta.db.begin_write), so two transactions appending at once take
turns: the second sees the first's size and frontier, and sequence numbers neither repeat
nor skip. Rolling back the caller's transaction rolls the entry back with the record it
logs, so the log and the records never part.
"""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update
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


@dataclass(frozen=True)
class Head:
    size: int
    frontier: bytes
    root_hash: str
    # What the caller's condition (``read_head(..., also=...)``) said, read in the same query.
    also: bool = False


@dataclass(frozen=True)
class Appended:
    seq: int
    leaf_hash: str
    root_hash: str


def read_head(
    session: Session,
    log: LogName,
    *,
    lock: bool = False,
    also: ColumnElement[bool] | None = None,
) -> Head:
    """The log's size, right edge and root; with ``lock``, the row locked until commit.

    ``also``: a condition the caller needs at the same moment (is this a re-signing?), asked
    in the same statement so that an append costs one read.
    """
    # Plain columns, not the mapped object: an append runs on every signature, and the
    # unit of work's bookkeeping would cost more than the hashing.
    columns = [LogHead.size, LogHead.frontier, LogHead.root_hash]
    if also is not None:
        columns.append(also.label("also"))
    query = select(*columns).where(LogHead.log == log)
    row = session.execute(query.with_for_update(of=LogHead) if lock else query).one_or_none()
    if row is not None:
        return Head(row.size, row.frontier, row.root_hash, bool(also is not None and row.also))
    if lock:
        # Migration 0010 creates both heads; a database built otherwise gets its own here.
        session.execute(
            insert(LogHead).values(
                log=log, size=0, frontier=b"", root_hash=EMPTY_ROOT.hex(), updated_at=utcnow()
            )
        )
        return read_head(session, log, lock=True, also=also)
    return Head(0, b"", EMPTY_ROOT.hex())


def append(
    session: Session,
    log: LogName,
    event_type: str,
    subject: str,
    fields: dict[str, Any],
    *,
    otherwise: tuple[ColumnElement[bool], str] | None = None,
) -> Appended:
    """Add one entry at the end of the log, in the caller's transaction; never commits.

    ``otherwise``: (condition, event type) — the entry is of that type instead when the
    condition holds, read with the head.
    """
    condition, alternative = otherwise if otherwise else (None, event_type)
    head = read_head(session, log, lock=True, also=condition)
    event_type = alternative if head.also else event_type
    frontier = Frontier.from_bytes(head.size, head.frontier)
    body = entry_body(log, head.size, event_type, fields)
    leaf = leaf_hash(body.encode())
    frontier.append(leaf)
    appended = Appended(head.size, leaf.hex(), frontier.root().hex())
    now = utcnow()
    session.execute(
        insert(LogEntry).values(
            log=log,
            seq=appended.seq,
            event_type=event_type,
            subject=subject,
            body=body,
            leaf_hash=appended.leaf_hash,
            root_hash=appended.root_hash,
            created_at=now,
        )
    )
    session.execute(
        update(LogHead)
        .where(LogHead.log == log)
        .values(
            size=frontier.size,
            frontier=frontier.to_bytes(),
            root_hash=appended.root_hash,
            updated_at=now,
        )
    )
    return appended


def entry_for(session: Session, log: LogName, subject: str, event_type: str) -> LogEntry | None:
    """The first entry of this kind about ``subject`` (a certificate number, an event id)."""
    return session.scalar(
        select(LogEntry)
        .where(LogEntry.log == log, LogEntry.subject == subject)
        .where(LogEntry.event_type == event_type)
        .order_by(LogEntry.seq)
    )
