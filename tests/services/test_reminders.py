import email
import socket
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from pakta.models import Employee, EmploymentType, Reminder, SignatureMethod, utcnow
from pakta.services import links, reminders, signing
from pakta.services.reminders import SmtpSettings
from pakta.services.units import subtree_ids
from tests.conftest import make_campaign

BASE_URL = "https://pakta.contoh.go.id"


class Mailbox:
    """What a local SMTP server (aiosmtpd) received: (envelope recipients, parsed message)."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """An SMTP server on 127.0.0.1 and a random free port, for this test only."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def settings_for(controller, **changes) -> SmtpSettings:
    values = {
        "host": controller.hostname,
        "port": controller.port,
        "username": None,
        "password": None,
        "starttls": False,
        "sender": "pakta@contoh.go.id",
    }
    return SmtpSettings(**(values | changes))


@pytest.fixture
def campaign(session):
    return make_campaign(
        session,
        closes_at=datetime(2099, 8, 9, 17, 0, tzinfo=UTC),  # Sabtu, 10 Agustus 2099, 00.00 WIB
    )


@pytest.fixture
def people(session, units, campaign):
    """Four people under DINKES (two with an email, one who signed) and one in DISDIK."""

    def add(number, name, unit, email=None, phone=None):
        person = Employee(
            identity_number=f"19860926201505100{number}",
            name=name,
            position="Pelaksana",
            employment_type=EmploymentType.PNS,
            unit=units[unit],
            email=email,
            phone=phone,
        )
        session.add(person)
        return person

    made = {
        "budi": add(1, "Budi", "DINKES", email="budi@contoh.go.id", phone="081234567890"),
        "siti": add(2, "Siti", "DINKES-P2P", email="siti@contoh.go.id"),
        "joko": add(3, "Joko", "DINKES-P2P", phone="081298765432"),
        "ani": add(4, "Ani", "DINKES", email="ani@contoh.go.id"),
        "sari": add(5, "Sari", "DISDIK", email="sari@contoh.go.id"),
    }
    session.flush()
    signing.record_signature(
        session,
        campaign=campaign,
        employee=made["ani"],
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
    )
    return made


def dinkes_pending(session, units, campaign, operator):
    return reminders.pending(
        session,
        campaign,
        subtree_ids(session, units["DINKES"].id),
        creator=operator,
        base_url=BASE_URL,
    )


def send(session, campaign, pending, operator, controller, *, limit=200, now=None, **smtp):
    return reminders.send_reminders(
        session,
        campaign,
        pending,
        sender=operator,
        smtp=settings_for(controller, **smtp),
        limit_per_hour=limit,
        now=now,
    )


def token_of(link: str) -> str:
    assert link.startswith(f"{BASE_URL}/s/")
    return link.rsplit("/s/", 1)[1]


def test_the_pending_list_holds_who_has_not_signed_in_the_sub_tree_with_their_own_links(
    session, units, campaign, people, operator_user
):
    pending = dinkes_pending(session, units, campaign, operator_user)
    assert [person.name for person in pending] == ["Budi", "Joko", "Siti"]
    for person in pending:
        assert links.resolve(session, token_of(person.link)).employee_id == person.employee_id
    joko = next(person for person in pending if person.name == "Joko")
    assert joko.email is None and joko.phone == "081298765432"


