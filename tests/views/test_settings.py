"""The admin settings page: the Pemda's name and logo."""

import io

import pytest
from markupsafe import escape
from sqlalchemy import select

from pakta.models import AuditEvent, Campaign
from pakta.services import pemda
from tests.conftest import logo_bytes

PAGES = ["/admin/pengaturan/", "/admin/pengaturan/logo.png"]
SUKABUMI = "Pemerintah Kota Sukabumi"


def translated(app, message: str) -> str:
    """The message as the default (Indonesian) page shows it, HTML-escaped."""
    from flask_babel import gettext

    with app.test_request_context():
        return str(escape(gettext(message)))


def save(client, name: str, logo: tuple[bytes, str] | None = None, **extra):
    data = {"name": name, **extra}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    return client.post("/admin/pengaturan/", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_operators_are_refused(client, auth, operator_user, path):
    auth.login(email=operator_user.email)
    assert client.get(path).status_code == 403


def test_operators_cannot_change_the_settings(client, auth, operator_user, session):
    auth.login(email=operator_user.email)
    assert save(client, SUKABUMI).status_code == 403
    assert pemda.profile(session, pemda.Defaults()).name == ""


def test_the_admin_navigation_links_to_the_settings(client, auth, admin_user, operator_user):
    auth.login()
    assert 'href="/admin/pengaturan/"' in client.get("/admin/").text
    auth.logout()
    auth.login(email=operator_user.email)
    assert 'href="/admin/pengaturan/"' not in client.get("/admin/").text


def test_an_admin_saves_the_name_and_logo_and_the_change_is_audited(
    client, auth, admin_user, session
):
    auth.login()
    assert client.get("/admin/pengaturan/").status_code == 200
    response = save(client, SUKABUMI, (logo_bytes("JPEG"), "lambang.jpg"))
    assert response.status_code == 302
    found = pemda.profile(session, pemda.Defaults())
    assert found.name == SUKABUMI and found.logo.startswith(b"\x89PNG")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.pemda"))
    assert event.actor == admin_user.email and event.details["changed"] == ["name", "logo"]
    preview = client.get("/admin/pengaturan/logo.png")
    assert preview.mimetype == "image/png" and preview.data == found.logo
    page = client.get("/admin/pengaturan/").text
    assert f'value="{SUKABUMI}"' in page and 'src="/admin/pengaturan/logo.png"' in page


def test_an_admin_removes_the_logo(client, auth, admin_user, session):
    auth.login()
    save(client, SUKABUMI, (logo_bytes("PNG"), "lambang.png"))
    assert save(client, SUKABUMI, remove_logo="y").status_code == 302
    assert pemda.profile(session, pemda.Defaults()).logo is None
    assert client.get("/admin/pengaturan/logo.png").status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((b"not an image at all\n", "lambang.png"), "The logo must be a PNG or JPEG image."),
        (
            (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "lambang.svg"),
            "The logo must be a PNG or JPEG image.",
        ),
        ((logo_bytes("PNG")[:60], "lambang.png"), "The logo could not be read as an image."),
    ],
    ids=["text-renamed-png", "svg", "truncated-png"],
)
def test_a_bad_logo_is_refused_on_the_form_keeping_the_typed_name(
    app, client, auth, admin_user, session, upload, message
):
    auth.login()
    response = save(client, SUKABUMI, upload)
    assert response.status_code == 422
    assert translated(app, message) in response.text
    assert f'value="{SUKABUMI}"' in response.text  # what the admin typed is still there
    assert pemda.profile(session, pemda.Defaults()).name == ""  # and nothing was saved
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.pemda")) is None


def test_the_page_names_the_environments_default_while_the_name_is_empty(
    app, client, auth, admin_user, monkeypatch
):
    monkeypatch.setitem(app.config, "PEMDA_NAME", "Pemerintah Kabupaten Contoh")
    auth.login()
    page = client.get("/admin/pengaturan/").text
    assert "Pemerintah Kabupaten Contoh (PAKTA_PEMDA_NAME)" in page


def test_a_campaign_may_leave_its_issuing_authority_to_the_pemdas_name(
    client, auth, admin_user, session
):
    auth.login()
    data = {
        "slug": "pilkada-2024",
        "title": "Pilkada Serentak 2024",
        "issuing_authority": "",
        "place": "Sukabumi",
        "opens_at": "2024-07-29T08:00",
        "closes_at": "2024-11-27T23:59",
    }
    assert client.post("/admin/kampanye/baru", data=data).status_code == 302
    assert session.scalar(select(Campaign)).issuing_authority == ""
