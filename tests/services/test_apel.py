from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pakta import keys
from pakta.models import Employee, EmploymentType, SignatureMethod, VerificationAttempt, utcnow
from pakta.services import apel, signing
from tests.conftest import make_campaign

WIB = ZoneInfo("Asia/Jakarta")
CODE = "482913"
# 10:15:30 WIB on a Monday, just after the apel.
MORNING = datetime(2024, 7, 29, 10, 15, 30, tzinfo=WIB).astimezone(UTC)


@pytest.fixture
def campaign(session):
    return make_campaign(
        session,
        opens_at=MORNING - timedelta(days=2),
        closes_at=MORNING + timedelta(days=30),
    )


def person(session, unit, number, name, *, code=CODE, active=True) -> Employee:
    employee = Employee(
        identity_number=number,
        name=name,
        employment_type=EmploymentType.PNS,
        unit=unit,
        active=active,
        verification_code_hash=keys.verification_code_digest(code) if code else None,
    )
    session.add(employee)
    session.flush()
    return employee


@pytest.fixture
def dinkes_apel(session, units, campaign, admin_user):
    made, created = apel.open_session(
        session, campaign=campaign, unit=units["DINKES"], user=admin_user, now=MORNING
    )
    assert created
    return made


@pytest.fixture
def other_apel(session, units, campaign, admin_user):
    made, _ = apel.open_session(
        session, campaign=campaign, unit=units["DISDIK"], user=admin_user, now=MORNING
    )
    return made


# -- the rotating token --------------------------------------------------------------------


def test_a_token_is_valid_in_its_own_minute(app, dinkes_apel):
    token = apel.token_for(dinkes_apel, MORNING)
    assert apel.check_token(dinkes_apel, token, MORNING) is apel.TokenCheck.VALID
    assert apel.check_token(dinkes_apel, token, MORNING + timedelta(seconds=29)) is (
        apel.TokenCheck.VALID
    )


def test_a_token_from_the_previous_minute_is_still_accepted(app, dinkes_apel):
    token = apel.token_for(dinkes_apel, MORNING - timedelta(seconds=60))
    assert apel.check_token(dinkes_apel, token, MORNING) is apel.TokenCheck.VALID


def test_a_token_two_minutes_old_or_more_has_expired(app, dinkes_apel):
    token = apel.token_for(dinkes_apel, MORNING)
    for later in (120, 150, 3600):
        check = apel.check_token(dinkes_apel, token, MORNING + timedelta(seconds=later))
        assert check is apel.TokenCheck.EXPIRED, later


def test_the_token_changes_every_minute_and_carries_at_least_64_bits(app, dinkes_apel):
    first = apel.token_for(dinkes_apel, MORNING)
    second = apel.token_for(dinkes_apel, MORNING + timedelta(seconds=60))
    assert first != second
    window, _, tag = first.partition(".")
    assert int(window) == int(MORNING.timestamp()) // 60
    assert len(tag) * 6 >= 64


def test_a_token_with_a_wrong_tag_is_refused(app, dinkes_apel):
    window, _, tag = apel.token_for(dinkes_apel, MORNING).partition(".")
    flipped = ("A" if tag[0] != "A" else "B") + tag[1:]
    for token in (f"{window}.{flipped}", f"{window}.", window, "", f"{window}.{tag}x", "x.y"):
        assert apel.check_token(dinkes_apel, token, MORNING) is apel.TokenCheck.INVALID, token


def test_another_sessions_token_is_refused(app, dinkes_apel, other_apel):
    token = apel.token_for(other_apel, MORNING)
    assert apel.check_token(dinkes_apel, token, MORNING) is apel.TokenCheck.INVALID


def test_a_token_minted_for_a_later_minute_is_refused(app, dinkes_apel):
    token = apel.token_for(dinkes_apel, MORNING + timedelta(minutes=5))
    assert apel.check_token(dinkes_apel, token, MORNING) is apel.TokenCheck.INVALID


def test_the_tag_depends_on_the_instance_key(app, dinkes_apel):
    window = int(MORNING.timestamp()) // 60
    mine = keys.apel_token_tag(dinkes_apel.public_id, window, secret="a" * 40)
    theirs = keys.apel_token_tag(dinkes_apel.public_id, window, secret="b" * 40)
    assert mine != theirs


