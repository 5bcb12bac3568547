import base64
import io
import re
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select, update

from pakta import keys
from pakta.models import (
    ApelSession,
    AuditEvent,
    Employee,
    EmploymentType,
    Signature,
    SignatureMethod,
    VerificationAttempt,
    utcnow,
)
from pakta.services import apel, links, signing
from pakta.services.certificates import revocations
from tests.conftest import add_people

CODE = "482913"
BUDI = "198609262015051001"
ALL_POINTS = {"points": ["1", "2", "3", "4"]}


def signature_data_url() -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(40, 150), (120, 40), (200, 160), (300, 50), (420, 150), (560, 60)], fill="black", width=6
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def client(client):
    """These tests read the English messages; the default catalog is Indonesian."""
    client.post("/bahasa/en")
    return client


def add_person(session, unit, number, name, code=CODE) -> Employee:
    employee = Employee(
        identity_number=number,
        name=name,
        position="Staf",
        employment_type=EmploymentType.PNS,
        unit=unit,
        verification_code_hash=keys.verification_code_digest(code) if code else None,
    )
    session.add(employee)
    session.commit()
    return employee


@pytest.fixture
def budi(session, units):
    return add_person(session, units["DINKES-P2P"], BUDI, "Budi Santoso, S.Kep.")


@pytest.fixture
def dinkes_apel(session, units, campaign, operator_user):
    made, _ = apel.open_session(
        session, campaign=campaign, unit=units["DINKES"], user=operator_user
    )
    session.commit()
    return made


def current_token(made: ApelSession, minutes_ago: int = 0) -> str:
    window = apel.window_at(utcnow()) - minutes_ago
    return f"{window}.{keys.apel_token_tag(made.public_id, window)}"


def entry(made: ApelSession, minutes_ago: int = 0) -> str:
    return f"/a/{made.public_id}/{current_token(made, minutes_ago)}"


def identify(client, made, number=BUDI, code=CODE, address="127.0.0.1"):
    url = entry(made)
    environ = {"REMOTE_ADDR": address}
    client.get(url, environ_base=environ)
    return client.post(url, data={"number": number, "code": code}, environ_base=environ)


def attempts(session) -> int:
    return session.scalar(select(func.count()).select_from(VerificationAttempt))


# -- the operator's side -----------------------------------------------------------------


def test_an_operator_opens_apel_for_their_unit_and_it_is_audited(
    client, auth, session, units, campaign, operator_user
):
    auth.login("operator@dinkes.contoh.go.id")
    page = client.get("/apel/")
    assert page.status_code == 200
    assert "Dinas Kesehatan" in page.text and "Dinas Pendidikan" not in page.text
    response = client.post("/apel/", data={"unit": units["DINKES-P2P"].id})
    assert response.status_code == 303
    made = session.scalar(select(ApelSession))
    assert made.unit_id == units["DINKES-P2P"].id and made.campaign_id == campaign.id
    assert response.headers["Location"].endswith(f"/apel/{made.public_id}/layar")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "apel.open"))
    assert event.target_id == made.public_id and event.details["unit"] == "DINKES-P2P"


def test_an_operator_cannot_open_apel_for_a_unit_outside_their_scope(
    client, auth, session, units, campaign, operator_user
):
    auth.login("operator@dinkes.contoh.go.id")
    for unit in ("DISDIK", "PEMDA"):
        response = client.post("/apel/", data={"unit": units[unit].id})
        assert response.status_code in (403, 404)
    assert client.post("/apel/", data={"unit": "999999"}).status_code == 404
    assert session.scalar(select(func.count()).select_from(ApelSession)) == 0


def test_an_admin_opens_apel_for_any_unit(client, auth, session, units, campaign, admin_user):
    auth.login()
    response = client.post("/apel/", data={"unit": units["DISDIK"].id})
    assert response.status_code == 303
    assert session.scalar(select(ApelSession.unit_id)) == units["DISDIK"].id


def test_an_operator_cannot_view_another_units_screen(
    client, auth, session, units, campaign, admin_user, operator_user
):
    made, _ = apel.open_session(session, campaign=campaign, unit=units["DISDIK"], user=admin_user)
    session.commit()
    auth.login("operator@dinkes.contoh.go.id")
    for suffix in ("layar", "status.json", "qr.svg"):
        assert client.get(f"/apel/{made.public_id}/{suffix}").status_code == 404, suffix
    assert client.post(f"/apel/{made.public_id}/tutup").status_code == 404


