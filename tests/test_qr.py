import io

import pytest
import qrcode.util
import zxingcpp
from PIL import Image

from pakta.qr import qr_code, qr_png, qr_svg

LOWER_CASE_LINK = "https://pakta.example.go.id/v/" + "AQTpqTM0UEkyNi0w5FgwLTdKUTcM" * 6
UPPER_CASE_LINK = "HTTPS://PAKTA.EXAMPLE.GO.ID/V/" + "AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYUCU" * 5


def read(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def version_in_byte_mode(data: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE))
    code.make(fit=True)
    return code.version


@pytest.mark.parametrize("data", [LOWER_CASE_LINK, UPPER_CASE_LINK, "Nur'aini é€ 123"])
def test_a_png_reads_back_as_the_text_it_was_made_from(data):
    assert read(qr_png(data, box_size=4)) == data


def test_an_upper_case_link_is_written_in_alphanumeric_mode_and_needs_a_smaller_symbol():
    alphanumeric = qr_code(UPPER_CASE_LINK).version
    assert alphanumeric < version_in_byte_mode(UPPER_CASE_LINK)
    assert qr_code(UPPER_CASE_LINK.lower()).version == version_in_byte_mode(UPPER_CASE_LINK)


def test_an_svg_has_one_path_and_no_id_so_many_can_share_a_page():
    svg = qr_svg(UPPER_CASE_LINK)
    assert svg.startswith("<svg") and svg.count("<path") == 1 and " id=" not in svg
