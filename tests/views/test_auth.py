import pytest

from tests.conftest import PASSWORD, AuthActions


def test_the_login_page_is_in_indonesian_by_default(client):
    page = client.get("/masuk")
    assert page.status_code == 200
    assert 'lang="id"' in page.text


def test_an_admin_logs_in_and_lands_on_the_overview(client, auth, admin_user):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_a_wrong_password_keeps_the_user_out(client, auth, admin_user):
    response = auth.login(password="not the password")
    assert response.status_code == 422
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/kampanye", "/admin/kampanye"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
    ],
)
def test_login_follows_next_only_to_a_path_on_this_site(auth, admin_user, next_url, expected):
    response = auth.login(next=next_url)
    assert response.headers["Location"] == expected


def test_logging_out_ends_the_session(client, auth, admin_user):
    auth.login()
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_logging_in_and_out_is_audited(client, auth, admin_user, session):
    from sqlalchemy import select

    from pakta.models import AuditEvent

    auth.login()
    auth.logout()
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "auth.login" in actions and "auth.logout" in actions


def test_changing_the_password_logs_out_other_sessions(app, client, auth, admin_user, clock):
    other = app.test_client()
    AuthActions(other, clock).login()
    assert other.get("/admin/").status_code == 200
    auth.login()
    response = client.post(
        "/akun/kata-sandi",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # this session stays
    assert other.get("/admin/").status_code == 302  # the other is gone


def test_changing_the_password_with_a_wrong_current_one_changes_nothing(client, auth, admin_user):
    auth.login()
    response = client.post(
        "/akun/kata-sandi",
        data={"current_password": "wrong one!!", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text


def test_choosing_english_switches_the_interface(client):
    client.post("/bahasa/en", data={"next": "/masuk"})
    assert 'lang="en"' in client.get("/masuk").text
    assert client.post("/bahasa/xx").status_code == 404


ADMIN_ONLY = ["/admin/kampanye", "/admin/kampanye/baru", "/admin/audit"]
LOGGED_IN = ["/admin/", "/akun/kata-sandi", *ADMIN_ONLY]


@pytest.mark.parametrize("path", LOGGED_IN)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_ONLY)
def test_operators_cannot_open_admin_only_pages(client, auth, operator_user, path):
    auth.login(email=operator_user.email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", LOGGED_IN)
def test_admins_can_open_every_admin_page(client, auth, admin_user, path):
    auth.login()
    assert client.get(path).status_code == 200


def test_a_form_posted_without_its_csrf_token_is_refused(csrf_client, admin_user):
    response = csrf_client.post("/masuk", data={"email": admin_user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert csrf_client.get("/admin/").status_code == 302


def test_a_form_posted_with_its_csrf_token_is_accepted(csrf_client, operator_user):
    import re

    page = csrf_client.get("/masuk").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(
        "/masuk", data={"email": operator_user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
