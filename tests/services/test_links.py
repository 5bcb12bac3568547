"""Personal signing links: opening one loads what the signing pages show, in one query."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect

from pakta.models import IssuedCertificate, SignatureMethod
from pakta.services import campaigns, links, signing
from tests.conftest import make_campaign

NOW = datetime(2024, 7, 29, 2, 0, tzinfo=UTC)


@pytest.fixture
def campaign(session):
    made = make_campaign(
        session, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=30)
    )
    campaigns.update_pact(
        session, made, campaigns.PactContent("Pakta, versi kedua", "", ["a", "b", "c"], [])
    )
    return made


def sign_drawn(session, campaign, employee):
    """The employee's signature with a drawn PNG, through the link."""
    return signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=signing.Evidence(signature_png=b"\x89PNG", acknowledged_points=[1, 2, 3]),
        now=NOW,
    ).signature


def test_opening_a_link_loads_campaign_pact_employee_and_unit_in_one_query(
    session, token, campaign, employee, statements
):
    session.expunge_all()  # nothing already loaded helps
    statements.clear()
    opened = links.open_link(session, token)
    assert opened.campaign.id == campaign.id and opened.employee.id == employee.id
    # Every version of the pact is there, the newest last: `campaign.pact` is the one signed.
    assert [pact.version for pact in opened.campaign.pact_versions] == [1, 2]
    assert opened.campaign.pact.heading == "Pakta, versi kedua"
    assert opened.employee.unit.name == "Bidang P2P"
    assert opened.signature is None and not opened.certificate_issued
    assert len(statements) == 1, statements


def test_an_opened_link_carries_the_signature_and_whether_its_certificate_is_stored(
    session, token, campaign, employee, signing_key
):
    signature = sign_drawn(session, campaign, employee)
    assert links.open_link(session, token).signature is signature
    assert not links.open_link(session, token).certificate_issued

    session.add(
        IssuedCertificate(
            signature_id=signature.id,
            token="t",
            kid=signing_key.kid,
            pdf=b"%PDF-",
            pdf_sha256="0" * 64,
        )
    )
    session.flush()
    assert links.open_link(session, token).certificate_issued


def test_opening_a_signed_link_leaves_the_drawn_signature_in_the_database(
    session, token, campaign, employee, statements
):
    sign_drawn(session, campaign, employee)
    session.expunge_all()
    statements.clear()
    opened = links.open_link(session, token)
    assert "signature_png" in inspect(opened.signature).unloaded
    assert opened.signature.certificate_number and len(statements) == 1


@pytest.mark.parametrize("token", ["", "x" * 65, "unknown-token-0123456789"])
def test_an_unknown_or_malformed_token_opens_nothing(session, token):
    assert links.open_link(session, token) is None


def test_a_voided_link_opens_nothing_and_its_new_one_does(session, token, campaign, employee):
    new = links.regenerate(session, campaign, employee, None)
    assert links.open_link(session, token) is None
    assert links.open_link(session, new).employee.id == employee.id


# -- showing a link: the same rows as plain values, for the pages a GET shows -------------


def shown_as_opened(opened: links.Opened) -> links.Shown:
    """What ``show_link`` must give for a link ``open_link`` opened."""
    campaign, employee, signature = opened.campaign, opened.employee, opened.signature
    return links.Shown(
        links.CampaignView(
            campaign.id,
            campaign.title,
            campaign.issuing_authority,
            campaign.opens_at,
            campaign.closes_at,
            links.PactView(
                campaign.pact.id,
                campaign.pact.sha256,
                campaign.pact.heading,
                campaign.pact.preamble,
                campaign.pact.points,
                campaign.pact.legal_basis,
            ),
        ),
        links.EmployeeView(
            employee.id,
            employee.identity_number,
            employee.name,
            employee.position,
            employee.employment_type,
            employee.active,
            employee.unit_id,
            links.UnitView(employee.unit.name),
        ),
        None
        if signature is None
        else links.SignatureView(
            signature.id,
            signature.certificate_number,
            signature.signed_at,
            signature.signer_name,
            signature.unit_name,
        ),
        opened.certificate_issued,
        opened.revoked_before,
    )


def test_showing_a_link_reads_what_opening_it_loads_with_the_newest_pact_in_one_query(
    session, token, campaign, statements
):
    session.expunge_all()
    statements.clear()
    shown = links.show_link(session, token)
    assert len(statements) == 1, statements
    assert shown.campaign.pact.heading == "Pakta, versi kedua"
    assert shown.campaign.pact.points == ["a", "b", "c"]
    assert shown == shown_as_opened(links.open_link(session, token))


def test_showing_a_signed_link_reads_its_signature_and_then_its_certificate(
    session, token, campaign, employee, signing_key
):
    signature = sign_drawn(session, campaign, employee)
    shown = links.show_link(session, token)
    assert shown.signature.id == signature.id and not shown.certificate_issued
    assert shown == shown_as_opened(links.open_link(session, token))
    session.add(
        IssuedCertificate(
            signature_id=signature.id,
            token="t",
            kid=signing_key.kid,
            pdf=b"%PDF-",
            pdf_sha256="0" * 64,
        )
    )
    session.flush()
    assert links.show_link(session, token).certificate_issued


def test_showing_a_link_after_a_revocation_reads_no_signature_and_the_revoked_one(
    session, token, campaign, employee
):
    from pakta.services.certificates import revocations

    signature = sign_drawn(session, campaign, employee)
    revocations.revoke(session, signature, reason="signed_in_error", note="", actor="cli:test")
    session.flush()
    shown = links.show_link(session, token)
    assert shown.signature is None and shown.revoked_before
    assert shown == shown_as_opened(links.open_link(session, token))


@pytest.mark.parametrize("token", ["", "x" * 65, "unknown-token-0123456789"])
def test_an_unknown_or_malformed_token_shows_nothing(session, token):
    assert links.show_link(session, token) is None


def test_a_voided_link_shows_nothing_and_its_new_one_does(session, token, campaign, employee):
    new = links.regenerate(session, campaign, employee, None)
    assert links.show_link(session, token) is None
    assert links.show_link(session, new).employee.id == employee.id


def test_a_shown_campaign_is_open_exactly_when_the_campaign_is(session, token, campaign):
    shown = links.show_link(session, token).campaign
    for moment in (campaign.opens_at, campaign.closes_at, NOW, NOW + timedelta(days=31)):
        assert shown.is_open(moment) == campaign.is_open(moment)
