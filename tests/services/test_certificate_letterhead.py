"""What a certificate prints as its issuer (name and logo) and its place-and-date line."""

import dataclasses
import io

import pypdfium2
import pytest
from flask import has_request_context
from pyhanko.pdf_utils.reader import PdfFileReader

from pakta.services import campaigns, pemda
from pakta.services.certificates import issuing
from tests.conftest import logo_bytes

SUKABUMI = "Pemerintah Kota Sukabumi"
TOKEN = "t" * 120


@pytest.fixture
def issuer(app):
    return issuing.Issuer.from_config(app.config, app.instance_path)


def lines(pdf: bytes) -> list[str]:
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    return [" ".join(line.split()) for line in text.splitlines()]


def date_line(pdf: bytes) -> str:
    """The line above "Signed at ..." under the signature."""
    found = lines(pdf)
    time_line = next(i for i, line in enumerate(found) if line.startswith("Ditandatangani pukul"))
    return found[time_line - 1]


def images(pdf: bytes) -> list:
    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]
    return [image.get_object() for image in page["/Resources"]["/XObject"].values()]


def test_the_date_line_starts_with_the_place_when_the_campaign_has_one(signed, issuer):
    assert date_line(issuing.render(signed, TOKEN, issuer)).startswith("Contoh, ")


def test_the_date_line_is_the_date_alone_when_the_campaign_has_no_place(session, signed, issuer):
    with_place = date_line(issuing.render(signed, TOKEN, issuer))
    signed.campaign.place = ""
    session.flush()
    assert date_line(issuing.render(signed, TOKEN, issuer)) == with_place.removeprefix("Contoh, ")


def test_a_campaign_without_its_own_authority_prints_the_pemdas_name(session, signed, issuer):
    pemda.update(session, name=SUKABUMI)
    signed.campaign.issuing_authority = ""
    session.flush()
    assert not has_request_context()  # as in a background worker: the settings are in the database
    found = lines(issuing.produce(session, signed, issuer).pdf)
    assert "PEMERINTAH KOTA SUKABUMI" in found  # the header
    assert any(line.startswith(f"Diterbitkan oleh {SUKABUMI}") for line in found)
    assert "PEMERINTAH DAERAH" not in found


def test_a_campaigns_own_authority_wins_over_the_pemdas_name(session, signed, issuer):
    pemda.update(session, name=SUKABUMI)
    found = lines(issuing.render(signed, TOKEN, issuer))
    assert "PEMERINTAH KOTA CONTOH" in found and "PEMERINTAH KOTA SUKABUMI" not in found


def test_with_no_name_anywhere_the_certificate_says_pemerintah_daerah(session, signed, issuer):
    signed.campaign.issuing_authority = ""
    session.flush()
    assert "PEMERINTAH DAERAH" in lines(issuing.render(signed, TOKEN, issuer))


def test_the_environments_pemda_name_is_printed_when_the_settings_leave_it_empty(
    session, signed, issuer
):
    signed.campaign.issuing_authority = ""
    session.flush()
    from_environment = dataclasses.replace(
        issuer, pemda_defaults=pemda.Defaults(name="Pemerintah Kabupaten Contoh")
    )
    assert "PEMERINTAH KABUPATEN CONTOH" in lines(issuing.render(signed, TOKEN, from_environment))


def test_the_pemdas_logo_is_printed_scaled_when_the_campaign_has_none(session, signed, issuer):
    assert len(images(issuing.render(signed, TOKEN, issuer))) == 2  # QR code, signature
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG", size=(500, 500)))
    printed = images(issuing.render(signed, TOKEN, issuer))
    logo = next(image for image in printed if image.get("/Filter") == "/DCTDecode")
    assert len(printed) == 3 and logo["/Height"] == issuing.LOGO_HEIGHT


def test_a_campaigns_own_logo_wins_over_the_pemdas(session, signed, issuer):
    pemda.update(session, name=SUKABUMI, logo=logo_bytes("PNG", size=(500, 500)))
    campaigns.set_logo(signed.campaign, logo_bytes("PNG", size=(300, 600)))
    session.flush()
    printed = images(issuing.render(signed, TOKEN, issuer))
    logo = next(image for image in printed if image.get("/Filter") == "/DCTDecode")
    assert (logo["/Width"], logo["/Height"]) == (issuing.LOGO_HEIGHT // 2, issuing.LOGO_HEIGHT)
