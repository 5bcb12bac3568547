"""The rollup tallies stay equal to a fresh count of the rows, whatever writes them."""

import itertools
import threading
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from pakta import migrate
from pakta.db import begin_write, make_engine
from pakta.models import (
    Campaign,
    Employee,
    EmploymentType,
    PactText,
    Signature,
    SignatureMethod,
    Unit,
    UnitTally,
    utcnow,
)
from pakta.services import signing, tallies
from pakta.services.certificates import revocations
from pakta.services.tallies import Tally
from tests.conftest import make_campaign, make_employee

_numbers = itertools.count(1)


def person(session, unit, kind="PNS", *, active=True):
    number = next(_numbers)
    return make_employee(
        session,
        unit,
        identity_number=f"TL{number:08d}",
        name=f"Pegawai {number}",
        employment_type=EmploymentType(kind),
        active=active,
    )


def sign(session, campaign, employee):
    return signing.record_signature(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(typed_name=employee.name, acknowledged_points=[1, 2, 3, 4]),
    )


def revoke(session, signature):
    return revocations.revoke(session, signature, reason="signed_in_error", note="", actor="test")


def assert_current(session, campaign_id):
    # A revocation can bring a row down to all zeros, which a fresh count has no row for:
    # the same numbers, as ``differences`` (what ``pakta rollups recount --check`` uses) says.
    assert tallies.differences(session, campaign_id) == {}


def test_a_committed_signature_adds_one_with_a_single_upsert_and_no_recount(
    session, units, campaign, statements
):
    signer = person(session, units["DINKES"], "PPPK")
    session.commit()
    before = tallies.read(session, campaign.id)[(units["DINKES"].id, "PPPK")]

    statements.clear()
    sign(session, campaign, signer)
    session.commit()

    tally_writes = [sql for sql in statements if "unit_tally" in sql]
    assert len(tally_writes) == 1 and tally_writes[0].startswith("INSERT INTO unit_tally")
    after = tallies.read(session, campaign.id)[(units["DINKES"].id, "PPPK")]
    assert after == Tally(before.roster, before.signed + 1, before.collected + 1)
    assert_current(session, campaign.id)


def test_a_session_reads_its_own_uncommitted_signatures(session, units, campaign):
    signer = person(session, units["DISDIK"])
    sign(session, campaign, signer)
    assert tallies.read(session, campaign.id)[(units["DISDIK"].id, "PNS")] == Tally(1, 1, 1)


def test_a_signature_rolled_back_with_its_savepoint_is_not_counted(session, units, campaign):
    signer = person(session, units["DISDIK"])
    session.commit()
    with session.begin_nested() as savepoint:
        sign(session, campaign, signer)
        savepoint.rollback()
    session.commit()
    assert tallies.read(session, campaign.id)[(units["DISDIK"].id, "PNS")] == Tally(1, 0, 0)
    assert_current(session, campaign.id)


def test_a_rolled_back_transaction_leaves_nothing_pending(app, session, units, campaign):
    signer = person(session, units["DISDIK"])
    session.commit()
    sign(session, campaign, signer)
    session.rollback()
    session.commit()
    assert tallies.read(session, campaign.id).get((units["DISDIK"].id, "PNS")) == Tally(1, 0, 0)


def test_a_moved_signer_counts_signed_in_the_new_unit_and_collected_in_the_old(
    session, units, campaign
):
    signer = person(session, units["DISDIK"])
    sign(session, campaign, signer)
    session.commit()
    signer.unit = units["DINKES"]
    session.commit()
    read = tallies.read(session, campaign.id)
    assert read[(units["DISDIK"].id, "PNS")] == Tally(0, 0, 1)
    assert read[(units["DINKES"].id, "PNS")] == Tally(1, 1, 0)


