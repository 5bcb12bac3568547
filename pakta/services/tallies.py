"""Keeping the rollup tallies (``UnitTally``) equal to what the rows say.

The rollups read one small row per (campaign, unit, employment type) instead of
grouping the roster against every signature on each dashboard load. Those rows
are kept current by the session itself, so no writer can forget them:

* a new signature adds one to ``signed`` (in the signer's current unit, when the
  signer is active) and to ``collected`` (in the unit at signing): one upsert.
  ``signing.write_signature`` runs it itself, after the transparency log's head
  (``count_signature``), whose lock already orders the signers; a signature
  added as a mapped object is counted when its transaction commits, as the
  last statement before COMMIT;
* only valid signatures count: a revocation (``Signature.revoked_at`` set) takes
  the signature off both counts again, a reinstatement adds it back, each by the
  same kind of upsert;
* anything else that can move a count (an employee added, moved, retyped,
  deactivated or deleted, a campaign created, signatures bulk-inserted or
  deleted) marks the session, and the campaign tallies are recounted from the
  rows in the same transaction (``recount``: a few grouped queries, milliseconds
  for tens of thousands of employees; roster imports are rare).

Readers call ``settle`` first, so a session sees its own uncommitted changes.
Writes that bypass the session (raw SQL) are not seen: ``pakta rollups recount``
rebuilds every tally, and ``--check`` compares them with a fresh count.

On PostgreSQL a recount deletes the campaign's rows first, which waits for the
signers holding them, and counts after that, so it sees their signatures; a
signer who upserts meanwhile waits for the recount, finds its fresh row and adds
to it (the upserts add to ``signed`` and ``collected``, never overwrite them),
and its signature was not yet visible to the recount: nothing is counted twice
or lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

from sqlalchemy import Insert, and_, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from pakta.models import Campaign, Employee, EmploymentType, Signature, UnitTally

_PENDING = "pakta.tallies.pending_signatures"
# Signatures revoked or reinstated since the last settle -> whether each was valid before.
_FLIPPED = "pakta.tallies.flipped_signatures"
_STALE = "pakta.tallies.stale"
# Tables whose bulk statements can move any count: the tallies are then recounted.
_COUNTED_TABLES = frozenset({"employee", "signature", "campaign"})
# The Employee attributes a tally depends on.
_COUNTED_ATTRIBUTES = ("unit_id", "active", "employment_type")


class Tally(NamedTuple):
    roster: int
    signed: int
    collected: int


# (unit id, employment type) -> the unit's own tally
Tallies = dict[tuple[int, str], Tally]


def type_key(value: EmploymentType | str) -> str:
    """The employment type as stored: its plain value, whether read as an enum or a string."""
    return value.value if isinstance(value, EmploymentType) else str(value)


# -- reading ------------------------------------------------------------------------------


def read(session: Session, campaign_id: int, unit_ids: set[int] | None = None) -> Tallies:
    """The campaign's tallies, only of ``unit_ids`` when given (one query)."""
    settle(session)
    stmt = select(
        UnitTally.unit_id,
        UnitTally.employment_type,
        UnitTally.roster,
        UnitTally.signed,
        UnitTally.collected,
    ).where(UnitTally.campaign_id == campaign_id)
    if unit_ids is not None:
        stmt = stmt.where(UnitTally.unit_id.in_(unit_ids))
    return {(row[0], row[1]): Tally(row[2], row[3], row[4]) for row in session.execute(stmt)}


def count_from_rows(session: Session, campaign_id: int) -> Tallies:
    """The tallies as the roster and signatures say now: the reference ``read`` must equal."""
    roster_and_signed = (
        select(Employee.unit_id, Employee.employment_type, func.count(), func.count(Signature.id))
        .outerjoin(
            Signature,
            and_(
                Signature.employee_id == Employee.id,
                Signature.campaign_id == campaign_id,
                Signature.is_valid,
            ),
        )
        .where(Employee.active)
        .group_by(Employee.unit_id, Employee.employment_type)
    )
    collected = (
        select(Signature.unit_id, Employee.employment_type, func.count())
        .join(Employee, Employee.id == Signature.employee_id)
        .where(Signature.campaign_id == campaign_id, Signature.is_valid)
        .group_by(Signature.unit_id, Employee.employment_type)
    )
    counts: dict[tuple[int, str], list[int]] = {}
    for unit_id, kind, roster, signed in session.execute(roster_and_signed):
        counts[(unit_id, type_key(kind))] = [roster, signed, 0]
    for unit_id, kind, number in session.execute(collected):
        counts.setdefault((unit_id, type_key(kind)), [0, 0, 0])[2] = number
    return {key: Tally(*values) for key, values in counts.items()}


