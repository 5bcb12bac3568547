import asyncio
import hashlib

import pytest
from pyhanko.sign import signers

from pakta.asyncutil import call_without_loop
from pakta.keys import seal


def run(signer, *args, **kwargs):
    """The signer's ``async_sign`` run to completion, also when the test thread has a loop
    (the browser tests' driver leaves one running)."""
    return call_without_loop(lambda: asyncio.run(signer.async_sign(*args, **kwargs)))


@pytest.fixture
def seal_signer(tmp_path):
    seal.init_self_signed(str(tmp_path), "Pemerintah Kota Contoh")
    return seal.load_signer(str(tmp_path))


def test_a_seal_is_byte_for_byte_what_pyhanko_makes_and_assembled_only_once(
    seal_signer, monkeypatch
):
    assembled = []
    signed_attrs = signers.SimpleSigner.signed_attrs

    async def counting(self, *args, **kwargs):
        if self is seal_signer:
            assembled.append("pades" if kwargs.get("use_pades") else "cms")
        return await signed_attrs(self, *args, **kwargs)

    monkeypatch.setattr(signers.SimpleSigner, "signed_attrs", counting)
    reference = signers.SimpleSigner(
        signing_cert=seal_signer.signing_cert,
        signing_key=seal_signer.signing_key,
        cert_registry=seal_signer.cert_registry,
    )
    for text in (b"first document", b"second document", b"third document"):
        digest = hashlib.sha256(text).digest()
        kept = run(seal_signer, digest, "sha256", use_pades=True)
        made = run(reference, digest, "sha256", use_pades=True)
        assert kept.dump() == made.dump()
    assert assembled == ["pades"]  # once, for the template

    # Anything but a plain seal goes the whole way through pyHanko: a dry run, and a CMS
    # signature (not PAdES), which signs the signing time.
    run(seal_signer, digest, "sha256", use_pades=True, dry_run=True)
    run(seal_signer, digest, "sha256", use_pades=False)
    assert assembled == ["pades", "pades", "cms"]
