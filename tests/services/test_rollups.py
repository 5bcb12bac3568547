import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pakta.models import EmploymentType, SignatureMethod, Unit
from pakta.services import signing
from pakta.services.certificates import revocations
from pakta.services.rollups import (
    Counts,
    View,
    below_threshold,
    daily_series,
    employees_page,
    employees_status,
    hourly_series,
    not_signed,
    overall,
    signatures_today,
    unit_rollups,
)
from tests.conftest import make_campaign, make_employee

WIB = ZoneInfo("Asia/Jakarta")
OPENS = datetime(2024, 7, 28, 0, 0, tzinfo=WIB).astimezone(UTC)
CLOSES = datetime(2024, 8, 10, 0, 0, tzinfo=WIB).astimezone(UTC)
TYPES = [kind.value for kind in EmploymentType]
_numbers = itertools.count(1)


@pytest.fixture
def campaign(session):
    return make_campaign(
        session,
        opens_at=OPENS,
        closes_at=CLOSES,
    )


def person(session, unit, kind="PNS", *, name=None, active=True):
    number = next(_numbers)
    return make_employee(
        session,
        unit,
        identity_number=f"T{number:09d}",
        name=name or f"Pegawai {number}",
        position="Pelaksana",
        employment_type=EmploymentType(kind),
        active=active,
    )


def sign(session, campaign, employee, at=None):
    return signing.record_signature(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(typed_name=employee.name, acknowledged_points=list(range(1, 5))),
        signed_at=at or OPENS + timedelta(hours=3),
    )


def move(session, employee, unit):
    employee.unit = unit
    session.flush()


def by_code(rollups):
    return {rollup.code: rollup for rollup in rollups}


def wib(*args):
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


@pytest.fixture
def staffed(session, units, campaign):
    """PEMDA 1 (0 signed), DINKES 1 (1), DINKES-P2P 2 (1), DISDIK 2 (0)."""
    people = {
        "pemda": person(session, units["PEMDA"]),
        "dinkes": person(session, units["DINKES"], "PPPK"),
        "p2p_signed": person(session, units["DINKES-P2P"], "NON_ASN"),
        "p2p_waiting": person(session, units["DINKES-P2P"]),
        "disdik_a": person(session, units["DISDIK"], "PPPK"),
        "disdik_b": person(session, units["DISDIK"]),
    }
    sign(session, campaign, people["dinkes"])
    sign(session, campaign, people["p2p_signed"])
    return people


# -- the rollup ---------------------------------------------------------------------------


def test_sub_units_roll_up_into_their_parents_in_tree_order(session, units, campaign, staffed):
    rollups = unit_rollups(session, campaign.id)

    assert [(r.code, r.depth, r.parent_code) for r in rollups] == [
        ("PEMDA", 0, None),
        ("DINKES", 1, "PEMDA"),
        ("DINKES-P2P", 2, "DINKES"),
        ("DISDIK", 1, "PEMDA"),
    ]
    rows = by_code(rollups)
    assert rows["DINKES-P2P"].own == rows["DINKES-P2P"].total == Counts(2, 1)
    assert rows["DINKES"].own == Counts(1, 1)
    assert rows["DINKES"].total == Counts(3, 2)
    assert rows["DISDIK"].total == Counts(2, 0)
    assert rows["PEMDA"].own == Counts(1, 0)
    assert rows["PEMDA"].total == Counts(6, 2)
    assert rows["PEMDA"].not_signed == 4
    assert rows["DINKES"].total.rate == pytest.approx(200 / 3)
    assert rows["PEMDA"].parent_id is None
    assert rows["DINKES"].parent_id == units["PEMDA"].id
    assert overall(rollups) == Counts(6, 2)


def test_counts_are_split_by_employment_type_and_rolled_up_like_the_total(
    session, campaign, staffed
):
    rows = by_code(unit_rollups(session, campaign.id))

    assert rows["DINKES-P2P"].by_type == {
        "PNS": Counts(1, 0),
        "PPPK": Counts(0, 0),
        "NON_ASN": Counts(1, 1),
    }
    assert rows["PEMDA"].by_type == {
        "PNS": Counts(3, 0),
        "PPPK": Counts(2, 1),
        "NON_ASN": Counts(1, 1),
    }
    for rollup in rows.values():
        assert sum(rollup.by_type.values(), Counts(0, 0)) == rollup.total


