"""Drawn signatures: check the PNG a signer's phone uploads and store a clean copy.

The signature pad posts ``canvas.toDataURL("image/png")``. Everything in that
field is untrusted: it is size-checked before it is decoded, the PNG header is
read by hand before Pillow sees the file (so a huge width or height is refused
without allocating anything), and the image is re-encoded from its pixels, so
no chunk of the upload (text, EXIF, ICC profile, animation) reaches storage.

This runs on every signing request, so its cost counts: Pillow decodes and
checks, and the clean copy is written here (``_encode_la``) rather than by
Pillow's encoder, which spent most of its time choosing row filters.
Every failure is a :class:`SignatureImageError` whose text is shown to the signer.
"""

import base64
import binascii
import io
import struct
import warnings
import zlib

from PIL import Image, ImageChops

from pakta.i18n import _l

MAX_PNG_BYTES = 200 * 1024
MAX_WIDTH, MAX_HEIGHT = 2000, 1000
MIN_WIDTH, MIN_HEIGHT = 50, 20
# A pixel counts as ink when, composited on white, it is darker than this (0-255).
INK_THRESHOLD = 200
MIN_INK_PIXELS = 150
MIN_INK_FRACTION = 0.002
# zlib level of the clean copy: about 0.3 ms and 4 KB for a 600x200 signature (level 6:
# twice the time for half the size).
PNG_COMPRESS_LEVEL = 3
# Alpha to a mask of the pixels that show (any alpha above zero).
_VISIBLE = [0] + [255] * 255

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the empty IEND chunk and its CRC
# Base64 turns every 3 bytes into 4 characters.
_MAX_ENCODED_CHARS = 4 * -(-MAX_PNG_BYTES // 3)
# Room for "data:image/png;base64," and surrounding whitespace.
_MAX_HEADER_CHARS = 100

_NOT_PNG = _l("The signature is not a PNG image.")
_TOO_LARGE = _l("The signature image is too large (max {kb} KB).")
_UNREADABLE = _l("The signature image could not be read. Please draw your signature again.")
_BAD_SIZE = _l("The signature image has the wrong size. Please draw your signature again.")
_ANIMATED = _l("The signature must be a still image, not an animation.")
_EMPTY = _l("The signature is empty: draw your signature in the box.")


class SignatureImageError(ValueError):
    """A signature image that cannot be accepted; str() is user-facing."""


def _error(message, **values) -> SignatureImageError:
    return SignatureImageError(str(message).format(**values))


def too_large() -> SignatureImageError:
    return _error(_TOO_LARGE, kb=MAX_PNG_BYTES // 1024)


def decode_data_url(value: str) -> bytes:
    """The bytes of a ``data:image/png;base64,...`` URL, refused if not a small PNG URL."""
    if not isinstance(value, str):
        raise _error(_NOT_PNG)
    if len(value) > _MAX_ENCODED_CHARS + _MAX_HEADER_CHARS:
        raise too_large()
    header, comma, payload = value.strip().partition(",")
    scheme, _, media = header.partition(":")
    media_type, *parameters = (part.strip().lower() for part in media.split(";"))
    if not comma or scheme.lower() != "data" or media_type != "image/png":
        raise _error(_NOT_PNG)
    if "base64" not in parameters:
        raise _error(_UNREADABLE)
    if len(payload) > _MAX_ENCODED_CHARS:
        raise too_large()
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _error(_UNREADABLE) from exc
    if not data:
        raise _error(_EMPTY)
    if len(data) > MAX_PNG_BYTES:
        raise too_large()
    return data


def _check_header(data: bytes) -> None:
    """Magic, then the IHDR chunk's width and height, before any decoding."""
    if not data.startswith(PNG_MAGIC):
        raise _error(_NOT_PNG)
    # Pillow tolerates a missing end; a complete upload always has it, and nothing after it.
    if data[8:16] != b"\x00\x00\x00\x0dIHDR" or not data.endswith(PNG_END) or len(data) < 45:
        raise _error(_UNREADABLE)
    width, height = struct.unpack(">II", data[16:24])
    if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
        raise _error(_BAD_SIZE)


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data), formats=["PNG"])
    if image.format != "PNG":
        raise _error(_NOT_PNG)
    return image


def _decode(data: bytes) -> tuple[Image.Image, Image.Image]:
    """The first frame's grey ("L") and alpha, as two bands; every Pillow failure or warning
    becomes a refusal."""
    # The header check keeps the pixel count at most MAX_WIDTH * MAX_HEIGHT, far below
    # Pillow's own bomb limit; its warnings are still turned into errors here.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            with _open(data) as image:
                if getattr(image, "n_frames", 1) != 1:
                    raise _error(_ANIMATED)
                image.verify()  # every chunk's CRC, through to IEND
            with _open(data) as image:
                if image.size[0] > MAX_WIDTH or image.size[1] > MAX_HEIGHT:
                    raise _error(_BAD_SIZE)
                image.load()
                # A canvas's PNG is RGBA already: read as it is, not copied to RGBA first.
                # Other modes go through RGBA so that their transparency (a palette's, a
                # tRNS colour) becomes alpha. Grey and alpha are taken apart: the same
                # bands as converting to "LA" and splitting, in a quarter of the time.
                rgba = image if image.mode == "RGBA" else image.convert("RGBA")
                return rgba.convert("L"), rgba.getchannel("A")
        except SignatureImageError:
            raise
        except Image.DecompressionBombError as exc:
            raise _error(_BAD_SIZE) from exc
        except Exception as exc:  # Pillow raises many exception types on bad input
            raise _error(_UNREADABLE) from exc


def _ink_pixels(gray: Image.Image, alpha: Image.Image) -> int:
    # Grey composited on white: the grey of the colour composited on white (both are linear).
    on_white = Image.composite(gray, Image.new("L", gray.size, 255), alpha)
    return sum(on_white.histogram()[:INK_THRESHOLD])


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(body, zlib.crc32(kind))
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _encode_la(image: Image.Image) -> bytes:
    """A PNG of an 8-bit grey-and-alpha image: IHDR, one IDAT, IEND (filter type 0 rows)."""
    width, height = image.size
    pixels = image.tobytes()
    stride = 2 * width
    rows = b"".join(
        b"\x00" + pixels[start : start + stride] for start in range(0, stride * height, stride)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 4, 0, 0, 0)  # 8 bits, grey + alpha
    return b"".join(
        (
            PNG_MAGIC,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows, PNG_COMPRESS_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def clean_signature_png(data: bytes) -> bytes:
    """A validated, re-encoded copy of a signature PNG: grayscale with alpha, no metadata."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise _error(_NOT_PNG)
    data = bytes(data)
    if len(data) > MAX_PNG_BYTES:
        raise too_large()
    _check_header(data)
    gray, alpha = _decode(data)
    width, height = gray.size
    if _ink_pixels(gray, alpha) < max(MIN_INK_PIXELS, MIN_INK_FRACTION * width * height):
        raise _error(_EMPTY)

    # Fully transparent pixels keep no hidden grey values: zero them for a smaller file (the
    # darker of the grey and a mask that is 0 there and 255 elsewhere).
    gray = ImageChops.darker(gray, alpha.point(_VISIBLE))
    # Written from the pixels alone: no info, ICC, EXIF or other chunk is carried.
    result = _encode_la(Image.merge("LA", (gray, alpha)))
    if len(result) > MAX_PNG_BYTES:
        raise too_large()
    return result
