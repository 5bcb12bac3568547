from datetime import timedelta

import pyotp
import pytest

from pakta.models import utcnow
from pakta.services import mfa


@pytest.fixture
def enrolling(operator_user):
    mfa.begin_enrolment(operator_user)
    return operator_user


def code_at(user, when) -> str:
    return pyotp.TOTP(mfa.secret_of(user)).at(when)


def test_enrolment_needs_a_right_code_and_gives_ten_single_use_recovery_codes(session, enrolling):
    now = utcnow()
    with pytest.raises(mfa.MfaError):
        mfa.confirm_enrolment(session, enrolling, "000000", now=now)
    assert not enrolling.has_totp
    codes = mfa.confirm_enrolment(session, enrolling, code_at(enrolling, now), now=now)
    assert enrolling.has_totp and len(set(codes)) == mfa.RECOVERY_CODES
    assert mfa.use_recovery_code(session, enrolling, codes[3], now=now)
    assert not mfa.use_recovery_code(session, enrolling, codes[3], now=now)


def test_a_code_of_a_step_already_used_or_earlier_is_refused(session, enrolling):
    now = utcnow()
    assert mfa.check_totp(session, enrolling, code_at(enrolling, now), now=now)
    assert not mfa.check_totp(session, enrolling, code_at(enrolling, now), now=now)
    earlier = now - timedelta(seconds=30)
    assert not mfa.check_totp(session, enrolling, code_at(enrolling, earlier), now=now)
    later = now + timedelta(seconds=30)
    assert mfa.check_totp(session, enrolling, code_at(enrolling, later), now=later)


def test_codes_of_the_neighbouring_steps_are_accepted_and_older_ones_are_not(session, enrolling):
    now = utcnow()
    assert mfa.check_totp(
        session, enrolling, code_at(enrolling, now + timedelta(seconds=30)), now=now
    )
    stale = now - timedelta(minutes=5)
    assert not mfa.check_totp(session, enrolling, code_at(enrolling, stale), now=now)
    assert not mfa.check_totp(session, enrolling, "12345", now=now)
    assert not mfa.check_totp(session, enrolling, "abcdef", now=now)


def test_new_recovery_codes_replace_the_old_ones(session, enrolling):
    now = utcnow()
    old = mfa.confirm_enrolment(session, enrolling, code_at(enrolling, now), now=now)
    new = mfa.new_recovery_codes(session, enrolling)
    assert not mfa.use_recovery_code(session, enrolling, old[0], now=now)
    assert mfa.use_recovery_code(session, enrolling, new[0], now=now)


def test_resetting_turns_two_step_login_off_and_drops_the_recovery_codes(session, enrolling):
    now = utcnow()
    codes = mfa.confirm_enrolment(session, enrolling, code_at(enrolling, now), now=now)
    mfa.reset(session, enrolling)
    assert not enrolling.has_totp and enrolling.totp_secret is None
    assert not mfa.use_recovery_code(session, enrolling, codes[0], now=now)
    assert mfa.begin_enrolment(enrolling)  # a new secret to enrol again
