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
    """Check a token, or a certificate PDF's code and seal, with only the public keys.

    Offline checks cannot see revocations: the verification page can.
    """
    from pakta.services.certificates import pdf_check, tokens

    path = Path(token_or_pdf)
    token = token_or_pdf.strip()
    if path.suffix.lower() == ".pdf" or _is_file(path):
        data = path.read_bytes()
        reader = pdf_check.read_pdf(data)
        if reader is None:
            fail(_("{file} is not a readable PDF.").format(file=path))
        seal = pdf_check.seal_status(reader, [])
        if not seal.present:
            click.echo(_("seal: none"))
        elif seal.intact and seal.whole_file:
            click.echo(_("seal: intact ({signer})").format(signer=seal.signer))
        else:
            click.echo(_("seal: BROKEN — the file changed after sealing"))
        token = pdf_check.embedded_token(reader)
        if token is None:
            fail(_("No certificate code was found in the file."))
    else:
        token = tokens.from_text(token)
    try:
        keys = _load_keys(keys_source)
        claims = tokens.verify(token, keys)
    except tokens.TokenError as error:
        fail(_("INVALID: {reason}").format(reason=error))
    except (OSError, ValueError, KeyError) as error:
        fail(_("The keys could not be read: {error}").format(error=error))
    click.echo(_("signature: valid (key {kid})").format(kid=claims.kid))
    click.echo(
        f"{claims.certificate_number}\t{claims.signer_name}\t{claims.unit_code}\t"
        f"{claims.campaign}\t{claims.signed_on.isoformat()}"
    )
    if proof_source:
        _check_inclusion(proof_source, claims.certificate_number, keys)
    click.echo(_("Offline checks cannot see revocations; the verification page can."))
    if path.suffix.lower() == ".pdf" and not (seal.intact and seal.whole_file):
        sys.exit(1)
