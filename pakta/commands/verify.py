"""`pakta verify`: check a certificate offline with only the public keys."""

import json
import sys
import urllib.request
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from pakta.commands import fail
from pakta.db import get_session
from pakta.i18n import _


def _load_keys(source: str | None) -> dict[str, Ed25519PublicKey]:
    import base64

    from pakta.keys import certificate

    if source is None:
        return certificate.public_keys(get_session())
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=15) as response:  # noqa: S310 (user's URL)
            document = json.load(response)
    else:
        document = json.loads(Path(source).read_text())
    keys = {}
    for key in document.get("keys", []):
        x = key["jwk"]["x"]
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        keys[key["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a token longer than a file name may be
        return False


def _echo_decision(decision, sealed_by: str | None) -> None:
    from pakta.services.certificates.verification import FINDING_LABELS, OUTCOME_LABELS

    click.echo(_("Verdict: {verdict}").format(verdict=OUTCOME_LABELS[decision.outcome.value]))
    for finding in decision.reasons:
        click.echo(f"  ✕ {FINDING_LABELS[finding.value]}")
    for finding in decision.passed:
        click.echo(f"  ✓ {FINDING_LABELS[finding.value]}")
    if sealed_by and "seal_intact" in decision.findings:
        line = _("Sealed electronically by {organisation}").format(organisation=sealed_by)
        click.echo(f"  {line}")


def _check_here(token: str | None, data: bytes | None):
    """This instance's answer: issuance, seal, code and revocation, by the one rule."""
    from pakta.services.certificates import issuing, pdf_check, verification

    session = get_session()
    if data is None:
        verdict = verification.verify_token(session, token)
        return verdict.decision, verdict.claims, None
    checked = pdf_check.check(session, data, issuing.app_trust_roots())
    claims = checked.verdict.claims if checked.verdict else None
    return checked.decision, claims, checked.seal.signer


def _check_offline(token: str | None, data: bytes | None, keys_source: str):
    """Another instance's keys: the code and the seal's integrity, nothing the server knows."""
    from pakta.services.certificates import pdf_check, tokens
    from pakta.services.certificates.verification import Finding, decide

    found, signer = [], None
    if data is not None:
        reader = pdf_check.read_pdf(data)
        if reader is None:
            return decide([Finding.UNREADABLE]), None, None
        seal = pdf_check.seal_status(reader, [])
        found.append(pdf_check.seal_finding(seal, trust_checked=False))
        signer = seal.signer
        token = pdf_check.embedded_token(reader)
        if token is None:
            return decide([*found, Finding.CODE_MISSING]), None, signer
    try:
        keys = _load_keys(keys_source)
    except (OSError, ValueError, KeyError) as error:
        fail(_("The keys could not be read: {error}").format(error=error))
    try:
        claims = tokens.verify(token, keys)
    except tokens.TokenError:
        return decide([*found, Finding.CODE_INVALID]), None, signer
    return decide([*found, Finding.CODE_GENUINE]), claims, signer


def _read_json(source: str) -> dict:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=15) as response:  # noqa: S310 (user's URL)
            return json.load(response)
    return json.loads(Path(source).read_text(encoding="utf-8"))


def _check_inclusion(source: str, number: str, keys: dict[str, Ed25519PublicKey]) -> None:
    """The certificate's entry in the signing log, proven against a signed checkpoint."""
    from pakta.services.transparency_log import checkpoints, merkle, proofs

    try:
        document = _read_json(source)
        seq = proofs.check_document(document, number)
        signed = document.get("checkpoint")
        note = checkpoints.parse(signed["note"]) if signed else None
        if note is not None:
            checkpoints.verify(note, keys)
    except (merkle.ProofError, checkpoints.CheckpointError) as error:
        fail(_("log: NOT INCLUDED: {reason}").format(reason=error))
    except (OSError, ValueError, KeyError, TypeError) as error:
        fail(_("The proof could not be read: {error}").format(error=error))
    covered = note is not None and (note.tree_size, note.root_hash.hex()) == (
        int(document["tree_size"]),
        document["root_hash"],
    )
    if covered:
        click.echo(
            _("log: entry {seq} is in the signed checkpoint of {size} entries").format(
                seq=seq, size=note.tree_size
            )
        )
    else:
        click.echo(
            _("log: entry {seq} is in the log of {size} entries (not yet in a checkpoint)").format(
                seq=seq, size=document["tree_size"]
            )
        )


@click.command("verify")
@click.argument("token_or_pdf")
@click.option("--keys", "keys_source", help="pakta-keys.json file or URL (default: this instance)")
@click.option(
    "--proof",
    "proof_source",
    help="The certificate's inclusion proof (/api/v1/proof/<number>), file or URL: checks "
    "that the signing log holds it, against the checkpoint's signature.",
)
def verify_command(token_or_pdf: str, keys_source: str | None, proof_source: str | None) -> None:
    """Check a token or a certificate PDF and print one verdict, then its reasons.

    Against this instance the verdict is the verification page's; with --keys only the
    code and the seal's integrity can be checked, not revocations. Exits 0 only for VALID.
    """
    from pakta.services.certificates import tokens
    from pakta.services.certificates.verification import Outcome

    path = Path(token_or_pdf)
    data, token = None, None
    if path.suffix.lower() == ".pdf" or _is_file(path):
        try:
            data = path.read_bytes()
        except OSError as error:
            fail(_("{file} could not be read: {error}").format(file=path, error=error))
    else:
        token = tokens.from_text(token_or_pdf)
    if keys_source is None:
        decision, claims, sealed_by = _check_here(token, data)
    else:
        decision, claims, sealed_by = _check_offline(token, data, keys_source)
    _echo_decision(decision, sealed_by)
    if claims is not None:
        click.echo(_("signature: valid (key {kid})").format(kid=claims.kid))
        click.echo(
            f"{claims.certificate_number}\t{claims.signer_name}\t{claims.unit_code}\t"
            f"{claims.campaign}\t{claims.signed_on.isoformat()}"
        )
        if claims.has_witness:
            # A v3 code's witness copy, signed: the same as the certificate prints.
            click.echo(
                _("log: entry #{seq}; the log's root after it begins {root}").format(
                    seq=claims.log_seq, root=claims.log_root_prefix.hex()
                )
            )
    if proof_source and claims is not None:
        try:
            keys = _load_keys(keys_source)
        except (OSError, ValueError, KeyError) as error:
            fail(_("The keys could not be read: {error}").format(error=error))
        _check_inclusion(proof_source, claims.certificate_number, keys)
    if keys_source is not None:
        click.echo(_("Offline checks cannot see revocations; the verification page can."))
    if decision.outcome != Outcome.VALID:
        sys.exit(1)
