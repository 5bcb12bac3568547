import dataclasses
import hashlib
import io
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from asn1crypto.x509 import Certificate
from PIL import Image, ImageChops, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader

from pakta.keys import certificate as certificate_keys
from pakta.models import IssuedCertificate
from pakta.services import campaigns
from pakta.services.certificates import issuing, pdf_check, revocations, tokens
from pakta.services.transparency_log import witness


@pytest.fixture
def issuer(app):
    return issuing.Issuer.from_config(app.config, app.instance_path)


def decode_qr(pdf: bytes) -> str:
    """Rasterise the first page and read its QR code, as a phone would."""
    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found on the certificate"
    return found[0].text


def path_of(url: str, base_url: str) -> str:
    """The path of a link to this app; its scheme and host may be in upper case (v2)."""
    link, base = urlsplit(url), urlsplit(base_url)
    assert (link.scheme.lower(), link.netloc.lower()) == (base.scheme, base.netloc)
    return link.path + (f"?{link.query}" if link.query else "")


def test_issuing_stores_the_sealed_pdf_and_serves_the_same_file_again(session, signed, issuer):
    first = issuing.issue(session, signed, issuer)
    session.commit()
    again = issuing.issue(session, signed, issuer)
    assert again.id == first.id and again.pdf == first.pdf
    assert first.pdf.startswith(b"%PDF")
    assert first.pdf_sha256 == hashlib.sha256(first.pdf).hexdigest()


def test_the_seal_is_intact_and_one_changed_byte_breaks_it(session, signed, issuer):
    pdf = issuing.issue(session, signed, issuer).pdf
    roots = issuing.seal_trust_roots(issuer)
    status = pdf_check.seal_status(pdf_check.read_pdf(pdf), roots)
    assert status.present and status.intact and status.whole_file and status.trusted
    # Change one byte inside the signed content (a digit of the first page's stream).
    position = pdf.index(b"stream") + 40
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]
    broken = pdf_check.seal_status(pdf_check.read_pdf(tampered), roots)
    assert not broken.intact


def test_the_token_carries_the_printed_name_and_no_nip(session, signed, issuer):
    token = issuing.issue(session, signed, issuer).token
    claims, message, _signature = tokens.decode(token)
    assert claims.signer_name == "Budi Santoso, S.Kep."
    assert claims.certificate_number == signed.certificate_number
    assert claims.unit_code == "DINKES-P2P" and claims.campaign == "pilkada-2024"
    # Every signed byte is one of the claims (with the log's witness copy, v3): packed, the
    # NIP would not show as text.
    assert message == tokens.DOMAINS[3] + tokens.payload(claims)
    seen = witness.for_signature(session, signed)
    assert claims.log_seq == seen.seq
    assert claims.log_root_prefix == bytes.fromhex(seen.root_hash)[: tokens.ROOT_PREFIX_BYTES]
    assert "198609262015051001" not in repr(claims)


def test_scanning_the_printed_qr_leads_to_a_valid_verdict_and_tampering_to_invalid(
    client, session, signed, issuer, app
):
    pdf = issuing.issue(session, signed, issuer).pdf
    session.commit()
    url = decode_qr(pdf)
    path = path_of(url, app.config["BASE_URL"])
    page = client.get(path)
    assert "VALID" in page.text or "SAH" in page.text
    assert path.startswith("/V/")  # a v2 token's link
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/api/v1/verify/{token}").json["status"] == "valid"
    flipped = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    assert client.get(f"/api/v1/verify/{flipped}").json["status"] == "invalid"


def test_revoking_shows_at_once_and_reinstating_restores(client, session, signed, issuer):
    token = issuing.issue(session, signed, issuer).token
    revocations.revoke(session, signed, reason="sanction", note="PP 94/2021", actor="cli:test")
    session.commit()
    verdict = client.get(f"/api/v1/verify/{token}").json
    assert verdict["status"] == "revoked" and verdict["revocation_reason"] == "sanction"
    revocations.reinstate(session, signed, note="banding diterima", actor="cli:test")
    session.commit()
    assert client.get(f"/api/v1/verify/{token}").json["status"] == "valid"
    assert len(revocations.history(session, signed.id)) == 2


def test_a_certificate_signed_with_a_rotated_out_key_still_verifies(
    client, session, signed, issuer, app
):
    old = issuing.issue(session, signed, issuer)
    certificate_keys.rotate(session, app.instance_path)
    session.commit()
    assert certificate_keys.active(session).kid != old.kid
    assert client.get(f"/api/v1/verify/{old.token}").json["status"] == "valid"
    keys = client.get("/.well-known/pakta-keys.json").json["keys"]
    assert {k["kid"]: k["status"] for k in keys}[old.kid] == "retired"


def test_the_qr_fits_version_12_at_error_correction_m_even_for_long_names(session, signed, issuer):
    import qrcode

    signed.signer_name = "Prof. Dr. Hj. Raden Ajeng Siti Nurhayati Kusumawardhani, S.H., M.Hum."
    # A witness copy at a position past four billion entries' worth of digits (v3).
    far = witness.Witness(seq=2**32 - 1, root_hash="ab" * 32, matches=True)
    url = issuing.verification_url(
        "https://pakta.sukabumikota.go.id",
        tokens.encode(
            issuing.claims_for(signed, "a1b2c3d4", __import__("zoneinfo").ZoneInfo("UTC"), far),
            __import__(
                "cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"]
            ).Ed25519PrivateKey.generate(),
        ),
    )
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 12
    session.rollback()