def test_anonymous_visitors_cannot_view_the_screen(client, dinkes_apel):
    screen = client.get(f"/apel/{dinkes_apel.public_id}/layar")
    assert screen.status_code == 302 and "/masuk" in screen.headers["Location"]
    assert client.get(f"/apel/{dinkes_apel.public_id}/status.json").status_code == 401
    assert client.get(f"/apel/{dinkes_apel.public_id}/qr.svg").status_code == 302
    assert client.get("/apel/").status_code == 302


def test_the_screen_shows_the_unit_the_count_and_loads_its_script(client, auth, dinkes_apel, budi):
    auth.login("operator@dinkes.contoh.go.id")
    page = client.get(f"/apel/{dinkes_apel.public_id}/layar")
    assert page.status_code == 200
    assert "Dinas Kesehatan" in page.text and "Pilkada Serentak 2024" in page.text
    assert re.search(r"data-signed>0<", page.text) and re.search(r"data-roster>1<", page.text)
    assert "apel-screen.js" in page.text
    assert "<script>" not in page.text  # no inline script: a strict CSP is coming
    assert BUDI not in page.text


def test_the_qr_code_is_an_uncached_svg(client, auth, dinkes_apel):
    auth.login("operator@dinkes.contoh.go.id")
    image = client.get(f"/apel/{dinkes_apel.public_id}/qr.svg")
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml" and image.text.startswith("<svg")
    assert image.headers["Cache-Control"] == "no-store"


def test_the_qr_code_leads_to_this_minutes_entry(app, dinkes_apel):
    from pakta.views.apel import entry_url

    with app.test_request_context():
        url = entry_url(dinkes_apel)
    base = app.config["BASE_URL"]
    assert url.startswith(f"{base}/a/{dinkes_apel.public_id}/")
    token = url.rsplit("/", 1)[1]
    assert apel.check_token(dinkes_apel, token) is apel.TokenCheck.VALID


def test_the_status_document_counts_and_shows_first_names_only(
    client, auth, session, units, campaign, dinkes_apel
):
    people = [
        add_person(session, units["DINKES-P2P"], f"19860926201505100{n}", name)
        for n, name in enumerate(
            ["Dr. H. Ahmad Fauzi, M.Si.", "Hj. Siti Aminah", "Budi Santoso", "Dewi Lestari"], 1
        )
    ]
    add_person(session, units["DISDIK"], "198609262015051099", "Eko Prasetyo")
    for employee in people[:3]:
        signing.record_signature(
            session,
            campaign=campaign,
            employee=employee,
            method=SignatureMethod.APEL,
            evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
        )
    session.commit()
    auth.login("operator@dinkes.contoh.go.id")
    response = client.get(f"/apel/{dinkes_apel.public_id}/status.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    status = response.get_json()
    assert (status["signed"], status["roster"], status["today"]) == (3, 4, 3)
    assert status["percent"] == 75.0 and status["open"] is True
    assert sorted(status["recent"]) == ["Ahmad", "Budi", "Siti"]
    assert status["window"] == apel.window_at(utcnow()) or status["window"] + 1 == apel.window_at(
        utcnow()
    )
    assert status["qr"].startswith(f"/apel/{dinkes_apel.public_id}/qr.svg")
    body = response.text
    for hidden in ("1986092620150510", "Fauzi", "Aminah", "Santoso", "M.Si", "Dr.", "Hj."):
        assert hidden not in body, hidden


def test_closing_the_apel_is_audited_and_stops_its_qr_code(
    client, auth, session, dinkes_apel, budi
):
    auth.login("operator@dinkes.contoh.go.id")
    url = entry(dinkes_apel)
    response = client.post(f"/apel/{dinkes_apel.public_id}/tutup")
    assert response.status_code == 303
    session.refresh(dinkes_apel)
    assert dinkes_apel.closed_at is not None
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "apel.close"))
    assert client.get(f"/apel/{dinkes_apel.public_id}/status.json").get_json()["open"] is False
    assert client.get(f"/apel/{dinkes_apel.public_id}/qr.svg").status_code == 404
    refused = client.get(url)
    assert refused.status_code == 410 and "closed" in refused.text


