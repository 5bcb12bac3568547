"""Login limits, with limits on as in production: failures count per account and per
address; colleagues logging in from one office are never refused."""

from pakta.models import Role, User
from pakta.views.auth import ACCOUNT_LIMIT, FAILURES_PER_ADDRESS
from tests.conftest import PASSWORD

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}
# The old limit: 10 login posts a minute per address, whatever their outcome.
OLD_PER_ADDRESS_LIMIT = 10


def per_minute(limit: str) -> int:
    return int(limit.split()[0])


def log_in(app, email: str, password: str, address=OFFICE) -> int:
    """One login from a browser of its own; the status code (302 in, 200 refused)."""
    response = app.test_client().post(
        "/masuk", data={"email": email, "password": password}, environ_base=address
    )
    return response.status_code


def test_a_wrong_password_for_one_account_from_many_addresses_is_limited_per_account(
    limited_app, admin_user
):
    app = limited_app()
    allowed = per_minute(ACCOUNT_LIMIT)
    statuses = [
        log_in(app, " Admin@Contoh.go.id ", "wrong", {"REMOTE_ADDR": f"10.0.0.{n}"})
        for n in range(allowed)
    ]
    assert statuses == [200] * allowed
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
    allowed = per_minute(FAILURES_PER_ADDRESS)
    statuses = [log_in(app, f"nobody{n}@contoh.go.id", "guess") for n in range(allowed)]
    assert statuses == [200] * allowed
    assert log_in(app, admin_user.email, PASSWORD) == 429
    # The account itself is not held back elsewhere.
    assert log_in(app, admin_user.email, PASSWORD, {"REMOTE_ADDR": "198.51.100.9"}) == 302
