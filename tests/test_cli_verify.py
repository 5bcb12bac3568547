"""`pakta keys`, `pakta certificates revoke|reinstate` and `pakta verify`; outside validators."""

import http.server
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import AuditEvent, SigningKey
from pakta.services.certificates import issuing, tokens
from tests.conftest import seal_organisation, sign_again


@pytest.fixture
def issued(session, signed, app, token_version):
    certificate = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    session.commit()
    assert tokens.version_of(certificate.token) == token_version
    return certificate


@pytest.fixture
def pdf_file(issued, tmp_path) -> Path:
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(issued.pdf)
    return path


def content_byte_changed(pdf: bytes) -> bytes:
    """One bit of the first page's content stream: inside the first sealed range."""
    position = pdf.index(b"stream") + 40
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def reason_byte_changed(pdf: bytes) -> bytes:
    """One letter of the seal's /Reason: inside the second sealed range, after /Contents."""
    position = pdf.rindex(b"Netralitas") + len("Netralita")
    assert pdf[position : position + 1] == b"s"
    return pdf[:position] + b"z" + pdf[position + 1 :]


TAMPERINGS = [content_byte_changed, reason_byte_changed]


@pytest.fixture(params=TAMPERINGS, ids=lambda f: f.__name__)
def tampered_file(request, issued, tmp_path) -> Path:
    changed = request.param(issued.pdf)
    assert len(changed) == len(issued.pdf)
    assert sum(a != b for a, b in zip(changed, issued.pdf, strict=True)) == 1
    path = tmp_path / "sertifikat-diubah.pdf"
    path.write_bytes(changed)
    return path


def flip(token: str) -> str:
    position = len(token) // 2
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]


def gettext(app, message: str) -> str:
    from flask_babel import gettext as translate

    with app.test_request_context():
        return translate(message)


# -- keys ---------------------------------------------------------------------------------


def test_keys_init_is_idempotent_and_keeps_the_private_key_private(runner, session, app):
    first = runner.invoke(args=["keys", "init"])
    assert first.exit_code == 0, first.output
    kid = certificate_keys.active(session).kid
    assert kid in first.output
    second = runner.invoke(args=["keys", "init"])
    assert second.exit_code == 0, second.output
    assert kid in second.output
    assert certificate_keys.active(session).kid == kid
    assert session.scalar(select(func.count()).select_from(SigningKey)) == 1
    audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "keys.init")).all()
    assert [event.target_id for event in audited] == [kid]  # the second run changed nothing

    folder = Path(app.instance_path) / "keys"
    private = folder / f"ed25519-{kid}.pem"
    assert private == certificate_keys.private_key_path(app.instance_path, kid)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    seal_key, seal_cert = seal.seal_paths(app.instance_path)
    assert seal_key.parent == folder and seal_cert.exists()
    assert stat.S_IMODE(seal_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    # The private key never enters the database: only the 32 public bytes do.
    row = session.get(SigningKey, kid)
    assert len(row.public_key) == 32


def test_keys_rotate_makes_a_new_active_key_and_keeps_the_old_one_published(
    runner, session, client, issued
):
    old = issued.kid
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    new = certificate_keys.active(session).kid
    assert new != old and new in result.output
    published = {
        key["kid"]: key["status"] for key in client.get("/.well-known/pakta-keys.json").json["keys"]
    }
    assert published == {old: "retired", new: "active"}
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "keys.rotate")).target_id
        == new
    )
    # A certificate signed with the old key still checks out, online and offline.
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"
    assert runner.invoke(args=["verify", issued.token]).exit_code == 0


def test_keys_rotate_refuses_when_the_key_comes_from_the_environment(app, tmp_path):
    import contextvars

    from cryptography.hazmat.primitives import serialization

    from pakta import create_app
    from pakta.db import database

    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    configured = create_app(
        {
            **app.config,
            "SIGNING_KEY": pem,
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        }
    )
    try:
        # A context of its own, so the command runs against this app and no other.
        runner = configured.test_cli_runner()
        result = contextvars.Context().run(runner.invoke, args=["keys", "rotate"])
        assert result.exit_code == 1, result.output
        assert "PAKTA_SIGNING_KEY" in result.output
        assert not (tmp_path / "instance" / "keys").exists()
    finally:
        database(configured).engine.dispose()


# -- revoke and reinstate -----------------------------------------------------------------


