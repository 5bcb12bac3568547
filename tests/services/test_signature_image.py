"""Drawn signatures: what the pad uploads is checked, refused clearly, and stored clean."""

import base64
import functools
import html
import io
import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, PngImagePlugin

from pakta.services.signature_image import (
    MAX_PNG_BYTES,
    SignatureImageError,
    clean_signature_png,
    decode_data_url,
)

ROOT = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
INK = (17, 17, 17, 255)

NOT_PNG = "The signature is not a PNG image."
TOO_LARGE = "The signature image is too large (max 200 KB)."
UNREADABLE = "The signature image could not be read. Please draw your signature again."
BAD_SIZE = "The signature image has the wrong size. Please draw your signature again."
ANIMATED = "The signature must be a still image, not an animation."
EMPTY = "The signature is empty: draw your signature in the box."


def encode(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def draw_signature(size=(600, 200), mode="RGBA", background=(0, 0, 0, 0), ink=INK):
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    sx, sy = size[0] / 600, size[1] / 200
    width = max(3, round(4 * sx))
    for stroke in (
        [(40, 150), (120, 40), (180, 150), (260, 60), (330, 140)],
        [(360, 120), (420, 70), (470, 130), (560, 90)],
    ):
        draw.line([(x * sx, y * sy) for x, y in stroke], fill=ink, width=width)
    return image


@functools.cache
def drawn_png() -> bytes:
    return encode(draw_signature())


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk of a well-formed PNG."""
    found, position = [], len(PNG_MAGIC)
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        found.append((kind, data[position + 8 : position + 8 + length]))
        position += 12 + length
    return found


def repair_crcs(data: bytes) -> bytes:
    """Recompute each chunk's CRC, so a mutation reaches the decoder instead of the CRC check."""
    out, position = bytearray(data[: len(PNG_MAGIC)]), len(PNG_MAGIC)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        end = position + 8 + length
        if end + 4 > len(data):
            break
        body = data[position + 4 : end]
        out += data[position : position + 4] + body + struct.pack(">I", zlib.crc32(body))
        position = end + 4
    return bytes(out + data[position:])


def with_ihdr_size(data: bytes, width: int, height: int) -> bytes:
    patched = data[:16] + struct.pack(">II", width, height) + data[24:]
    return repair_crcs(patched)


def refused_with(data: bytes) -> str:
    with pytest.raises(SignatureImageError) as caught:
        clean_signature_png(data)
    return str(caught.value)


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    draw_signature(mode="RGB", background="white").save(out, "JPEG")
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    draw_signature(mode="L", background=255, ink=0).save(out, "GIF")
    return out.getvalue()


# Accepted ------------------------------------------------------------------------------


def test_a_drawn_signature_is_accepted_and_comes_back_as_a_png_without_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hello from the phone")
    info.add_text("Author", "x" * 500, zip=True)
    info.add_itxt("Description", "tanda tangan")
    data = encode(draw_signature(), pnginfo=info, icc_profile=b"not really a profile")
    assert {b"tEXt", b"zTXt", b"iTXt", b"iCCP"} <= {kind for kind, _ in chunks(data)}

    clean = clean_signature_png(data)

    assert clean.startswith(PNG_MAGIC)
    assert {kind for kind, _ in chunks(clean)} <= {b"IHDR", b"IDAT", b"IEND"}
    with Image.open(io.BytesIO(clean)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "LA", (600, 200))
        assert image.info.keys() <= {"dpi"}
    assert len(clean) <= MAX_PNG_BYTES


def test_the_clean_copy_keeps_the_ink_where_it_was_drawn():
    with Image.open(io.BytesIO(clean_signature_png(drawn_png()))) as image:
        clean_box = image.getchannel("A").getbbox()
    assert clean_box == draw_signature().getchannel("A").getbbox()


def test_the_clean_copy_has_exactly_the_drawn_pixels_in_grey_with_alpha():
    drawn = draw_signature(background=(255, 255, 255, 0), ink=(200, 30, 30, 180))
    grey, alpha = drawn.convert("LA").split()
    with Image.open(io.BytesIO(clean_signature_png(encode(drawn)))) as clean:
        clean.load()
        assert clean.getchannel("A").tobytes() == alpha.tobytes()
        shown = Image.composite(grey, Image.new("L", drawn.size, 0), alpha)
        clean_shown = Image.composite(clean.getchannel("L"), Image.new("L", drawn.size, 0), alpha)
        assert clean_shown.tobytes() == shown.tobytes()
        # Where nothing shows (transparent white here), no grey value is kept.
        assert grey.getextrema()[1] == 255
        assert clean.getchannel("L").getextrema() == (0, grey.getextrema()[0])


def test_the_clean_copy_is_itself_accepted_and_does_not_grow():
    once = clean_signature_png(drawn_png())
    assert clean_signature_png(once) == once


@pytest.mark.parametrize(
    "image",
    [
        draw_signature(mode="RGB", background="white", ink=(30, 30, 120)),
        draw_signature(mode="L", background=255, ink=0),
        draw_signature(mode="LA", background=(0, 0), ink=(0, 255)),
        draw_signature().convert("P"),
        draw_signature(size=(2000, 1000)),
        draw_signature(size=(400, 100)),
    ],
    ids=["opaque-rgb", "grayscale", "grayscale-alpha", "palette", "largest-size", "small"],
)
def test_other_png_modes_and_sizes_with_ink_are_accepted(image):
    with Image.open(io.BytesIO(clean_signature_png(encode(image)))) as clean:
        assert (clean.mode, clean.size) == ("LA", image.size)


def test_a_sixteen_bit_grayscale_png_is_accepted():
    image = Image.new("I;16", (600, 200), 65535)
    ImageDraw.Draw(image).line([(20, 100), (580, 120)], fill=0, width=6)
    assert clean_signature_png(encode(image)).startswith(PNG_MAGIC)


def test_a_data_url_round_trips_to_the_same_bytes():
    assert decode_data_url(data_url(drawn_png())) == drawn_png()
    assert clean_signature_png(decode_data_url(data_url(drawn_png())))


def test_a_data_url_is_read_whatever_the_case_of_its_header_and_surrounding_space():
    value = "  DATA:Image/PNG;Base64," + base64.b64encode(drawn_png()).decode() + "\n"
    assert decode_data_url(value) == drawn_png()


# Refused -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(jpeg_bytes(), id="jpeg"),
        pytest.param(gif_bytes(), id="gif"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(b"Budi Santoso", id="text"),
        pytest.param(b"", id="empty"),
        pytest.param(PNG_MAGIC[:-1], id="almost-magic"),
    ],
)
def test_anything_but_a_png_is_refused_as_not_a_png(data):
    assert refused_with(data) == NOT_PNG