def test_an_operator_scope_leaves_out_other_branches_even_with_its_parent_outside(
    session, units, campaign, staffed
):
    rollups = unit_rollups(session, campaign.id, root_unit_ids={units["DINKES"].id})

    assert [(r.code, r.depth, r.parent_code) for r in rollups] == [
        ("DINKES", 0, "PEMDA"),
        ("DINKES-P2P", 1, "DINKES"),
    ]
    assert overall(rollups) == Counts(3, 2)
    assert by_code(rollups)["DINKES"].total == Counts(3, 2)


def test_the_scope_is_applied_in_the_queries_and_their_number_is_fixed(
    session, units, campaign, staffed, statements
):
    session.commit()  # the tallies settle on commit: reading them is then all that is left
    for view, expected in ((View.ROSTER, 2), (View.HISTORY, 2)):
        statements.clear()
        unit_rollups(session, campaign.id, root_unit_ids={units["DINKES"].id}, view=view)
        assert len(statements) == expected
        data = [sql for sql in statements if "FROM unit_tally" in sql]
        assert data
        scope = {units["DINKES"].id, units["DINKES-P2P"].id}
        for sql in data:
            params = sql.parameters
            values = set(params.values() if isinstance(params, dict) else params)
            assert " IN (" in sql
            assert scope <= values
            assert units["DISDIK"].id not in values


def test_an_operator_without_a_unit_sees_nothing(session, campaign, staffed):
    assert unit_rollups(session, campaign.id, root_unit_ids=set()) == []


def test_a_moved_employee_counts_where_they_are_for_the_roster_and_where_they_signed_for_history(
    session, units, campaign
):
    stays = person(session, units["DISDIK"])
    mover = person(session, units["DISDIK"])
    sign(session, campaign, stays)
    sign(session, campaign, mover)
    move(session, mover, units["DINKES"])

    roster = by_code(unit_rollups(session, campaign.id, view=View.ROSTER))
    history = by_code(unit_rollups(session, campaign.id, view="history"))

    assert roster["DINKES"].own == Counts(1, 1)
    assert roster["DISDIK"].own == Counts(1, 1)
    assert history["DINKES"].own == Counts(1, 0)
    # Two signatures collected in DISDIK, one person left on its roster: 200%, unclamped.
    assert history["DISDIK"].own == Counts(1, 2)
    assert history["DISDIK"].total.rate == pytest.approx(200.0)
    assert roster["PEMDA"].total == history["PEMDA"].total == Counts(2, 2)


def test_inactive_employees_are_off_the_roster_and_their_signatures_count_only_in_history(
    session, units, campaign
):
    person(session, units["DISDIK"])
    gone = person(session, units["DISDIK"], "PPPK")
    sign(session, campaign, gone)
    gone.active = False
    session.flush()

    roster = by_code(unit_rollups(session, campaign.id))
    history = by_code(unit_rollups(session, campaign.id, view=View.HISTORY))

    assert roster["DISDIK"].own == Counts(1, 0)
    assert history["DISDIK"].own == Counts(1, 1)
    assert history["DISDIK"].by_type["PPPK"] == Counts(0, 1)


def test_signatures_in_other_campaigns_do_not_count(session, units, campaign):
    other = make_campaign(
        session,
        slug="pilgub-2024",
        title="Pilgub 2024",
        opens_at=OPENS,
        closes_at=CLOSES,
    )
    someone = person(session, units["DISDIK"])
    sign(session, other, someone)

    for view in View:
        assert by_code(unit_rollups(session, campaign.id, view=view))["DISDIK"].own == Counts(1, 0)
    assert by_code(unit_rollups(session, other.id))["DISDIK"].own == Counts(1, 1)