def test_certificates_revoke_shows_in_verification_at_once_and_is_audited(
    runner, client, session, signed, issued
):
    result = runner.invoke(
        args=[
            "certificates",
            "revoke",
            signed.certificate_number,
            "--reason",
            "sanction",
            "--note",
            "x",
        ]
    )
    assert result.exit_code == 0, result.output
    assert signed.certificate_number in result.output
    verdict = client.get(f"/api/v1/verify/{issued.token}").json
    assert verdict["status"] == "revoked" and verdict["revocation_reason"] == "sanction"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event.actor.startswith("cli:") and event.target_id == signed.certificate_number
    assert event.details == {"reason": "sanction", "note": "x"}


def test_certificates_reinstate_restores_validity_as_a_new_act(
    runner, client, session, signed, issued
):
    number = signed.certificate_number
    assert (
        runner.invoke(args=["certificates", "revoke", number, "--reason", "sanction"]).exit_code
        == 0
    )
    result = runner.invoke(args=["certificates", "reinstate", number, "--note", "banding"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == number).order_by(AuditEvent.id)
    ).all()
    assert actions == ["certificate.revoke", "certificate.reinstate"]


def test_certificate_numbers_are_read_case_insensitively(runner, client, signed, issued):
    number = signed.certificate_number.lower()
    result = runner.invoke(args=["certificates", "revoke", number, "--reason", "signed_in_error"])
    assert result.exit_code == 0, result.output
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "revoked"