def differences(session: Session, campaign_id: int) -> dict[tuple[int, str], tuple[Tally, Tally]]:
    """(unit id, type) -> (stored tally, counted tally) wherever the two disagree."""
    stored, counted = read(session, campaign_id), count_from_rows(session, campaign_id)
    nothing = Tally(0, 0, 0)
    return {
        key: (stored.get(key, nothing), counted.get(key, nothing))
        for key in stored.keys() | counted.keys()
        if stored.get(key, nothing) != counted.get(key, nothing)
    }


# -- writing ------------------------------------------------------------------------------


def _upsert(session: Session, rows: list[dict], *, set_roster: bool) -> None:
    """Insert tally rows, or add their signed and collected to the rows already there."""
    session.execute(_upsert_statement(session.get_bind().dialect.name, set_roster), rows)


@cache
def _upsert_statement(dialect: str, set_roster: bool) -> Insert:
    # Built once per dialect: every signature runs it, and building it cost more CPU than
    # running it.
    insert_for = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt: Insert = insert_for(UnitTally)
    added = {
        "signed": UnitTally.signed + stmt.excluded.signed,
        "collected": UnitTally.collected + stmt.excluded.collected,
    }
    if set_roster:
        added["roster"] = stmt.excluded.roster
    return stmt.on_conflict_do_update(
        index_elements=[UnitTally.campaign_id, UnitTally.unit_id, UnitTally.employment_type],
        set_=added,
    )


def recount(session: Session, campaign_ids: Iterable[int] | None = None) -> None:
    """Rebuild the tallies of the given campaigns (all when None) from the rows."""
    session.info.pop(_STALE, None)
    if campaign_ids is None:
        campaign_ids = session.scalars(select(Campaign.id)).all()
    for campaign_id in campaign_ids:
        # Delete first: on PostgreSQL this waits for signers holding these rows, so
        # the count below, a later statement, sees their signatures (module docstring).
        session.execute(delete(UnitTally).where(UnitTally.campaign_id == campaign_id))
        rows = [
            dict(
                campaign_id=campaign_id,
                unit_id=unit_id,
                employment_type=kind,
                roster=tally.roster,
                signed=tally.signed,
                collected=tally.collected,
            )
            for (unit_id, kind), tally in count_from_rows(session, campaign_id).items()
        ]
        if rows:
            _upsert(session, rows, set_roster=True)


def _count_signatures(session: Session, changes: list[tuple[Signature, int]]) -> None:
    """Add each signature's change (+1 counted, -1 no longer counted) to its tallies."""
    added: Counter[tuple[int, int, str, str]] = Counter()
    for signature, change in changes:
        employee = session.get(Employee, signature.employee_id)
        if employee is None:  # cannot be with the foreign key; recount to be safe
            session.info[_STALE] = True
            continue
        kind = type_key(employee.employment_type)
        added[(signature.campaign_id, signature.unit_id, kind, "collected")] += change
        if employee.active:
            added[(signature.campaign_id, employee.unit_id, kind, "signed")] += change
    rows: dict[tuple[int, int, str], dict] = {}
    for (campaign_id, unit_id, kind, column), number in added.items():
        row = rows.setdefault(
            (campaign_id, unit_id, kind),
            dict(
                campaign_id=campaign_id,
                unit_id=unit_id,
                employment_type=kind,
                roster=0,
                signed=0,
                collected=0,
            ),
        )
        row[column] = number
    if rows:
        _upsert(session, sorted(rows.values(), key=_row_key), set_roster=False)


