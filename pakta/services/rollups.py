"""Compliance rollups: who has signed, per unit, per employment type and over time.

Two views answer two questions (issue 5, point 8):

``View.ROSTER`` (the default) — *who still has to sign where they work now?*
    The roster is the active employees currently in a unit; *signed* is those of
    them who have a signature in the campaign, wherever they signed. Someone who
    moved after signing counts, signed, in their new unit. Rates never exceed 100%.

``View.HISTORY`` — *where were the signatures collected?*
    Signatures count in ``Signature.unit_id``, the unit the person belonged to
    when signing, including people since made inactive or moved away, and split
    by the signer's current employment type. The roster is still the unit's
    current active roster, so after moves a unit's rate can exceed 100% (or stay
    below what the roster view shows); nothing is clamped, the numbers are what
    the two sides say.

Inactive employees never count in a roster; their signatures count only in the
history view. Operator scoping is applied inside the queries: employee and
signature rows outside the visible units are never read.

Every function issues a fixed number of queries, whatever the number of units or
employees. The per-unit counts come from the running tallies (``services.tallies``,
kept current with every signature and roster change), so the whole-tree rollup
reads a few hundred small rows; the unit tree itself is rolled up in Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from pakta.models import (
    Campaign,
    Employee,
    EmploymentType,
    RevocationAction,
    RevocationEvent,
    RevocationReason,
    Signature,
    Unit,
    utcnow,
)
from pakta.services import tallies

EMPLOYMENT_TYPES: tuple[str, ...] = tuple(kind.value for kind in EmploymentType)


class View(StrEnum):
    ROSTER = "roster"
    HISTORY = "history"


@dataclass(frozen=True)
class Counts:
    roster: int
    signed: int

    @property
    def rate(self) -> float:
        """Signed as a percentage of the roster; 0.0 for an empty roster."""
        return 100.0 * self.signed / self.roster if self.roster else 0.0

    @property
    def not_signed(self) -> int:
        return self.roster - self.signed

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.roster + other.roster, self.signed + other.signed)


ZERO = Counts(0, 0)


@dataclass(frozen=True)
class UnitRollup:
    unit_id: int
    code: str
    name: str
    parent_id: int | None
    parent_code: str | None
    # 0 for each top unit of the returned list (the Pemda, or an operator's own
    # unit), +1 per level below it: what a template indents by.
    depth: int
    own: Counts
    total: Counts
    by_type: dict[str, Counts]

    @property
    def not_signed(self) -> int:
        return self.total.roster - self.total.signed


@dataclass(frozen=True)
class DayPoint:
    day: date
    signatures: int
    cumulative: int
    cumulative_rate: float


@dataclass(frozen=True)
class HourPoint:
    hour: int
    signatures: int
    cumulative: int
    cumulative_rate: float


@dataclass(frozen=True)
class EmployeeStatus:
    employee_id: int
    identity_number: str
    name: str
    position: str
    employment_type: str
    unit_code: str
    unit_name: str
    signed_at: datetime | None
    certificate_number: str | None
    # Without a valid signature but with a revoked one: the newest revocation's reason
    # (a ``RevocationReason`` value), shown as "revoked" beside the person.
    revoked_reason: str | None = None


# -- the unit tree ------------------------------------------------------------------------


class _Node(NamedTuple):
    id: int
    code: str
    name: str
    parent_id: int | None


def _load_tree(session: Session) -> tuple[dict[int, _Node], dict[int | None, list[int]]]:
    rows = session.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id))
    nodes = {row[0]: _Node(*row) for row in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for node in nodes.values():
        parent = node.parent_id if node.parent_id in nodes else None
        children[parent].append(node.id)
    for siblings in children.values():
        siblings.sort(key=lambda unit_id: nodes[unit_id].code)
    return nodes, children


def _closure(roots: Iterable[int], children: dict[int | None, list[int]]) -> set[int]:
    found: set[int] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, ()))
    return found


def _tree_order(
    visible: set[int], nodes: dict[int, _Node], children: dict[int | None, list[int]]
) -> list[tuple[int, int]]:
    """(unit id, depth) depth-first, siblings by code, from the units whose parent is hidden."""
    tops = sorted(
        (unit_id for unit_id in visible if nodes[unit_id].parent_id not in visible),
        key=lambda unit_id: nodes[unit_id].code,
    )
    ordered: list[tuple[int, int]] = []
    seen: set[int] = set()
    stack = [(unit_id, 0) for unit_id in reversed(tops)]
    while stack:
        unit_id, depth = stack.pop()
        if unit_id in seen:  # a parent_id cycle would otherwise loop forever
            continue
        seen.add(unit_id)
        ordered.append((unit_id, depth))
        stack.extend(
            (child, depth + 1) for child in reversed(children.get(unit_id, ())) if child in visible
        )
    return ordered


# -- the counts --------------------------------------------------------------------------

# (unit id, employment type) -> number of people
_Grouped = dict[tuple[int, str], int]


def _active_in(unit_ids: set[int] | None):
    """The roster condition: active employees, in the given units when any are given."""
    if unit_ids is None:
        return Employee.active
    return and_(Employee.active, Employee.unit_id.in_(unit_ids))


def unit_rollups(
    session: Session,
    campaign_id: int,
    *,
    root_unit_ids: set[int] | None = None,
    view: View = View.ROSTER,
) -> list[UnitRollup]:
    """Every visible unit with its own and rolled-up counts, in tree order.

    ``root_unit_ids`` None is the whole Pemda; otherwise only those units and
    their sub-trees are visible (an operator's scope, e.g. from
    ``units.visible_unit_ids``), and the employee and signature queries are
    restricted to them. See the module docstring for the two views.

    ``own`` counts the people directly in a unit, ``total`` and ``by_type`` add
    every sub-unit. Two queries: the unit tree and the campaign's tallies.
    """
    view = View(view)
    nodes, children = _load_tree(session)
    if root_unit_ids is None:
        visible = set(nodes)
        unit_filter: set[int] | None = None
    else:
        visible = _closure((unit_id for unit_id in root_unit_ids if unit_id in nodes), children)
        unit_filter = visible
    if not visible:
        return []

    counted = tallies.read(session, campaign_id, unit_filter)
    roster: _Grouped = {key: tally.roster for key, tally in counted.items()}
    if view is View.ROSTER:
        signed: _Grouped = {key: tally.signed for key, tally in counted.items()}
    else:
        signed = {key: tally.collected for key, tally in counted.items()}

    ordered = _tree_order(visible, nodes, children)
    position = {unit_id: n for n, (unit_id, _depth) in enumerate(ordered)}
    slot = {kind: k for k, kind in enumerate(EMPLOYMENT_TYPES)}
    width = len(EMPLOYMENT_TYPES)
    # Flat arrays indexed by position * width + type: each unit's own counts first...
    own_roster = [0] * (len(ordered) * width)
    own_signed = [0] * (len(ordered) * width)
    for grouped, target in ((roster, own_roster), (signed, own_signed)):
        for (unit_id, kind), count in grouped.items():
            n, k = position.get(unit_id), slot.get(kind)
            if n is not None and k is not None:
                target[n * width + k] += count
    # ...then rolled up, bottom-up: in tree order a unit comes after its parent.
    total_roster, total_signed = own_roster.copy(), own_signed.copy()
    for n in range(len(ordered) - 1, -1, -1):
        parent = position.get(nodes[ordered[n][0]].parent_id)
        if parent is not None:
            for k in range(width):
                total_roster[parent * width + k] += total_roster[n * width + k]
                total_signed[parent * width + k] += total_signed[n * width + k]

    rollups = []
    for n, (unit_id, depth) in enumerate(ordered):
        node, row = nodes[unit_id], slice(n * width, (n + 1) * width)
        parent_node = nodes.get(node.parent_id) if node.parent_id is not None else None
        rollups.append(
            UnitRollup(
                unit_id=unit_id,
                code=node.code,
                name=node.name,
                parent_id=node.parent_id,
                parent_code=parent_node.code if parent_node else None,
                depth=depth,
                own=Counts(sum(own_roster[row]), sum(own_signed[row])),
                total=Counts(sum(total_roster[row]), sum(total_signed[row])),
                by_type={
                    kind: Counts(total_roster[n * width + k], total_signed[n * width + k])
                    for k, kind in enumerate(EMPLOYMENT_TYPES)
                },
            )
        )
    return rollups


def overall(rollups: Iterable[UnitRollup]) -> Counts:
    """The scope's totals: the sum of each returned unit's own counts (nothing counted twice)."""
    return sum((rollup.own for rollup in rollups), ZERO)


def below_threshold(rollups: Iterable[UnitRollup], threshold_percent: float) -> list[UnitRollup]:
    """Units whose rolled-up rate is under the threshold, in the given order.

    Units with nobody on their (rolled-up) roster are left out: there is no one to chase.
    """
    return [r for r in rollups if r.total.roster and r.total.rate < threshold_percent]


# -- over time ----------------------------------------------------------------------------

_QUARTER_HOUR = 900


class _QuarterHour(FunctionElement):
    """Whole quarter hours since the epoch (UTC) of a timestamp column.

    Every zone in use today is offset from UTC by whole quarter hours (Jakarta
    +7, Kolkata +5:30, Kathmandu +5:45) and changes offset on a quarter hour,
    so a quarter hour never straddles a local day or hour boundary: grouping by
    it in SQL and converting each group to local time in Python is exact.
    """

    type = Integer()
    inherit_cache = True
    name = "quarter_hour"


@compiles(_QuarterHour, "sqlite")
def _quarter_hour_sqlite(element, compiler, **kw):
    # SQLite keeps UTC as text ("2024-07-29 16:59:59.123456"); %s drops the fraction.
    (column,) = element.clauses
    return f"(CAST(strftime('%s', {compiler.process(column, **kw)}) AS INTEGER) / 900)"


@compiles(_QuarterHour)
def _quarter_hour_default(element, compiler, **kw):
    (column,) = element.clauses
    return f"CAST(floor(extract(epoch FROM {compiler.process(column, **kw)}) / 900) AS INTEGER)"


def _scoped_signatures(
    stmt: Select, campaign_id: int, unit_ids: set[int] | None, view: View
) -> Select:
    """Restrict a query over signatures to a scope, counted the way the view counts them."""
    stmt = stmt.where(Signature.campaign_id == campaign_id, Signature.is_valid)
    if View(view) is View.ROSTER:
        return stmt.join(Employee, Employee.id == Signature.employee_id).where(_active_in(unit_ids))
    if unit_ids is not None:
        stmt = stmt.where(Signature.unit_id.in_(unit_ids))
    return stmt


def _local_counts(
    session: Session,
    campaign_id: int,
    unit_ids: set[int] | None,
    view: View,
    tz: ZoneInfo,
    before: datetime,
) -> list[tuple[datetime, int]]:
    """(local start of a quarter hour, signatures in it) for signatures before ``before``."""
    bucket = _QuarterHour(Signature.signed_at).label("bucket")
    stmt = select(bucket, func.count()).select_from(Signature).where(Signature.signed_at < before)
    stmt = _scoped_signatures(stmt, campaign_id, unit_ids, view).group_by(bucket)
    return [
        (datetime.fromtimestamp(quarter * _QUARTER_HOUR, UTC).astimezone(tz), count)
        for quarter, count in session.execute(stmt)
    ]


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _roster_size(session: Session, unit_ids: set[int] | None) -> int:
    return session.scalar(select(func.count()).select_from(Employee).where(_active_in(unit_ids)))


def signatures_today(
    session: Session,
    campaign_id: int,
    *,
    unit_ids: set[int] | None,
    tz: ZoneInfo,
    now: datetime,
    view: View = View.ROSTER,
) -> int:
    """Signatures since local midnight of ``now`` in ``tz`` (until the next local midnight).

    ``unit_ids`` is the exact set of units counted (None: all), for example an
    operator's visible units; ``view`` says whether a signature belongs to the
    signer's current unit (roster) or the unit where they signed (history).
    """
    today = now.astimezone(tz).date()
    stmt = (
        select(func.count())
        .select_from(Signature)
        .where(
            Signature.signed_at >= _local_midnight(today, tz),
            Signature.signed_at < _local_midnight(today + timedelta(days=1), tz),
        )
    )
    return session.scalar(_scoped_signatures(stmt, campaign_id, unit_ids, view))


def daily_series(
    session: Session,
    campaign_id: int,
    *,
    unit_ids: set[int] | None,
    tz: ZoneInfo,
    view: View = View.ROSTER,
    now: datetime | None = None,
) -> list[DayPoint]:
    """One point per local day, from the campaign's first day to today or its last day.

    Days without signatures are included. ``unit_ids`` and ``view`` count
    signatures as ``signatures_today`` does (in the roster view, only those of
    active employees now in the units). ``cumulative`` counts them up to the end
    of that day (any signed before the first day included), ``cumulative_rate``
    against the units' current active roster, so once the campaign has closed
    the last point matches ``overall`` of the same scope and view. Three queries.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return []
    now = now or utcnow()
    first = campaign.opens_at.astimezone(tz).date()
    closing_day = (campaign.closes_at - timedelta(microseconds=1)).astimezone(tz).date()
    last = min(now.astimezone(tz).date(), closing_day)
    if last < first:
        return []
    # A day late as a bound is harmless: groups are dated in Python and later days dropped.
    before = _local_midnight(last + timedelta(days=2), tz)
    per_day: Counter[date] = Counter()
    earlier = 0
    for start, count in _local_counts(session, campaign_id, unit_ids, view, tz, before):
        if start.date() < first:
            earlier += count
        else:
            per_day[start.date()] += count
    roster = _roster_size(session, unit_ids)
    points, cumulative, day = [], earlier, first
    while day <= last:
        cumulative += per_day[day]
        rate = 100.0 * cumulative / roster if roster else 0.0
        points.append(DayPoint(day, per_day[day], cumulative, rate))
        day += timedelta(days=1)
    return points


