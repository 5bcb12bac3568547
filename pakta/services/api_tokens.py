"""Bearer tokens for the API, scoped like users: the whole Pemda, or one unit's sub-tree.

A token is ``pkt_`` and 43 URL-safe characters (256 random bits). Only its
SHA-256 is stored: a leaked table gives nobody a usable token, and a plain
(unsalted) hash is enough because the token itself is random, not chosen. The
first characters after ``pkt_`` are kept apart, as a non-secret prefix that
tells tokens apart in lists.

Creating and revoking a token records the audit event here, whoever asks
(an admin page or the ``pakta tokens`` command).
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pakta.i18n import _l
from pakta.keys import token_hash
from pakta.models import ApiToken, User, utcnow
from pakta.services import audit, units

SCHEME = "pkt_"
PREFIX_LENGTH = 8
NAME_MAX = 128
# Recording every request's time would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be carried out; str() is user-facing."""


def display_prefix(token: ApiToken) -> str:
    """How a token is named in lists: its public start, never the secret rest."""
    return f"{SCHEME}{token.prefix}…"


def scope_label(token: ApiToken) -> str:
    """The unit code the token is limited to, or ``*`` for the whole Pemda."""
    return token.unit.code if token.unit is not None else "*"


def create(
    session: Session,
    *,
    name: str,
    unit_code: str | None,
    creator: User | str,
    ip_address: str = "",
) -> tuple[ApiToken, str]:
    """A new token and its raw value, which is not kept anywhere and must be shown once.

    ``unit_code`` None (or empty) gives a Pemda-wide token. ``creator`` is the
    admin, or a description such as ``cli:root`` when no account is involved.
    """
    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name."))
    if len(name) > NAME_MAX:
        raise TokenError(_l("The name is too long (at most 128 characters)."))
    unit = None
    if unit_code:
        unit = units.get_unit(session, unit_code.strip())
        if unit is None:
            raise TokenError(
                str(_l("There is no unit with the code {code}.")).format(code=unit_code.strip())
            )
    raw = SCHEME + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=token_hash(raw),
        prefix=raw[len(SCHEME) : len(SCHEME) + PREFIX_LENGTH],
        unit=unit,
        created_by_id=creator.id if isinstance(creator, User) else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=creator,
        action="tokens.create",
        target_type="api_token",
        target_id=token.id,
        ip_address=ip_address,
        name=token.name,
        prefix=token.prefix,
        unit=unit.code if unit else None,
    )
    return token, raw


def authenticate(
    session: Session, raw: str | None, *, now: datetime | None = None
) -> ApiToken | None:
    """The live token whose value is ``raw``, or None (unknown, malformed or revoked).

    The lookup is by the token's hash, so response time says nothing about how
    much of a guess was right. Its use is recorded, at most once a minute: the
    caller commits (a failed commit may safely be dropped, the next use retries).
    """
    if not raw or not raw.startswith(SCHEME) or len(raw) > 128:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(raw)))
    if token is None or token.revoked_at is not None:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def revoke(session: Session, token: ApiToken, actor: User | str, *, ip_address: str = "") -> None:
    """Stop the token working from now on; the row stays, for the record."""
    if token.revoked_at is not None:
        raise TokenError(_l("That token was already revoked."))
    token.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tokens.revoke",
        target_type="api_token",
        target_id=token.id,
        ip_address=ip_address,
        name=token.name,
        prefix=token.prefix,
    )


def list_tokens(session: Session) -> list[ApiToken]:
    """Every token, live ones first, newest first within each group."""
    tokens = session.scalars(
        select(ApiToken).options(selectinload(ApiToken.unit)).order_by(ApiToken.created_at.desc())
    ).all()
    return sorted(tokens, key=lambda token: token.revoked_at is not None)


def get_token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def by_prefix(session: Session, prefix: str) -> ApiToken:
    """The one token a prefix names, as typed from a list (``pkt_`` and ``…`` optional).

    Revoked tokens are skipped when a live one shares the prefix; two live
    tokens sharing it (one chance in 2^48 per pair) must be told apart on the
    admin page.
    """
    prefix = prefix.strip().removesuffix("…").removeprefix(SCHEME)
    found = session.scalars(select(ApiToken).where(ApiToken.prefix == prefix)).all()
    if not found:
        raise TokenError(str(_l("There is no token starting with {prefix}.")).format(prefix=prefix))
    live = [token for token in found if token.revoked_at is None]
    if len(live) > 1:
        raise TokenError(str(_l("Several tokens start with {prefix}.")).format(prefix=prefix))
    return live[0] if live else found[0]


def visible_unit_ids(session: Session, token: ApiToken) -> set[int] | None:
    """None means every unit (a Pemda-wide token); otherwise the unit's sub-tree."""
    if token.unit_id is None:
        return None
    return units.subtree_ids(session, token.unit_id)