# -- sessions ----------------------------------------------------------------------------


def test_opening_twice_for_the_same_unit_returns_the_open_session(
    session, units, campaign, admin_user, dinkes_apel
):
    again, created = apel.open_session(
        session, campaign=campaign, unit=units["DINKES"], user=admin_user, now=MORNING
    )
    assert again.id == dinkes_apel.id and not created
    apel.close_session(dinkes_apel, MORNING)
    fresh, created = apel.open_session(
        session, campaign=campaign, unit=units["DINKES"], user=admin_user, now=MORNING
    )
    assert created and fresh.id != dinkes_apel.id


def test_a_closed_session_or_one_left_open_past_the_day_is_not_open(dinkes_apel):
    assert apel.is_open(dinkes_apel, MORNING)
    assert not apel.is_open(dinkes_apel, MORNING + apel.SESSION_LIFETIME)
    apel.close_session(dinkes_apel, MORNING + timedelta(minutes=20))
    assert not apel.is_open(dinkes_apel, MORNING + timedelta(minutes=21))


# -- identity and attempts ---------------------------------------------------------------


def verify(session, session_apel, number, code, address="10.0.0.1", now=MORNING):
    return apel.verify_identity(
        session, session_apel, number=number, code=code, address=address, now=now
    )


def attempts(session) -> int:
    return session.scalar(select(func.count()).select_from(VerificationAttempt))


def test_the_right_nip_and_code_identify_the_employee(app, session, units, dinkes_apel):
    budi = person(session, units["DINKES-P2P"], "198609262015051001", "Budi Santoso")
    result = verify(session, dinkes_apel, "19860926 201505 1 001", f" {CODE} ")
    assert result.ok and result.employee.id == budi.id
    assert attempts(session) == 0


def test_a_wrong_code_is_refused_and_counted_under_keyed_hashes(app, session, units, dinkes_apel):
    person(session, units["DINKES-P2P"], "198609262015051001", "Budi Santoso")
    result = verify(session, dinkes_apel, "198609262015051001", "000000")
    assert not result.ok and result.refusal is apel.Refusal.WRONG
    row = session.scalar(select(VerificationAttempt))
    assert row.nip_key == keys.attempt_key("nip", "198609262015051001")
    assert row.address_key == keys.attempt_key("address", "10.0.0.1")
    assert "198609262015051001" not in (row.nip_key + row.address_key)
    assert len(row.nip_key) == 64


def test_the_sixth_try_within_15_minutes_is_refused_even_with_the_right_code(
    app, session, units, dinkes_apel
):
    person(session, units["DINKES-P2P"], "198609262015051001", "Budi Santoso")
    for minute in range(5):
        at = MORNING + timedelta(minutes=minute)
        result = verify(
            session, dinkes_apel, "198609262015051001", "111111", f"10.0.0.{minute}", at
        )
        assert result.refusal is apel.Refusal.WRONG
    at = MORNING + timedelta(minutes=6)
    result = verify(session, dinkes_apel, "198609262015051001", CODE, "10.9.9.9", at)
    assert result.refusal is apel.Refusal.LOCKED
    # The first failure leaves the 15 minutes at 10:30:30 WIB: then a try is allowed again.
    assert result.retry_at == MORNING + timedelta(minutes=15)
    later = verify(session, dinkes_apel, "198609262015051001", CODE, "10.9.9.9", result.retry_at)
    assert later.ok


def test_one_address_trying_many_nips_is_stopped_after_five_failures(
    app, session, units, dinkes_apel
):
    budi = person(session, units["DINKES-P2P"], "198609262015051001", "Budi Santoso")
    for index in range(5):
        result = verify(session, dinkes_apel, f"19860926201505100{index + 2}", CODE)
        assert result.refusal is apel.Refusal.WRONG
    result = verify(session, dinkes_apel, budi.identity_number, CODE)
    assert result.refusal is apel.Refusal.LOCKED
    assert verify(session, dinkes_apel, budi.identity_number, CODE, address="10.0.0.2").ok


def test_attempts_older_than_15_minutes_do_not_count(app, session, units, dinkes_apel):
    person(session, units["DINKES-P2P"], "198609262015051001", "Budi Santoso")
    old = MORNING - timedelta(minutes=15, seconds=1)
    for _ in range(5):
        verify(session, dinkes_apel, "198609262015051001", "111111", now=old)
    assert verify(session, dinkes_apel, "198609262015051001", CODE).ok