def hourly_series(
    session: Session,
    campaign_id: int,
    *,
    unit_ids: set[int] | None,
    tz: ZoneInfo,
    day: date,
    view: View = View.ROSTER,
) -> list[HourPoint]:
    """24 points, local hours 0–23 of ``day`` in ``tz``; ``cumulative`` counts from the start,
    ``cumulative_rate`` against the units' current active roster, as ``daily_series`` does.

    On a day a zone leaves daylight saving time the repeated hour's signatures
    fall into one point. Two queries.
    """
    before = _local_midnight(day + timedelta(days=2), tz)
    per_hour = [0] * 24
    earlier = 0
    for start, count in _local_counts(session, campaign_id, unit_ids, view, tz, before):
        if start.date() < day:
            earlier += count
        elif start.date() == day:
            per_hour[start.hour] += count
    roster = _roster_size(session, unit_ids)
    points, cumulative = [], earlier
    for hour, count in enumerate(per_hour):
        cumulative += count
        rate = 100.0 * cumulative / roster if roster else 0.0
        points.append(HourPoint(hour, count, cumulative, rate))
    return points


# -- drill-down to people -----------------------------------------------------------------


def _revoked_reason(campaign_id: int):
    """The reason of the person's newest revocation in the campaign (a correlated subquery)."""
    return (
        select(RevocationEvent.reason)
        .join(Signature, Signature.id == RevocationEvent.signature_id)
        .where(
            Signature.campaign_id == campaign_id,
            Signature.employee_id == Employee.id,
            RevocationEvent.action == RevocationAction.REVOKE,
        )
        .order_by(RevocationEvent.occurred_at.desc(), RevocationEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _status_query(campaign_id: int, unit_ids: set[int]) -> Select:
    return (
        select(
            Employee.id,
            Employee.identity_number,
            Employee.name,
            Employee.position,
            Employee.employment_type,
            Unit.code,
            Unit.name,
            Signature.signed_at,
            Signature.certificate_number,
            # Only asked for the people without a valid signature.
            case((Signature.id.is_(None), _revoked_reason(campaign_id))),
        )
        .join(Unit, Unit.id == Employee.unit_id)
        .outerjoin(
            Signature,
            and_(
                Signature.employee_id == Employee.id,
                Signature.campaign_id == campaign_id,
                Signature.is_valid,
            ),
        )
        .where(_active_in(unit_ids))
    )


def _status(row) -> EmployeeStatus:
    return EmployeeStatus(
        employee_id=row[0],
        identity_number=row[1],
        name=row[2],
        position=row[3],
        employment_type=tallies.type_key(row[4]),
        unit_code=row[5],
        unit_name=row[6],
        signed_at=row[7],
        certificate_number=row[8],
        revoked_reason=_reason_value(row[9]),
    )


def _statuses(session: Session, stmt: Select) -> list[EmployeeStatus]:
    people = [_status(row) for row in session.execute(stmt)]
    # Sorted here, not in SQL: SQLite and PostgreSQL collate names differently.
    people.sort(key=lambda p: (p.unit_code, p.name.casefold(), p.identity_number))
    return people


def _reason_value(reason: RevocationReason | str | None) -> str | None:
    return reason.value if isinstance(reason, RevocationReason) else reason


def employees_status(
    session: Session, campaign_id: int, unit_ids: set[int]
) -> list[EmployeeStatus]:
    """Active employees now in exactly these units, with their valid signature in the campaign
    if any, else the reason of a revocation if they had one.

    Pass a sub-tree (``units.subtree_ids``) to include sub-units. Sorted by unit
    code, then name. One query.
    """
    return _statuses(session, _status_query(campaign_id, set(unit_ids)))


def employees_page(
    session: Session, campaign_id: int, unit_ids: set[int], *, page: int, per_page: int
) -> tuple[list[EmployeeStatus], bool]:
    """Page ``page`` (from 1) of ``employees_status``, and whether another page follows.

    The drill-down into a large OPD would otherwise list thousands of people on one page.
    Sorted by the database (unit code, name, NIP), so names collate as the database does;
    the database stops after the page, which reads the employees of a few units, not of the
    whole sub-tree. One query.
    """
    stmt = (
        _status_query(campaign_id, set(unit_ids))
        .order_by(Unit.code, Employee.name, Employee.identity_number, Employee.id)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page + 1)
    )
    people = [_status(row) for row in session.execute(stmt)]
    return people[:per_page], len(people) > per_page


def not_signed(session: Session, campaign_id: int, unit_ids: set[int]) -> list[EmployeeStatus]:
    """The people of ``employees_status`` without a valid signature in the campaign: not
    signed yet, or signed and revoked (``revoked_reason``)."""
    stmt = _status_query(campaign_id, set(unit_ids)).where(Signature.id.is_(None))
    return _statuses(session, stmt)