def test_the_rate_is_zero_on_an_empty_roster(session, units, campaign):
    assert Counts(0, 0).rate == 0.0
    assert Counts(4, 1).rate == 25.0
    rows = by_code(unit_rollups(session, campaign.id))
    assert rows["PEMDA"].total == Counts(0, 0)
    assert rows["PEMDA"].total.rate == 0.0
    assert overall(rows.values()).rate == 0.0


def test_below_threshold_lists_lagging_units_and_skips_empty_ones(
    session, units, campaign, staffed
):
    session.add(Unit(code="KOSONG", name="Unit tanpa pegawai", parent=units["PEMDA"]))
    session.flush()
    rollups = unit_rollups(session, campaign.id)

    # PEMDA 33%, DINKES 67%, DINKES-P2P 50%, DISDIK 0%, KOSONG nobody.
    assert [r.code for r in below_threshold(rollups, 50)] == ["PEMDA", "DISDIK"]
    assert [r.code for r in below_threshold(rollups, 60)] == ["PEMDA", "DINKES-P2P", "DISDIK"]
    assert below_threshold(rollups, 0) == []


# -- over time ----------------------------------------------------------------------------


def test_todays_count_follows_the_local_day_in_wib(session, units, campaign):
    people = [person(session, units["DISDIK"]) for _ in range(4)]
    sign(session, campaign, people[0], wib(2024, 7, 29, 0, 0))  # first instant of the 29th
    sign(session, campaign, people[1], wib(2024, 7, 29, 23, 59, 59, 999999))
    sign(session, campaign, people[2], wib(2024, 7, 30, 0, 0))  # 17:00 UTC on the 29th
    sign(session, campaign, people[3], wib(2024, 7, 30, 6, 30))

    def today(now):
        return signatures_today(session, campaign.id, unit_ids=None, tz=WIB, now=now)

    assert today(datetime(2024, 7, 29, 16, 59, 59, tzinfo=UTC)) == 2  # 23:59:59 WIB
    assert today(datetime(2024, 7, 29, 17, 0, tzinfo=UTC)) == 2  # 00:00 WIB on the 30th
    assert today(datetime(2024, 7, 28, 17, 0, tzinfo=UTC)) == 2
    assert today(datetime(2024, 7, 28, 16, 59, tzinfo=UTC)) == 0
    assert (
        signatures_today(
            session,
            campaign.id,
            unit_ids={units["DINKES"].id},
            tz=WIB,
            now=datetime(2024, 7, 29, 16, 0, tzinfo=UTC),
        )
        == 0
    )


def test_the_daily_series_includes_days_without_signatures_and_accumulates(
    session, units, campaign
):
    people = [person(session, units["DISDIK"]) for _ in range(5)]
    person(session, units["DINKES"])
    sign(session, campaign, people[0], wib(2024, 7, 28, 0, 0))
    sign(session, campaign, people[1], wib(2024, 7, 28, 23, 59))
    sign(session, campaign, people[2], wib(2024, 7, 31, 0, 1))
    sign(session, campaign, people[3], wib(2024, 7, 31, 8, 0))

    series = daily_series(session, campaign.id, unit_ids=None, tz=WIB, now=wib(2024, 8, 1, 10, 0))

    assert [(p.day, p.signatures, p.cumulative) for p in series] == [
        (date(2024, 7, 28), 2, 2),
        (date(2024, 7, 29), 0, 2),
        (date(2024, 7, 30), 0, 2),
        (date(2024, 7, 31), 2, 4),
        (date(2024, 8, 1), 0, 4),
    ]
    assert series[0].cumulative_rate == pytest.approx(100 * 2 / 6)
    assert series[-1].cumulative_rate == pytest.approx(100 * 4 / 6)


def test_the_daily_series_stops_on_the_closing_day_and_is_empty_before_opening(
    session, units, campaign
):
    series = daily_series(session, campaign.id, unit_ids=None, tz=WIB, now=wib(2024, 9, 1, 10, 0))
    assert series[0].day == date(2024, 7, 28)
    assert series[-1].day == date(2024, 8, 9)  # closes at 00:00 on the 10th
    assert len(series) == 13
    assert all(p.cumulative_rate == 0.0 for p in series)
    assert daily_series(session, campaign.id, unit_ids=None, tz=WIB, now=OPENS - timedelta(1)) == []