def test_a_reminder_email_carries_each_persons_own_link(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, mailbox = smtp_server
    pending = dinkes_pending(session, units, campaign, operator_user)
    outcome = send(session, campaign, pending, operator_user, controller)

    assert (outcome.sent, outcome.failed, outcome.without_email) == (2, 0, 1)
    assert sorted(rcpt for rcpts, _message in mailbox.received for rcpt in rcpts) == [
        "budi@contoh.go.id",
        "siti@contoh.go.id",
    ]
    link_of = {person.email: person.link for person in pending if person.email}
    for [recipient], message in mailbox.received:
        # "Reminder: ..." in the instance's language (Bahasa Indonesia by default).
        assert message["Subject"].endswith(": Pilkada Serentak 2024")
        assert message["To"].addresses[0].addr_spec == recipient
        assert message["From"].addresses[0].addr_spec == "pakta@contoh.go.id"
        body = message.get_content()
        assert link_of[recipient] in body
        others = [link for address, link in link_of.items() if address != recipient]
        assert not any(link in body for link in others)


def test_every_attempt_is_logged_with_its_address_and_time(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, _mailbox = smtp_server
    now = utcnow()
    send(
        session,
        campaign,
        dinkes_pending(session, units, campaign, operator_user),
        operator_user,
        controller,
        now=now,
    )
    logged = session.scalars(select(Reminder).order_by(Reminder.address)).all()
    assert [(r.address, r.error, r.sent_by_id) for r in logged] == [
        ("budi@contoh.go.id", "", operator_user.id),
        ("siti@contoh.go.id", "", operator_user.id),
    ]
    assert all(r.sent_at == now and r.campaign_id == campaign.id for r in logged)


def test_nobody_is_reminded_twice_within_twelve_hours(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, mailbox = smtp_server
    now = utcnow()
    pending = dinkes_pending(session, units, campaign, operator_user)
    send(session, campaign, pending, operator_user, controller, now=now)
    assert len(mailbox.received) == 2

    again = send(
        session, campaign, pending, operator_user, controller, now=now + timedelta(hours=11)
    )
    assert len(mailbox.received) == 2
    assert (again.sent, again.recently_reminded) == (0, 2)

    later = send(
        session, campaign, pending, operator_user, controller, now=now + timedelta(hours=13)
    )
    assert later.sent == 2 and len(mailbox.received) == 4


def test_an_operator_sends_no_more_than_the_hourly_limit(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, mailbox = smtp_server
    now = utcnow()
    pending = dinkes_pending(session, units, campaign, operator_user)
    first = send(session, campaign, pending, operator_user, controller, limit=1, now=now)
    assert (first.sent, first.over_limit) == (1, 1)
    second = send(
        session,
        campaign,
        pending,
        operator_user,
        controller,
        limit=1,
        now=now + timedelta(minutes=30),
    )
    assert (second.sent, second.over_limit, second.recently_reminded) == (0, 1, 1)
    third = send(
        session,
        campaign,
        pending,
        operator_user,
        controller,
        limit=1,
        now=now + timedelta(minutes=61),
    )
    assert third.sent == 1
    assert len(mailbox.received) == 2


def test_an_unreachable_server_is_logged_as_an_error_and_retried_next_time(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, mailbox = smtp_server
    pending = dinkes_pending(session, units, campaign, operator_user)
    outcome = send(session, campaign, pending, operator_user, controller, port=free_port())
    assert (outcome.sent, outcome.failed) == (0, 2)
    assert outcome.first_error
    errors = session.scalars(select(Reminder.error)).all()
    assert len(errors) == 2 and all(errors)

    retry = send(session, campaign, pending, operator_user, controller)
    assert retry.sent == 2 and len(mailbox.received) == 2


def test_starttls_against_a_server_without_it_fails_rather_than_sending_in_clear(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, mailbox = smtp_server
    pending = dinkes_pending(session, units, campaign, operator_user)
    outcome = send(session, campaign, pending, operator_user, controller, starttls=True)
    assert (outcome.sent, outcome.failed) == (0, 2)
    assert "STARTTLS" in outcome.first_error
    assert mailbox.received == []


def test_no_reminder_goes_out_once_the_campaign_has_closed(
    session, units, campaign, people, operator_user, smtp_server
):
    controller, mailbox = smtp_server
    pending = dinkes_pending(session, units, campaign, operator_user)
    with pytest.raises(reminders.CampaignNotOpen):
        send(session, campaign, pending, operator_user, controller, now=campaign.closes_at)
    assert mailbox.received == []


def test_without_an_smtp_host_there_are_no_smtp_settings():
    assert SmtpSettings.from_config({"SMTP_HOST": None}) is None
    assert SmtpSettings.from_config({"SMTP_HOST": "  "}) is None
    configured = SmtpSettings.from_config(
        {"SMTP_HOST": "mail.contoh.go.id", "SMTP_PORT": 25, "SMTP_STARTTLS": False}
    )
    assert configured.port == 25 and configured.starttls is False
    assert configured.sender == "pakta@localhost"


def test_the_whatsapp_texts_give_the_count_the_closing_time_in_wib_and_the_link(
    app, session, units, campaign, people, operator_user
):
    from flask_babel import force_locale

    pending = dinkes_pending(session, units, campaign, operator_user)
    with force_locale("id"):
        group = reminders.group_text(campaign, len(pending), "Dinas Kesehatan")
        personal = reminders.personal_text(campaign, pending[0])
    assert "Pilkada Serentak 2024" in group and "3" in group and "Dinas Kesehatan" in group
    assert "10 Agustus 2099, 00.00 WIB" in group
    assert pending[0].link in personal and "Budi" in personal
    assert "10 Agustus 2099, 00.00 WIB" in personal


def test_a_revoked_person_is_told_of_the_revocation_never_that_they_have_not_signed(
    app, session, units, campaign, people, operator_user
):
    from dataclasses import replace

    from flask_babel import force_locale

    person = replace(
        dinkes_pending(session, units, campaign, operator_user)[0], revoked_reason="wrong_identity"
    )
    with force_locale("en"):
        personal = reminders.personal_text(campaign, person)
        email = reminders.email_message(campaign, person, sender="pakta@contoh.go.id")
    body = email.get_content()
    for text in (personal, body):
        assert "have not signed" not in text
        assert "was revoked (reason: wrong identity): please sign again" in text
        assert person.link in text
    with force_locale("id"):
        personal = reminders.personal_text(campaign, person)
    assert "dicabut" in personal and "belum menandatangani" not in personal


@pytest.mark.parametrize(("locale", "written"), [("id", "1.250 pegawai"), ("en", "1,250 people")])
def test_the_whatsapp_group_text_writes_the_count_as_the_locale_does(
    app, campaign, locale, written
):
    from flask_babel import force_locale

    with force_locale(locale):
        text = reminders.group_text(campaign, 1250, "Dinas Kesehatan")
    assert written in text
