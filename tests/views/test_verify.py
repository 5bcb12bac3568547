"""Public verification: the verdict page, the JSON API, the published keys, the PDF check."""

import base64
import hashlib
import io
import json
import re
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import select

from pakta.keys import certificate as certificate_keys
from pakta.models import IssuedCertificate
from pakta.services.certificates import issuing, revocations, tokens
from pakta.services.identity import mask_identity
from pakta.templating import local_datetime
from tests.conftest import seal_organisation

NIP = "198609262015051001"  # the `signed` fixture's employee
BIRTH_DATE_DIGITS = NIP[:8]
API_FIELDS = {
    "verdict",
    "reasons",
    "status",
    "certificate_number",
    "name",
    "unit",
    "campaign",
    "signed_at",
    "pdf_sha256",
    "revoked_at",
    "revocation_reason",
}


@pytest.fixture
def issued(session, signed, app, token_version) -> IssuedCertificate:
    certificate = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    session.commit()
    assert tokens.version_of(certificate.token) == token_version
    return certificate


def translated(app, message: str, **variables) -> str:
    """The message as the default (Indonesian) page shows it, HTML-escaped."""
    from flask_babel import gettext

    with app.test_request_context():
        return str(escape(gettext(message, **variables)))


def formatted(app, value) -> str:
    with app.test_request_context():
        return str(escape(local_datetime(value)))


def flip(token: str, position: int | None = None) -> str:
    position = len(token) // 2 if position is None else position
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


def verdict_block(html: str) -> str:
    match = re.search(r'<section class="verdict (verdict-\w+)"', html)
    assert match, "no verdict block on the page"
    return match.group(1)


def outcome(html: str) -> str:
    """The one verdict a page shows; it must come before any detail."""
    found = re.findall(r'<(?:h1|p) class="verdict-outcome">([^<]*)</', html)
    assert len(found) == 1, f"expected one verdict, found {found}"
    assert html.index("verdict-outcome") < html.find('class="checks"')
    return found[0]


def details(html: str) -> tuple[list[str], list[str]]:
    """The failed and the passed checks listed under the verdict."""
    failed = re.findall(r'<li class="bad">([^<]*)</li>', html)
    passed = re.findall(r'<li class="ok">([^<]*)</li>', html)
    return failed, passed


# -- the verdict page ---------------------------------------------------------------------


def test_a_valid_certificate_shows_who_what_and_when_with_the_nip_masked(
    client, app, signed, issued
):
    response = client.get(f"/v/{issued.token}")
    assert response.status_code == 200
    html = response.text
    assert verdict_block(html) == "verdict-valid"
    assert translated(app, "VALID") in html
    assert str(escape(signed.signer_name)) in html
    assert "Bidang P2P" in html  # the unit as it was when signed
    assert str(escape(signed.campaign.title)) in html
    assert formatted(app, signed.signed_at) in html
    assert issued.pdf_sha256 in html
    assert signed.certificate_number in html
    assert mask_identity(NIP) in html and mask_identity(NIP).endswith("001")
    assert NIP not in html
    assert BIRTH_DATE_DIGITS not in html
    assert response.headers["Cache-Control"] == "no-cache"


def test_the_verdict_page_is_made_for_a_360_px_phone(client, issued):
    html = client.get(f"/v/{issued.token}").text
    assert re.search(r'<meta name="viewport" content="width=device-width[^"]*"', html)
    assert 'role="status"' in html and verdict_block(html)


def test_a_revoked_certificate_says_so_with_the_date_and_reason_category(
    client, app, session, signed, issued
):
    event = revocations.revoke(
        session, signed, reason="wrong_identity", note="NIP tertukar", actor="cli:test"
    )
    session.commit()
    html = client.get(f"/v/{issued.token}").text
    assert verdict_block(html) == "verdict-bad"
    assert translated(app, "REVOKED") in html
    assert formatted(app, event.occurred_at) in html
    assert translated(app, "wrong identity") in html
    # Still recognisable, still masked; the internal note is not public.
    assert str(escape(signed.signer_name)) in html and mask_identity(NIP) in html
    assert NIP not in html and "NIP tertukar" not in html


def test_the_printed_link_of_either_version_opens_the_verdict_and_a_flipped_one_is_invalid(
    client, app, issued, token_version
):
    url = issuing.verification_url(app.config["BASE_URL"], issued.token)
    path = "/" + url.split("/", 3)[3]
    assert path == (f"/v/{issued.token}" if token_version == 1 else f"/V/{issued.token}")
    assert verdict_block(client.get(path).text) == "verdict-valid"
    assert verdict_block(client.get(flip(path, len(path) - 20)).text) == "verdict-bad"


