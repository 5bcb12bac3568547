"""Verifying in a real browser: the verdict page on a phone, and /verify with no network."""

import pytest

from tests.browser.conftest import wait_until
from tests.browser.test_signing_flow import PHONE_WIDTH, has_no_horizontal_scroll

pytestmark = pytest.mark.browser


def flip(token: str) -> str:
    position = len(token) // 2
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]


def check(page, text: str):
    """Paste into /verify, press Check, and return (verdict text, result classes)."""
    result = page.locator("[data-offline-result]")
    page.fill("#token", text)
    before = page.locator("[data-verdict]").inner_text()
    page.locator("[data-offline-form] button[type=submit]").click()
    result.wait_for(state="visible")
    wait_until(
        page, "before => document.querySelector('[data-verdict]').textContent !== before", before
    )
    return page.locator("[data-verdict]").inner_text(), result.get_attribute("class")


def test_the_verdict_page_fits_a_360_px_phone(page, live_server):
    response = page.goto(f"{live_server.url}/v/{live_server.certificate_token}")
    assert response is not None and response.status == 200
    assert page.evaluate("window.innerWidth") == PHONE_WIDTH
    verdict = page.locator(".verdict-valid")
    assert verdict.is_visible()
    box = verdict.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, box
    assert page.locator(".certificate-number").is_visible()
    assert has_no_horizontal_scroll(page), page.evaluate("document.documentElement.scrollWidth")


def test_verify_checks_a_token_in_the_browser_with_no_network(page, live_server):
    token = live_server.certificate_token
    assert token, "the live server issued no certificate"
    page.goto(f"{live_server.url}/verify")
    form = page.locator("[data-offline-form]")
    valid_message = form.get_attribute("data-msg-valid")
    invalid_message = form.get_attribute("data-msg-invalid")
    # It says plainly that an offline check cannot see revocations.
    assert page.locator(".flash-info").is_visible()
    assert has_no_horizontal_scroll(page)

    # Online, the address printed under the QR code (a v2 token's is in upper case).
    verdict, classes = check(page, f"{live_server.url.upper()}/V/{token}")
    assert verdict == valid_message
    assert "verdict-valid" in classes
    claims = page.locator("[data-claims]").inner_text()
    assert token not in claims and "PI" in claims  # the certificate number is listed

    # Now with no network at all: nothing can reach the server.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False

    verdict, classes = check(page, flip(token))
    assert verdict == invalid_message
    assert "verdict-bad" in classes
    assert page.locator("[data-claims]").inner_text().strip() == ""

    # And the genuine code still checks out offline: the verdict came from WebCrypto.
    verdict, classes = check(page, token)
    assert verdict == valid_message
    assert "verdict-valid" in classes

    # So does a v1 token, as every certificate issued before v2 carries, and its /v/ link.
    v1 = live_server.certificate_token_v1
    assert v1 != token
    verdict, classes = check(page, flip(v1))
    assert verdict == invalid_message and "verdict-bad" in classes
    verdict, classes = check(page, f"{live_server.url}/v/{v1}")
    assert verdict == valid_message and "verdict-valid" in classes
    assert requests == [], requests