def test_the_daily_series_counts_by_scope_and_view(session, units, campaign):
    mover = person(session, units["DISDIK"])
    sign(session, campaign, mover, wib(2024, 7, 29, 9, 0))
    move(session, mover, units["DINKES"])
    now = wib(2024, 7, 30, 9, 0)

    def last(unit, view):
        points = daily_series(
            session, campaign.id, unit_ids={units[unit].id}, tz=WIB, view=view, now=now
        )
        return points[-1].cumulative, points[-1].cumulative_rate

    assert last("DINKES", View.ROSTER) == (1, 100.0)
    assert last("DISDIK", View.ROSTER) == (0, 0.0)
    assert last("DINKES", View.HISTORY) == (0, 0.0)
    assert last("DISDIK", View.HISTORY) == (1, 0.0)  # nobody left on the roster


def test_the_hourly_series_has_24_local_hours_counted_from_the_campaign_start(
    session, units, campaign
):
    people = [person(session, units["DISDIK"]) for _ in range(4)]
    sign(session, campaign, people[0], wib(2024, 7, 28, 10, 0))  # an earlier day
    sign(session, campaign, people[1], wib(2024, 7, 29, 0, 0))
    sign(session, campaign, people[2], wib(2024, 7, 29, 7, 59))
    sign(session, campaign, people[3], wib(2024, 7, 30, 0, 0))  # the next day

    points = hourly_series(session, campaign.id, unit_ids=None, tz=WIB, day=date(2024, 7, 29))

    assert [p.hour for p in points] == list(range(24))
    assert [p.signatures for p in points if p.signatures] == [1, 1]
    assert points[0].signatures == 1
    assert points[7].signatures == 1
    assert points[0].cumulative == 2
    assert points[6].cumulative == 2
    assert points[23].cumulative == 3
    # The chart's line: the share of the four on the roster who had signed by each hour.
    assert [points[h].cumulative_rate for h in (0, 6, 7, 23)] == [50.0, 50.0, 75.0, 75.0]


@pytest.mark.parametrize(
    ("zone", "offset"),
    [
        ("Asia/Kolkata", timedelta(hours=5, minutes=30)),
        ("Asia/Kathmandu", timedelta(hours=5, minutes=45)),
    ],
)
def test_zones_off_the_whole_hour_split_days_and_hours_at_their_own_boundaries(
    session, units, campaign, zone, offset
):
    tz = ZoneInfo(zone)
    midnight = datetime(2024, 7, 30, tzinfo=UTC) - offset  # 00:00 local on the 30th, in UTC
    people = [person(session, units["DISDIK"]) for _ in range(3)]
    sign(session, campaign, people[0], midnight - timedelta(seconds=1))
    sign(session, campaign, people[1], midnight)
    sign(session, campaign, people[2], midnight + timedelta(minutes=59, seconds=59))

    series = daily_series(session, campaign.id, unit_ids=None, tz=tz, now=midnight + timedelta(1))
    per_day = {p.day: p.signatures for p in series}
    assert per_day[date(2024, 7, 29)] == 1
    assert per_day[date(2024, 7, 30)] == 2
    hours = hourly_series(session, campaign.id, unit_ids=None, tz=tz, day=date(2024, 7, 30))
    assert hours[0].signatures == 2
    assert hours[0].cumulative == 3
    assert hours[1].signatures == 0
    now = midnight - timedelta(minutes=1)
    assert signatures_today(session, campaign.id, unit_ids=None, tz=tz, now=now) == 1


# -- drill-down ---------------------------------------------------------------------------


