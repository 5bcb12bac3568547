from datetime import timedelta

import pytest
from sqlalchemy import select

from pakta.keys import token_hash
from pakta.models import ApiToken, AuditEvent, utcnow
from pakta.services import api_tokens


def test_a_token_is_stored_only_as_its_hash_and_a_short_prefix(session, units, admin_user):
    token, raw = api_tokens.create(session, name="Bawaslu", unit_code=None, creator=admin_user)
    session.flush()
    assert raw.startswith("pkt_") and len(raw) == 4 + 43
    assert token.token_hash == token_hash(raw)
    assert token.prefix == raw[4:12]
    assert token.created_by_id == admin_user.id
    stored = session.execute(select(ApiToken.__table__)).one()._mapping
    assert raw not in {str(value) for value in stored.values()}
    assert raw[12:] not in "".join(str(value) for value in stored.values())


def test_every_token_is_different(session, units):
    raws = {api_tokens.create(session, name="x", unit_code=None, creator="cli:t")[1] for _ in "abc"}
    assert len(raws) == 3


def test_creating_a_token_is_audited(session, units, admin_user):
    token, _raw = api_tokens.create(
        session, name="Setda", unit_code="DINKES", creator=admin_user, ip_address="10.0.0.1"
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tokens.create"))
    assert event.actor == admin_user.email and event.target_id == str(token.id)
    assert event.details["unit"] == "DINKES" and event.ip_address == "10.0.0.1"


@pytest.mark.parametrize(
    ("name", "unit_code"), [("", None), ("   ", None), ("x" * 129, None), ("ok", "NOPE")]
)
def test_a_token_needs_a_name_and_a_known_unit(session, units, name, unit_code):
    with pytest.raises(api_tokens.TokenError):
        api_tokens.create(session, name=name, unit_code=unit_code, creator="cli:t")


def test_authenticate_finds_the_token_by_its_value(session, units):
    token, raw = api_tokens.create(session, name="x", unit_code=None, creator="cli:t")
    assert api_tokens.authenticate(session, raw) is token


@pytest.mark.parametrize("raw", [None, "", "pkt_", "pkt_nope", "Bearer pkt_x", "x" * 500])
def test_authenticate_refuses_unknown_values(session, units, raw):
    api_tokens.create(session, name="x", unit_code=None, creator="cli:t")
    assert api_tokens.authenticate(session, raw) is None


def test_a_revoked_token_no_longer_authenticates(session, units, admin_user):
    token, raw = api_tokens.create(session, name="x", unit_code=None, creator=admin_user)
    api_tokens.revoke(session, token, admin_user)
    assert token.revoked_at is not None
    assert api_tokens.authenticate(session, raw) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "tokens.revoke"))
    with pytest.raises(api_tokens.TokenError):
        api_tokens.revoke(session, token, admin_user)


def test_last_use_is_recorded_at_most_once_a_minute(session, units):
    token, raw = api_tokens.create(session, name="x", unit_code=None, creator="cli:t")
    assert token.last_used_at is None
    first = utcnow()
    api_tokens.authenticate(session, raw, now=first)
    assert token.last_used_at == first
    api_tokens.authenticate(session, raw, now=first + timedelta(seconds=59))
    assert token.last_used_at == first
    later = first + timedelta(seconds=61)
    api_tokens.authenticate(session, raw, now=later)
    assert token.last_used_at == later


def test_a_unit_token_sees_its_sub_tree_and_a_pemda_token_everything(session, units):
    dinkes, _raw = api_tokens.create(session, name="d", unit_code="DINKES", creator="cli:t")
    pemda, _raw = api_tokens.create(session, name="p", unit_code=None, creator="cli:t")
    assert api_tokens.visible_unit_ids(session, pemda) is None
    assert api_tokens.visible_unit_ids(session, dinkes) == {
        units["DINKES"].id,
        units["DINKES-P2P"].id,
    }


def test_a_token_is_found_by_its_prefix_as_lists_show_it(session, units, admin_user):
    token, raw = api_tokens.create(session, name="x", unit_code=None, creator="cli:t")
    for typed in (raw[4:12], raw[:12], api_tokens.display_prefix(token)):
        assert api_tokens.by_prefix(session, typed) is token
    with pytest.raises(api_tokens.TokenError):
        api_tokens.by_prefix(session, "zzzzzzzz")


def test_live_tokens_are_listed_before_revoked_ones(session, units, admin_user):
    old, _raw = api_tokens.create(session, name="old", unit_code=None, creator="cli:t")
    new, _raw = api_tokens.create(session, name="new", unit_code=None, creator="cli:t")
    api_tokens.revoke(session, new, "cli:t")
    assert api_tokens.list_tokens(session) == [old, new]
