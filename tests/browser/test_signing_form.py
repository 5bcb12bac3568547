"""The signing form on a small phone (360×640): it shows every problem at once before
sending, keeps the drawing through a refused round trip, gives the drawing the screen's
width, and asks for the apel's identity with a keyboard that has letters."""

import time

import pytest

from tests.browser.conftest import wait_until
from tests.browser.test_apel_screen import open_the_screen
from tests.browser.test_signing_flow import (
    CERTIFICATE_NUMBER,
    certificate_number,
    draw_signature,
    tick_every_point,
)

pytestmark = pytest.mark.browser

WIDTH = 360
INK = """() => {
  const canvas = document.querySelector('.sigpad-canvas');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 128) ink++;
  return ink;
}"""


def post_answers(page) -> list[int]:
    """The status of each answer to a POST, in order."""
    answers: list[int] = []

    def seen(response) -> None:
        if response.request.method == "POST":
            answers.append(response.status)

    page.on("response", seen)
    return answers


def posts_to(page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else 0)
    return sent


def shown_errors(page) -> list[str]:
    return [
        text.strip()
        for text in page.locator("[data-field-error]:visible").all_inner_texts()
        if text.strip()
    ]


def test_an_empty_submit_lists_every_unticked_point_and_the_drawing_and_focuses_the_first(
    small_phone_page, live_server, tmp_path
):
    page = small_phone_page
    page.goto(f"{live_server.url}/s/{live_server.form_tokens[0]}")
    sent = posts_to(page)
    page.locator("input[type=submit]").click()

    errors = shown_errors(page)
    assert len(errors) == 5, errors
    point_message = page.get_attribute("form[data-sign-form]", "data-msg-point")
    drawing_message = page.get_attribute("[data-sigpad]", "data-msg-empty")
    assert errors == [point_message] * 4 + [drawing_message]
    assert page.evaluate("document.activeElement.id") == "point-1"
    assert page.locator("[aria-invalid=true]").count() == 5
    assert sent == []  # nothing went to the server
    shot = tmp_path / "phone-form-problems.png"
    page.screenshot(path=shot, full_page=True)
    print(f"\nscreenshot: {shot}")

    # Ticking a point takes its message away; the others stay.
    page.locator("#point-1").check()
    assert len(shown_errors(page)) == 4


def test_a_form_the_server_refuses_comes_back_with_the_drawing_and_then_signs(
    small_phone_page, live_server
):
    page = small_phone_page
    link = f"{live_server.url}/s/{live_server.form_tokens[1]}"
    page.goto(link)
    answers = post_answers(page)
    tick_every_point(page)
    draw_signature(page)
    drawn = page.evaluate(INK)
    assert drawn > 500
    # A point the server does not know: the browser sees four ticks, the server refuses.
    page.evaluate("document.querySelector('#point-4').value = '9'")
    page.locator("input[type=submit]").click()

    page.locator("#point-4-error").wait_for(state="visible")
    assert answers == [422]  # refused, and submit-queue.js still shows the server's page
    assert page.url == link
    assert page.locator(".certificate-number").count() == 0
    assert page.get_attribute("[data-sigpad]", "data-empty") == "false"
    wait_until(page, f"({INK})() > {drawn // 2}")
    assert page.evaluate("document.activeElement.id") == "point-4"

    page.locator("#point-4").check()
    page.locator("input[type=submit]").click()
    assert CERTIFICATE_NUMBER.match(certificate_number(page))
    assert answers[0] == 422 and answers[1] == 303


def test_the_drawing_box_spans_the_phone_and_is_at_least_160_px_tall(small_phone_page, live_server):
    page = small_phone_page
    page.goto(f"{live_server.url}/s/{live_server.form_tokens[0]}")
    canvas = page.locator(".sigpad-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    assert abs(box["x"]) < 1 and abs(box["width"] - WIDTH) < 1, box
    assert box["height"] >= 160, box
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_the_apel_identity_fields_offer_a_keyboard_with_letters(
    projector_page, small_phone_page, live_server
):
    from pakta import keys

    public_id = open_the_screen(projector_page, live_server)
    window = int(time.time()) // 60
    tag = keys.apel_token_tag(public_id, window, secret=live_server.secret_key)
    page = small_phone_page
    page.goto(f"{live_server.url}/a/{public_id}/{window}.{tag}")

    for name in ("number", "code"):
        field = page.locator(f"input[name={name}]")
        assert field.get_attribute("inputmode") in (None, "text"), name
        assert field.get_attribute("type") == "text"
        assert field.get_attribute("autocapitalize") == "characters"
        assert field.get_attribute("spellcheck") == "false"
    assert page.get_attribute("input[name=number]", "autocomplete") == "off"
    assert page.get_attribute("input[name=code]", "autocomplete") == "one-time-code"
    # A non-ASN id has letters: it is typed as it is.
    page.fill("input[name=number]", "THL20260028")
    assert page.input_value("input[name=number]") == "THL20260028"
