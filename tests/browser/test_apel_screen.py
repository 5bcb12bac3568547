"""Apel mode in a real browser: the projector's count climbs while phones sign.

The screen polls its status document; nothing reloads the page. A second
browser context (a phone, with its own cookies) signs meanwhile.
"""

import re
import time

import pytest

from tests.browser.test_phone_screens import log_in
from tests.browser.test_signing_flow import (
    CERTIFICATE_NUMBER,
    certificate_number,
    draw_signature,
    has_no_horizontal_scroll,
    tick_every_point,
)

pytestmark = pytest.mark.browser

RISE_WITHIN_MS = 3_000


def open_the_screen(page, live_server) -> str:
    """Log in as the demo operator, open apel mode for DISDIK; returns the apel's public id."""
    log_in(page, live_server)
    page.goto(f"{live_server.url}/apel/")
    page.select_option("select[name=unit]", label="Dinas Pendidikan (DISDIK)")
    page.locator("form.apel-open input[type=submit]").click()
    page.wait_for_url(re.compile(r".*/apel/[A-Za-z0-9_-]+/layar$"))
    page.locator(".apel-qr-image").wait_for()
    # Marks this page: a reload would lose it.
    page.evaluate("window.__sameScreen = true")
    return page.url.rsplit("/", 2)[1]


def signed_count(page) -> int:
    return int(page.locator("[data-signed]").inner_text())


def test_the_big_screen_count_rises_while_another_browser_signs(
    projector_page, page, live_server, tmp_path
):
    from playwright.sync_api import expect

    screen = projector_page
    open_the_screen(screen, live_server)
    before = signed_count(screen)
    roster = int(screen.locator("[data-roster]").inner_text())
    assert 0 < before < roster
    shot = tmp_path / "apel-screen-before.png"
    screen.screenshot(path=shot)

    page.goto(f"{live_server.url}/s/{live_server.apel_tokens[0]}")
    tick_every_point(page)
    draw_signature(page)
    page.locator("input[type=submit]").click()
    assert CERTIFICATE_NUMBER.match(certificate_number(page))
    signed_at = time.monotonic()

    expect(screen.locator("[data-signed]")).to_have_text(str(before + 1), timeout=RISE_WITHIN_MS)
    assert time.monotonic() - signed_at < RISE_WITHIN_MS / 1000
    assert screen.evaluate("window.__sameScreen") is True, "the screen reloaded"
    # The newest signer is named by a first name only: no digits, no commas, one word.
    newest = screen.locator("[data-recent] li").first.inner_text().strip()
    assert newest and " " not in newest and not re.search(r"[\d,]", newest), newest
    # Updated by the script as the server writes it in the page's language (id): "56,8%".
    assert re.fullmatch(r"\d+,\d%", screen.locator("[data-percent]").inner_text())
    after = tmp_path / "apel-screen-after.png"
    screen.screenshot(path=after)
    print(f"\nscreenshots: {shot} {after}")


def test_a_phone_signs_through_the_apel_qr_code_and_the_screen_counts_it(
    projector_page, page, live_server, tmp_path
):
    from playwright.sync_api import expect

    from pakta import keys

    screen = projector_page
    public_id = open_the_screen(screen, live_server)
    before = signed_count(screen)
    # What the QR code on the screen says this minute.
    window = int(time.time()) // 60
    tag = keys.apel_token_tag(public_id, window, secret=live_server.secret_key)
    page.goto(f"{live_server.url}/a/{public_id}/{window}.{tag}")
    assert has_no_horizontal_scroll(page)
    entry_shot = tmp_path / "apel-phone-entry.png"
    page.screenshot(path=entry_shot, full_page=True)

    number, code = live_server.apel_signer
    page.fill("input[name=number]", number)
    page.fill("input[name=code]", code)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/tanda-tangan")
    assert has_no_horizontal_scroll(page)
    tick_every_point(page)
    draw_signature(page)
    page.locator("input[type=submit]").click()
    assert CERTIFICATE_NUMBER.match(certificate_number(page))
    assert page.url.endswith(f"/a/{public_id}/selesai")
    assert has_no_horizontal_scroll(page)
    # The certificate is offered here, as on a personal link's done page.
    download = page.locator(f'a[href="/a/{public_id}/sertifikat.pdf"]:visible')
    download.wait_for()
    with page.expect_download() as arrived:
        download.click()
    assert arrived.value.suggested_filename.endswith(".pdf")
    done_shot = tmp_path / "apel-phone-done.png"
    page.screenshot(path=done_shot, full_page=True)

    expect(screen.locator("[data-signed]")).to_have_text(str(before + 1), timeout=RISE_WITHIN_MS)
    assert screen.evaluate("window.__sameScreen") is True
    print(f"\nscreenshots: {entry_shot} {done_shot}")
