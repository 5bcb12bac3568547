"""The NIPs the apel entry has locked, as the operator sees them (pakta/services/apel_locks.py)."""

from datetime import timedelta

from pakta.models import utcnow
from pakta.services import apel, apel_locks
from tests.conftest import make_employee

BUDI = "198609262015051001"
SITI = "199001012015012002"


def fail(session, number: str, count: int, at) -> None:
    nip_key, _ = apel.attempt_keys(number, "")
    for n in range(count):
        _, address_key = apel.attempt_keys(number, f"10.0.0.{n}")
        apel.record_failure(session, nip_key, address_key, at + timedelta(seconds=n))


def test_a_nip_with_five_failures_is_listed_masked_until_the_fifth_leaves_the_period(
    session, units
):
    make_employee(session, units["DINKES-P2P"], identity_number=BUDI)
    now = utcnow()
    first = now - timedelta(minutes=3)
    fail(session, BUDI, 5, first)
    [locked] = apel_locks.locked_numbers(session, None, now)
    assert locked.masked_number == "*" * 15 + "001"
    assert locked.unlocks_at == first + apel.ATTEMPT_PERIOD


def test_four_failures_or_failures_older_than_the_period_lock_nobody(session, units):
    make_employee(session, units["DINKES-P2P"], identity_number=BUDI)
    make_employee(session, units["DINKES-P2P"], identity_number=SITI, name="Siti")
    now = utcnow()
    fail(session, BUDI, 4, now - timedelta(minutes=1))
    fail(session, SITI, 5, now - apel.ATTEMPT_PERIOD - timedelta(minutes=1))
    assert apel_locks.locked_numbers(session, None, now) == []


def test_a_locked_nip_outside_the_operators_units_is_not_listed(session, units):
    make_employee(session, units["DISDIK"], identity_number=BUDI)
    now = utcnow()
    fail(session, BUDI, 5, now - timedelta(minutes=1))
    dinkes = {units["DINKES"].id, units["DINKES-P2P"].id}
    assert apel_locks.locked_numbers(session, dinkes, now) == []
    assert len(apel_locks.locked_numbers(session, {units["DISDIK"].id}, now)) == 1