# -- the signer's side -------------------------------------------------------------------


def test_the_entry_asks_for_the_nip_and_code_on_a_valid_token(client, dinkes_apel):
    page = client.get(entry(dinkes_apel))
    assert page.status_code == 200
    assert 'name="number"' in page.text and 'name="code"' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_a_token_from_the_last_minute_still_opens_the_entry(client, dinkes_apel):
    assert client.get(entry(dinkes_apel, minutes_ago=1)).status_code == 200


def test_an_expired_token_asks_the_signer_to_rescan(client, dinkes_apel):
    page = client.get(entry(dinkes_apel, minutes_ago=2))
    assert page.status_code == 410
    assert "The QR code has expired" in page.text and "Scan the code on the screen" in page.text


def test_a_forged_or_foreign_token_is_not_found(
    client, session, units, campaign, operator_user, dinkes_apel
):
    window = apel.window_at(utcnow())
    assert client.get(f"/a/{dinkes_apel.public_id}/{window}.AAAAAAAAAAAA").status_code == 404
    other, _ = apel.open_session(
        session, campaign=campaign, unit=units["DISDIK"], user=operator_user
    )
    session.commit()
    assert client.get(f"/a/{dinkes_apel.public_id}/{current_token(other)}").status_code == 404
    assert client.get(f"/a/nothing-here/{current_token(other)}").status_code == 404


def test_a_closed_session_refuses_the_signer(client, session, dinkes_apel):
    apel.close_session(dinkes_apel)
    session.commit()
    page = client.get(entry(dinkes_apel))
    assert page.status_code == 410 and "This apel is closed" in page.text


def test_a_wrong_code_counts_an_attempt(client, session, dinkes_apel, budi):
    response = identify(client, dinkes_apel, code="000000")
    assert response.status_code == 422
    assert "wrong" in response.text
    assert attempts(session) == 1
    row = session.scalar(select(VerificationAttempt))
    assert BUDI not in row.nip_key and "127.0.0.1" not in row.address_key


def test_the_sixth_attempt_for_a_nip_is_refused_with_a_wait_message_even_with_the_right_code(
    client, session, dinkes_apel, budi
):
    for n in range(5):
        assert (
            identify(client, dinkes_apel, code="000000", address=f"10.0.0.{n}").status_code == 422
        )
    response = identify(client, dinkes_apel, address="10.0.9.9")
    assert response.status_code == 429
    assert "Too many wrong attempts" in response.text
    assert re.search(r"Wait until \d\d\.\d\d WIB", response.text), response.text
    assert attempts(session) == 5
    with client.session_transaction() as flask_session:
        assert "apel_pass" not in flask_session


def test_the_sixth_attempt_from_one_address_is_refused_whatever_the_nip(
    client, session, units, dinkes_apel, budi
):
    for n in range(5):
        assert identify(client, dinkes_apel, number=f"19860926201505100{n + 2}").status_code == 422
    response = identify(client, dinkes_apel)
    assert response.status_code == 429 and "Wait until" in response.text
    # Budi himself, from another address, is not held back.
    assert identify(client, dinkes_apel, address="10.1.1.1").status_code == 303


def test_attempts_older_than_15_minutes_do_not_count(client, session, dinkes_apel, budi):
    nip_key, address_key = (
        keys.attempt_key("nip", BUDI),
        keys.attempt_key("address", "127.0.0.1"),
    )
    old = utcnow() - timedelta(minutes=15, seconds=5)
    session.add_all(
        VerificationAttempt(nip_key=nip_key, address_key=address_key, attempted_at=old)
        for _ in range(5)
    )
    session.commit()
    assert identify(client, dinkes_apel).status_code == 303


def test_an_employee_without_a_code_is_sent_to_their_personal_link_or_the_kiosk(
    client, session, units, dinkes_apel
):
    add_person(session, units["DINKES"], BUDI, "Budi Santoso", code=None)
    response = identify(client, dinkes_apel, code="123456")
    assert response.status_code == 422
    assert "personal link" in response.text and "kiosk" in response.text


