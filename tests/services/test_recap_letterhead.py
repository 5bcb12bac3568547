"""The recap PDF prints the issuer's name and logo (pemda.letterhead)."""

import io

import pypdfium2
from pyhanko.pdf_utils.reader import PdfFileReader

from pakta.services import exports, pemda
from tests.conftest import logo_bytes

SUKABUMI = "Pemerintah Kota Sukabumi"


def first_page(pdf: bytes) -> tuple[str, list]:
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    resources = PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"][0]["/Resources"]
    found = resources.get("/XObject", {})
    return " ".join(text.split()), [image.get_object() for image in found.values()]


def test_the_recap_prints_the_letterheads_name_and_logo(
    app, session, staffed, campaign, admin_user
):
    report = exports.recap(session, campaign, user=admin_user, root_unit_ids=None)
    plain, no_images = first_page(exports.recap_pdf(report, pemda.Letterhead(SUKABUMI, None)))
    assert SUKABUMI.upper() in plain.upper() and no_images == []
    logo = logo_bytes("PNG", size=(500, 500))
    _text, images = first_page(exports.recap_pdf(report, pemda.Letterhead(SUKABUMI, logo)))
    assert [image["/Filter"] for image in images] == ["/DCTDecode"]  # the scaled JPEG