@pytest.mark.parametrize(
    "args",
    [
        ["certificates", "revoke", "PKT-2099-ZZZZ-ZZZZ", "--reason", "sanction"],
        ["certificates", "reinstate", "PKT-2099-ZZZZ-ZZZZ"],
    ],
)
def test_an_unknown_certificate_number_exits_1(runner, session, signing_key, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "PKT-2099-ZZZZ-ZZZZ" in result.output
    assert session.scalar(select(AuditEvent).where(AuditEvent.action.like("certificate.%"))) is None


def test_revoking_twice_or_reinstating_a_valid_certificate_exits_1(runner, signed, issued):
    number = signed.certificate_number
    assert runner.invoke(args=["certificates", "reinstate", number]).exit_code == 1
    assert (
        runner.invoke(args=["certificates", "revoke", number, "--reason", "sanction"]).exit_code
        == 0
    )
    assert (
        runner.invoke(args=["certificates", "revoke", number, "--reason", "sanction"]).exit_code
        == 1
    )


def test_reason_other_needs_a_note_and_unknown_reasons_are_refused(runner, client, signed, issued):
    number = signed.certificate_number
    assert (
        runner.invoke(args=["certificates", "revoke", number, "--reason", "other"]).exit_code == 1
    )
    assert (
        runner.invoke(args=["certificates", "revoke", number, "--reason", "bosan"]).exit_code == 2
    )
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"


# -- pakta verify -------------------------------------------------------------------------


def test_verify_a_token_exits_0_and_prints_its_claims(runner, signed, issued):
    result = runner.invoke(args=["verify", issued.token])
    assert result.exit_code == 0, result.output
    line = (
        f"{signed.certificate_number}\t{signed.signer_name}\tDINKES-P2P\tpilkada-2024\t"
        f"{tokens.decode(issued.token)[0].signed_on.isoformat()}"
    )
    assert line in result.output.splitlines()
    assert issued.kid in result.output


def test_verify_accepts_the_whole_address_under_the_qr_code(runner, app, issued):
    url = issuing.verification_url(app.config["BASE_URL"], issued.token)
    assert runner.invoke(args=["verify", url]).exit_code == 0


def test_verify_a_token_with_one_flipped_character_exits_1(runner, signed, issued):
    result = runner.invoke(args=["verify", flip(issued.token)])
    assert result.exit_code == 1
    assert signed.signer_name not in result.output


def test_verify_garbage_exits_1(runner, signing_key):
    assert runner.invoke(args=["verify", "bukan-token"]).exit_code == 1


def verdict_line(app, outcome: str) -> str:
    return gettext(app, "Verdict: {verdict}").format(verdict=gettext(app, outcome))


def test_verify_against_this_instance_sees_a_revocation_and_exits_1(
    runner, app, session, signed, issued
):
    from pakta.services.certificates import revocations

    revocations.revoke(session, signed, reason="sanction", note="", actor="cli:test")
    session.commit()
    result = runner.invoke(args=["verify", issued.token])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == verdict_line(app, "REVOKED")
    assert gettext(app, "The certificate has been revoked.") in result.output


def test_verify_offline_knows_nothing_of_revocations_and_says_so(
    runner, app, session, signed, issued, keys_file
):
    from pakta.services.certificates import revocations

    revocations.revoke(session, signed, reason="sanction", note="", actor="cli:test")
    session.commit()
    result = runner.invoke(args=["verify", issued.token, "--keys", str(keys_file)])
    assert result.exit_code == 0  # the signature is still genuine
    assert result.output.splitlines()[0] == verdict_line(app, "VALID")
    assert gettext(app, "Offline checks cannot see revocations; the verification page can.") in (
        result.output
    )


def test_verify_handles_a_token_longer_than_a_file_name_may_be(runner, app, session, keys_file):
    signer = certificate_keys.signer(session, app.instance_path, None)
    claims = tokens.Claims(
        signer.kid,
        "PKT-2024-7Q3M-XK2D",
        "pilkada-serentak-2024-kota-sukabumi",
        "DINKES-P2P-SURVEILANS",
        "Prof. Dr. Hj. Raden Ajeng Siti Nurhayati Kusumawardhani, S.H., M.Hum.",
        date(2024, 9, 2),
    )
    token = tokens.encode(claims, signer.private_key)
    assert len(token) > 255
    result = runner.invoke(args=["verify", token, "--keys", str(keys_file)])
    assert result.exit_code == 0, result.output


def test_verify_an_issued_pdf_says_valid_first_and_who_sealed_it(runner, app, issued, pdf_file):
    result = runner.invoke(args=["verify", str(pdf_file)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == verdict_line(app, "VALID")
    sealed_by = gettext(app, "Sealed electronically by {organisation}")
    assert sealed_by.format(organisation=seal_organisation(issued.pdf)) in result.output
    assert "Common Name" not in result.output
    assert issued.kid in result.output  # and the embedded code checked out


def test_verify_a_pdf_with_one_changed_byte_says_invalid_first_and_why(runner, app, tampered_file):
    result = runner.invoke(args=["verify", str(tampered_file)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == verdict_line(app, "INVALID")
    broken = gettext(app, "The electronic seal is broken: the file was changed after sealing.")
    assert broken in result.output


def test_verify_a_file_that_is_not_a_pdf_exits_1(runner, signing_key, tmp_path):
    path = tmp_path / "foto.pdf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    assert runner.invoke(args=["verify", str(path)]).exit_code == 1


@pytest.fixture
def keys_file(client, issued, tmp_path) -> Path:
    path = tmp_path / "pakta-keys.json"
    path.write_bytes(client.get("/.well-known/pakta-keys.json").data)
    return path


def test_verify_offline_accepts_a_v3_code_and_prints_its_witness_copy(
    runner, client, app, session, signed, tmp_path
):
    from pakta.services.transparency_log import witness

    issued = issuing.issue(session, signed, issuing.issuer_for_app())
    session.commit()
    assert tokens.version_of(issued.token) == 3
    seen = witness.for_signature(session, signed)
    keys_file = tmp_path / "pakta-keys.json"
    keys_file.write_bytes(client.get("/.well-known/pakta-keys.json").data)
    result = runner.invoke(args=["verify", issued.token, "--keys", str(keys_file)])
    assert result.exit_code == 0, result.output
    line = gettext(app, "log: entry #{seq}; the log's root after it begins {root}")
    assert line.format(seq=seen.seq, root=seen.root_hash[:24]) in result.output


def test_verify_with_a_saved_keys_file(runner, issued, keys_file, pdf_file):
    assert runner.invoke(args=["verify", issued.token, "--keys", str(keys_file)]).exit_code == 0
    assert runner.invoke(args=["verify", str(pdf_file), "--keys", str(keys_file)]).exit_code == 0
    flipped = runner.invoke(args=["verify", flip(issued.token), "--keys", str(keys_file)])
    assert flipped.exit_code == 1


def test_verify_uses_only_the_keys_file_it_is_given(runner, issued, keys_file, tmp_path):
    """The instance knows the key, but the other instance's keys file does not."""
    import base64

    from pakta.keys.certificate import kid_for, raw_public

    stranger = raw_public(Ed25519PrivateKey.generate().public_key())
    x = base64.urlsafe_b64encode(stranger).decode().rstrip("=")
    other = tmp_path / "other-keys.json"
    other.write_text(json.dumps({"keys": [{"kid": kid_for(stranger), "jwk": {"x": x}}]}))
    assert runner.invoke(args=["verify", issued.token, "--keys", str(other)]).exit_code == 1


@pytest.mark.parametrize("content", [None, "{not json", '{"keys": [{"kid": "x"}]}'])
def test_verify_with_an_unreadable_keys_file_exits_1(runner, issued, tmp_path, content):
    path = tmp_path / "keys.json"
    if content is not None:
        path.write_text(content)
    result = runner.invoke(args=["verify", issued.token, "--keys", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a clean message, not a traceback


def test_verify_with_a_keys_url(runner, issued, keys_file):
    document = keys_file.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/.well-known/pakta-keys.json"
        result = runner.invoke(args=["verify", issued.token, "--keys", url])
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- the seal, checked by other people's tools --------------------------------------------


def _pdfsig() -> str:
    path = shutil.which("pdfsig")
    if path is None:
        pytest.skip("poppler's pdfsig is not installed (apt-get install poppler-utils)")
    return path


def test_pdfsig_reports_the_seal_valid(pdf_file):
    output = subprocess.run(
        [_pdfsig(), str(pdf_file)], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    assert "Signature is Valid" in output, output
    assert "Total document signed" in output, output


def test_pdfsig_reports_a_one_byte_change(tampered_file):
    output = subprocess.run(
        [_pdfsig(), str(tampered_file)], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    assert "Signature #1" in output, output
    assert "Signature is Valid" not in output, output


def _pyhanko() -> str:
    # pyHanko's command line is the separate pyhanko-cli package since pyHanko 0.26.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    path = shutil.which("pyhanko", path=search)
    if path is None:
        pytest.skip("pyHanko's command line is not installed (pip install pyhanko-cli)")
    return path


def _pyhanko_validate(app, path: Path) -> subprocess.CompletedProcess:
    _key, cert = seal.seal_paths(app.instance_path)
    return subprocess.run(
        [_pyhanko(), "sign", "validate", "--trust", str(cert), "--trust-replace", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pyhanko_validate_reports_the_seal_intact_and_trusted(app, pdf_file):
    result = _pyhanko_validate(app, pdf_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"PaktaSeal:[0-9a-f]+:INTACT:TRUSTED,UNTOUCHED", result.stdout), result.stdout


def test_pyhanko_validate_fails_on_a_one_byte_change(app, tampered_file):
    result = _pyhanko_validate(app, tampered_file)
    assert result.returncode != 0
    assert "INTACT" not in result.stdout


def test_reinstating_while_the_person_has_signed_again_exits_1_naming_the_new_certificate(
    runner, client, session, signed, issued
):
    number = signed.certificate_number
    assert (
        runner.invoke(args=["certificates", "revoke", number, "--reason", "sanction"]).exit_code
        == 0
    )
    again = sign_again(session, signed)
    session.commit()

    result = runner.invoke(args=["certificates", "reinstate", number])

    assert result.exit_code == 1
    assert again.certificate_number in result.output and "tidak dapat dipulihkan" in result.output
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "revoked"
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.reinstate"))
        is None
    )


# -- pakta verify --proof: the certificate's entry in the transparency log -----------------


@pytest.fixture
def proof_file(app, client, session, signed, issued, tmp_path) -> Path:
    from pakta.models import LogName
    from pakta.services.transparency_log import checkpoints

    signer = certificate_keys.signer(session, app.instance_path, app.config["SIGNING_KEY"])
    checkpoints.create(session, signer, app.config["BASE_URL"], LogName.SIGNING)
    session.commit()
    path = tmp_path / "proof.json"
    path.write_text(client.get(f"/api/v1/proof/{signed.certificate_number}").text)
    return path


def test_verify_with_a_proof_checks_the_entry_against_the_signed_checkpoint(
    runner, issued, proof_file
):
    result = runner.invoke(args=["verify", issued.token, "--proof", str(proof_file)])
    assert result.exit_code == 0, result.output
    seq = json.loads(proof_file.read_text())["entry"]["seq"]
    assert f" {seq} " in result.output


@pytest.mark.parametrize("part", ["audit_path", "body", "checkpoint"])
def test_verify_with_a_changed_proof_exits_1(runner, issued, proof_file, part):
    document = json.loads(proof_file.read_text())
    if part == "audit_path":
        document["audit_path"] = ["00" * 32, *document["audit_path"]]
    elif part == "body":
        document["entry"]["body"] = document["entry"]["body"].replace('"time":"', '"time":"1')
    else:
        lines = document["checkpoint"]["note"].split("\n")
        lines[1] = str(int(lines[1]) + 1)
        document["checkpoint"]["note"] = "\n".join(lines)
    proof_file.write_text(json.dumps(document))
    result = runner.invoke(args=["verify", issued.token, "--proof", str(proof_file)])
    assert result.exit_code == 1, result.output
