"""The PDF seal: the self-signed ECDSA seal `pakta keys init` makes, an RSA one made before it,
and a CA-issued RSA PKCS#12 (as BSrE issues), each sealing through pyHanko's public API."""

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from pakta.asyncutil import call_without_loop
from pakta.keys import seal
from pakta.pdf import render_pdf
from pakta.services.certificates import pdf_check

ORGANISATION = "Pemerintah Kota Contoh"


@dataclass
class Seal:
    signer: seal.KeptKeySigner
    trust_roots: list  # what a relying party trusts: the seal itself, or the issuing CA
    mechanism: str  # the signature algorithm the CMS names


def _write_key(path: Path, key) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def self_signed_ecdsa(folder: Path) -> Seal:
    seal.init_self_signed(str(folder), ORGANISATION)
    signer = seal.load_signer(str(folder))
    return Seal(signer, [signer.signing_cert], "sha256_ecdsa")


def self_signed_rsa_from_before(folder: Path) -> Seal:
    """A seal on disk as `pakta keys init` made it before ECDSA: RSA-2048, self-signed."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path, cert_path = seal.seal_paths(str(folder))
    _write_key(key_path, key)
    certificate = seal.self_signed_certificate(key, ORGANISATION)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    signer = seal.load_signer(str(folder))
    return Seal(signer, [signer.signing_cert], "sha256_rsa")


def ca_issued_rsa_pkcs12(ca_issued_seal) -> Seal:
    """A CA-issued seal, trusted through its CA (not the seal's own certificate)."""
    signer = seal.load_signer("/nonexistent", ca_issued_seal.pkcs12_path, ca_issued_seal.password)
    return Seal(signer, [asn1_x509.Certificate.load(ca_issued_seal.ca_der)], "sha256_rsa")


SEALS = [self_signed_ecdsa, self_signed_rsa_from_before, ca_issued_rsa_pkcs12]


@pytest.fixture(params=SEALS, ids=lambda make: make.__name__)
def any_seal(request, tmp_path) -> Seal:
    if request.param is ca_issued_rsa_pkcs12:
        return ca_issued_rsa_pkcs12(request.getfixturevalue("ca_issued_seal"))
    return request.param(tmp_path)


def sealed(signer) -> bytes:
    return seal.seal_pdf(render_pdf("<p>Pakta</p>"), signer, reason="test", location="Contoh")


def test_keys_init_makes_a_self_signed_ecdsa_p256_seal(tmp_path):
    cert_path = seal.init_self_signed(str(tmp_path), ORGANISATION)
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    assert certificate.issuer == certificate.subject


def test_keys_init_keeps_a_seal_that_is_already_there(tmp_path):
    first = seal.init_self_signed(str(tmp_path), ORGANISATION).read_bytes()
    assert seal.init_self_signed(str(tmp_path), "Another").read_bytes() == first


def test_every_kind_of_seal_validates_intact_and_one_changed_byte_breaks_it(any_seal):
    pdf = sealed(any_seal.signer)
    status = pdf_check.seal_status(pdf_check.read_pdf(pdf), any_seal.trust_roots)
    assert status.present and status.intact and status.whole_file and status.trusted
    embedded = PdfFileReader(BytesIO(pdf)).embedded_signatures[0]
    assert embedded.signer_info["signature_algorithm"]["algorithm"].native == any_seal.mechanism
    position = pdf.index(b"stream") + 40  # a byte of the page's content, inside the seal
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]
    broken = pdf_check.seal_status(pdf_check.read_pdf(tampered), any_seal.trust_roots)
    assert broken.present and not broken.intact


def test_a_seal_is_not_trusted_by_someone_who_trusts_another_seal(tmp_path):
    pdf = sealed(self_signed_ecdsa(tmp_path / "ours").signer)
    other = self_signed_ecdsa(tmp_path / "theirs")
    status = pdf_check.seal_status(pdf_check.read_pdf(pdf), other.trust_roots)
    assert status.intact and not status.trusted


def test_the_signer_parses_its_key_once_not_for_every_seal(any_seal, monkeypatch):
    parsed = []
    load = serialization.load_der_private_key

    def counting(*args, **kwargs):
        parsed.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(serialization, "load_der_private_key", counting)
    sealed(any_seal.signer)
    sealed(any_seal.signer)
    assert parsed == []


def test_an_unreadable_pkcs12_or_a_missing_seal_says_what_to_do(tmp_path):
    with pytest.raises(seal.KeyringError, match="pakta keys init"):
        seal.load_signer(str(tmp_path))
    (tmp_path / "broken.p12").write_bytes(b"not a PKCS#12 file")
    with pytest.raises(seal.KeyringError, match="could not be read"):
        seal.load_signer(str(tmp_path), str(tmp_path / "broken.p12"), "x")


def test_pyhanko_can_measure_the_signature_with_a_dry_run_first(any_seal, monkeypatch):
    # Without room reserved up front, pyHanko signs once with dry_run=True to size /Contents.
    dry_runs = []
    sign_raw = seal.KeptKeySigner.async_sign_raw

    async def counting(self, data, digest_algorithm, dry_run=False):
        dry_runs.append(dry_run)
        return await sign_raw(self, data, digest_algorithm, dry_run=dry_run)

    monkeypatch.setattr(seal.KeptKeySigner, "async_sign_raw", counting)
    writer = IncrementalPdfFileWriter(BytesIO(render_pdf("<p>Pakta</p>")))
    metadata = signers.PdfSignatureMetadata(field_name="PaktaSeal", md_algorithm="sha256")
    # Run where no event loop is running (the browser tests' driver leaves one in this thread).
    pdf = call_without_loop(signers.sign_pdf, writer, metadata, signer=any_seal.signer).getvalue()
    assert dry_runs == [True, False]
    status = pdf_check.seal_status(pdf_check.read_pdf(pdf), any_seal.trust_roots)
    assert status.intact and status.trusted
