"""Server-side sessions: a copied session cookie dies with its session; idle and absolute
timeouts; a new session at each login."""

import pytest

from tests.conftest import PASSWORD, AuthActions


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def is_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_a_copied_cookie_works_until_logout_then_never_again(app, client, auth, admin_user):
    auth.login()
    thief = copy_of(app, client)
    assert is_in(thief)
    auth.logout()
    assert not is_in(thief)


def test_a_copied_cookie_stops_working_when_the_account_is_disabled(
    app, client, auth, admin_user, operator_user, clock
):
    operator = app.test_client()
    AuthActions(operator, clock).login(email=operator_user.email)
    thief = copy_of(app, operator)
    assert is_in(thief)
    auth.login()
    assert client.post(f"/admin/pengguna/{operator_user.id}/nonaktifkan").status_code == 302
    operator_user.active = True  # even switched back on, the old session stays ended
    assert not is_in(thief)


def test_a_copied_cookie_stops_working_after_a_password_change(app, client, auth, admin_user):
    auth.login()
    thief = copy_of(app, client)
    response = client.post(
        "/akun/kata-sandi",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert is_in(client)
    assert not is_in(thief)


def test_ending_ones_other_sessions_keeps_only_this_one(app, client, auth, admin_user, clock):
    auth.login()
    other = app.test_client()
    AuthActions(other, clock).login()
    thief = copy_of(app, other)
    assert client.post("/akun/sesi/akhiri").status_code == 302
    assert is_in(client)
    assert not is_in(other)
    assert not is_in(thief)


def test_an_admin_ends_every_session_of_another_account(
    app, client, auth, admin_user, operator_user, clock, session
):
    from sqlalchemy import select

    from pakta.models import AuditEvent

    operator = app.test_client()
    AuthActions(operator, clock).login(email=operator_user.email)
    auth.login()
    assert client.post(f"/admin/pengguna/{operator_user.id}/akhiri-sesi").status_code == 302
    assert operator.get("/admin/").status_code == 302
    assert is_in(client)
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "user.sessions_ended" in actions


def test_a_session_idle_for_longer_than_the_limit_ends(client, auth, admin_user, clock, app):
    auth.login()
    clock.advance(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    assert is_in(client)  # a request resets the idle time
    clock.advance(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    assert is_in(client)
    clock.advance(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert not is_in(client)


def test_a_busy_session_still_ends_at_the_absolute_limit(client, auth, admin_user, clock, app):
    auth.login()
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    for _ in range(hours * 3 - 1):
        clock.advance(minutes=20)
        assert is_in(client)
    clock.advance(minutes=21)
    assert not is_in(client)


def test_logging_in_starts_a_new_session_whatever_the_cookie_held(app, client, auth, admin_user):
    with client.session_transaction() as planted:
        planted["login_session"] = "chosen-by-an-attacker"
        planted["left_over"] = "from before the login"
    auth.login()
    with client.session_transaction() as held:
        assert held["login_session"] != "chosen-by-an-attacker"
        assert "left_over" not in held
    first = client.get_cookie("session").value
    auth.logout()
    auth.login()
    with client.session_transaction() as held:
        assert held["login_session"] != "chosen-by-an-attacker"
    assert client.get_cookie("session").value != first


@pytest.mark.parametrize("setting", ["SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_HOURS"])
def test_session_timeouts_have_their_defaults(app, setting):
    assert (
        app.config[setting] == {"SESSION_IDLE_MINUTES": 30, "SESSION_ABSOLUTE_HOURS": 12}[setting]
    )


def test_a_staff_page_reads_its_session_in_one_query_and_writes_it_once_a_minute(
    client, auth, admin_user, clock, statements
):
    auth.login()
    statements.clear()
    client.get("/akun/kata-sandi")
    touching = [sql for sql in statements if "login_session" in sql]
    assert len(touching) == 1 and touching[0].startswith("SELECT")
    assert "app_user" in touching[0]  # the user comes with it: no second query
    statements.clear()
    clock.advance(minutes=2)
    client.get("/akun/kata-sandi")
    touching = [sql.split()[0] for sql in statements if "login_session" in sql]
    assert touching == ["SELECT", "UPDATE"]


def test_signing_pages_read_no_session_table(client, token, statements):
    assert client.get(f"/s/{token}").status_code == 200
    assert not [sql for sql in statements if "login_session" in sql or "app_user" in sql]