def _row_key(row: dict) -> tuple:
    # One order for every writer, so two transactions never lock the same rows crosswise.
    return (row["campaign_id"], row["unit_id"], row["employment_type"])


def settle(session: Session) -> None:
    """Bring the tallies up to date with everything this session has done so far."""
    if (
        session.info.get(_PENDING)
        or session.info.get(_FLIPPED)
        or session.info.get(_STALE)
        or session.new
        or session.dirty
    ):
        session.flush()
    # Signatures of a rolled-back savepoint are no longer in the session: they don't count.
    pending = [
        signature
        for signature in session.info.pop(_PENDING, ())
        if _still_there(session, signature)
    ]
    flipped: dict[Signature, bool] = session.info.pop(_FLIPPED, {})
    if session.info.get(_STALE):
        recount(session)  # counts the pending and flipped signatures too
        return
    # A new signature counts as it stands now (it may have been revoked since it was added);
    # another counts by how its validity moved: a rolled-back savepoint's change reloads as
    # it was, and moves nothing.
    changes = [(signature, 1) for signature in pending if signature.is_valid]
    new = set(pending)
    for signature, was_valid in flipped.items():
        if signature not in new and _still_there(session, signature):
            change = int(signature.is_valid) - int(was_valid)
            if change:
                changes.append((signature, change))
    if changes:
        _count_signatures(session, changes)


def _still_there(session: Session, signature: Signature) -> bool:
    return signature in session and inspect(signature).persistent


# -- noticing changes -----------------------------------------------------------------------


def _moves_a_count(instance: object) -> bool:
    """An employee moved, retyped or (de)activated, or a signature's evidence edited (never,
    normally; a revocation or reinstatement is counted on its own, ``_notice_flip``)."""
    if isinstance(instance, Employee):
        state = inspect(instance)
        return any(state.attrs[name].history.has_changes() for name in _COUNTED_ATTRIBUTES)
    if isinstance(instance, Signature):
        return any(
            attribute.history.has_changes()
            for attribute in inspect(instance).attrs
            if attribute.key != _VALIDITY
        )
    return False


_VALIDITY = "revoked_at"


def _notice_flip(session: Session, signature: Signature) -> None:
    """Remember whether a revoked or reinstated signature was valid before (the first time)."""
    history = inspect(signature).attrs[_VALIDITY].history
    if history.has_changes():
        was_valid = not any(value is not None for value in history.deleted)
        session.info.setdefault(_FLIPPED, {}).setdefault(signature, was_valid)


@event.listens_for(Session, "after_flush")
def _notice_flushed_changes(session: Session, _context) -> None:
    for instance in session.new:
        if isinstance(instance, Signature):
            session.info.setdefault(_PENDING, []).append(instance)
        elif isinstance(instance, Employee | Campaign):
            session.info[_STALE] = True
    for instance in session.deleted:
        if isinstance(instance, Employee | Signature):
            session.info[_STALE] = True
    for instance in session.dirty:
        if _moves_a_count(instance):
            session.info[_STALE] = True
        elif isinstance(instance, Signature):
            _notice_flip(session, instance)


def count_signature(
    session: Session, *, campaign_id: int, unit_id: int, employment_type: EmploymentType | str
) -> None:
    """Count a new valid signature of an active employee, written by a statement of its own
    (``COUNTED_BY_WRITER``): one to ``signed`` and to ``collected`` in their unit, now, in
    the writer's transaction. A savepoint rolled back takes the count back with the row."""
    row = dict(
        campaign_id=campaign_id,
        unit_id=unit_id,
        employment_type=type_key(employment_type),
        roster=0,
        signed=1,
        collected=1,
    )
    _upsert(session, [row], set_roster=False)


# The execution option of a statement that writes signatures and counts them itself
# (``count_signature``): it does not make the tallies stale.
_COUNTED = "pakta_tallies_counted"
COUNTED_BY_WRITER = {_COUNTED: True}


@event.listens_for(Session, "do_orm_execute")
def _notice_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get(_COUNTED):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _COUNTED_TABLES:
        state.session.info[_STALE] = True


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    settle(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_when_done(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_FLIPPED, None)
        session.info.pop(_STALE, None)
