"""Logos are checked by what they contain and stored as nothing but their pixels."""

import io

import pytest
from PIL import Image, PngImagePlugin

from pakta.services import logos
from tests.conftest import logo_bytes, png_claiming


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_png_or_a_jpeg_comes_back_as_a_png_of_the_same_size(kind):
    cleaned = opened(logos.clean(logo_bytes(kind, size=(120, 80))))
    assert cleaned.format == "PNG" and cleaned.size == (120, 80)


def test_a_large_logo_is_shrunk_to_the_largest_side_kept():
    cleaned = opened(logos.clean(logo_bytes("PNG", size=(1800, 900))))
    assert cleaned.size == (logos.MAX_LOGO_SIDE, logos.MAX_LOGO_SIDE // 2)


def test_metadata_of_the_upload_is_not_kept():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "someone@contoh.go.id")
    exif = Image.Exif()
    exif[0x010E] = "a description with a secret"  # ImageDescription
    for upload in (
        logo_bytes("PNG", pnginfo=text),
        logo_bytes("JPEG", exif=exif.tobytes()),
    ):
        cleaned = logos.clean(upload)
        assert b"someone@" not in cleaned and b"secret" not in cleaned
        image = opened(cleaned)
        assert not image.getexif() and "Author" not in image.info


def test_a_jpeg_photographed_sideways_is_stored_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to show
    cleaned = opened(logos.clean(logo_bytes("JPEG", size=(120, 80), exif=exif.tobytes())))
    assert cleaned.size == (80, 120)


def truncated_png() -> bytes:
    import weasyprint  # noqa: F401  (it makes Pillow accept truncated files)

    whole = io.BytesIO()
    Image.effect_noise((200, 200), 64).save(whole, "PNG")  # noise: nothing compresses away
    return whole.getvalue()[: len(whole.getvalue()) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Choose a PNG or JPEG file."),
        (b"just some text, saved as logo.png\n", "The logo must be a PNG or JPEG image."),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
            "The logo must be a PNG or JPEG image.",
        ),
        (logo_bytes("GIF"), "The logo must be a PNG or JPEG image."),
        (truncated_png(), "The logo could not be read as an image."),
        (png_claiming(100_000, 100_000), "The logo image is too large."),  # Pillow's bomb
        (png_claiming(5_000, 5_000), "The logo image is too large."),  # above ours only
        (b"\xff\xd8\xff" + bytes(logos.MAX_LOGO_BYTES), "The logo may be at most 512 KB."),
    ],
    ids=["empty", "text", "svg", "gif", "truncated", "bomb", "huge", "heavy"],
)
def test_a_file_that_is_not_a_sane_png_or_jpeg_is_refused_saying_why(app, data, message):
    with app.test_request_context(), pytest.raises(logos.LogoError) as refused:
        from flask_babel import force_locale

        with force_locale("en"):
            logos.clean(data)
    assert str(refused.value) == message


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_is_imported():
    import weasyprint  # noqa: F401  (it makes Pillow accept truncated files)

    whole = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(whole, "JPEG")
    with pytest.raises(logos.LogoError):
        logos.clean(whole.getvalue()[: len(whole.getvalue()) // 2])