def test_a_nul_in_the_code_is_refused_before_any_check_in_indonesian(client):
    response = client.get("/v/%00")
    assert response.status_code == 400 and 'lang="id"' in response.text


@pytest.mark.parametrize("token", ["garbage", "x" * 700, "AAAA", "../../etc/passwd"])
def test_garbage_is_invalid(client, app, signing_key, token):
    response = client.get(f"/v/{token}")
    assert response.status_code == 200
    assert verdict_block(response.text) == "verdict-bad"
    assert translated(app, "INVALID") in response.text
    assert translated(app, "NOT FOUND") not in response.text


def test_one_flipped_character_makes_a_genuine_token_invalid(client, app, signed, issued):
    response = client.get(f"/v/{flip(issued.token)}")
    assert verdict_block(response.text) == "verdict-bad"
    assert translated(app, "INVALID") in response.text
    assert str(escape(signed.signer_name)) not in response.text


def test_a_correctly_signed_token_for_a_certificate_we_never_issued_is_not_found(
    client, app, session, signing_key
):
    signer = certificate_keys.signer(session, app.instance_path, None)
    claims = tokens.Claims(
        signer.kid, "PKT-2099-ZZZZ-ZZZZ", "pilkada-2024", "DINKES", "Nama Rekaan", date(2024, 9, 2)
    )
    token = tokens.encode(claims, signer.private_key)
    html = client.get(f"/v/{token}").text
    assert verdict_block(html) == "verdict-bad"
    assert outcome(html) == translated(app, "INVALID")
    failed, _passed = details(html)
    assert failed == [
        translated(app, "The code is correctly signed, but this system has no such certificate.")
    ]
    body = client.get(f"/api/v1/verify/{token}").json
    assert (body["status"], body["verdict"], body["reasons"]) == (
        "not_found",
        "invalid",
        ["code_unknown"],
    )


def test_a_token_signed_by_us_with_another_name_for_a_real_number_is_invalid(
    client, app, session, signed, issued
):
    """A QR copied onto someone else's certificate: the claims must be the issued ones."""
    signer = certificate_keys.signer(session, app.instance_path, None)
    claims = tokens.verify(issued.token, certificate_keys.public_keys(session))
    other = tokens.encode(
        tokens.Claims(**{**claims.__dict__, "signer_name": "Siti Aminah"}), signer.private_key
    )
    assert client.get(f"/api/v1/verify/{other}").json["status"] == "invalid"


# -- the JSON API -------------------------------------------------------------------------


def test_the_api_answers_with_exactly_the_documented_fields(client, app, signed, issued):
    response = client.get(f"/api/v1/verify/{issued.token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.json
    assert set(body) == API_FIELDS
    assert body["verdict"] == "valid" and body["reasons"] == []
    assert body["status"] == "valid"
    assert body["certificate_number"] == signed.certificate_number
    assert body["name"] == signed.signer_name
    assert body["unit"] == "Bidang P2P"
    assert body["campaign"] == signed.campaign.title
    assert body["pdf_sha256"] == issued.pdf_sha256 == hashlib.sha256(issued.pdf).hexdigest()
    assert body["revoked_at"] is None and body["revocation_reason"] is None
    # signed_at is ISO 8601 in the instance's time zone (WIB, +07:00), the same instant.
    from datetime import datetime

    signed_at = datetime.fromisoformat(body["signed_at"])
    assert signed_at.utcoffset().total_seconds() == 7 * 3600
    assert signed_at == signed.signed_at
    assert NIP not in response.text and BIRTH_DATE_DIGITS not in response.text


def test_the_api_reports_revocation_and_nothing_personal_for_invalid_tokens(
    client, session, signed, issued
):
    revocations.revoke(session, signed, reason="sanction", note="", actor="cli:test")
    session.commit()
    body = client.get(f"/api/v1/verify/{issued.token}").json
    assert set(body) == API_FIELDS
    assert body["status"] == "revoked" and body["revocation_reason"] == "sanction"
    assert body["verdict"] == "revoked" and body["reasons"] == ["revoked"]
    assert body["revoked_at"] is not None and body["name"] == signed.signer_name
    invalid = client.get(f"/api/v1/verify/{flip(issued.token)}").json
    assert invalid == dict.fromkeys(API_FIELDS) | {
        "status": "invalid",
        "verdict": "invalid",
        "reasons": ["code_invalid"],
    }


# -- rate limit ---------------------------------------------------------------------------


@pytest.fixture
def limited_client(limited_app):
    """A client of an app with rate limits on (see ``limited_app`` in conftest)."""
    return limited_app().test_client()


@pytest.mark.parametrize("path", ["/v/garbage", "/V/GARBAGE", "/api/v1/verify/garbage"])
def test_the_121st_verification_within_a_minute_is_refused(limited_client, path):
    statuses = [limited_client.get(path).status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120
    assert statuses[120] == 429


def test_the_shared_test_app_is_not_rate_limited_after_the_limited_one_ran(client):
    # Guards the fixture above: if the limiter stayed on, this would hit 429.
    assert all(client.get("/v/garbage").status_code == 200 for _ in range(125))


# -- published keys and the offline page --------------------------------------------------


def _raw(x: str) -> bytes:
    return base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))


