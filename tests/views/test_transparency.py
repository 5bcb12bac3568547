from datetime import timedelta

import pytest

from pakta.models import Unit, utcnow
from tests.conftest import make_campaign


def public_campaign(session, slug, *, opens_in_days=-3, public=True):
    made = make_campaign(
        session,
        slug=slug,
        title=f"Kampanye {slug}",
        opens_at=utcnow() + timedelta(days=opens_in_days),
        closes_at=utcnow() + timedelta(days=opens_in_days + 30),
    )
    made.public_rollup = public
    session.commit()
    return made


@pytest.fixture
def campaign(session):
    return public_campaign(session, "pilkada-2024")


def test_the_page_shows_each_opd_rate_with_sub_units_rolled_up(client, staffed):
    page = client.get("/transparansi")
    assert page.status_code == 200
    assert "Dinas Kesehatan" in page.text and "75,0%" in page.text  # P2P rolled up
    assert "Dinas Pendidikan" in page.text and "20,0%" in page.text
    assert "44,4%" in page.text and "4 / 9" in page.text  # overall


def test_in_english_the_rates_use_a_decimal_point(client, staffed):
    client.post("/bahasa/en")
    page = client.get("/transparansi").text
    assert "75.0%" in page and "44.4%" in page and "75,0%" not in page


def test_the_page_names_no_one_and_no_unit_below_the_opds(client, staffed):
    text = client.get("/transparansi").text
    assert "Pegawai" not in text and "Pelaksana" not in text and "P2P0000" not in text
    assert "Bidang P2P" not in text


def test_the_page_needs_no_login_and_is_cached_publicly_for_a_minute(client, staffed):
    response = client.get("/transparansi")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_opds_with_nobody_on_their_roster_are_left_out(client, session, staffed):
    session.add(Unit(code="BAPPEDA", name="Badan Perencanaan", parent=staffed["PEMDA"]))
    session.commit()
    assert "Badan Perencanaan" not in client.get("/transparansi").text


def test_the_page_is_404_when_the_admin_switched_it_off(client, session, staffed, campaign):
    campaign.public_rollup = False
    session.commit()
    response = client.get("/transparansi")
    assert response.status_code == 404
    assert "Dinas Kesehatan" not in response.text and "75,0%" not in response.text
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_the_admin_switch_on_the_dashboard_hides_the_page(
    client, auth, admin_user, session, staffed, campaign
):
    auth.login()
    client.post("/admin/rekap/pengaturan", data={"threshold": "80", "public_rollup": ""})
    auth.logout()
    assert client.get("/transparansi").status_code == 404


def test_an_older_published_campaign_can_be_chosen_and_unpublished_ones_cannot(
    client, session, staffed
):
    old = public_campaign(session, "pemilu-2019", opens_in_days=-400)
    hidden = public_campaign(session, "pilkada-2020", opens_in_days=-300, public=False)
    page = client.get("/transparansi", query_string={"campaign": old.slug})
    assert page.status_code == 200 and old.title in page.text
    assert client.get("/transparansi", query_string={"campaign": hidden.slug}).status_code == 404
    assert client.get("/transparansi", query_string={"campaign": "nope"}).status_code == 404
    current = client.get("/transparansi").text
    assert f"campaign={old.slug}" in current and hidden.slug not in current


def test_without_any_campaign_the_page_is_a_friendly_404(client):
    response = client.get("/transparansi")
    assert response.status_code == 404 and "<h1>" in response.text


def test_every_page_links_to_the_transparency_page(client):
    assert 'href="/transparansi"' in client.get("/").text


def test_a_revoked_signature_no_longer_counts_on_the_page(client, revoked):
    page = client.get("/transparansi")
    assert "Dinas Kesehatan" in page.text and "50,0%" in page.text and "75,0%" not in page.text