def test_a_png_that_pillow_would_not_read_as_png_is_refused_despite_its_magic():
    assert refused_with(PNG_MAGIC + jpeg_bytes()) == UNREADABLE


def test_a_png_over_200_kb_is_refused_as_too_large():
    noisy = Image.effect_noise((600, 200), 120).convert("RGBA")
    noisy.putalpha(Image.effect_noise((600, 200), 120))
    data = encode(noisy)
    assert len(data) > MAX_PNG_BYTES
    assert refused_with(data) == TOO_LARGE


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGBA", (600, 200), (0, 0, 0, 0)),
        Image.new("RGB", (600, 200), "white"),
        Image.new("RGBA", (600, 200), (17, 17, 17, 0)),
        Image.new("RGB", (600, 200), (230, 230, 230)),
    ],
    ids=["transparent", "white", "invisible-black", "light-grey"],
)
def test_a_blank_png_is_refused_as_empty(image):
    assert refused_with(encode(image)) == EMPTY


def test_a_png_with_only_a_dot_is_refused_as_empty():
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((300, 100, 306, 106), fill=INK)
    assert refused_with(encode(image)) == EMPTY


def test_a_short_tick_below_the_ink_threshold_is_refused_as_empty():
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(300, 100), (330, 100)], fill=INK, width=3)
    assert refused_with(encode(image)) == EMPTY


