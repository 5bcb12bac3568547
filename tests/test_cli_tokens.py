from sqlalchemy import select

from pakta.keys import token_hash
from pakta.models import ApiToken, AuditEvent
from pakta.services import api_tokens


def test_tokens_create_prints_the_token_alone_on_standard_output(runner, session, units):
    result = runner.invoke(args=["tokens", "create", "--name", "Bawaslu", "--unit", "DINKES"])
    assert result.exit_code == 0, result.output
    raw = result.stdout
    assert raw.endswith("\n") and raw.count("\n") == 1
    raw = raw.strip()
    assert raw.startswith("pkt_") and len(raw) == 47
    token = session.scalar(select(ApiToken))
    assert token.token_hash == token_hash(raw) and token.unit.code == "DINKES"
    assert token.created_by_id is None
    # The explanation goes to standard error, naming the token by its prefix only.
    assert f"pkt_{token.prefix}" in result.stderr and raw not in result.stderr
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tokens.create"))
    assert event.actor.startswith("cli:")


def test_tokens_create_refuses_an_unknown_unit(runner, session, units):
    result = runner.invoke(args=["tokens", "create", "--name", "x", "--unit", "NOPE"])
    assert result.exit_code == 1
    assert result.stdout == "" and "NOPE" in result.stderr
    assert session.scalar(select(ApiToken)) is None


def test_tokens_list_shows_prefix_name_scope_and_status_never_the_token(runner, session, units):
    live, live_raw = api_tokens.create(session, name="Setda", unit_code=None, creator="cli:t")
    gone, _raw = api_tokens.create(session, name="Dinkes", unit_code="DINKES", creator="cli:t")
    api_tokens.revoke(session, gone, "cli:t")
    session.commit()
    result = runner.invoke(args=["tokens", "list"])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(f[0], f[1], f[2], f[5].split()[0]) for f in lines] == [
        (f"pkt_{live.prefix}…", "Setda", "*", "active"),
        (f"pkt_{gone.prefix}…", "Dinkes", "DINKES", "revoked"),
    ]
    assert live_raw not in result.stdout


def test_tokens_revoke_takes_the_prefix_as_listed(runner, session, units):
    token, raw = api_tokens.create(session, name="Old", unit_code=None, creator="cli:t")
    session.commit()
    result = runner.invoke(args=["tokens", "revoke", f"pkt_{token.prefix}…"])
    assert result.exit_code == 0, result.output
    session.refresh(token)
    assert token.revoked_at is not None
    assert api_tokens.authenticate(session, raw) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "tokens.revoke"))
    again = runner.invoke(args=["tokens", "revoke", token.prefix])
    assert again.exit_code == 1


def test_tokens_revoke_takes_a_bare_prefix_that_begins_with_a_dash(runner, session, units):
    token, _raw = api_tokens.create(session, name="Dash", unit_code=None, creator="cli:t")
    token.prefix = "-" + token.prefix[1:]
    session.commit()
    result = runner.invoke(args=["tokens", "revoke", token.prefix])
    assert result.exit_code == 0, result.output
    session.refresh(token)
    assert token.revoked_at is not None


def test_tokens_revoke_refuses_an_unknown_prefix(runner, session, units):
    result = runner.invoke(args=["tokens", "revoke", "nothing1"])
    assert result.exit_code == 1 and "nothing1" in result.stderr