def test_employees_status_lists_active_people_now_in_the_units_with_their_signature(
    session, units, campaign
):
    zaenal = person(session, units["DINKES"], "PPPK", name="Zaenal")
    person(session, units["DINKES"], name="ani")
    person(session, units["DINKES-P2P"], name="Budi")
    person(session, units["DINKES"], name="Gone", active=False)
    person(session, units["DISDIK"], name="Elsewhere")
    mover = person(session, units["DISDIK"], name="Mover")
    signature = sign(session, campaign, zaenal, wib(2024, 7, 29, 8, 0))
    sign(session, campaign, mover)
    move(session, mover, units["DINKES-P2P"])

    people = employees_status(session, campaign.id, {units["DINKES"].id, units["DINKES-P2P"].id})

    assert [(p.unit_code, p.name) for p in people] == [
        ("DINKES", "ani"),
        ("DINKES", "Zaenal"),
        ("DINKES-P2P", "Budi"),
        ("DINKES-P2P", "Mover"),
    ]
    first = people[1]
    assert first.employee_id == zaenal.id
    assert first.identity_number == zaenal.identity_number
    assert first.employment_type == "PPPK"
    assert first.unit_name == "Dinas Kesehatan"
    assert first.position == "Pelaksana"
    assert first.signed_at == wib(2024, 7, 29, 8, 0)
    assert first.certificate_number == signature.certificate_number
    assert people[0].signed_at is None
    assert people[0].certificate_number is None
    assert people[3].signed_at is not None

    waiting = not_signed(session, campaign.id, {units["DINKES"].id, units["DINKES-P2P"].id})
    assert [p.name for p in waiting] == ["ani", "Budi"]
    assert employees_status(session, campaign.id, set()) == []


# -- against a brute-force count ----------------------------------------------------------


@st.composite
def organisations(draw):
    size = draw(st.integers(1, 15))
    parents = [None] + [
        draw(st.one_of(st.none(), st.integers(0, i - 1))) if i > 1 else 0 for i in range(1, size)
    ]
    codes = [f"U{n:02d}" for n in draw(st.permutations(range(size)))]
    people = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "unit": st.integers(0, size - 1),
                    "kind": st.sampled_from(TYPES),
                    "active": st.booleans(),
                    # where they were when signing (None: not signed), and when
                    "signed_in": st.one_of(st.none(), st.integers(0, size - 1)),
                    "minute": st.integers(0, 12 * 24 * 60),
                    # that signature revoked, and where they signed again (None: not again)
                    "revoked": st.booleans(),
                    "again_in": st.one_of(st.none(), st.integers(0, size - 1)),
                }
            ),
            max_size=30,
        )
    )
    scope = draw(st.sets(st.integers(0, size - 1), max_size=3))
    return parents, codes, people, scope


def subtree(index, parents):
    found, stack = set(), [index]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(i for i, parent in enumerate(parents) if parent == current)
    return found


def expected_order(visible, parents, codes):
    tops = sorted((i for i in visible if parents[i] not in visible), key=codes.__getitem__)
    order = []

    def visit(i, depth):
        order.append((codes[i], depth))
        for child in sorted(
            (c for c, p in enumerate(parents) if p == i and c in visible), key=codes.__getitem__
        ):
            visit(child, depth + 1)

    for top in tops:
        visit(top, 0)
    return order


def valid_signature_unit(p):
    """Where the person's valid signature was made: a revoked one counts nowhere."""
    if p["signed_in"] is None:
        return None
    return p["again_in"] if p["revoked"] else p["signed_in"]


def brute_force(people, units_counted, view):
    """(roster, signed) per type for people and valid signatures in ``units_counted``."""
    roster, signed = Counter(), Counter()
    for p in people:
        where = valid_signature_unit(p)
        if p["active"] and p["unit"] in units_counted:
            roster[p["kind"]] += 1
            if view is View.ROSTER and where is not None:
                signed[p["kind"]] += 1
        if view is View.HISTORY and where in units_counted:
            signed[p["kind"]] += 1
    return {kind: Counts(roster[kind], signed[kind]) for kind in TYPES}


def total_of(counts):
    return sum(counts.values(), Counts(0, 0))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(organisation=organisations())