def test_an_employee_outside_the_apel_units_sub_tree_cannot_sign_there(
    client, session, units, dinkes_apel
):
    add_person(session, units["DISDIK"], BUDI, "Budi Santoso")
    response = identify(client, dinkes_apel)
    assert response.status_code == 422
    with client.session_transaction() as flask_session:
        assert "apel_pass" not in flask_session
    assert client.get(f"/a/{dinkes_apel.public_id}/tanda-tangan").status_code == 403


def test_signing_at_the_apel_records_the_method_and_the_session(client, session, dinkes_apel, budi):
    response = identify(client, dinkes_apel, number="19860926 201505 1 001")
    assert response.status_code == 303
    sign_url = f"/a/{dinkes_apel.public_id}/tanda-tangan"
    assert response.headers["Location"].endswith(sign_url)
    form = client.get(sign_url)
    assert form.status_code == 200 and "Budi Santoso" in form.text
    assert len(re.findall(r'type="checkbox" name="points"', form.text)) == 4
    done = client.post(sign_url, data={"signature": signature_data_url(), **ALL_POINTS})
    assert done.status_code == 303
    signature = session.scalar(select(Signature))
    assert signature.method == SignatureMethod.APEL
    assert signature.apel_session_id == dinkes_apel.id
    assert signature.signature_png.startswith(b"\x89PNG")
    page = client.get(done.headers["Location"])
    assert page.status_code == 200 and signature.certificate_number in page.text
    with client.session_transaction() as flask_session:
        assert "apel_pass" not in flask_session
    # The pass is spent: the form is not offered again.
    assert client.get(sign_url).status_code == 403


def test_an_incomplete_form_keeps_the_pass_the_drawing_and_marks_the_missing_points(
    client, session, dinkes_apel, budi
):
    identify(client, dinkes_apel)
    sign_url = f"/a/{dinkes_apel.public_id}/tanda-tangan"
    drawing = signature_data_url()
    response = client.post(sign_url, data={"signature": drawing, "points": ["1"]})
    assert response.status_code == 422
    assert (
        len(
            re.findall(
                r'name="points" value="\d" id="point-\d" required[^>]*aria-invalid', response.text
            )
        )
        == 3
    )
    assert f'value="{drawing}"' in response.text
    assert session.scalar(select(func.count()).select_from(Signature)) == 0
    assert client.get(sign_url).status_code == 200


TEN_MB = 10 * 1024 * 1024


def test_a_ten_megabyte_drawing_at_the_apel_gets_the_413_page_and_keeps_the_pass(
    client, session, dinkes_apel, budi
):
    identify(client, dinkes_apel)
    sign_url = f"/a/{dinkes_apel.public_id}/tanda-tangan"
    response = client.post(sign_url, data={"signature": "A" * TEN_MB, "points": ["1"]})
    assert response.status_code == 413
    assert "The signature is too large" in response.text
    assert "The form expired" not in response.text
    assert session.scalar(select(func.count()).select_from(Signature)) == 0
    assert client.get(sign_url).status_code == 200


def test_a_ten_megabyte_identity_check_gets_a_413_and_counts_no_attempt(
    client, session, dinkes_apel, budi
):
    url = entry(dinkes_apel)
    client.get(url)
    response = client.post(url, data={"number": "1" * TEN_MB, "code": CODE})
    assert response.status_code == 413
    assert "What was sent is too large" in response.text
    assert "type your NIP and your verification code again" in response.text
    assert attempts(session) == 0


def sign_by_link(session, campaign, employee):
    return signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=signing.Evidence(typed_name=employee.name, acknowledged_points=[1, 2, 3, 4]),
    )


def test_someone_already_signed_sees_their_certificate_number(
    client, session, campaign, dinkes_apel, budi
):
    outcome = sign_by_link(session, campaign, budi)
    session.commit()
    response = identify(client, dinkes_apel)
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert outcome.signature.certificate_number in page.text
    assert "already signed" in page.text
    assert session.scalar(select(func.count()).select_from(Signature)) == 1