def test_attempts_older_than_a_day_are_deleted(app, session, units, dinkes_apel):
    verify(session, dinkes_apel, "1", "1", now=MORNING - timedelta(days=2))
    verify(session, dinkes_apel, "2", "2")
    assert attempts(session) == 1


def test_an_employee_without_a_code_is_told_so(app, session, units, dinkes_apel):
    person(session, units["DINKES"], "198609262015051001", "Budi Santoso", code=None)
    result = verify(session, dinkes_apel, "198609262015051001", "")
    assert result.refusal is apel.Refusal.NO_CODE
    assert attempts(session) == 1


@pytest.mark.parametrize("where", ["outside", "inactive"])
def test_only_active_staff_of_the_units_sub_tree_are_identified(
    app, session, units, dinkes_apel, where
):
    unit = units["DISDIK"] if where == "outside" else units["DINKES-P2P"]
    person(session, unit, "198609262015051001", "Budi Santoso", active=where != "inactive")
    result = verify(session, dinkes_apel, "198609262015051001", CODE)
    assert result.refusal is apel.Refusal.WRONG


def test_a_pass_is_good_for_its_apel_and_15_minutes(app, session, units, dinkes_apel, other_apel):
    budi = person(session, units["DINKES-P2P"], "198609262015051001", "Budi Santoso")
    granted = apel.make_pass(dinkes_apel, budi, MORNING)
    assert apel.pass_employee_id(granted, dinkes_apel, MORNING) == budi.id
    assert apel.pass_employee_id(granted, other_apel, MORNING) is None
    later = MORNING + apel.PASS_LIFETIME
    assert apel.pass_employee_id(granted, dinkes_apel, later) is None
    assert apel.pass_employee_id({"apel": dinkes_apel.id}, dinkes_apel, MORNING) is None
    assert apel.pass_employee_id("forged", dinkes_apel, MORNING) is None


# -- the big screen ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Budi Santoso", "Budi"),
        ("Dr. H. Ahmad Fauzi, M.Si.", "Ahmad"),
        ("Hj. Siti Aminah, S.Pd.", "Siti"),
        ("Drs. R. Bambang Sutrisno", "Bambang"),
        ("Dra. Hj. Nur Aini", "Nur"),
        ("Prof. Dr. Ir. Hendra Gunawan", "Hendra"),
        ("dr. Rina Marlina, Sp.A.", "Rina"),
        ("H. Asep Hidayat, S.Pd.", "Asep"),
        ("Ir.H.Joko Susilo", "Joko"),
        ("M. Rizki Pratama", "Rizki"),
        ("I Made Sudarsana", "Made"),
        ("DEDI KURNIAWAN", "Dedi"),
        ("Sukarno", "Sukarno"),
    ],
)
def test_the_screen_shows_a_first_name_without_titles(name, first):
    assert apel.first_name(name) == first


def test_the_status_counts_the_units_sub_tree_and_names_the_last_five(
    app, session, units, campaign, dinkes_apel
):
    people = [
        person(session, units["DINKES-P2P"], f"19860926201505100{n}", f"Orang{n} Belakang{n}")
        for n in range(1, 8)
    ]
    person(session, units["DISDIK"], "198609262015051099", "Luar Dinas")
    yesterday = MORNING - timedelta(days=1)
    for index, employee in enumerate(people[:6]):
        signing.record_signature(
            session,
            campaign=campaign,
            employee=employee,
            method=SignatureMethod.APEL,
            evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
            signed_at=(yesterday if index == 0 else MORNING) + timedelta(seconds=index),
        )
    figures = apel.status(session, dinkes_apel, tz=WIB, now=MORNING + timedelta(minutes=1))
    assert (figures.signed, figures.roster, figures.today) == (6, 7, 5)
    assert round(figures.rate, 1) == 85.7
    assert figures.recent == ["Orang6", "Orang5", "Orang4", "Orang3", "Orang2"]
    assert figures.open and figures.window == int((MORNING.timestamp() + 60) // 60)


def test_the_status_of_a_closed_apel_says_so(app, session, dinkes_apel):
    apel.close_session(dinkes_apel, utcnow())
    assert not apel.status(session, dinkes_apel, tz=WIB).open