def test_every_rollup_matches_a_brute_force_count(session, campaign, organisation):
    parents, codes, people, scope = organisation
    nested = session.begin_nested()
    try:
        units = []
        for i, code in enumerate(codes):
            parent = units[parents[i]] if parents[i] is not None else None
            units.append(Unit(code=code, name=f"Unit {code}", parent=parent))
        session.add_all(units)
        session.flush()
        for p in people:
            employee = person(
                session,
                units[p["signed_in"] if p["signed_in"] is not None else p["unit"]],
                p["kind"],
                active=True,
            )
            if p["signed_in"] is not None:
                at = OPENS + timedelta(minutes=p["minute"])
                first = sign(session, campaign, employee, at)
                if p["revoked"]:
                    revocations.revoke(
                        session, first, reason="signed_in_error", note="", actor="test"
                    )
                    if p["again_in"] is not None:
                        move(session, employee, units[p["again_in"]])
                        sign(session, campaign, employee, at + timedelta(minutes=1))
            employee.unit = units[p["unit"]]
            employee.active = p["active"]
        session.flush()

        ids = [unit.id for unit in units]
        everything = set(range(len(units)))
        scopes = [(None, everything)]
        if scope:
            scopes.append(
                ({ids[i] for i in scope}, set().union(*(subtree(i, parents) for i in scope)))
            )
        now = CLOSES + timedelta(days=3)
        for root_unit_ids, visible in scopes:
            for view in View:
                rollups = unit_rollups(session, campaign.id, root_unit_ids=root_unit_ids, view=view)
                assert [(r.code, r.depth) for r in rollups] == expected_order(
                    visible, parents, codes
                )
                for rollup in rollups:
                    i = codes.index(rollup.code)
                    own = brute_force(people, {i}, view)
                    below = brute_force(people, subtree(i, parents), view)
                    assert rollup.own == total_of(own)
                    assert rollup.by_type == below
                    assert rollup.total == total_of(below)
                    assert rollup.parent_code == (
                        codes[parents[i]] if parents[i] is not None else None
                    )
                whole = total_of(brute_force(people, visible, view))
                assert overall(rollups) == whole

                unit_ids = None if root_unit_ids is None else {ids[i] for i in visible}
                series = daily_series(
                    session, campaign.id, unit_ids=unit_ids, tz=WIB, view=view, now=now
                )
                assert series[-1].cumulative == whole.signed
                assert sum(p.signatures for p in series) == whole.signed
                assert series[-1].cumulative_rate == pytest.approx(whole.rate)
            waiting = not_signed(session, campaign.id, {ids[i] for i in visible})
            assert len(waiting) == total_of(brute_force(people, visible, View.ROSTER)).not_signed
            revoked_waiting = [
                p
                for p in people
                if p["active"]
                and p["unit"] in visible
                and p["signed_in"] is not None
                and valid_signature_unit(p) is None
            ]
            assert sorted(w.revoked_reason or "" for w in waiting) == sorted(
                ["signed_in_error"] * len(revoked_waiting)
                + [""] * (len(waiting) - len(revoked_waiting))
            )
    finally:
        nested.rollback()


def test_employees_come_a_page_at_a_time_in_unit_then_name_order(session, units, campaign):
    names = ["Citra", "Ani", "Budi", "Dewi", "Eko"]
    for name in names:
        person(session, units["DINKES-P2P"], name=name)
    sign(session, campaign, person(session, units["DINKES"], name="Zaki"))
    scope = {units["DINKES"].id, units["DINKES-P2P"].id}
    pages = [
        employees_page(session, campaign.id, scope, page=number, per_page=2)
        for number in (1, 2, 3, 4)
    ]
    assert [[p.name for p in people] for people, _more in pages] == [
        ["Zaki", "Ani"],  # DINKES before DINKES-P2P, then by name
        ["Budi", "Citra"],
        ["Dewi", "Eko"],
        [],
    ]
    assert [more for _people, more in pages] == [True, True, False, False]
    assert pages[0][0][0].signed_at is not None and pages[0][0][1].signed_at is None
