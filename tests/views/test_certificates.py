"""Certificate downloads (who may have the file) and revocation in the admin pages."""

import hashlib
import re
from datetime import datetime

import pytest
from markupsafe import escape
from sqlalchemy import select

from pakta.models import AuditEvent, Employee, EmploymentType, RevocationEvent
from pakta.services import accounts, links
from pakta.services.certificates import issuing, revocations
from tests.conftest import PASSWORD, sign_again


def translated(client, message: str) -> str:
    from flask_babel import gettext

    with client.application.test_request_context():
        return gettext(message)


@pytest.fixture
def personal_token(session, signed) -> str:
    rows = links.export_rows(session, signed.campaign, None, None)
    session.commit()
    return next(row.token for row in rows if row.identity_number == signed.employee.identity_number)


@pytest.fixture
def issued(session, signed, app):
    certificate = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    session.commit()
    return certificate


@pytest.fixture
def disdik_operator(session, units):
    user = accounts.create_user(
        session,
        email="operator@disdik.contoh.go.id",
        name="Operator Disdik",
        role="operator",
        password=PASSWORD,
        unit_code="DISDIK",
    )
    session.commit()
    return user


def assert_pdf_download(response, number: str) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="sertifikat-{number}.pdf"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data.startswith(b"%PDF")
    return response.data


def stored(session, signed):
    return issuing.issued(session, signed)


# -- downloads ----------------------------------------------------------------------------


def test_the_signer_downloads_through_their_personal_link_the_same_file_each_time(
    client, session, signed, personal_token
):
    assert stored(session, signed) is None  # nothing issued before the first download
    first = assert_pdf_download(
        client.get(f"/s/{personal_token}/sertifikat.pdf"), signed.certificate_number
    )
    second = assert_pdf_download(
        client.get(f"/s/{personal_token}/sertifikat.pdf"), signed.certificate_number
    )
    assert first == second
    record = stored(session, signed)
    assert record.pdf == first
    assert record.pdf_sha256 == hashlib.sha256(first).hexdigest()


def test_a_personal_link_that_does_not_exist_gives_no_certificate(client, signed):
    response = client.get("/s/tidak-ada-tautan-seperti-ini/sertifikat.pdf")
    assert response.status_code == 404
    assert not response.data.startswith(b"%PDF")


def test_someone_elses_personal_link_does_not_give_this_certificate(client, session, signed, units):
    other = Employee(
        identity_number="199001012015011001",
        name="Sari",
        employment_type=EmploymentType.PNS,
        unit=units["DINKES-P2P"],
    )
    session.add(other)
    rows = links.export_rows(session, signed.campaign, None, None)
    session.commit()
    token = next(row.token for row in rows if row.identity_number == other.identity_number)
    response = client.get(f"/s/{token}/sertifikat.pdf")
    # Sari has not signed: she is sent to sign, not handed Budi's file.
    assert response.status_code == 302
    assert f"/s/{token}" in response.headers["Location"]
    assert not response.data.startswith(b"%PDF")


def test_an_admin_downloads_the_same_file_the_signer_got(
    client, auth, session, signed, personal_token, admin_user
):
    mine = client.get(f"/s/{personal_token}/sertifikat.pdf").data
    auth.login()
    response = client.get(f"/admin/sertifikat/{signed.certificate_number}.pdf")
    assert assert_pdf_download(response, signed.certificate_number) == mine


def test_the_operator_of_the_signers_parent_unit_can_download(
    client, auth, signed, issued, operator_user
):
    # operator_user runs DINKES; the signer is in DINKES-P2P, beneath it.
    auth.login(email=operator_user.email)
    response = client.get(f"/admin/sertifikat/{signed.certificate_number}.pdf")
    assert assert_pdf_download(response, signed.certificate_number) == issued.pdf


