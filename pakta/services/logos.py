"""Uploaded logos, checked by what they contain rather than by their name or declared type.

A campaign's logo and the Pemda's pass through ``clean``: Pillow must read the bytes as a
PNG or JPEG of sane dimensions, and what is stored is the pixels re-encoded as a fresh PNG,
so nothing of the uploaded file (EXIF, text chunks, ICC profiles, trailing bytes) survives.
"""

import io
import warnings

from PIL import Image, ImageOps

from pakta.i18n import _l

__all__ = ["MAX_LOGO_BYTES", "MAX_LOGO_PIXELS", "MAX_LOGO_SIDE", "LogoError", "clean"]

MAX_LOGO_BYTES = 512 * 1024
# Far below Pillow's own bomb limit (about 89 million pixels): a logo needs no more.
MAX_LOGO_PIXELS = 4000 * 4000
# Certificates print a logo 20 mm high (240 pixels); the admin pages show it larger.
MAX_LOGO_SIDE = 600

_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class LogoError(ValueError):
    """The file is not a usable logo; str() is user-facing."""


class _Incomplete(ValueError):
    pass


def _check_complete(data: bytes, image_format: str) -> None:
    """Raise unless the file ends where its format says it ends.

    Importing WeasyPrint sets Pillow's ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole
    process, after which Pillow decodes a cut-off file without a word, greying out the rest.
    """
    if image_format == "PNG":
        # verify() walks every chunk and its checksum to IEND, whatever that setting says.
        with Image.open(io.BytesIO(data), formats=["PNG"]) as whole:
            whole.verify()
    elif not data.rstrip(b"\0").endswith(b"\xff\xd9"):  # a JPEG's end-of-image marker
        raise _Incomplete(image_format)


def clean(data: bytes) -> bytes:
    """The logo in ``data`` as a PNG of at most ``MAX_LOGO_SIDE`` pixels a side, stripped of
    everything but its pixels. Raises ``LogoError`` saying what is wrong with the file."""
    if not data:
        raise LogoError(str(_l("Choose a PNG or JPEG file.")))
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(str(_l("The logo may be at most 512 KB.")))
    # Pillow would also open GIF, BMP, TIFF...; only the two formats a PDF takes as they are.
    if not data.startswith(_SIGNATURES):
        raise LogoError(str(_l("The logo must be a PNG or JPEG image.")))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                if image.width * image.height > MAX_LOGO_PIXELS:
                    raise LogoError(str(_l("The logo image is too large.")))
                _check_complete(data, image.format)
                image.load()
                # A photographed logo is stored upright before its EXIF goes.
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_LOGO_SIDE, MAX_LOGO_SIDE))
                pixels = upright.convert("RGBA")
    except LogoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise LogoError(str(_l("The logo image is too large."))) from error
    except Exception as error:  # Pillow raises many kinds on a broken file
        raise LogoError(str(_l("The logo could not be read as an image."))) from error
    # A new image carries no ``info`` of the upload's (EXIF, ICC, text) into the PNG.
    bare = Image.new("RGBA", pixels.size)
    bare.paste(pixels)
    out = io.BytesIO()
    bare.save(out, "PNG", optimize=True)
    return out.getvalue()