def test_a_10000_by_10000_header_is_refused_before_it_is_decoded():
    assert refused_with(with_ihdr_size(drawn_png(), 10_000, 10_000)) == BAD_SIZE
    assert refused_with(with_ihdr_size(drawn_png(), 2**31 - 1, 2**31 - 1)) == BAD_SIZE


def test_a_real_decompression_bomb_is_refused():
    bomb = encode(Image.new("1", (10_000, 10_000)), optimize=True)
    assert len(bomb) < MAX_PNG_BYTES
    assert refused_with(bomb) == BAD_SIZE


@pytest.mark.parametrize("size", [(2001, 200), (600, 1001), (49, 200), (600, 19), (1, 1)], ids=str)
def test_a_png_of_an_absurd_size_is_refused(size):
    image = Image.new("L", size, 0)
    assert refused_with(encode(image)) == BAD_SIZE


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1], ids=["end-missing", "half", "header-only"])
def test_a_truncated_png_is_refused_as_unreadable(keep):
    data = drawn_png()
    assert refused_with(data[: int(len(data) * keep)]) == UNREADABLE


def test_a_png_cut_inside_its_header_is_refused_as_unreadable():
    assert refused_with(drawn_png()[:20]) == UNREADABLE


def test_a_png_with_a_broken_checksum_is_refused_as_unreadable():
    data = bytearray(drawn_png())
    data[-20] ^= 0xFF  # inside the last IDAT chunk
    assert refused_with(bytes(data)) == UNREADABLE


def test_an_animated_png_is_refused():
    frames = [draw_signature(), draw_signature().rotate(10)]
    data = encode(frames[0], save_all=True, append_images=frames[1:], duration=100)
    assert b"acTL" in data
    assert refused_with(data) == ANIMATED


@pytest.mark.parametrize(
    "value",
    [
        data_url(drawn_png(), "image/jpeg"),
        data_url(drawn_png(), "image/svg+xml"),
        data_url(drawn_png(), "text/plain"),
        "data:," + base64.b64encode(drawn_png()).decode(),
        "https://example.org/signature.png",
        base64.b64encode(drawn_png()).decode(),
        "",
    ],
    ids=["jpeg", "svg", "text", "no-media-type", "http-url", "bare-base64", "empty"],
)
def test_a_data_url_of_another_media_type_is_refused(value):
    with pytest.raises(SignatureImageError, match="not a PNG image"):
        decode_data_url(value)


@pytest.mark.parametrize(
    "value",
    [
        "data:image/png;base64,!!!not base64!!!",
        "data:image/png;base64,iVBORw0KGgo",
        "data:image/png;base64,iVBORw0KGgoé===",
        "data:image/png," + drawn_png().decode("latin-1"),
    ],
    ids=["bad-characters", "bad-padding", "non-ascii", "not-base64-encoded"],
)
def test_a_data_url_with_bad_base64_is_refused_as_unreadable(value):
    with pytest.raises(SignatureImageError) as caught:
        decode_data_url(value)
    assert str(caught.value) == UNREADABLE


def test_an_empty_data_url_is_refused_as_empty():
    with pytest.raises(SignatureImageError) as caught:
        decode_data_url("data:image/png;base64,")
    assert str(caught.value) == EMPTY


def test_a_huge_data_url_is_refused_as_too_large_before_it_is_decoded():
    with pytest.raises(SignatureImageError) as caught:
        decode_data_url("data:image/png;base64," + "!" * (300 * 1024))
    assert str(caught.value) == TOO_LARGE  # "!" is not base64: the length was checked first
    with pytest.raises(SignatureImageError, match="too large"):
        decode_data_url(" " * (10 * 1024 * 1024))


def test_a_data_url_just_over_the_limit_is_refused_as_too_large():
    with pytest.raises(SignatureImageError, match=r"too large \(max 200 KB\)"):
        decode_data_url(data_url(b"\x00" * (MAX_PNG_BYTES + 1)))
    assert len(decode_data_url(data_url(b"\x00" * MAX_PNG_BYTES))) == MAX_PNG_BYTES


