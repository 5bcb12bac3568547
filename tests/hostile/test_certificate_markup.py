"""Markup in a campaign's title, its pact text and a signer's name prints as text on the
certificate: nothing of it is interpreted (no element, image, link or fetched file)."""

import io

import pypdfium2
from pyhanko.pdf_utils.reader import PdfFileReader

from pakta.models import SignatureMethod
from pakta.services import campaigns, signing
from pakta.services.certificates import issuing
from tests.conftest import make_campaign, make_employee

TITLE = "Pilkada <b>2024</b> & <i>Ma'ruf</i>"
POINT = 'Netral <script>alert(1)</script> {{ 7*7 }} <img src="file:///etc/passwd">'
BASIS = '<a href="https://contoh.invalid">UU 20/2023</a> \u202eKIRI'
NAME = "Nur'aini <style>*{display:none}</style>"


def test_markup_in_the_title_pact_and_name_prints_as_text_on_the_certificate(
    app, session, units, signing_key
):
    campaign = make_campaign(session, title=TITLE)
    campaigns.update_pact(
        session,
        campaign,
        campaigns.PactContent(
            heading="<h1>Pakta</h1>", preamble="", points=[POINT, "Dua"], legal_basis=[BASIS]
        ),
    )
    employee = make_employee(session, units["DINKES-P2P"], name=NAME)
    outcome = signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=signing.Evidence(typed_name=NAME, acknowledged_points=[1, 2]),
    )
    session.commit()
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)

    pdf = issuing.produce(session, outcome.signature, issuer).pdf

    text = " ".join(pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().split())
    for shown in (TITLE, POINT, '<a href="https://contoh.invalid">UU 20/2023</a>', NAME):
        assert " ".join(shown.split()) in text, shown
    assert "<h1>Pakta</h1>" in text
    page = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]
    images = page["/Resources"]["/XObject"].values()
    assert len(images) == 1  # the QR code only: no image fetched from the pact's markup
    assert "/Annots" not in page or all(
        "contoh.invalid" not in str(annotation.get_object()) for annotation in page["/Annots"]
    )
