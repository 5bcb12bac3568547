"""Signing in a real browser: a phone on a personal link, and the operator's kiosk.

These check what the view tests cannot: that the signature pad draws and posts
a PNG, that a 360 px phone never scrolls sideways, and that the kiosk leaves
nothing of a signer behind in the history.
"""

import re

import pytest

from tests.browser.conftest import wait_until

pytestmark = pytest.mark.browser

CERTIFICATE_NUMBER = re.compile(r"^PI\d\d-[0-9A-Z]{4}-[0-9A-Z]{4}$")
PHONE_WIDTH, PHONE_HEIGHT = 360, 740


def tick_every_point(page) -> None:
    points = page.locator("input[name=points]")
    assert points.count() == 4
    for index in range(points.count()):
        points.nth(index).check()


def draw_signature(page) -> None:
    """Three strokes with the mouse: a zig-zag name, a short tail and an underline."""
    canvas = page.locator(".sigpad-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 30, box

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    zigzag = [(0.08 + 0.045 * i, 0.25 if i % 2 else 0.7) for i in range(11)]
    tail = [(0.6 + 0.05 * i, 0.35 + 0.1 * (i % 3)) for i in range(6)]
    underline = [(0.1, 0.85), (0.4, 0.82), (0.7, 0.84), (0.9, 0.78)]
    for stroke in (zigzag, tail, underline):
        page.mouse.move(*at(*stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(*point), steps=4)
        page.mouse.up()


def has_no_horizontal_scroll(page) -> bool:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    return widths["scroll"] <= widths["inner"]


def certificate_number(page) -> str:
    number = page.locator(".certificate-number")
    number.wait_for()
    return number.inner_text().strip()


def test_a_phone_signs_through_a_personal_link(page, live_server, tmp_path):
    link = f"{live_server.url}/s/{live_server.tokens[0]}"
    response = page.goto(link)
    assert response is not None and response.status == 200
    assert page.evaluate("window.innerWidth") == PHONE_WIDTH
    assert has_no_horizontal_scroll(page), page.evaluate("document.documentElement.scrollWidth")

    tick_every_point(page)
    draw_signature(page)
    submit = page.locator("input[type=submit]")
    submit.scroll_into_view_if_needed()
    box = submit.bounding_box()
    assert box is not None
    # Reachable without scrolling sideways, and wholly on screen once scrolled to.
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE_HEIGHT, box
    assert has_no_horizontal_scroll(page)
    form_shot = tmp_path / "phone-form.png"
    page.screenshot(path=form_shot, full_page=True)

    submit.click()
    assert CERTIFICATE_NUMBER.match(certificate_number(page))
    assert page.url == link  # posted, then redirected back to the link
    assert has_no_horizontal_scroll(page)
    done_shot = tmp_path / "phone-done.png"
    page.screenshot(path=done_shot, full_page=True)
    print(f"\nscreenshots: {form_shot} {done_shot}")


def test_the_kiosk_signs_and_returns_to_an_empty_search(tablet_page, live_server, tmp_path):
    page, name = tablet_page, live_server.kiosk_signer_name
    page.goto(f"{live_server.url}/masuk")
    page.fill("input[name=email]", live_server.operator_email)
    page.fill("input[name=password]", live_server.operator_password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)

    search = f"{live_server.url}/kiosk/"
    page.goto(search)
    page.wait_for_url("**/kiosk/mulai")
    page.locator("input[type=submit]").click()
    page.wait_for_url(search)
    page.fill("#q", live_server.kiosk_query)
    page.press("#q", "Enter")
    result = page.locator("a.result", has_text=name)
    result.click()
    page.wait_for_url("**/kiosk/tanda-tangan/*")
    assert page.locator(".signer-name").inner_text().strip() == name

    tick_every_point(page)
    draw_signature(page)
    form_shot = tmp_path / "kiosk-form.png"
    page.screenshot(path=form_shot, full_page=True)
    page.locator("input[type=submit]").click()
    assert CERTIFICATE_NUMBER.match(certificate_number(page))
    assert "/kiosk/selesai/" in page.url
    done_shot = tmp_path / "kiosk-done.png"
    page.screenshot(path=done_shot, full_page=True)

    page.locator(".done a[data-replace]").click()
    page.wait_for_url(search)
    assert page.url == search
    assert page.input_value("#q") == ""
    assert name not in page.content()

    # The done page was replaced in the history: Back cannot bring it, or the name, back.
    # It lands on the signer's form, which now sends an already-signed person to the search.
    back = page.go_back()
    assert back is not None, "the kiosk left no page to go back to"
    page.wait_for_load_state()
    assert page.url.startswith(search), page.url
    assert page.locator(".certificate-number").count() == 0
    assert name not in page.content()
    print(f"\nscreenshots: {form_shot} {done_shot}")


def test_an_empty_signature_is_not_sent(page, live_server):
    link = f"{live_server.url}/s/{live_server.tokens[1]}"
    page.goto(link)
    tick_every_point(page)
    error = page.locator("[data-sigpad-error]")
    assert error.is_hidden()

    page.locator("input[type=submit]").click()
    error.wait_for(state="visible")
    assert error.inner_text() == page.get_attribute("[data-sigpad]", "data-msg-empty")
    assert page.url == link
    assert page.locator(".certificate-number").count() == 0
    # Nothing was recorded: the link still offers the form.
    page.reload()
    assert page.locator(".sigpad-canvas").count() == 1


def test_the_kiosk_returns_to_the_search_after_a_minute_idle(tablet_page, live_server):
    page = tablet_page
    page.clock.install()
    page.goto(f"{live_server.url}/masuk")
    page.fill("input[name=email]", live_server.operator_email)
    page.fill("input[name=password]", live_server.operator_password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)
    page.goto(f"{live_server.url}/kiosk/")
    if "/kiosk/mulai" in page.url:
        page.locator("input[type=submit]").click()
    page.fill("#q", live_server.kiosk_query)
    page.press("#q", "Enter")
    page.wait_for_url("**/kiosk/?q=*")
    assert page.locator(".result").count() >= 1
    page.clock.run_for(59_000)
    assert "q=" in page.url
    page.clock.run_for(2_000)
    page.wait_for_url(f"{live_server.url}/kiosk/")
    assert page.locator(".result").count() == 0
    assert page.input_value("#q") == ""


def test_a_signature_made_offline_is_kept_and_sent_once_when_the_network_returns(page, live_server):
    link = f"{live_server.url}/s/{live_server.tokens[2]}"
    page.goto(link)
    tick_every_point(page)
    draw_signature(page)
    page.context.set_offline(True)
    page.locator("input[type=submit]").click()
    status = page.locator("[data-submit-status]")
    status.wait_for(state="visible")
    wait_until(page, "document.querySelector('[data-submit-status]').classList.contains('waiting')")
    assert page.evaluate("Object.keys(localStorage).some(k => k.startsWith('pakta-pending:'))")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    number = certificate_number(page)
    assert CERTIFICATE_NUMBER.match(number)
    assert not page.evaluate("Object.keys(localStorage).some(k => k.startsWith('pakta-pending:'))")
    # Sending the kept form again signs nothing new: the page shows the same certificate.
    page.goto(link)
    assert certificate_number(page) == number


def test_a_signature_answered_503_is_sent_again_with_the_same_submission_id(page, live_server):
    link = f"{live_server.url}/s/{live_server.tokens[3]}"
    posted: list[str] = []

    def paused_once(route):
        """The first post meets a paused server, as during a database restart."""
        posted.append(route.request.post_data_json["submission_id"])
        if len(posted) == 1:
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="paused")
        else:
            route.continue_()

    page.goto(link)
    tick_every_point(page)
    draw_signature(page)
    page.route(
        link,
        lambda route: paused_once(route) if route.request.method == "POST" else route.continue_(),
    )
    page.locator("input[type=submit]").click()
    wait_until(page, "document.querySelector('[data-submit-status]').classList.contains('paused')")
    number = certificate_number(page)
    assert CERTIFICATE_NUMBER.match(number)
    assert len(posted) == 2 and posted[0] == posted[1]
    page.goto(link)
    assert certificate_number(page) == number