def test_the_signing_page_needs_a_pass(client, session, dinkes_apel, budi):
    sign_url = f"/a/{dinkes_apel.public_id}/tanda-tangan"
    assert client.get(sign_url).status_code == 403
    with client.session_transaction() as flask_session:
        flask_session["apel_pass"] = {
            "apel": dinkes_apel.id,
            "employee": budi.id,
            "until": int(utcnow().timestamp()) - 1,
        }
    page = client.get(sign_url)
    assert page.status_code == 403 and "Scan the code on the screen again" in page.text


def test_a_scan_in_time_leaves_minutes_to_type_even_as_the_token_ages(
    client, session, dinkes_apel, budi
):
    stale = entry(dinkes_apel, minutes_ago=3)
    # Without having scanned in time, the stale token is refused...
    assert client.post(stale, data={"number": BUDI, "code": CODE}).status_code == 410
    # ...after a scan in time, the form posted a little later still goes through.
    client.get(entry(dinkes_apel))
    assert client.post(stale, data={"number": BUDI, "code": CODE}).status_code == 303


def test_a_pass_taken_before_the_apel_closed_still_signs(client, session, dinkes_apel, budi):
    identify(client, dinkes_apel)
    apel.close_session(dinkes_apel)
    session.commit()
    sign_url = f"/a/{dinkes_apel.public_id}/tanda-tangan"
    done = client.post(sign_url, data={"signature": signature_data_url(), **ALL_POINTS})
    assert done.status_code == 303
    assert session.scalar(select(Signature.apel_session_id)) == dinkes_apel.id


def test_after_a_revocation_the_apel_signs_again_with_a_new_number(
    client, session, campaign, dinkes_apel, budi
):
    first = sign_by_link(session, campaign, budi).signature
    revocations.revoke(session, first, reason="signed_in_error", note="", actor="cli:test")
    session.commit()

    identify(client, dinkes_apel)
    sign_url = f"/a/{dinkes_apel.public_id}/tanda-tangan"
    assert client.get(sign_url).status_code == 200
    done = client.post(sign_url, data={"signature": signature_data_url(), **ALL_POINTS})
    assert done.status_code == 303
    again = session.scalar(select(Signature).where(Signature.is_valid))
    assert again.id != first.id and again.apel_session_id == dinkes_apel.id
    assert again.certificate_number in client.get(done.headers["Location"]).text


def test_the_status_document_leaves_out_revoked_signatures(
    client, auth, session, units, campaign, dinkes_apel
):
    people = [
        add_person(session, units["DINKES-P2P"], f"19860926201505100{n}", name)
        for n, name in enumerate(["Hj. Siti Aminah", "Budi Santoso"], 1)
    ]
    made = [sign_by_link(session, campaign, person).signature for person in people]
    revocations.revoke(session, made[1], reason="signed_in_error", note="", actor="cli:test")
    session.commit()
    auth.login("operator@dinkes.contoh.go.id")
    status = client.get(f"/apel/{dinkes_apel.public_id}/status.json").get_json()
    assert (status["signed"], status["roster"], status["today"]) == (1, 2, 1)
    assert status["recent"] == ["Siti"]


# -- rate limits, on as in production -----------------------------------------------------

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}
# The old limit: 3,000 requests a minute per address on the entry and signing pages, and a
# signer through the apel makes five requests (scan, code, form, signature, done page).
OLD_PER_ADDRESS_LIMIT = 3000
APEL_SIGNERS = OLD_PER_ADDRESS_LIMIT // 5 + 20


def sign_at_the_apel(client, made: ApelSession, number: str, name: str) -> list[int]:
    url, sign_url = entry(made), f"/a/{made.public_id}/tanda-tangan"
    scan = client.get(url, environ_base=OFFICE)
    identified = client.post(url, data={"number": number, "code": CODE}, environ_base=OFFICE)
    form = client.get(sign_url, environ_base=OFFICE)
    signed = client.post(sign_url, data={"typed_name": name, **ALL_POINTS}, environ_base=OFFICE)
    done = client.get(signed.headers.get("Location", sign_url), environ_base=OFFICE)
    return [response.status_code for response in (scan, identified, form, signed, done)]