def test_a_dropped_pdf_is_recognised_as_the_issued_file(client, session, signed, issuer):
    pdf = issuing.issue(session, signed, issuer).pdf
    session.commit()
    response = client.post(
        "/periksa-pdf",
        data={"pdf": (io.BytesIO(pdf), "sertifikat.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    # Issued here, seal intact, QR code genuine, not revoked, the log agrees with the code's
    # witness copy: every check passed.
    assert response.text.count('class="ok"') == 5
    junk = client.post(
        "/periksa-pdf",
        data={"pdf": (io.BytesIO(b"%PDF-1.7 junk"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 200 and 'class="bad"' in junk.text


def a_logo() -> bytes:
    """A coat of arms as uploaded: 600 x 720 pixels, transparent around the shield."""
    image = Image.new("RGBA", (600, 720), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (580, 20), (580, 420), (300, 700), (20, 420)], fill=(200, 150, 30))
    draw.ellipse((170, 140, 430, 400), fill=(20, 90, 60))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def page_text(pdf: bytes) -> str:
    return pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()


def page_image(pdf: bytes):
    return pypdfium2.PdfDocument(pdf)[0].render(scale=100 / 72).to_pil().convert("RGB")


def test_the_certificate_prints_every_element_of_the_signature(session, signed, issuer):
    campaigns.set_logo(signed.campaign, a_logo())
    certificate = issuing.produce(session, signed, issuer)
    assert certificate.id is None and certificate not in session  # produced, not stored
    text = page_text(certificate.pdf)
    flat = "".join(text.split())
    pact = signed.pact_text
    for expected in (
        "PEMERINTAH KOTA CONTOH",  # the authority
        "Pilkada Serentak 2024 — Pemerintah Kota Contoh",
        pact.heading,
        signed.certificate_number,
        "Budi Santoso, S.Kep.",
        "198609262015051001",  # NIP
        "Perawat Ahli Pertama",
        signed.unit_name,
        "Contoh, ",  # the place, before the date
        "Sekretaris Daerah Dr. H. Ahmad, M.Si.",  # the official on the campaign
        "tanda tangan elektronik tidak tersertifikasi",
        "PP 71/2019",
        *pact.points,
        *pact.legal_basis,
    ):
        assert " ".join(expected.split()) in " ".join(text.split()), expected
    url = issuing.verification_url(issuer.base_url, certificate.token)
    assert url in flat  # under the QR code, in lines
    page = PdfFileReader(io.BytesIO(certificate.pdf)).root["/Pages"]["/Kids"][0]
    images = [image.get_object() for image in page["/Resources"]["/XObject"].values()]
    assert len(images) == 3  # logo, QR code, drawn signature
    logo = next(image for image in images if image.get("/Filter") == "/DCTDecode")
    assert logo["/Height"] == issuing.LOGO_HEIGHT  # scaled once, not 720 pixels each time


def test_the_certificate_is_one_a4_page_laid_out_within_its_margins(session, signed, issuer):
    campaigns.set_logo(signed.campaign, a_logo())
    pdf = issuing.render(signed, "t" * 120, issuer)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)
    page = page_image(pdf)
    ink = ImageChops.invert(page.convert("L")).point(lambda v: 255 if v > 24 else 0).getbbox()
    mm = page.width / 210  # pixels
    left, top, right, bottom = (round(v / mm) for v in ink)
    # certificate.css: @page margins 16 mm 18 mm 14 mm; the rules of the head and the bottom
    # run across the whole width; the logo starts the first line (its shield half a
    # millimetre below the top of the picture).
    assert (left, right) == (18, 210 - 18) and 16 <= top <= 17
    assert 297 - 14 - 60 < bottom <= 297 - 14  # the text ends in the lower part of the page


def test_issuing_stores_what_produce_makes(session, signed, issuer, monkeypatch):
    produced = []
    produce = issuing.produce

    def spy(*args, **kwargs):
        produced.append(produce(*args, **kwargs))
        return produced[-1]

    monkeypatch.setattr(issuing, "produce", spy)
    certificate = issuing.issue(session, signed, issuer)
    assert produced == [certificate] and isinstance(certificate, IssuedCertificate)
    assert certificate.id is not None


def test_warming_up_without_a_signature_loads_the_seal_for_the_certificates_to_come(
    signing_key, issuer
):
    issuing._seal_signer.cache_clear()  # a process that has sealed nothing yet
    issuing.warm_up(issuer)
    assert issuing._seal_signer.cache_info().currsize == 1
    warm = issuing._seal_signer.cache_info().hits
    issuing.seal_signer(issuer)
    assert issuing._seal_signer.cache_info().hits == warm + 1


def test_a_certificate_sealed_with_a_ca_issued_pkcs12_is_trusted_through_its_ca(
    session, signed, issuer, ca_issued_seal
):
    with_bsre = dataclasses.replace(
        issuer, seal_pkcs12=ca_issued_seal.pkcs12_path, seal_pkcs12_password=ca_issued_seal.password
    )
    pdf = issuing.produce(session, signed, with_bsre).pdf
    reader = pdf_check.read_pdf(pdf)
    as_configured = pdf_check.seal_status(reader, issuing.seal_trust_roots(with_bsre))
    assert as_configured.intact and as_configured.trusted
    through_ca = pdf_check.seal_status(reader, [Certificate.load(ca_issued_seal.ca_der)])
    assert through_ca.intact and through_ca.trusted and through_ca.whole_file
    assert "Pemerintah Kota Contoh" in through_ca.signer
