"""The certificate's QR code read off paper: the page as a 150 dpi scan, read by zbar and by
zxing-cpp, and the token it carries verified with the instance's public keys."""

import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from pakta.keys import certificate as certificate_keys
from pakta.services.certificates import issuing, tokens

DPI = 150
MM_PER_INCH = 25.4


@pytest.fixture
def zbarimg() -> str:
    path = shutil.which("zbarimg")
    if path is None:
        pytest.skip(
            "zbarimg is not installed (apt-get install zbar-tools): the paper test is untested"
        )
    return path


@pytest.fixture
def pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils): cannot rasterise")
    return path


@pytest.fixture
def scanned(session, signed, app, pdftoppm, tmp_path) -> tuple[Path, str]:
    """The first page of an issued certificate at 150 dpi, and the link its QR code holds."""
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    issued = issuing.issue(session, signed, issuer)
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(issued.pdf)
    subprocess.run(
        [
            pdftoppm,
            "-r",
            str(DPI),
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf,
            tmp_path / "page",
        ],
        check=True,
        timeout=120,
    )
    return tmp_path / "page.png", issuing.verification_url(issuer.base_url, issued.token)


def read_with_zbar(zbarimg: str, png: Path) -> list[str]:
    result = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout.splitlines()


def read_with_zxing(png: Path) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)


def test_the_qr_code_reads_off_a_150_dpi_page_with_zbar_and_zxing_and_verifies(
    zbarimg, scanned, session, signed
):
    png, link = scanned
    [by_zbar] = read_with_zbar(zbarimg, png)
    [by_zxing] = read_with_zxing(png)
    assert by_zbar == by_zxing.text == link
    claims = tokens.verify(tokens.from_text(by_zbar), certificate_keys.public_keys(session))
    assert (claims.certificate_number, claims.signer_name) == (
        signed.certificate_number,
        signed.signer_name,
    )
    assert (claims.campaign, claims.unit_code) == (signed.campaign.slug, signed.unit.code)


def test_the_printed_modules_are_at_least_0_6_mm_and_the_symbol_35_to_50_mm_wide(scanned):
    png, _link = scanned
    [found] = read_with_zxing(png)
    version = int(found.extra["Version"])
    corners = found.position
    width_mm = (corners.top_right.x - corners.top_left.x) / DPI * MM_PER_INCH
    modules = 17 + 4 * version
    print(f"QR version {version}, {width_mm:.1f} mm, {width_mm / modules:.2f} mm a module")
    assert width_mm / modules >= 0.6
    assert 35 <= width_mm + 4 * width_mm / modules <= 50  # with its quiet zone
