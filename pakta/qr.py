"""QR codes for personal links, certificates and the apel screen, made in memory.

Error correction M survives a crease or a coffee ring on printed paper. qrcode splits the
text into segments itself (``add_data``'s ``optimize``): an upper-case address such as a
certificate's v2 link (services.certificates.tokens) goes into alphanumeric mode, 5.5 bits
a character instead of 8, so its symbol is a few versions smaller than the same address
in lower case.
"""

import base64
import io

import qrcode
import qrcode.constants
from PIL import Image
from qrcode.compat.etree import ET
from qrcode.image.svg import SvgPathImage

__all__ = ["BORDER", "MASK_PATTERN", "qr_code", "qr_data_uri", "qr_png", "qr_svg"]

BORDER = 2  # modules of quiet zone; the slip's white margin adds the rest
# Left to itself, qrcode lays the symbol out with each of the 8 masks and scores them in pure
# Python, several times the cost of the one layout. Every mask is a valid QR code that
# readers decode alike; this one (it flips the modules of every third column) scored best on
# average over certificate links.
MASK_PATTERN = 2
# qrcode's own default: a run of at least this many characters that fits a denser mode than
# its neighbours becomes a segment of its own (each segment costs a 4-bit mode and a count).
OPTIMIZE = 20


def qr_code(data: str, *, box_size: int = 1, image_factory=None) -> qrcode.QRCode:
    """The laid-out symbol: its ``version`` is the smallest that holds ``data`` at level M."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=BORDER,
        image_factory=image_factory,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(data, optimize=OPTIMIZE)
    code.make(fit=True)
    return code


def qr_svg(data: str, *, box_size: int = 10) -> str:
    """An inline ``<svg>`` element (one path; ``box_size`` 10 is 1 mm a module).

    Size it with CSS when embedding; the element carries no id, so many can share a page.
    """
    image = qr_code(data, box_size=box_size, image_factory=SvgPathImage).make_image()
    image.path.attrib.pop("id", None)
    return ET.tostring(image.get_image(), encoding="unicode")


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """A black-and-white PNG (8-bit grey), ``box_size`` pixels a module."""
    matrix = qr_code(data).get_matrix()  # with the quiet zone
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (size, size), pixels)
    if box_size != 1:
        image = image.resize((size * box_size,) * 2, Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_data_uri(data: str, *, box_size: int = 1) -> str:
    """A PNG ``data:`` URI for WeasyPrint: one pixel a module, to be scaled up without smoothing.

    Show it with ``image-rendering: pixelated`` so the PDF keeps hard module edges at any size.
    """
    return "data:image/png;base64," + base64.b64encode(qr_png(data, box_size=box_size)).decode()
