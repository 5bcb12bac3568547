from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pakta.models import AuditEvent, Signature, VerificationAttempt
from pakta.services import privacy

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def old_and_new(session, signed):
    """The signature signed 400 days ago, an old and a new audit event and apel check."""
    signed.signed_at = NOW - timedelta(days=400)
    signed.ip_address, signed.user_agent = "203.0.113.7", "Mozilla/5.0 (Android 14)"
    for age, address in ((400, "198.51.100.1"), (10, "198.51.100.2")):
        # Written as it happened then: the audit trail refuses a changed time afterwards.
        session.add(
            AuditEvent(
                occurred_at=NOW - timedelta(days=age),
                actor="cli:t",
                action="t",
                target_type="t",
                target_id="1",
                ip_address=address,
            )
        )
        session.add(
            VerificationAttempt(
                nip_key=f"n{age}", address_key=f"a{age}", attempted_at=NOW - timedelta(days=age)
            )
        )
    session.flush()
    return signed


def test_purge_blanks_addresses_and_user_agents_past_the_retention_period_and_keeps_the_rest(
    session, old_and_new
):
    purged = privacy.purge(session, now=NOW, retention_days=365)
    session.expire_all()

    assert purged == privacy.Purged(
        signatures=1, audit_events=1, verification_attempts=1, login_sessions=0
    )
    signature = session.get(Signature, old_and_new.id)
    assert (signature.ip_address, signature.user_agent) == ("", "")
    assert signature.signer_name and signature.signature_png
    addresses = session.scalars(select(AuditEvent.ip_address).order_by(AuditEvent.id)).all()
    assert addresses == ["", "198.51.100.2"]
    assert session.scalars(select(VerificationAttempt.nip_key)).all() == ["n10"]


def test_purge_run_twice_changes_nothing_the_second_time(session, old_and_new):
    privacy.purge(session, now=NOW, retention_days=365)

    again = privacy.purge(session, now=NOW, retention_days=365)

    assert again == privacy.Purged(
        signatures=0, audit_events=0, verification_attempts=0, login_sessions=0
    )
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 2


def test_purge_keeps_what_is_inside_the_retention_period(session, old_and_new):
    purged = privacy.purge(session, now=NOW, retention_days=500)

    assert purged == privacy.Purged(
        signatures=0, audit_events=0, verification_attempts=0, login_sessions=0
    )
    session.expire_all()
    assert session.get(Signature, old_and_new.id).ip_address == "203.0.113.7"


def test_purge_refuses_a_retention_period_shorter_than_a_day(session):
    with pytest.raises(ValueError, match="at least 1"):
        privacy.purge(session, now=NOW, retention_days=0)


def test_purge_deletes_login_sessions_opened_before_the_retention_period(session, admin_user):
    from pakta.models import LoginSession

    for age in (400, 1):
        session.add(
            LoginSession(
                id_hash=f"{age:064d}",
                user_id=admin_user.id,
                created_at=NOW - timedelta(days=age),
                last_seen_at=NOW - timedelta(days=age),
                ip_address="198.51.100.8",
            )
        )
    session.flush()

    purged = privacy.purge(session, now=NOW, retention_days=365)

    assert purged.login_sessions == 1
    assert session.scalars(select(LoginSession.id_hash)).all() == [f"{1:064d}"]