def test_an_operator_of_another_unit_gets_not_found(client, auth, signed, issued, disdik_operator):
    auth.login(email=disdik_operator.email)
    for path in (
        f"/admin/sertifikat/{signed.certificate_number}.pdf",
        f"/admin/sertifikat/{signed.certificate_number}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert signed.signer_name not in response.text


def test_anonymous_visitors_are_sent_to_log_in(client, signed, issued):
    for path in (
        f"/admin/sertifikat/{signed.certificate_number}.pdf",
        f"/admin/sertifikat/{signed.certificate_number}",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/masuk" in response.headers["Location"]
    response = client.post(
        f"/admin/sertifikat/{signed.certificate_number}",
        data={"revoke-reason": "sanction", "revoke-submit": "1"},
    )
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_an_unknown_certificate_number_is_not_found(client, auth, admin_user, signing_key):
    auth.login()
    assert client.get("/admin/sertifikat/PKT-2099-ZZZZ-ZZZZ.pdf").status_code == 404


# -- revocation ---------------------------------------------------------------------------


def revoke(client, number: str, reason="sanction", note="Putusan BKN"):
    """Both steps: the reason and note, then the confirmation (when the first was accepted)."""
    data = {"revoke-reason": reason, "revoke-note": note, "revoke-submit": "Lanjut"}
    first = client.post(f"/admin/sertifikat/{number}", data=data)
    if first.status_code != 200 or 'name="revoke-confirmed"' not in first.text:
        return first
    if 'value="yes"' not in first.text:  # the form again, with its errors
        return first
    return client.post(f"/admin/sertifikat/{number}", data={**data, "revoke-confirmed": "yes"})


def reinstate(client, number: str, note="Banding diterima"):
    return client.post(
        f"/admin/sertifikat/{number}",
        data={"reinstate-note": note, "reinstate-submit": "Pulihkan"},
    )


def test_an_admin_revokes_in_the_detail_page_and_verification_shows_it_at_once(
    client, auth, session, signed, issued, admin_user
):
    auth.login()
    page = client.get(f"/admin/sertifikat/{signed.certificate_number}")
    assert 'name="revoke-reason"' in page.text and 'name="revoke-submit"' in page.text
    response = revoke(client, signed.certificate_number)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/sertifikat/{signed.certificate_number}")
    verdict = client.get(f"/api/v1/verify/{issued.token}").json
    assert verdict["status"] == "revoked" and verdict["revocation_reason"] == "sanction"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert event is not None
    assert event.actor == admin_user.email and event.actor_id == admin_user.id
    assert event.target_type == "signature" and event.target_id == signed.certificate_number
    assert event.details["reason"] == "sanction" and event.details["note"] == "Putusan BKN"
    # The page now offers reinstating instead.
    page = client.get(f"/admin/sertifikat/{signed.certificate_number}").text
    assert 'name="reinstate-submit"' in page and 'name="revoke-submit"' not in page
    assert "Putusan BKN" in page


def test_reinstating_is_a_new_audited_act_and_the_revocation_stays_on_record(
    client, auth, session, signed, issued, admin_user
):
    auth.login()
    revoke(client, signed.certificate_number)
    response = reinstate(client, signed.certificate_number)
    assert response.status_code == 302
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"
    actions = [e.action.value for e in revocations.history(session, signed.id)]
    assert actions == ["revoke", "reinstate"]
    audited = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_id == signed.certificate_number)
        .order_by(AuditEvent.id)
    ).all()
    assert audited == ["certificate.revoke", "certificate.reinstate"]


def test_the_revoke_form_preselects_no_reason_and_offers_a_note(
    client, auth, signed, issued, admin_user
):
    auth.login()
    html = client.get(f"/admin/sertifikat/{signed.certificate_number}").text
    select = re.search(r'<select[^>]*name="revoke-reason".*?</select>', html, re.DOTALL).group(0)
    options = re.findall(r"<option([^>]*)>", select)
    assert re.search(r'value=""', options[0])
    assert all("selected" not in option for option in options[1:])
    assert 'name="revoke-note"' in html


def test_revoking_without_a_reason_says_so_and_revokes_nothing(
    client, auth, session, signed, issued, admin_user
):
    auth.login()
    response = revoke(client, signed.certificate_number, reason="", note="")
    assert response.status_code == 422
    assert translated(client, "Choose a reason for the revocation.") in response.text
    assert session.scalar(select(RevocationEvent)) is None


