from datetime import timedelta

import pytest
from sqlalchemy import select

from pakta.models import LoginSession, utcnow
from pakta.services import login_sessions

TIMEOUTS = login_sessions.Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


@pytest.fixture
def started(session, operator_user):
    now = utcnow()
    return now, login_sessions.start(session, operator_user, now=now, ip_address="10.1.2.3")


def resume(session, token, user, now):
    return login_sessions.resume(session, token, user.id, now=now, timeouts=TIMEOUTS)[0]


def test_only_a_hash_of_the_token_is_stored(session, started):
    _, token = started
    stored = session.scalars(select(LoginSession.id_hash)).all()
    assert len(stored) == 1 and token not in stored[0] and len(token) >= 43


def test_a_session_resumes_for_its_own_user_only(session, started, operator_user, admin_user):
    now, token = started
    assert resume(session, token, operator_user, now) is operator_user
    assert resume(session, token, admin_user, now) is None
    assert resume(session, "made-up", operator_user, now) is None


def test_idle_and_absolute_limits_end_the_session(session, started, operator_user):
    now, token = started
    later = now + TIMEOUTS.idle - timedelta(seconds=1)
    assert resume(session, token, operator_user, later) is operator_user
    assert (
        resume(session, token, operator_user, later + TIMEOUTS.idle + timedelta(seconds=2)) is None
    )
    assert session.scalars(select(LoginSession)).all() == []


def test_the_absolute_limit_holds_however_busy_the_session(session, started, operator_user):
    now, token = started
    moment = now
    while moment < now + TIMEOUTS.absolute - TIMEOUTS.idle:
        moment += timedelta(minutes=20)
        assert resume(session, token, operator_user, moment) is operator_user
    assert (
        resume(session, token, operator_user, now + TIMEOUTS.absolute + timedelta(minutes=1))
        is None
    )


def test_the_last_request_time_is_written_at_most_once_a_minute(session, started, operator_user):
    now, token = started
    assert (
        login_sessions.resume(
            session, token, operator_user.id, now=now + timedelta(seconds=30), timeouts=TIMEOUTS
        )[1]
        is False
    )
    assert (
        login_sessions.resume(
            session, token, operator_user.id, now=now + timedelta(seconds=61), timeouts=TIMEOUTS
        )[1]
        is True
    )


def test_ending_all_sessions_can_keep_the_current_one(session, started, operator_user):
    now, token = started
    other = login_sessions.start(session, operator_user, now=now)
    assert login_sessions.end_all(session, operator_user, keep=token) == 1
    assert resume(session, token, operator_user, now) is operator_user
    assert resume(session, other, operator_user, now) is None


def test_an_inactive_account_resumes_no_session(session, started, operator_user):
    now, token = started
    operator_user.active = False
    assert resume(session, token, operator_user, now) is None


def test_a_new_login_clears_the_users_sessions_that_ran_out(session, started, operator_user):
    now, token = started
    later = now + TIMEOUTS.idle + timedelta(minutes=1)
    fresh = login_sessions.start(session, operator_user, now=later, timeouts=TIMEOUTS)
    assert login_sessions.count_by_user(session) == {operator_user.id: 1}
    assert resume(session, fresh, operator_user, later) is operator_user