def test_bulk_statements_on_the_roster_recount_the_tallies(session, units, campaign):
    now = utcnow()
    session.execute(
        insert(Employee),
        [
            dict(
                identity_number=f"BULK{n:06d}",
                name=f"Bulk {n}",
                position="",
                employment_type="NON_ASN",
                unit_id=units["DINKES-P2P"].id,
                active=True,
                created_at=now,
                updated_at=now,
            )
            for n in range(7)
        ],
    )
    session.commit()
    assert tallies.read(session, campaign.id)[(units["DINKES-P2P"].id, "NON_ASN")] == Tally(7, 0, 0)


def test_a_new_campaign_starts_with_the_roster_and_nobody_signed(session, units):
    person(session, units["DISDIK"], "PPPK")
    person(session, units["DISDIK"], "PPPK", active=False)
    made = make_campaign(
        session,
        slug="baru",
        title="Baru",
        opens_at=utcnow(),
        closes_at=utcnow() + timedelta(days=7),
    )
    session.commit()
    assert tallies.read(session, made.id)[(units["DISDIK"].id, "PPPK")] == Tally(1, 0, 0)


# -- revocations ----------------------------------------------------------------------------


def assert_disdik_pns(session, campaign, units, expected: Tally):
    """The PNS tally of DISDIK is ``expected``, and every tally equals a fresh count."""
    assert tallies.read(session, campaign.id)[(units["DISDIK"].id, "PNS")] == expected
    assert_current(session, campaign.id)


def test_a_committed_revocation_subtracts_one_with_a_single_upsert_and_no_recount(
    session, units, campaign, statements
):
    signature = sign(session, campaign, person(session, units["DINKES"], "PPPK"))
    session.commit()

    statements.clear()
    revoke(session, signature)
    session.commit()

    tally_writes = [sql for sql in statements if "unit_tally" in sql]
    assert len(tally_writes) == 1 and tally_writes[0].startswith("INSERT INTO unit_tally")
    assert tallies.read(session, campaign.id)[(units["DINKES"].id, "PPPK")] == Tally(1, 0, 0)
    assert_current(session, campaign.id)


def test_a_reinstatement_counts_the_signature_again(session, units, campaign):
    signature = sign(session, campaign, person(session, units["DISDIK"]))
    session.commit()
    revoke(session, signature)
    session.commit()
    revocations.reinstate(session, signature, note="", actor="test")
    session.commit()
    assert_disdik_pns(session, campaign, units, Tally(1, 1, 1))


def test_signing_again_after_a_revocation_counts_once_where_the_new_signature_was_made(
    session, units, campaign
):
    signer = person(session, units["DISDIK"])
    first = sign(session, campaign, signer)
    session.commit()
    revoke(session, first)
    signer.unit = units["DINKES"]
    session.commit()
    sign(session, campaign, signer)
    session.commit()
    read = tallies.read(session, campaign.id)
    assert read.get((units["DISDIK"].id, "PNS"), Tally(0, 0, 0)) == Tally(0, 0, 0)
    assert read[(units["DINKES"].id, "PNS")] == Tally(1, 1, 1)
    assert_current(session, campaign.id)


def test_a_signature_revoked_in_the_transaction_that_made_it_never_counts(session, units, campaign):
    signer = person(session, units["DISDIK"])
    session.commit()
    revoke(session, sign(session, campaign, signer))
    assert tallies.read(session, campaign.id)[(units["DISDIK"].id, "PNS")] == Tally(1, 0, 0)
    session.commit()
    assert_current(session, campaign.id)


def test_a_revocation_rolled_back_with_its_savepoint_moves_nothing(session, units, campaign):
    signature = sign(session, campaign, person(session, units["DISDIK"]))
    session.commit()
    with session.begin_nested() as savepoint:
        revoke(session, signature)
        savepoint.rollback()
    session.commit()
    assert_disdik_pns(session, campaign, units, Tally(1, 1, 1))


def test_revoking_and_reinstating_in_one_transaction_moves_nothing(session, units, campaign):
    signature = sign(session, campaign, person(session, units["DISDIK"]))
    session.commit()
    revoke(session, signature)
    revocations.reinstate(session, signature, note="", actor="test")
    session.commit()
    assert_disdik_pns(session, campaign, units, Tally(1, 1, 1))


