"""Pages and messages of a campaign that names no authority of its own name the Pemda from
the settings, never an empty line."""

import pytest

from pakta.services import pemda, reminders

SUKABUMI = "Pemerintah Kota Sukabumi"


@pytest.fixture
def unnamed(session, campaign):
    """The campaign leaves its issuer to the Pemda's settings."""
    pemda.update(session, name=SUKABUMI)
    campaign.issuing_authority = ""
    session.commit()
    return campaign


def test_the_public_page_names_the_pemda(client, unnamed):
    assert f'<p class="eyebrow">{SUKABUMI}</p>' in client.get("/").text


def test_the_transparency_page_names_the_pemda(client, session, unnamed):
    unnamed.public_rollup = True
    session.commit()
    assert f'<p class="eyebrow">{SUKABUMI}</p>' in client.get("/transparansi").text


def test_the_signing_page_names_the_pemda(client, unnamed, token):
    assert f'<p class="eyebrow">{SUKABUMI}</p>' in client.get(f"/s/{token}").text


def test_the_kiosk_names_the_pemda_to_an_admin_without_a_unit(client, auth, admin_user, unnamed):
    auth.login()
    auth.start_kiosk()
    assert SUKABUMI in client.get("/kiosk/").text


def test_a_campaigns_own_authority_still_wins(client, session, unnamed):
    unnamed.issuing_authority = "Sekretariat Daerah Kota Sukabumi"
    session.commit()
    page = client.get("/").text
    assert '<p class="eyebrow">Sekretariat Daerah Kota Sukabumi</p>' in page
    assert SUKABUMI not in page


def test_with_nothing_set_anywhere_pages_say_pemerintah_daerah(client, session, campaign):
    campaign.issuing_authority = ""
    session.commit()
    assert '<p class="eyebrow">Pemerintah Daerah</p>' in client.get("/").text


def test_a_reminder_email_comes_from_the_issuer_it_is_given(unnamed):
    person = reminders.Pending(
        employee_id=1,
        identity_number="198609262015051001",
        name="Budi Santoso",
        position="Perawat",
        employment_type="pns",
        unit_code="DINKES",
        unit_name="Dinas Kesehatan",
        email="budi@example.go.id",
        phone=None,
        link="https://pakta.example/s/abc",
    )
    message = reminders.email_message(unnamed, person, sender="pakta@example", issuer=SUKABUMI)
    assert message["From"].addresses[0].display_name == SUKABUMI
    assert message.get_content().rstrip().endswith(SUKABUMI)
