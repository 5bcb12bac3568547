from datetime import timedelta

from sqlalchemy import select

from pakta.models import AuditEvent, Signature
from pakta.models.base import utcnow


def test_purge_blanks_old_addresses_reports_the_counts_and_audits_itself(runner, session, signed):
    signed.signed_at = utcnow() - timedelta(days=400)
    signed.ip_address, signed.user_agent = "203.0.113.7", "Mozilla/5.0"
    session.commit()

    first = runner.invoke(args=["purge"])
    second = runner.invoke(args=["purge"])

    assert first.exit_code == 0, first.output
    assert "365" in first.stdout and "1 " in first.stdout
    session.expire_all()
    assert session.get(Signature, signed.id).ip_address == ""
    assert second.exit_code == 0 and " 0 " in second.stdout
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.purge")).all()
    assert [event.details["signatures"] for event in events] == [1, 0]


def test_purge_takes_the_retention_period_from_the_command_line(runner, session, signed):
    signed.signed_at = utcnow() - timedelta(days=40)
    signed.ip_address = "203.0.113.7"
    session.commit()

    kept = runner.invoke(args=["purge"])
    result = runner.invoke(args=["purge", "--days", "30"])

    assert kept.exit_code == 0 and result.exit_code == 0, result.output
    session.expire_all()
    assert session.get(Signature, signed.id).ip_address == ""


def test_purge_refuses_a_retention_period_of_zero_days_and_changes_nothing(runner, session, signed):
    signed.ip_address = "203.0.113.7"
    session.commit()

    result = runner.invoke(args=["purge", "--days", "0"])

    assert result.exit_code == 1 and "0" in result.stderr
    session.expire_all()
    assert session.get(Signature, signed.id).ip_address == "203.0.113.7"