def test_the_well_known_document_lists_active_and_retired_keys_as_jwks(
    client, app, session, signing_key
):
    old = signing_key.kid
    new = certificate_keys.rotate(session, app.instance_path).kid
    session.commit()
    response = client.get("/.well-known/pakta-keys.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    keys = {key["kid"]: key for key in response.json["keys"]}
    assert set(keys) == {old, new}
    assert keys[old]["status"] == "retired" and keys[old]["retired_at"]
    assert keys[new]["status"] == "active" and keys[new]["retired_at"] is None
    for kid, key in keys.items():
        assert key["alg"] == "Ed25519"
        jwk = key["jwk"]
        assert set(jwk) == {"kty", "crv", "x", "kid"}
        assert (jwk["kty"], jwk["crv"], jwk["kid"]) == ("OKP", "Ed25519", kid)
        assert "=" not in jwk["x"] and "d" not in jwk  # base64url, and never the private part
        raw = _raw(jwk["x"])
        assert len(raw) == 32 and certificate_keys.kid_for(raw) == kid
        assert raw == certificate_keys.raw_public(certificate_keys.public_keys(session)[kid])


def test_the_offline_page_embeds_the_published_keys(client, session, signing_key):
    html = client.get("/verify").text
    match = re.search(
        r'<script type="application/json" id="pakta-keys">(.*?)</script>', html, re.DOTALL
    )
    assert match, "the keys are not embedded in /verify"
    embedded = json.loads(match.group(1))
    assert embedded == client.get("/.well-known/pakta-keys.json").json
    assert [key["kid"] for key in embedded["keys"]] == [signing_key.kid]
    assert "verify-offline.js" in html
    assert "data-offline-form" in html


# -- dropping a PDF -----------------------------------------------------------------------


def _post_pdf(client, data: bytes, name: str = "sertifikat.pdf"):
    return client.post(
        "/periksa-pdf",
        data={"pdf": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def one_byte_changed(pdf: bytes) -> bytes:
    """Flip one bit in the first page's content stream, inside the sealed byte range."""
    position = pdf.index(b"stream") + 40
    return pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1 :]


def seal_reason_changed(pdf: bytes) -> bytes:
    """One letter of the seal's /Reason, after its /Contents: the page and the QR untouched."""
    position = pdf.rindex(b"Netralitas") + len("Netralita")
    return pdf[:position] + b"z" + pdf[position + 1 :]


def token_forged(pdf: bytes, token: str) -> bytes:
    """The embedded code with one character changed, saved as an incremental update."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    info = writer.trailer["/Info"]
    keywords = str(info["/Keywords"])
    assert token in keywords
    info["/Keywords"] = generic.TextStringObject(keywords.replace(token, flip(token)))
    writer.mark_update(info.container_ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ISSUED = "This is exactly the file that was issued (its SHA-256 matches)."
NOT_ISSUED = "This is not a file this system issued, or it has been changed since."
SEAL_INTACT = "The electronic seal is intact: nothing in the file has changed since it was sealed."
SEAL_BROKEN = "The electronic seal is broken: the file was changed after sealing."
CODE_GENUINE = "The QR code was signed by this system and is unaltered."
CODE_INVALID = "This code was not issued by this system, or it has been altered."
NOT_REVOKED = "The certificate has not been revoked."
REVOKED = "The certificate has been revoked."
LOG_MATCHES = (
    "The signing log agrees with the copy printed on the certificate: its entry is at the "
    "position printed, and the log's root after it is the one printed."
)


def log_checks(version: int) -> tuple[str, ...]:
    """The passed check a v3 code adds: its witness copy agrees with the signing log."""
    return (LOG_MATCHES,) if version == 3 else ()


def test_the_issued_pdf_is_valid_with_every_check_passed_and_who_sealed_it(
    client, app, issued, token_version
):
    html = _post_pdf(client, issued.pdf).text
    assert verdict_block(html) == "verdict-valid"
    assert outcome(html) == translated(app, "VALID")
    failed, passed = details(html)
    assert failed == []
    checks = (ISSUED, SEAL_INTACT, CODE_GENUINE, NOT_REVOKED, *log_checks(token_version))
    assert passed == [translated(app, message) for message in checks]
    sealed_by = "Sealed electronically by %(organisation)s"
    organisation = seal_organisation(issued.pdf)
    assert translated(app, sealed_by, organisation=organisation) in html
    assert "Common Name" not in html and "Country" not in html
    assert issued.pdf_sha256 in html
    assert f"/v/{issued.token}" in html  # the details link carries the embedded token


@pytest.mark.parametrize(
    "tamper", [one_byte_changed, seal_reason_changed], ids=["page_byte", "seal_byte"]
)
def test_a_changed_pdf_whose_qr_code_is_intact_is_invalid_and_never_shows_valid(
    client, app, issued, tamper, token_version
):
    tampered = tamper(issued.pdf)
    html = _post_pdf(client, tampered).text
    assert verdict_block(html) == "verdict-bad"
    assert outcome(html) == translated(app, "INVALID")
    # The page's words, not its markup: the details link's random token may hold "SAH".
    words = re.sub(translated(app, "INVALID"), "", re.sub(r"<[^>]*>", " ", html))
    assert not re.search(rf"\b{translated(app, 'VALID')}\b", words)
    failed, passed = details(html)
    assert failed == [translated(app, NOT_ISSUED), translated(app, SEAL_BROKEN)]
    checks = (CODE_GENUINE, NOT_REVOKED, *log_checks(token_version))
    assert passed == [translated(app, message) for message in checks]
    assert hashlib.sha256(tampered).hexdigest() in html


def test_a_revoked_pdf_is_revoked_with_the_date_and_reason_and_nothing_else_wrong(
    client, app, session, signed, issued, token_version
):
    event = revocations.revoke(session, signed, reason="sanction", note="", actor="cli:test")
    session.commit()
    html = _post_pdf(client, issued.pdf).text
    assert verdict_block(html) == "verdict-bad"
    assert outcome(html) == translated(app, "REVOKED")
    assert formatted(app, event.occurred_at) in html
    assert translated(app, "sanction") in html
    failed, passed = details(html)
    assert failed == [translated(app, REVOKED)]
    checks = (ISSUED, SEAL_INTACT, CODE_GENUINE, *log_checks(token_version))
    assert passed == [translated(app, message) for message in checks]


def test_a_pdf_with_a_forged_code_is_invalid_for_the_code_too(client, app, issued):
    html = _post_pdf(client, token_forged(issued.pdf, issued.token)).text
    assert outcome(html) == translated(app, "INVALID")
    failed, passed = details(html)
    assert translated(app, CODE_INVALID) in failed
    assert translated(app, NOT_ISSUED) in failed and translated(app, SEAL_BROKEN) in failed
    assert passed == []


def test_the_api_and_the_qr_page_give_the_pdf_checks_verdict_for_the_code(
    client, app, session, signed, issued, token_version
):
    page = client.get(f"/v/{issued.token}").text
    assert outcome(page) == translated(app, "VALID")
    checks = (CODE_GENUINE, NOT_REVOKED, *log_checks(token_version))
    assert details(page) == ([], [translated(app, message) for message in checks])
    forged = client.get(f"/v/{flip(issued.token)}").text
    assert outcome(forged) == translated(app, "INVALID")
    assert details(forged) == ([translated(app, CODE_INVALID)], [])
    revocations.revoke(session, signed, reason="sanction", note="", actor="cli:test")
    session.commit()
    assert outcome(client.get(f"/v/{issued.token}").text) == translated(app, "REVOKED")
    assert client.get(f"/api/v1/verify/{issued.token}").json["verdict"] == "revoked"


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "foto.png"), (b"Sertifikat palsu", "x.pdf")],
)
def test_a_file_that_is_not_a_pdf_is_said_to_be_unreadable(client, app, signing_key, data, name):
    response = _post_pdf(client, data, name)
    assert response.status_code == 200
    html = response.text
    assert outcome(html) == translated(app, "INVALID")
    assert details(html) == (
        [translated(app, NOT_ISSUED), translated(app, "The file is not a readable PDF.")],
        [],
    )
    assert hashlib.sha256(data).hexdigest() in html


def test_submitting_no_file_asks_for_one(client, app):
    response = client.post("/periksa-pdf", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert translated(app, "Choose a PDF file.") in response.text


def test_the_issued_record_is_found_by_the_hash_the_page_shows(session, issued):
    from pakta.services.certificates import verification

    assert verification.by_pdf_hash(session, issued.pdf_sha256.upper()).id == issued.id
    assert session.scalar(select(IssuedCertificate.pdf_sha256)) == issued.pdf_sha256


def test_checking_a_pdf_before_any_seal_exists_answers_instead_of_failing(app_variant, connection):
    import io

    fresh = app_variant()
    response = fresh.test_client().post(
        "/periksa-pdf",
        data={"pdf": (io.BytesIO(b"%PDF-1.7\n%%EOF"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
