"""The operator's screens on a small phone (360×640): a table too wide for the screen says
so and scrolls inside its box, not the page."""

import pytest

pytestmark = pytest.mark.browser


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/masuk")
    page.fill("input[name=email]", live_server.operator_email)
    page.fill("input[name=password]", live_server.operator_password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/masuk" not in url)


def test_the_dashboard_table_on_a_phone_shows_a_scroll_cue_and_scrolls_in_its_box(
    small_phone_page, live_server, tmp_path
):
    page = small_phone_page
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/rekap/")
    cue = page.locator(".scroll-cue")
    assert cue.is_visible() and cue.inner_text().strip()
    wrap = page.locator(".table-wrap.scrolls")
    sizes = wrap.evaluate("box => ({scroll: box.scrollWidth, client: box.clientWidth})")
    assert sizes["scroll"] > sizes["client"], sizes  # wider than the phone: it scrolls...
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # ...not the page
    # The unit's name stays in view while the numbers scroll under it.
    name = page.locator("table.rollup tbody th[scope=row]").first
    before = name.bounding_box()
    wrap.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    after = name.bounding_box()
    box = wrap.bounding_box()
    assert before is not None and after is not None and box is not None
    assert box["x"] <= after["x"] <= before["x"], (box, before, after)  # held at the box's edge
    shot = tmp_path / "phone-dashboard.png"
    page.screenshot(path=shot, full_page=True)
    print(f"\nscreenshot: {shot}")