# -- any sequence of changes --------------------------------------------------------------

UNITS = ("PEMDA", "DINKES", "DISDIK", "DINKES-P2P")
KINDS = tuple(kind.value for kind in EmploymentType)

# Roster changes recount the tallies; kept to one draw in four, so that most signatures,
# revocations and reinstatements are counted by the upserts rather than by a recount.
roster_changes = st.one_of(
    st.tuples(st.just("hire"), st.sampled_from(UNITS), st.sampled_from(KINDS), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 50), st.sampled_from(UNITS)),
    st.tuples(st.just("retype"), st.integers(0, 50), st.sampled_from(KINDS)),
    st.tuples(st.just("toggle_active"), st.integers(0, 50)),
)
signature_changes = st.one_of(
    st.tuples(st.just("sign"), st.integers(0, 3)),
    st.tuples(st.just("sign_then_undo"), st.integers(0, 3)),
    st.tuples(st.just("revoke"), st.integers(0, 3)),
    st.tuples(st.just("revoke_then_undo"), st.integers(0, 3)),
    st.tuples(st.just("reinstate"), st.integers(0, 3)),
    st.tuples(st.just("commit")),
    st.tuples(st.just("check")),
)
operations = st.lists(
    st.one_of(roster_changes, signature_changes, signature_changes, signature_changes),
    min_size=10,
    max_size=40,
)


def newest_revoked(session, campaign, employee):
    return session.scalar(
        select(Signature)
        .where(
            Signature.campaign_id == campaign.id,
            Signature.employee_id == employee.id,
            Signature.revoked_at.is_not(None),
        )
        .order_by(Signature.id.desc())
    )


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    roster=st.lists(
        st.tuples(st.sampled_from(UNITS), st.sampled_from(KINDS)), min_size=1, max_size=4
    ),
    steps=operations,
)
def test_any_sequence_of_roster_changes_signatures_and_revocations_keeps_the_tallies_exact(
    session, units, campaign, roster, steps
):
    """ "sign" after "revoke" signs again; "reinstate" is refused while a newer one is valid.

    ``roster`` is committed first, so that most steps change the counts without a recount.
    """
    people = [person(session, units[unit], kind) for unit, kind in roster]
    session.commit()
    for step in steps:
        name, *args = step
        if name == "hire":
            people.append(person(session, units[args[0]], args[1], active=args[2]))
            continue
        if name == "commit":
            session.commit()
            continue
        if name == "check":  # settles what is pending so far, mid-transaction
            assert_current(session, campaign.id)
            continue
        if not people:
            continue
        who = people[args[0] % len(people)]
        already = revocations.valid_signature(session, campaign.id, who.id)
        if name == "sign" and not already:
            sign(session, campaign, who)
        elif name == "sign_then_undo" and not already:
            with session.begin_nested() as savepoint:
                sign(session, campaign, who)
                savepoint.rollback()
        elif name == "move":
            who.unit = units[args[1]]
        elif name == "retype":
            who.employment_type = EmploymentType(args[1])
        elif name == "toggle_active":
            who.active = not who.active
        elif name == "revoke" and already:
            revoke(session, already)
        elif name == "revoke_then_undo" and already:
            with session.begin_nested() as savepoint:
                revoke(session, already)
                savepoint.rollback()
        elif name == "reinstate" and (old := newest_revoked(session, campaign, who)):
            if already:
                with pytest.raises(revocations.NewerSignatureExists):
                    revocations.reinstate(session, old, note="", actor="test")
            else:
                revocations.reinstate(session, old, note="", actor="test")
    assert_current(session, campaign.id)
    session.commit()
    assert_current(session, campaign.id)


# -- real commits on separate connections -------------------------------------------------


