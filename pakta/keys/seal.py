"""The instance's X.509 seal for certificate PDFs (PAdES baseline B, with pyHanko).

By default a self-signed certificate made by `pakta keys init`; a PKCS#12 file
from a real certification authority (for ASN, BSrE) can be configured instead
with PAKTA_SEAL_PKCS12 and PAKTA_SEAL_PKCS12_PASSWORD.
"""

import datetime as dt
import os
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash

from pakta.asyncutil import call_without_loop
from pakta.keys.certificate import KeyringError, key_dir, write_private

SEAL_VALIDITY = dt.timedelta(days=3650)
# Room for the CMS signature: plenty for RSA-4096 with a CA chain of several certificates.
SIGNATURE_ROOM = 32768


def seal_paths(instance_path: str) -> tuple[Path, Path]:
    folder = key_dir(instance_path)
    return folder / "seal-key.pem", folder / "seal-cert.pem"


def init_self_signed(instance_path: str, organisation: str) -> Path:
    """Create the self-signed seal if none exists; returns the certificate's path."""
    key_path, cert_path = seal_paths(instance_path)
    if cert_path.exists() and key_path.exists():
        return cert_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64] or "Pakta"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Pakta e-seal"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + SEAL_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path


class KeptKeySigner(signers.SimpleSigner):
    """A ``SimpleSigner`` that does once what pyHanko does again for every seal.

    * The RSA key stays parsed: pyHanko parses and checks it for every signature (~30 ms).
    * The CMS signature of a PAdES seal (no timestamp, no extra attributes) is the same
      DER document every time but for two fixed-size fields: the document's digest, in
      the signed attributes, and the RSA signature over those attributes (as long as the
      key's modulus). pyHanko assembles it from asn1crypto objects each time (~8 ms); this
      signer has pyHanko make it once for a dummy digest, keeps the bytes, and for each seal
      writes the real digest into them, signs the attributes and writes the signature in.
      The result is byte for byte what pyHanko would have made (tests/keys/test_seal.py).
    """

    _parsed_key = None
    _templates: dict | None = None

    def _parsed(self):
        if self._parsed_key is None:
            self._parsed_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        return self._parsed_key

    def _rsa_pkcs1(self, digest_algorithm: str) -> bool:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        return mechanism == "rsassa_pkcs1v15"

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        if not self._rsa_pkcs1(digest_algorithm):
            return super().sign_raw(data, digest_algorithm)
        return self._parsed().sign(
            data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
        )

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run=False,
        use_pades=False,
        timestamper=None,
        signed_attr_settings=None,
        is_pdf_sig=True,
        encap_content_info=None,
    ):
        plain_seal = (
            use_pades
            and is_pdf_sig
            and not dry_run
            and timestamper is None
            and encap_content_info is None
            and (signed_attr_settings is None or signed_attr_settings.cades_signed_attrs is None)
            and self.signed_attr_prov_spec is None
            and self.unsigned_attr_prov_spec is None
            and not self.attribute_certs
            and self._rsa_pkcs1(digest_algorithm)
        )
        if not plain_seal:
            return await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
        template = await self._template(digest_algorithm, len(data_digest))
        signature = self.sign_raw(template.attributes(data_digest), digest_algorithm)
        return template.signed_data(data_digest, signature)

    async def _template(self, digest_algorithm: str, digest_size: int) -> "_SealTemplate":
        templates = self._templates
        if templates is None:
            templates = self._templates = {}
        key = (digest_algorithm, digest_size)
        if key not in templates:
            dummy = os.urandom(digest_size)
            attributes = await self.signed_attrs(dummy, digest_algorithm, use_pades=True)
            signed_data = await self.async_sign_prescribed_attributes(digest_algorithm, attributes)
            signature = signed_data["content"]["signer_infos"][0]["signature"].native
            templates[key] = _SealTemplate(attributes.dump(), signed_data, dummy, signature)
        return templates[key]


class _SealTemplate:
    """A seal's CMS document made for a dummy digest, with the places of its two variables."""

    def __init__(self, attributes: bytes, signed_data, digest: bytes, signature: bytes):
        self._attributes = attributes
        self._load = type(signed_data).load  # asn1crypto's cms.ContentInfo
        self._signed_data = signed_data = signed_data.dump()
        self._digest_size, self._signature_size = len(digest), len(signature)
        self._digest_in_attributes = _only_place(attributes, digest)
        self._digest_in_signed_data = _only_place(signed_data, digest)
        self._signature_in_signed_data = _only_place(signed_data, signature)

    def attributes(self, digest: bytes) -> bytes:
        """The signed attributes (DER, as signed) for a document with this digest."""
        return _put(self._attributes, self._digest_in_attributes, digest)

    def signed_data(self, digest: bytes, signature: bytes):
        """The CMS ``ContentInfo`` for this digest and the signature of its attributes."""
        if len(digest) != self._digest_size or len(signature) != self._signature_size:
            raise ValueError("the digest or the signature is not the template's size")
        data = _put(self._signed_data, self._digest_in_signed_data, digest)
        return self._load(_put(data, self._signature_in_signed_data, signature))


def _only_place(data: bytes, part: bytes) -> int:
    place = data.find(part)
    if place < 0 or data.find(part, place + 1) >= 0:
        raise ValueError("a seal template field is not in the CMS document exactly once")
    return place


def _put(data: bytes, place: int, part: bytes) -> bytes:
    return data[:place] + part + data[place + len(part) :]


def load_signer(
    instance_path: str, pkcs12_path: str | None = None, pkcs12_password: str | None = None
) -> signers.SimpleSigner:
    if pkcs12_path:
        passphrase = pkcs12_password.encode() if pkcs12_password else None
        signer = signers.SimpleSigner.load_pkcs12(pkcs12_path, passphrase=passphrase)
    else:
        key_path, cert_path = seal_paths(instance_path)
        if not cert_path.exists():
            raise KeyringError("no seal certificate: run `pakta keys init`")
        signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
    if signer is None:
        raise KeyringError("the seal certificate or its key could not be read")
    return KeptKeySigner(
        signing_cert=signer.signing_cert,
        signing_key=signer.signing_key,
        cert_registry=signer.cert_registry,
        signature_mechanism=signer.signature_mechanism,
        prefer_pss=signer.prefer_pss,
    )


def seal_pdf(pdf: bytes, signer: signers.SimpleSigner, *, reason: str, location: str) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="PaktaSeal",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    # Reserving room for the signature up front spares pyHanko a trial signing to measure it.
    return call_without_loop(
        signers.sign_pdf, writer, metadata, signer=signer, bytes_reserved=SIGNATURE_ROOM
    ).getvalue()