def test_the_confirmation_names_the_person_and_the_number_and_revokes_nothing_yet(
    client, auth, session, signed, issued, admin_user
):
    auth.login()
    response = client.post(
        f"/admin/sertifikat/{signed.certificate_number}",
        data={"revoke-reason": "sanction", "revoke-note": "Putusan BKN", "revoke-submit": "1"},
    )
    assert response.status_code == 200
    html = response.text
    assert str(escape(signed.signer_name)) in html and signed.certificate_number in html
    assert translated(client, "sanction") in html and "Putusan BKN" in html
    assert re.search(r'name="revoke-confirmed"[^>]*value="yes"', html)
    assert session.scalar(select(RevocationEvent)) is None
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"


def test_revoking_with_reason_other_needs_a_note(client, auth, session, signed, issued, admin_user):
    auth.login()
    response = revoke(client, signed.certificate_number, reason="other", note="")
    assert response.status_code == 422  # the page again, with the message
    message = "Say why in the note when the reason is 'other'."
    assert str(escape(translated(client, message))) in response.text
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"
    assert session.scalar(select(RevocationEvent)) is None


def test_an_operator_cannot_revoke_even_in_their_own_unit(
    client, auth, session, signed, issued, operator_user
):
    auth.login(email=operator_user.email)
    page = client.get(f"/admin/sertifikat/{signed.certificate_number}")
    assert page.status_code == 200 and 'name="revoke-submit"' not in page.text
    assert revoke(client, signed.certificate_number).status_code == 403
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "valid"
    assert session.scalar(select(RevocationEvent)) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action.like("certificate.%"))) is None


def test_an_operator_cannot_reinstate_either(client, auth, session, signed, issued, operator_user):
    revocations.revoke(session, signed, reason="sanction", note="", actor="cli:test")
    session.commit()
    auth.login(email=operator_user.email)
    assert reinstate(client, signed.certificate_number).status_code == 403
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "revoked"


def test_reinstating_while_the_person_has_signed_again_is_refused_with_a_clear_message(
    client, auth, session, signed, issued, admin_user
):
    auth.login()
    revoke(client, signed.certificate_number)
    again = sign_again(session, signed)
    session.commit()

    response = reinstate(client, signed.certificate_number)

    assert response.status_code == 422  # the page again, with the message
    assert "tidak dapat dipulihkan" in response.text and again.certificate_number in response.text
    assert client.get(f"/api/v1/verify/{issued.token}").json["status"] == "revoked"
    assert [e.action.value for e in revocations.history(session, signed.id)] == ["revoke"]


def test_after_signing_again_the_old_certificate_verifies_as_revoked_with_reason_and_date(
    client, session, signed, issued
):
    event = revocations.revoke(session, signed, reason="signed_in_error", note="", actor="cli:test")
    sign_again(session, signed)
    session.commit()

    verdict = client.get(f"/api/v1/verify/{issued.token}").json
    assert verdict["status"] == "revoked"
    assert verdict["revocation_reason"] == "signed_in_error"
    assert datetime.fromisoformat(verdict["revoked_at"]) == event.occurred_at
    page = client.get(f"/v/{issued.token}").text
    assert "DICABUT" in page and "salah tanda tangan" in page


def test_the_audit_trail_and_the_certificate_page_show_words_not_codes(
    client, auth, session, signed, issued, admin_user
):
    auth.login()
    revoke(client, signed.certificate_number)
    audit = client.get("/admin/audit").text
    assert translated(client, "revoked a certificate") in audit
    assert translated(client, "signed in") in audit
    object_label = translated(client, "certificate") + " " + signed.certificate_number
    assert object_label in audit
    # Codes stay only in the filter's option values, never as text a person reads.
    assert ">certificate.revoke<" not in audit and ">auth.login<" not in audit
    assert "signature " + signed.certificate_number not in audit
    detail = client.get(f"/admin/sertifikat/{signed.certificate_number}").text
    method = translated(client, "personal link" if signed.method == "personal_link" else "kiosk")
    assert method in detail and f">{signed.method.value}<" not in detail
