"""The main pages work under the Content-Security-Policy (pakta/headers.py) with nothing
refused: chromium reports each refused script, style or image as a
``securitypolicyviolation`` event and a console error, and both are collected here."""

import pytest

from tests.browser.test_signing_flow import draw_signature, tick_every_point

pytestmark = pytest.mark.browser

# Added before any script of a page runs (Playwright's init script is not a page script, so
# the policy does not stop it); it keeps every violation the page reports.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def no_violations(page):
    """Collects every CSP violation and console error of the phone ``page``; the function
    it returns fails the test if the page has reported any so far."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.add_init_script(LISTEN)

    def check(where: str) -> None:
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__cspViolations || []")
        assert violations == [], (where, violations)
        assert errors == [], (where, errors)

    return check


def test_the_signing_form_draws_and_submits_with_no_policy_violation(
    page, no_violations, live_server
):
    response = page.goto(f"{live_server.url}/s/{live_server.csp_token}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tick_every_point(page)
    draw_signature(page)
    no_violations("signing form")
    page.locator("input[type=submit]").click()
    page.locator(".certificate-number").wait_for()
    no_violations("after signing")


def test_the_admin_pages_and_the_verify_page_show_with_no_policy_violation(
    page, no_violations, live_server
):
    page.goto(f"{live_server.url}/masuk")
    page.fill("input[name=email]", live_server.operator_email)
    page.fill("input[name=password]", live_server.operator_password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)
    for path in ("/admin/", "/admin/rekap/", "/admin/rekap/tren", "/apel/", "/transparansi"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        no_violations(path)
    for path in (f"/v/{live_server.certificate_token}", "/verify"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        no_violations(path)