def test_a_signature_error_is_a_value_error_with_a_message_for_the_signer():
    assert issubclass(SignatureImageError, ValueError)
    assert refused_with(b"") == NOT_PNG


@pytest.mark.parametrize("value", [None, 42, ["data:image/png;base64,"]], ids=repr)
def test_values_that_are_not_strings_or_bytes_are_refused(value):
    with pytest.raises(SignatureImageError):
        decode_data_url(value)
    with pytest.raises(SignatureImageError):
        clean_signature_png(value)


# Never anything but SignatureImageError ------------------------------------------------

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def accepted_or_refused(data: bytes) -> None:
    try:
        clean = clean_signature_png(data)
    except SignatureImageError as exc:
        assert str(exc)
        return
    assert len(clean) <= MAX_PNG_BYTES
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "PNG"
        image.load()


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise_anything_but_a_signature_error(data):
    accepted_or_refused(data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_after_the_png_magic_never_raise_anything_but_a_signature_error(data):
    accepted_or_refused(PNG_MAGIC + data)


@FUZZ
@given(st.binary(max_size=4096))
def test_random_chunks_between_a_valid_header_and_end_never_raise_anything_but_a_signature_error(
    data,
):
    header, end = drawn_png()[:33], drawn_png()[-12:]
    accepted_or_refused(header + data + end)
    accepted_or_refused(repair_crcs(header + data + end))


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


KINDS = [b"IDAT", b"PLTE", b"tRNS", b"acTL", b"fcTL", b"fdAT", b"zTXt", b"iTXt", b"iCCP", b"eXIf"]
well_framed_chunks = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.binary(max_size=600),
        st.booleans(),  # compress the body, so zlib streams reach the decoders
    ),
    max_size=6,
)


@FUZZ
@given(st.sampled_from([0, 2, 3, 4, 6]), st.sampled_from([1, 2, 4, 8, 16]), well_framed_chunks)
def test_well_framed_random_chunks_never_raise_anything_but_a_signature_error(
    color_type, bit_depth, parts
):
    ihdr = struct.pack(">IIBBBBB", 600, 200, bit_depth, color_type, 0, 0, 0)
    body = b"".join(chunk(k, zlib.compress(b) if packed else b) for k, b, packed in parts)
    accepted_or_refused(PNG_MAGIC + chunk(b"IHDR", ihdr) + body + chunk(b"IEND", b""))


@FUZZ
@given(st.text(max_size=2048))
def test_random_text_as_a_data_url_never_raises_anything_but_a_signature_error(value):
    for candidate in (value, "data:image/png;base64," + value):
        try:
            decode_data_url(candidate)
        except SignatureImageError as exc:
            assert str(exc)


mutations = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10**6), st.integers(0, 255)),
    min_size=1,
    max_size=8,
)


def mutate(data: bytes, changes) -> bytes:
    mutated = bytearray(data)
    for position, value in changes:
        mutated[position % len(mutated)] = value
    return bytes(mutated)


@FUZZ
@given(mutations)
def test_a_mutated_real_png_never_raises_anything_but_a_signature_error(changes):
    accepted_or_refused(mutate(drawn_png(), changes))


@FUZZ
@given(mutations, st.booleans())
def test_a_mutated_png_with_repaired_checksums_never_raises_anything_but_a_signature_error(
    changes, palette
):
    source = encode(draw_signature().convert("P")) if palette else drawn_png()
    accepted_or_refused(repair_crcs(mutate(source, changes)))


def test_every_truncation_of_a_real_png_is_refused_as_a_signature_error():
    data = drawn_png()
    for length in range(0, len(data) - 1, 7):
        with pytest.raises(SignatureImageError):
            clean_signature_png(data[:length])


# The signature pad script -------------------------------------------------------------


