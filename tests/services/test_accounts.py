import pytest

from pakta.models import Role
from pakta.services import accounts
from tests.conftest import PASSWORD


def test_a_password_is_stored_only_as_an_argon2id_hash(session):
    user = accounts.create_user(
        session, email="A.Admin@Contoh.go.id ", name="A", role="admin", password=PASSWORD
    )
    assert user.email == "a.admin@contoh.go.id"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_authenticate_accepts_the_right_password_in_any_email_case(session, admin_user):
    assert accounts.authenticate(session, "ADMIN@contoh.go.id", PASSWORD) == admin_user
    assert admin_user.last_login_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin@contoh.go.id", "wrong password!"), ("nobody@contoh.go.id", PASSWORD)],
)
def test_authenticate_refuses_a_wrong_password_or_unknown_email(
    session, admin_user, email, password
):
    assert accounts.authenticate(session, email, password) is None


def test_an_inactive_user_cannot_authenticate(session, admin_user):
    admin_user.active = False
    assert accounts.authenticate(session, admin_user.email, PASSWORD) is None


def test_an_operator_needs_an_existing_unit(session, units):
    with pytest.raises(accounts.AccountError):
        accounts.create_user(session, email="o@x.id", name="O", role="operator", password=PASSWORD)
    with pytest.raises(accounts.AccountError):
        accounts.create_user(
            session,
            email="o@x.id",
            name="O",
            role="operator",
            password=PASSWORD,
            unit_code="NOPE",
        )
    operator = accounts.create_user(
        session, email="o@x.id", name="O", role="operator", password=PASSWORD, unit_code="DISDIK"
    )
    assert operator.role == Role.OPERATOR and operator.unit.code == "DISDIK"


def test_an_admin_takes_no_unit(session, units):
    with pytest.raises(accounts.AccountError):
        accounts.create_user(
            session, email="a@x.id", name="A", role="admin", password=PASSWORD, unit_code="DISDIK"
        )


def test_a_duplicate_email_is_refused_whatever_its_case(session, admin_user):
    with pytest.raises(accounts.AccountError):
        accounts.create_user(
            session, email="ADMIN@contoh.go.id", name="B", role="admin", password=PASSWORD
        )


@pytest.mark.parametrize(
    "password", ["short", "admin@contoh.go.id", "password123", "Qwertyuiop", " 1234567890 "]
)
def test_weak_and_common_passwords_are_refused(session, password):
    with pytest.raises(accounts.AccountError):
        accounts.create_user(
            session, email="admin@contoh.go.id", name="A", role="admin", password=password
        )


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(session, admin_user):
    with pytest.raises(accounts.AccountError):
        accounts.change_password(admin_user, "not the password", "a brand new password")
    version = admin_user.session_version
    accounts.change_password(admin_user, PASSWORD, "a brand new password")
    assert admin_user.session_version == version + 1
    assert accounts.authenticate(session, admin_user.email, "a brand new password") == admin_user


def test_a_password_hashed_with_older_argon2_parameters_is_rehashed_at_login(session, admin_user):
    from argon2 import PasswordHasher

    admin_user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    old = admin_user.password_hash
    assert accounts.authenticate(session, admin_user.email, PASSWORD) == admin_user
    assert admin_user.password_hash != old
    assert admin_user.password_hash.startswith("$argon2id$")
    assert "m=65536" in admin_user.password_hash  # argon2-cffi's current default memory cost
    assert accounts.verify_password(admin_user, PASSWORD)


def test_disabling_an_account_ends_its_sessions(session, operator_user):
    from pakta.models import utcnow
    from pakta.services import login_sessions

    login_sessions.start(session, operator_user, now=utcnow())
    accounts.set_active(session, operator_user, False)
    assert login_sessions.count_by_user(session) == {}
    assert accounts.authenticate(session, operator_user.email, PASSWORD) is None
