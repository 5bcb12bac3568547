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

from sqlalchemy import ColumnElement, bindparam, insert, select, update
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


def logged_fields(body: str) -> dict[str, Any]:
    """The record's fields an entry's body holds, without its position and kind; empty for a
    body that is not a JSON object (tampered), which then matches no record."""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return {}
    return {key: value for key, value in parsed.items() if key not in ("log", "seq", "type")}


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


# Statements built once, their values given at execution: an append runs on every
# signature, and building and caching statements (or the unit of work's bookkeeping for
# mapped objects) would cost more than the hashing.
_HEADS = LogHead.__table__
_INSERT_ENTRY = insert(LogEntry.__table__)
_UPDATE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.log == bindparam("head_log"))
    .values(
        size=bindparam("new_size"),
        frontier=bindparam("new_frontier"),
        root_hash=bindparam("new_root"),
        updated_at=bindparam("now"),
    )
)
_HEAD_COLUMNS = (_HEADS.c.size, _HEADS.c.frontier, _HEADS.c.root_hash)
# PostgreSQL writes the entry and moves the head in one statement (the INSERT in a WITH
# clause): one round trip a signature fewer. SQLite, which has no INSERT in a WITH clause,
# runs the two above one after the other.
_ENTRY_COLUMNS = ("log", "seq", "event_type", "subject", "body", "leaf_hash", "root_hash")
_WRITE_ENTRY_AND_HEAD = _UPDATE_HEAD.add_cte(
    insert(LogEntry.__table__)
    .values(
        {name: bindparam(f"entry_{name}") for name in _ENTRY_COLUMNS}
        | {"created_at": bindparam("now")}
    )
    .cte("entry")
)


@dataclass(frozen=True)
class Condition:
    """A yes-or-no question asked with the head's read, in the same statement (is this a
    re-signing?): ``clause`` with bound parameters, their ``values``."""

    clause: ColumnElement[bool]
    values: dict[str, Any]


def read_head(
    session: Session, log: LogName, *, lock: bool = False, also: Condition | None = None
) -> Head:
    """The log's size, right edge and root; with ``lock``, the row locked until commit."""
    columns = [*_HEAD_COLUMNS] + ([also.clause.label("also")] if also else [])
    query = select(*columns).where(_HEADS.c.log == bindparam("head_log"))
    values = {"head_log": log, **(also.values if also else {})}
    if lock:
        query = query.with_for_update(of=_HEADS)
    row = session.execute(query, values).one_or_none()
    if row is not None:
        return Head(row.size, row.frontier, row.root_hash, bool(also and row.also))
    if lock:
        # Migration 0010 creates both heads; a database built otherwise gets its own here.
        session.execute(
            insert(_HEADS).values(
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
    otherwise: tuple[Condition, str] | None = None,
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
    entry = {
        "log": log,
        "seq": appended.seq,
        "event_type": event_type,
        "subject": subject,
        "body": body,
        "leaf_hash": appended.leaf_hash,
        "root_hash": appended.root_hash,
    }
    head = {
        "head_log": log,
        "new_size": frontier.size,
        "new_frontier": frontier.to_bytes(),
        "new_root": appended.root_hash,
        "now": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        values = {f"entry_{name}": value for name, value in entry.items()}
        session.execute(_WRITE_ENTRY_AND_HEAD, {**values, **head})
    else:
        session.execute(_INSERT_ENTRY, {**entry, "created_at": now})
        session.execute(_UPDATE_HEAD, head)
    return appended
