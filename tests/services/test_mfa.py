from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from pakta.keys import totp
from pakta.models import utcnow
from pakta.services import mfa
from tests.conftest import TOTP_SECRET


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


# -- the secret sealed at rest -------------------------------------------------------------


def stored_secret(session, user) -> str | None:
    """The column as a database dump would show it."""
    return session.execute(
        text("SELECT totp_secret FROM app_user WHERE id = :id"), {"id": user.id}
    ).scalar()


def test_the_column_never_holds_the_clear_secret_from_enrolment_on(session, operator_user):
    secret = mfa.begin_enrolment(operator_user)
    session.flush()
    stored = stored_secret(session, operator_user)
    assert stored.startswith("v1$") and secret not in stored
    now = utcnow()
    mfa.confirm_enrolment(session, operator_user, pyotp.TOTP(secret).at(now), now=now)
    session.flush()
    assert stored_secret(session, operator_user) == stored
    assert mfa.secret_of(operator_user) == secret


def test_a_sealed_secret_moved_to_another_account_checks_no_code_there(
    session, admin_user, operator_user
):
    operator_user.totp_secret = admin_user.totp_secret
    operator_user.totp_confirmed_at = utcnow()
    session.flush()
    now = utcnow()
    with pytest.raises(mfa.MfaUnavailable, match="rusak"):
        mfa.check_totp(session, operator_user, pyotp.TOTP(TOTP_SECRET).at(now), now=now)
    assert mfa.check_totp(session, admin_user, pyotp.TOTP(TOTP_SECRET).at(now), now=now)


def test_a_secret_written_in_clear_is_refused_rather_than_used(session, operator_user):
    operator_user.totp_secret = TOTP_SECRET
    operator_user.totp_confirmed_at = utcnow()
    now = utcnow()
    with pytest.raises(mfa.MfaUnavailable):
        mfa.check_totp(session, operator_user, pyotp.TOTP(TOTP_SECRET).at(now), now=now)


def test_without_its_key_file_in_production_no_secret_opens_and_the_error_says_so(
    app_variant, admin_user, tmp_path
):
    variant = app_variant(ENV="production", TOTP_KEY_FILE=str(tmp_path / "absent.key"))
    with variant.test_request_context(), pytest.raises(mfa.MfaUnavailable) as refused:
        mfa.secret_of(admin_user)
    assert "kunci server" in str(refused.value)
    assert not (tmp_path / "absent.key").exists()


def test_a_recovery_code_still_works_while_the_secret_cannot_be_opened(session, admin_user):
    codes = mfa.new_recovery_codes(session, admin_user)
    admin_user.totp_secret = "v1$00000000$AAAA"
    assert mfa.check_second_factor(session, admin_user, codes[0], now=utcnow())


def test_resealing_moves_every_secret_to_the_first_key_and_keeps_each_one(
    app, session, admin_user, operator_user
):
    mfa.store_secret(operator_user, "KRUGS4ZANFZSAYJAORSXG5BAONSWG4TF")
    session.flush()
    old = totp.keyring_for(app.config)
    rotated = totp.Keyring((totp.new_key(), *old.keys))
    assert mfa.reseal_all(session, rotated) == 2
    assert mfa.sealed_under_other_keys(session, rotated.active_id) == 0
    newest = totp.Keyring(rotated.keys[:1])
    assert newest.open(admin_user.totp_secret, admin_user.id) == TOTP_SECRET
    assert newest.open(operator_user.totp_secret, operator_user.id).startswith("KRUGS")
    assert mfa.reseal_all(session, rotated) == 0
