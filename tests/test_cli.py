from datetime import UTC, datetime

from sqlalchemy import select

from pakta.models import AuditEvent, Campaign, User
from pakta.services import accounts
from tests.conftest import PASSWORD


def test_users_create_reads_the_password_from_standard_input(runner, session, units):
    result = runner.invoke(
        args=["users", "create", "--role", "operator", "--unit", "DISDIK", "op@disdik.go.id"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "op@disdik.go.id"))
    assert user.unit.code == "DISDIK"
    assert accounts.authenticate(session, "op@disdik.go.id", PASSWORD) is not None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))


def test_users_create_refuses_an_operator_without_a_unit(runner, session):
    result = runner.invoke(
        args=["users", "create", "--role", "operator", "op@x.go.id"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 1
    assert session.scalar(select(User)) is None


def test_users_create_refuses_a_short_password(runner, session):
    result = runner.invoke(args=["users", "create", "--role", "admin", "a@x.go.id"], input="pw\n")
    assert result.exit_code == 1


def test_campaign_create_reads_times_in_the_instance_timezone(runner, session):
    result = runner.invoke(
        args=[
            "campaign",
            "create",
            "--slug",
            "pilkada-2024",
            "--title",
            "Pilkada 2024",
            "--opens",
            "2024-07-29T08:00",
            "--closes",
            "2024-11-27T23:59",
        ]
    )
    assert result.exit_code == 0, result.output
    campaign = session.scalar(select(Campaign))
    assert campaign.opens_at == datetime(2024, 7, 29, 1, 0, tzinfo=UTC)  # 08:00 WIB
    assert len(campaign.pact.points) == 4
    listing = runner.invoke(args=["campaign", "list"])
    assert "pilkada-2024" in listing.output and "2024-07-29 08:00 WIB" in listing.output


def test_campaign_create_refuses_a_time_it_cannot_read(runner, session):
    result = runner.invoke(
        args=["campaign", "create", "--slug", "x-2024", "--title", "X", "--opens", "besok pagi"]
    )
    assert result.exit_code == 1
    assert "besok pagi" in result.output
    assert session.scalar(select(Campaign)) is None
