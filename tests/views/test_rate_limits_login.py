"""Limits on every form that checks a password or a code, with limits on as in production:
failures count per account (with back-off) and per address; colleagues logging in from one
office are never refused, and a browser that logged in before is not locked out by others'
failures behind the same address."""

import re

from limits import parse_many
from sqlalchemy import select

from pakta.models import AuditEvent, Role, User
from pakta.security import ACCOUNT_BACKOFF, LOGIN_FAILURES_PER_ADDRESS
from tests.conftest import PASSWORD, AuthActions

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}
# The old limit: 10 login posts a minute per address, whatever their outcome.
OLD_PER_ADDRESS_LIMIT = 10
FIRST_STEP = parse_many(ACCOUNT_BACKOFF)[0].amount


def per_minute(limit: str) -> int:
    return int(limit.split()[0])


def log_in(app, email: str, password: str, address=OFFICE, client=None) -> int:
    """One login from a browser of its own; the status code (302 password right, 200 refused,
    429 held back)."""
    response = (client or app.test_client()).post(
        "/masuk", data={"email": email, "password": password}, environ_base=address
    )
    return response.status_code


def test_the_account_back_off_doubles_its_wait_up_to_a_cap():
    ladder = parse_many(ACCOUNT_BACKOFF)
    assert [step.amount for step in ladder] == list(range(5, 5 + len(ladder)))
    waits = [step.get_expiry() for step in ladder]
    assert waits[0] == 60
    assert all(later == 2 * earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert waits[-1] <= 5 * 3600  # capped: a real user is never kept out for days


def test_a_wrong_password_for_one_account_from_many_addresses_is_limited_per_account(
    limited_app, admin_user
):
    app = limited_app()
    statuses = [
        log_in(app, " Admin@Contoh.go.id ", "wrong", {"REMOTE_ADDR": f"10.0.0.{n}"})
        for n in range(FIRST_STEP)
    ]
    assert statuses == [422] * FIRST_STEP
    # Even the right password, from yet another address, waits now.
    assert log_in(app, admin_user.email, PASSWORD, {"REMOTE_ADDR": "10.9.9.9"}) == 429


def test_many_accounts_logging_in_from_one_address_are_not_refused(
    limited_app, session, admin_user
):
    count = OLD_PER_ADDRESS_LIMIT + 2
    # One password hash for all (argon2 is slow on purpose); each login still verifies it.
    session.add_all(
        User(
            email=f"admin{n}@contoh.go.id",
            name=f"Admin {n}",
            role=Role.ADMIN,
            password_hash=admin_user.password_hash,
        )
        for n in range(count)
    )
    session.commit()
    app = limited_app()
    statuses = [log_in(app, f"admin{n}@contoh.go.id", PASSWORD) for n in range(count)]
    assert statuses == [302] * count


def test_wrong_passwords_from_one_address_are_limited_whatever_the_account(limited_app, admin_user):
    app = limited_app()
    allowed = per_minute(LOGIN_FAILURES_PER_ADDRESS)
    statuses = [log_in(app, f"nobody{n}@contoh.go.id", "guess") for n in range(allowed)]
    assert statuses == [422] * allowed
    assert log_in(app, admin_user.email, PASSWORD) == 429
    # The account itself is not held back elsewhere.
    assert log_in(app, admin_user.email, PASSWORD, {"REMOTE_ADDR": "198.51.100.9"}) == 302


def test_a_guesser_in_the_office_does_not_lock_out_an_admin_who_logged_in_there_before(
    limited_app, admin_user, clock
):
    app = limited_app()
    admins_browser = app.test_client()
    AuthActions(admins_browser, clock).login()
    admins_browser.post("/keluar")
    allowed = per_minute(LOGIN_FAILURES_PER_ADDRESS)
    guesses = [log_in(app, f"nobody{n}@contoh.go.id", "guess") for n in range(allowed + 3)]
    assert guesses[-1] == 429
    assert log_in(app, admin_user.email, PASSWORD, client=admins_browser) == 302
    # A new browser behind the same address waits, as the guesser does.
    assert log_in(app, admin_user.email, PASSWORD) == 429


def test_unknown_accounts_and_wrong_passwords_get_the_same_answer(limited_app, admin_user):
    app = limited_app()
    unknown = app.test_client().post(
        "/masuk", data={"email": "nobody@contoh.go.id", "password": "guess-one"}
    )
    wrong = app.test_client().post(
        "/masuk", data={"email": admin_user.email, "password": "guess-one"}
    )
    assert unknown.status_code == wrong.status_code == 422

    def page(response, email: str) -> str:
        return re.sub(r'name="csrf_token"[^>]*>', "", response.text.replace(email, ""))

    assert page(unknown, "nobody@contoh.go.id") == page(wrong, admin_user.email)


def test_failed_logins_are_audited_with_the_address_and_never_the_password(
    limited_app, admin_user, session
):
    app = limited_app()
    log_in(app, admin_user.email, "secret-guess-1")
    log_in(app, "nobody@contoh.go.id", "secret-guess-2")
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    ).all()
    assert [(event.actor, event.target_id, event.ip_address) for event in events] == [
        ("anonymous", str(admin_user.id), OFFICE["REMOTE_ADDR"]),
        ("anonymous", "nobody@contoh.go.id", OFFICE["REMOTE_ADDR"]),
    ]
    assert "secret-guess" not in repr([(e.details, e.target_id, e.actor) for e in events])


def test_leaving_kiosk_mode_is_limited_and_audited(limited_app, operator_user, clock, session):
    app = limited_app()
    tablet = app.test_client()
    AuthActions(tablet, clock).login(email=operator_user.email)
    tablet.post("/kiosk/mulai")
    statuses = [
        tablet.post("/kiosk/keluar", data={"password": f"guess {n}"}).status_code
        for n in range(FIRST_STEP)
    ]
    assert statuses == [422] * FIRST_STEP
    assert tablet.post("/kiosk/keluar", data={"password": PASSWORD}).status_code == 429
    assert tablet.get("/admin/").status_code == 302  # still in kiosk mode
    failures = session.scalars(
        select(AuditEvent.ip_address).where(AuditEvent.action == "kiosk.leave_failed")
    ).all()
    assert failures == ["127.0.0.1"] * FIRST_STEP


def test_changing_the_password_is_limited_and_audited(limited_app, operator_user, clock, session):
    app = limited_app()
    browser = app.test_client()
    AuthActions(browser, clock).login(email=operator_user.email)

    def change(current: str) -> int:
        new = "a brand new password"
        return browser.post(
            "/akun/kata-sandi",
            data={"current_password": current, "new_password": new, "confirm": new},
        ).status_code

    assert [change(f"guess {n}") for n in range(FIRST_STEP)] == [422] * FIRST_STEP
    assert change(PASSWORD) == 429
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("auth.change_password_failed") == FIRST_STEP


def test_wrong_codes_after_the_password_are_limited_per_account(
    limited_app, admin_user, clock, session
):
    app = limited_app()
    browser = app.test_client()
    auth = AuthActions(browser, clock)
    assert log_in(app, admin_user.email, PASSWORD, client=browser) == 302
    statuses = [auth.second_factor("000000").status_code for _ in range(FIRST_STEP)]
    assert statuses == [422] * FIRST_STEP
    assert auth.second_factor(auth.totp_code()).status_code == 429
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("auth.second_factor_failed") == FIRST_STEP