def test_more_apel_signers_than_one_address_could_once_sign_all_sign_from_it(
    limited_app, session, units, dinkes_apel, monkeypatch
):
    from pakta import jobs

    monkeypatch.setattr(jobs, "enqueue_certificate", lambda app, signature_id: None)
    add_people(session, units["DINKES"], APEL_SIGNERS, 0, dinkes_apel.campaign, "AP", email=False)
    session.execute(
        update(Employee).values(verification_code_hash=keys.verification_code_digest(CODE))
    )
    session.commit()
    app = limited_app()
    statuses = [
        # Each phone is a browser of its own, all behind the office's one address.
        sign_at_the_apel(app.test_client(), dinkes_apel, f"AP{n:04d}", f"AP Pegawai {n}")
        for n in range(APEL_SIGNERS)
    ]
    assert 5 * APEL_SIGNERS > OLD_PER_ADDRESS_LIMIT
    assert statuses == [[200, 303, 200, 303, 200]] * APEL_SIGNERS
    assert session.scalar(select(func.count()).select_from(Signature)) == APEL_SIGNERS


def test_code_checks_for_one_nip_are_limited_per_nip_whatever_the_address(
    limited_app, dinkes_apel, budi
):
    from pakta.views.apel import NIP_LIMIT

    client = limited_app().test_client()
    allowed = int(NIP_LIMIT.split()[0])
    url = entry(dinkes_apel)
    responses = [
        client.post(
            url,
            data={"number": BUDI, "code": "000000"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        for n in range(allowed + 1)
    ]
    # The database's own lock answers first, on its page with the form...
    assert [r.status_code for r in responses[:allowed]] == [422] * 5 + [429] * (allowed - 5)
    assert all('name="number"' in r.text for r in responses[:allowed])
    # ...and past the NIP's allowance nothing reaches the database any more.
    assert responses[allowed].status_code == 429
    assert 'name="number"' not in responses[allowed].text


def test_one_address_guessing_apels_and_links_gets_a_429_before_its_60th_try(
    limited_app, dinkes_apel
):
    client = limited_app().test_client()
    guesses = [
        f"/a/{dinkes_apel.public_id}/{apel.window_at(utcnow())}.forged",
        "/a/no-such-apel/1.x",
        "/s/no-such-link",
    ]
    statuses = [client.get(guesses[n % 3], environ_base=OFFICE).status_code for n in range(60)]
    assert 429 in statuses and statuses.index(429) < 59
    assert set(statuses[: statuses.index(429)]) == {404}


# -- a NIP locked out of the apel entry -----------------------------------------------------


def lock_out(client, made, number=BUDI):
    for n in range(apel.MAX_FAILED_ATTEMPTS):
        identify(client, made, number=number, code="000000", address=f"10.9.0.{n}")
    assert identify(client, made, number=number, address="10.9.1.1").status_code == 429


def test_a_locked_nip_still_signs_through_the_personal_link(
    client, session, campaign, dinkes_apel, budi
):
    from tests.views.test_signing import ALL_POINTS as POINTS

    lock_out(client, dinkes_apel)
    rows = links.export_rows(session, campaign, None, None)
    session.commit()
    token = next(row.token for row in rows if row.identity_number == BUDI)
    response = client.post(f"/s/{token}", data={"signature": signature_data_url(), **POINTS})
    assert response.status_code == 303
    assert session.scalar(select(Signature.method)) == SignatureMethod.PERSONAL_LINK


def test_a_locked_nip_still_signs_at_the_kiosk(
    client, auth, session, operator_user, dinkes_apel, budi
):
    lock_out(client, dinkes_apel)
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    response = client.post(
        f"/kiosk/tanda-tangan/{budi.id}", data={"signature": signature_data_url(), **ALL_POINTS}
    )
    assert response.status_code == 303
    assert session.scalar(select(Signature.method)) == SignatureMethod.KIOSK


def test_the_operators_apel_page_lists_locked_nips_masked_with_their_unlock_time(
    client, auth, session, operator_user, dinkes_apel, budi
):
    auth.login(email=operator_user.email)
    assert "locked out of the apel entry" not in client.get("/apel/").text
    # The tries come from other addresses: strong session protection logged the operator out.
    lock_out(client, dinkes_apel)
    auth.login(email=operator_user.email)
    page = client.get("/apel/").text
    assert "locked out of the apel entry" in page
    assert "*" * 15 + BUDI[-3:] in page and BUDI not in page
    assert re.search(r"<td>\d\d\.\d\d WIB</td>", page), page