@pytest.fixture
def committed_unit(app, database_url):
    """A unit with 12 employees and a campaign, committed for real and removed afterwards."""
    engine = make_engine(database_url)
    with Session(engine) as setup, app.app_context():
        unit = Unit(code="TALLY-RACE", name="Unit Hitung")
        people = [
            Employee(
                identity_number=f"RACE{n:06d}", name=f"Race {n}", employment_type="PNS", unit=unit
            )
            for n in range(12)
        ]
        made = make_campaign(
            setup,
            slug="tally-race",
            title="Race",
            closes_at=utcnow() + timedelta(days=1),
        )
        setup.add_all([unit, *people])
        setup.commit()
        ids = (made.id, unit.id, [p.id for p in people])
    yield engine, ids
    with Session(engine) as cleanup:
        cleanup.execute(delete(Signature).where(Signature.campaign_id == ids[0]))
        cleanup.execute(delete(PactText).where(PactText.campaign_id == ids[0]))
        cleanup.execute(delete(UnitTally).where(UnitTally.unit_id == ids[1]))
        cleanup.execute(delete(Campaign).where(Campaign.id == ids[0]))
        cleanup.execute(delete(Employee).where(Employee.unit_id == ids[1]))
        cleanup.execute(delete(Unit).where(Unit.id == ids[1]))
        cleanup.commit()
    engine.dispose()


def test_concurrent_signers_and_a_recount_in_one_unit_lose_and_double_nothing(app, committed_unit):
    engine, (campaign_id, unit_id, employee_ids) = committed_unit
    barrier = threading.Barrier(len(employee_ids) + 1)
    errors = []

    def submit(employee_id):
        try:
            with Session(engine) as db, app.app_context():
                barrier.wait(timeout=10)
                begin_write(db)
                sign(db, db.get(Campaign, campaign_id), db.get(Employee, employee_id))
                db.commit()
        except Exception as error:  # collected and asserted below
            errors.append(error)

    def recount():
        try:
            with Session(engine) as db:
                barrier.wait(timeout=10)
                begin_write(db)
                tallies.recount(db, [campaign_id])
                db.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(i,)) for i in employee_ids]
    threads.insert(len(threads) // 2, threading.Thread(target=recount))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(engine) as db:
        assert tallies.read(db, campaign_id, {unit_id}) == {(unit_id, "PNS"): Tally(12, 12, 12)}
        assert tallies.differences(db, campaign_id) == {}


# -- repair and migration -----------------------------------------------------------------


def test_pakta_rollups_recount_repairs_tallies_changed_behind_its_back(
    runner, session, units, campaign
):
    person(session, units["DISDIK"])
    session.commit()
    session.connection().exec_driver_sql("UPDATE unit_tally SET roster = roster + 5")
    session.commit()

    checked = runner.invoke(args=["rollups", "recount", "--check"])
    assert checked.exit_code == 1
    assert "DISDIK" in checked.output

    repaired = runner.invoke(args=["rollups", "recount"])
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(args=["rollups", "recount", "--check"]).exit_code == 0
    assert_current(session, campaign.id)


def test_the_migration_counts_the_rows_already_there(app, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'existing.sqlite3'}")
    migrate.upgrade(engine)
    # In the app's context: signing keys the log's identity hashes with the instance secret.
    with Session(engine) as db, app.app_context():
        unit = Unit(code="ADA", name="Unit yang sudah ada")
        db.add(unit)
        made = make_campaign(
            db,
            slug="lama",
            title="Lama",
            closes_at=utcnow() + timedelta(days=1),
        )
        people = [person(db, unit, kind) for kind in ("PNS", "PNS", "PPPK")]
        sign(db, made, people[0])
        db.commit()
        campaign_id, unit_id = made.id, unit.id
    migrate.downgrade(engine, "0005")
    migrate.upgrade(engine)
    with Session(engine) as db:
        assert tallies.read(db, campaign_id) == {
            (unit_id, "PNS"): Tally(2, 1, 1),
            (unit_id, "PPPK"): Tally(1, 0, 0),
        }
    engine.dispose()
