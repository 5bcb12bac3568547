import re

import pytest
from sqlalchemy import select

from pakta.keys import token_hash
from pakta.models import ApiToken, AuditEvent
from pakta.services import api_tokens

TOKEN = re.compile(r"pkt_[A-Za-z0-9_-]{43}")


def test_an_admin_creates_a_token_and_sees_it_once(client, auth, admin_user, units, session):
    auth.login()
    page = client.post("/admin/token/baru", data={"name": "Bawaslu Kota", "unit": "DINKES"})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    (raw,) = set(TOKEN.findall(page.text))
    token = session.scalar(select(ApiToken))
    assert token.token_hash == token_hash(raw) and token.unit.code == "DINKES"
    assert token.created_by_id == admin_user.id
    listing = client.get("/admin/token/")
    assert "Bawaslu Kota" in listing.text and f"pkt_{token.prefix}" in listing.text
    assert raw not in listing.text
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tokens.create"))
    assert event.actor == admin_user.email and event.target_id == str(token.id)


def test_the_new_token_works_on_the_api(client, auth, admin_user, units):
    auth.login()
    page = client.post("/admin/token/baru", data={"name": "Setda", "unit": ""})
    (raw,) = set(TOKEN.findall(page.text))
    response = client.get("/api/v1/rollups", headers={"Authorization": f"Bearer {raw}"})
    # No campaign yet: the token is accepted, the campaign is not found.
    assert response.status_code == 404


@pytest.mark.parametrize(
    "data", [{"name": "", "unit": ""}, {"name": "x", "unit": "NOPE"}, {"name": "x" * 200}]
)
def test_a_token_needs_a_name_and_a_listed_unit(client, auth, admin_user, units, session, data):
    auth.login()
    page = client.post("/admin/token/baru", data=data)
    assert page.status_code == 422
    assert session.scalar(select(ApiToken)) is None
    assert not TOKEN.search(page.text)


def test_an_admin_revokes_a_token_after_confirming(client, auth, admin_user, units, session):
    token, raw = api_tokens.create(session, name="Old script", unit_code=None, creator=admin_user)
    session.commit()
    auth.login()
    confirm = client.get(f"/admin/token/{token.id}/cabut")
    assert confirm.status_code == 200 and "Old script" in confirm.text
    session.refresh(token)
    assert token.revoked_at is None
    done = client.post(f"/admin/token/{token.id}/cabut")
    assert done.status_code == 302
    session.refresh(token)
    assert token.revoked_at is not None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "tokens.revoke"))
    response = client.get("/api/v1/rollups", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    again = client.post(f"/admin/token/{token.id}/cabut")
    assert again.status_code == 302
    assert (
        session.scalar(select(AuditEvent.id).where(AuditEvent.action == "tokens.revoke").offset(1))
        is None
    )


def test_revoking_an_unknown_token_is_a_404(client, auth, admin_user):
    auth.login()
    assert client.post("/admin/token/999999/cabut").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/token/"),
        ("post", "/admin/token/baru"),
        ("get", "/admin/token/1/cabut"),
        ("post", "/admin/token/1/cabut"),
    ],
)
def test_operators_get_403_on_every_token_page(client, auth, operator_user, method, path):
    auth.login(email=operator_user.email)
    response = getattr(client, method)(path, data={"name": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/admin/token/", "/admin/token/1/cabut"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_admins_find_the_tokens_page_in_the_menu(client, auth, admin_user, operator_user):
    auth.login()
    assert 'href="/admin/token/"' in client.get("/admin/").text
    auth.logout()
    auth.login(email=operator_user.email)
    assert 'href="/admin/token/"' not in client.get("/admin/").text


def test_a_token_name_is_shown_as_text_never_as_markup(client, auth, admin_user, units, session):
    token, _raw = api_tokens.create(
        session, name="<script>alert(1)</script>", unit_code=None, creator=admin_user
    )
    session.commit()
    auth.login()
    for path in ("/admin/token/", f"/admin/token/{token.id}/cabut"):
        text = client.get(path).text
        assert "<script>alert(1)" not in text and "&lt;script&gt;" in text
