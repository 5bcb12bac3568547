"""QR codes for personal links, made in memory (no files, no network).

Error correction M survives a crease or a coffee ring on a printed slip and
keeps a ~70-character link at version 4 (33 modules), which phone cameras read
easily at 3 cm.
"""

import base64
import io
from functools import cache

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.exceptions
import qrcode.util
from PIL import Image
from qrcode.compat.etree import ET
from qrcode.image.svg import SvgPathImage

__all__ = ["MASK_PATTERN", "qr_data_uri", "qr_png", "qr_svg"]

BORDER = 2  # modules of quiet zone; the slip's white margin adds the rest
# Left to itself, qrcode lays the symbol out with each of the 8 masks and scores them in pure
# Python, about 10 ms for a certificate's link. Every mask is a valid QR code that readers
# decode alike; this one (it flips the modules of every third column) scored best on
# average over certificate links.
MASK_PATTERN = 2
PAD_BYTES = (0xEC, 0x11)


def _code(data: str, box_size: int, image_factory=None) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=BORDER,
        image_factory=image_factory,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(data)  # split into segments (byte, alphanumeric, numeric) by qrcode
    code.version, code.data_cache = _codewords(code.data_list, code.error_correction)
    code.makeImpl(False, MASK_PATTERN)  # what make() does after best_fit() and create_data()
    return code


# -- codewords ----------------------------------------------------------------------------
# qrcode fits the version and builds the codewords bit by bit in a list, and computes the
# Reed-Solomon error correction with polynomial objects: 2 of the 3 ms a certificate's QR
# code took. The same, with integers and log tables (ISO/IEC 18004: 7.4 and 7.5); the
# codewords are qrcode's own, which tests/test_pdf.py checks.


class _Bits:
    """Enough of ``qrcode.util.BitBuffer`` for ``QRData.write``: bits appended to an int."""

    __slots__ = ("length", "value")

    def __init__(self) -> None:
        self.value = self.length = 0

    def put(self, number: int, length: int) -> None:
        self.value = (self.value << length) | number
        self.length += length


def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 510, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = exp[power + 255] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D  # x^8 + x^4 + x^3 + x^2 + 1
    return exp, log


_EXP, _LOG = _gf_tables()


@cache
def _generator(degree: int) -> tuple[int, ...]:
    """The generator polynomial (x - a^0)...(x - a^(degree-1)), highest power first."""
    poly = [1]
    for power in range(degree):
        product = [*poly, 0]
        for index, coefficient in enumerate(poly):
            if coefficient:
                product[index + 1] ^= _EXP[_LOG[coefficient] + power]
        poly = product
    return tuple(poly)


def _error_correction(data: list[int], degree: int) -> list[int]:
    generator = _generator(degree)[1:]
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder.pop(0)
        remainder.append(0)
        if factor:
            log = _LOG[factor]
            for index, coefficient in enumerate(generator):
                remainder[index] ^= _EXP[log + _LOG[coefficient]]
    return remainder


def _codewords(segments: list, error_correction: int) -> tuple[int, list[int]]:
    """The smallest version that holds ``segments`` (qrcode ``QRData``) and its codewords."""
    written = []
    for segment in segments:
        bits = _Bits()
        segment.write(bits)
        written.append((segment.mode, len(segment), bits))
    for version in range(1, 41):
        sizes = qrcode.util.mode_sizes_for_version(version)
        needed = sum(4 + sizes[mode] + bits.length for mode, _, bits in written)
        if needed <= qrcode.util.BIT_LIMIT_TABLE[error_correction][version]:
            break
    else:
        raise qrcode.exceptions.DataOverflowError(f"{needed} bits do not fit in a QR code")
    stream = _Bits()
    for mode, count, bits in written:
        stream.put(mode, 4)
        stream.put(count, sizes[mode])
        stream.put(bits.value, bits.length)
    blocks = qrcode.base.rs_blocks(version, error_correction)
    capacity = sum(block.data_count for block in blocks)
    stream.put(0, min(capacity * 8 - stream.length, 4))  # terminator
    stream.put(0, -stream.length % 8)
    data = list(stream.value.to_bytes(stream.length // 8, "big"))
    data += [PAD_BYTES[index % 2] for index in range(capacity - len(data))]
    data_blocks, ec_blocks, start = [], [], 0
    for block in blocks:
        chunk = data[start : start + block.data_count]
        start += block.data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.total_count - block.data_count))
    return version, _interleave(data_blocks) + _interleave(ec_blocks)


def _interleave(blocks: list[list[int]]) -> list[int]:
    longest = max(len(block) for block in blocks)
    return [block[i] for i in range(longest) for block in blocks if i < len(block)]


def qr_svg(data: str, *, box_size: int = 10) -> str:
    """An inline ``<svg>`` element (one path; ``box_size`` 10 is 1 mm a module).

    Size it with CSS when embedding; the element carries no id, so many can share a page.
    """
    image = _code(data, box_size, SvgPathImage).make_image()
    image.path.attrib.pop("id", None)
    return ET.tostring(image.get_image(), encoding="unicode")


def qr_png(data: str, *, box_size: int = 10) -> bytes:
    """A black-and-white PNG (8-bit grey), ``box_size`` pixels a module."""
    matrix = _code(data, box_size).get_matrix()  # with the quiet zone
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
