"""`pakta audit verify` and `pakta log ...` from the command line."""

from pathlib import Path

from pakta.db import get_session
from pakta.services.transparency_log.merkle import leaf_hash, root
from tests.conftest import tamper
from tests.services.transparency_log.test_entries import entries


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def checkpoint_files(app, folder):
    """Signs both logs now; the files exported into ``folder``, the signing log's first."""
    assert run(app, "keys", "init").exit_code == 0
    result = run(app, "log", "checkpoint", "--export", str(folder))
    assert result.exit_code == 0, result.output
    return sorted((str(path) for path in folder.iterdir()), key=lambda name: "signing" not in name)


def test_audit_verify_passes_an_untouched_database_and_its_checkpoints(own_app, history, tmp_path):
    paths = checkpoint_files(own_app, tmp_path / "exports")
    args = [part for path in paths for part in ("--checkpoint", path)]
    result = run(own_app, "audit", "verify", *args)
    assert result.exit_code == 0, result.output + result.stderr
    assert "signing" in result.output and "8" in result.output


def test_audit_verify_names_a_tampered_signature_and_exits_non_zero(own_app, history):
    tamper(
        own_app,
        "UPDATE signature SET signed_at = CURRENT_TIMESTAMP WHERE certificate_number = :n",
        n=history["first"],
    )
    result = run(own_app, "audit", "verify")
    assert result.exit_code == 1
    assert history["first"] in result.stderr


def test_audit_verify_refuses_a_checkpoint_whose_signature_fails(own_app, history, tmp_path):
    path = checkpoint_files(own_app, tmp_path / "exports")[0]
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    lines[1] = str(int(lines[1]) + 1)
    Path(path).write_text("\n".join(lines), encoding="utf-8")
    result = run(own_app, "audit", "verify", "--checkpoint", path)
    assert result.exit_code == 1


def test_verify_consistency_accepts_a_grown_log(own_app, history, tmp_path):
    old = checkpoint_files(own_app, tmp_path / "old")
    revoked = run(own_app, "certificates", "revoke", history["fourth"], "--reason", "sanction")
    assert revoked.exit_code == 0, revoked.output
    new = checkpoint_files(own_app, tmp_path / "new")
    result = run(own_app, "log", "verify-consistency", old[0], new[0])
    assert result.exit_code == 0, result.output + result.stderr
    assert run(own_app, "log", "verify-consistency", old[0], new[1]).exit_code == 1


def test_verify_consistency_refuses_a_log_whose_history_was_rewritten(own_app, history, tmp_path):
    old = checkpoint_files(own_app, tmp_path / "old")
    # The first entry forged, its leaf and the head recomputed: a rewrite no row check sees.
    with own_app.app_context():
        db = get_session()
        leaves = [bytes.fromhex(entry.leaf_hash) for entry in entries(db)]
    forged = leaf_hash(b"forged")
    tamper(
        own_app,
        "UPDATE log_entry SET leaf_hash = :leaf WHERE seq = 0 AND log = 'signing'",
        "UPDATE log_head SET root_hash = :root WHERE log = 'signing'",
        leaf=forged.hex(),
        root=root([forged, *leaves[1:]]).hex(),
    )
    new = checkpoint_files(own_app, tmp_path / "new")
    result = run(own_app, "log", "verify-consistency", old[0], new[0])
    assert result.exit_code == 1
