"""The verification page names who issued the certificate, with its logo."""

import io

import pytest
from PIL import Image

from pakta.services import pemda
from pakta.services.certificates import issuing
from tests.conftest import logo_bytes

SUKABUMI = "Pemerintah Kota Sukabumi"


@pytest.fixture
def token(app, session, signed) -> str:
    """A certificate of a campaign that leaves its issuer to the Pemda's settings."""
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG", size=(500, 500)))
    signed.campaign.issuing_authority = ""
    issued = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    session.commit()
    return issued.token


def test_a_certificates_page_names_the_pemda_and_shows_its_logo(client, signed, token):
    page = client.get(f"/v/{token}").text
    assert f'<p class="eyebrow">{SUKABUMI}</p>' in page
    assert f'src="/logo/{signed.campaign.slug}.jpg"' in page
    logo = client.get(f"/logo/{signed.campaign.slug}.jpg")
    assert logo.status_code == 200 and logo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(logo.data)).height == issuing.LOGO_HEIGHT
    assert "max-age" in logo.headers["Cache-Control"]


def test_a_campaigns_own_authority_is_named_on_its_certificates_pages(
    client, session, signed, token
):
    signed.campaign.issuing_authority = "Sekretariat Daerah Kota Sukabumi"
    session.commit()
    assert (
        '<p class="eyebrow">Sekretariat Daerah Kota Sukabumi</p>' in client.get(f"/v/{token}").text
    )


def test_a_forged_codes_page_names_the_pemda_running_the_service(client, token):
    page = client.get("/v/not-a-real-token").text
    assert f'<p class="eyebrow">{SUKABUMI}</p>' in page and 'src="/logo.jpg"' in page
    assert client.get("/logo.jpg").mimetype == "image/jpeg"


def test_without_any_logo_the_page_shows_none_and_the_logo_address_is_not_found(
    client, session, signed, token
):
    pemda.update(session, name=SUKABUMI, remove_logo=True)
    session.commit()
    assert "<img" not in client.get(f"/v/{token}").text.split('<header class="issuer">')[1][:200]
    assert client.get(f"/logo/{signed.campaign.slug}.jpg").status_code == 404
    assert client.get("/logo.jpg").status_code == 404


def test_the_logo_of_an_unknown_campaign_is_not_found(client):
    assert client.get("/logo/no-such-campaign.jpg").status_code == 404