def test_the_signature_pad_script_is_valid_javascript():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot syntax-check signature-pad.js")
    script = ROOT / "pakta" / "static" / "js" / "signature-pad.js"
    result = subprocess.run(
        [node, "--check", str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_what_the_signing_page_loads_for_its_form_stays_small_on_a_congested_network():
    # The pad, the form's own checks and the retry queue, as gzip sends them: about one
    # round trip's worth on a slow 3G link after the apel.
    import gzip

    static = ROOT / "pakta" / "static"
    files = [
        "js/signature-pad.js",
        "js/sign-form.js",
        "js/submit-queue.js",
        "css/signature-pad.css",
    ]
    shipped = b"".join((static / name).read_bytes() for name in files)
    assert len(gzip.compress(shipped, compresslevel=6)) < 8 * 1024
    assert (static / "js" / "signature-pad.js").stat().st_size < 10 * 1024


HARNESS = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="signature-pad.css"><script src="signature-pad.js" defer></script>
</head><body style="margin:0;width:360px"><form action="about:blank">
<div class="sigpad" data-sigpad data-msg-empty="Draw your signature.">
<canvas class="sigpad-canvas" width="600" height="200" aria-label="Signature"></canvas>
<div class="sigpad-actions"><button type="button" data-sigpad-undo>Undo</button>
<button type="button" data-sigpad-clear>Clear</button></div>
<input type="hidden" name="signature" data-sigpad-input>
<p class="sigpad-error" data-sigpad-error hidden></p></div></form><pre id="out"></pre>
<script>
document.addEventListener("DOMContentLoaded", () => setTimeout(() => {
  const root = document.querySelector("[data-sigpad]"), canvas = root.querySelector("canvas");
  const form = root.closest("form"), input = root.querySelector("input");
  const error = root.querySelector("[data-sigpad-error]"), out = {events: []};
  root.addEventListener("sigpad:change", (e) => out.events.push(e.detail.empty));
  form.addEventListener("submit", (e) => e.preventDefault());
  const r = canvas.getBoundingClientRect();
  const stroke = (id, pts) => pts.forEach(([x, y], i) => canvas.dispatchEvent(new PointerEvent(
    i === 0 ? "pointerdown" : "pointermove", {pointerId: id, pointerType: "touch",
    clientX: r.left + x, clientY: r.top + y, bubbles: true, cancelable: true}))
  ) || canvas.dispatchEvent(new PointerEvent("pointerup", {pointerId: id, bubbles: true}));
  out.js = document.documentElement.classList.contains("js");
  form.requestSubmit();
  out.emptySubmit = {error: error.hidden ? null : error.textContent,
    focused: document.activeElement === canvas, value: input.value};
  const wave = [];
  for (let x = 20; x < 340; x += 3) wave.push([x, 60 + 30 * Math.sin(x / 20)]);
  stroke(1, wave);
  stroke(2, [[100, 100]]);
  root.querySelector("[data-sigpad-undo]").click();
  form.requestSubmit();
  out.value = input.value;
  root.querySelector("[data-sigpad-clear]").click();
  out.valueAfterClear = input.value;
  document.getElementById("out").textContent = JSON.stringify(out);
}, 50));
</script></body></html>"""


@pytest.mark.browser
def test_the_signature_pad_in_chromium_posts_a_png_the_server_accepts(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed: cannot run signature-pad.js in a browser")
    static = ROOT / "pakta" / "static"
    shutil.copy(static / "js" / "signature-pad.js", tmp_path)
    shutil.copy(static / "css" / "signature-pad.css", tmp_path)
    page = tmp_path / "pad.html"
    page.write_text(HARNESS)
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=400,700"]
    command += ["--virtual-time-budget=3000", f"--user-data-dir={tmp_path / 'profile'}"]
    result = subprocess.run(
        [*command, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = result.stdout
    assert '<pre id="out">' in dom, result.stderr[-2000:]
    out = json.loads(html.unescape(dom.split('<pre id="out">', 1)[1].split("</pre>", 1)[0]))

    assert out["js"] is True
    assert out["emptySubmit"] == {"error": "Draw your signature.", "focused": True, "value": ""}
    assert out["events"] == [False, False, False, True]  # stroke, dot, undo, clear
    assert out["valueAfterClear"] == ""
    upload = decode_data_url(out["value"])
    with Image.open(io.BytesIO(upload)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (600, 200), "RGBA")
    assert clean_signature_png(upload).startswith(PNG_MAGIC)
