import base64
import io
import re
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from pakta.db import database
from pakta.models import Employee, EmploymentType, Signature, SignatureMethod, utcnow
from pakta.services import links
from pakta.services.certificates import revocations


def signature_data_url() -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(40, 150), (120, 40), (200, 160), (300, 50), (420, 150), (560, 60)], fill="black", width=6
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


ALL_POINTS = {"points": ["1", "2", "3", "4"]}


def signatures(session):
    return session.scalar(select(func.count()).select_from(Signature))


def test_the_signing_page_shows_who_signs_and_each_point_with_its_own_box(client, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert "Budi Santoso" in page.text and "Perawat Ahli Pertama" in page.text
    assert "Bidang P2P" in page.text
    assert len(re.findall(r'type="checkbox" name="points"', page.text)) == 4
    assert page.headers["Cache-Control"] == "no-store"


def test_signing_through_a_personal_link_records_it_and_shows_the_number(client, session, token):
    response = client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    signature = session.scalar(select(Signature))
    assert signature.method == SignatureMethod.PERSONAL_LINK
    assert signature.certificate_number in done.text
    assert signature.signature_png.startswith(b"\x89PNG")
    assert (signature.ip_address, signature.request_scheme) == ("127.0.0.1", "http")


def test_behind_a_proxy_the_signature_records_the_signers_address_and_https(
    app_variant, connection, session, token
):
    proxied = app_variant(PROXY_COUNT=1)
    database(proxied).sessionmaker.configure(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    response = proxied.test_client().post(
        f"/s/{token}",
        data={"signature": signature_data_url(), **ALL_POINTS},
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 303
    signature = session.scalar(select(Signature))
    assert (signature.ip_address, signature.request_scheme) == ("203.0.113.7", "https")


def test_the_link_keeps_showing_the_certificate_after_signing(client, session, token):
    client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    again = client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    assert again.status_code == 303
    assert signatures(session) == 1
    page = client.get(f"/s/{token}")
    assert session.scalar(select(Signature.certificate_number)) in page.text


def point_errors(html: str) -> dict[int, str]:
    """Each point's message shown next to it (hidden ones left out)."""
    return {
        int(number): text.strip()
        for number, attributes, text in re.findall(
            r'<p class="error field-error" id="point-(\d)-error"([^>]*)>([^<]*)</p>', html
        )
        if "hidden" not in attributes
    }


def sent_back_drawing(html: str) -> str:
    return re.search(r'name="signature" type="hidden" value="([^"]*)"', html).group(1)


def test_a_missing_point_is_marked_next_to_it_and_keeps_the_ticks_and_the_drawing(
    client, session, token
):
    drawing = signature_data_url()
    response = client.post(f"/s/{token}", data={"signature": drawing, "points": ["1", "3"]})
    assert response.status_code == 422
    assert point_errors(response.text) == {
        2: "Centang poin ini untuk menandatangani.",
        4: "Centang poin ini untuk menandatangani.",
    }
    assert len(re.findall(r'value="1" id="point-1" required[^>]*checked', response.text)) == 1
    assert (
        len(re.findall(r'value="2" id="point-2" required[^>]*aria-invalid="true"', response.text))
        == 1
    )
    # The drawing comes back to be redrawn, and nothing says it is missing.
    assert sent_back_drawing(response.text) == drawing
    assert re.search(r'id="signature-error"[^>]*hidden', response.text)
    assert signatures(session) == 0


def test_an_empty_form_shows_every_point_and_the_drawing_as_missing_at_once(client, session, token):
    response = client.post(f"/s/{token}", data={})
    assert response.status_code == 422
    assert sorted(point_errors(response.text)) == [1, 2, 3, 4]
    message = re.search(r'id="signature-error"[^>]*>([^<]*)</p>', response.text).group(1)
    assert message == "Goreskan tanda tangan Anda di dalam kotak."
    assert re.search(r'<canvas[^>]*aria-invalid="true"', response.text)
    assert signatures(session) == 0


def test_a_refused_drawing_is_not_sent_back_and_its_problem_shows_by_the_box(
    client, session, token
):
    not_png = "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 100).decode()
    response = client.post(f"/s/{token}", data={"signature": not_png, **ALL_POINTS})
    assert response.status_code == 422
    assert sent_back_drawing(response.text) == ""
    assert point_errors(response.text) == {}
    message = re.search(r'id="signature-error"[^>]*>([^<]*)</p>', response.text).group(1)
    assert message == "Tanda tangan bukan gambar PNG."
    assert signatures(session) == 0


@pytest.mark.parametrize(
    "signature",
    [
        "data:image/jpeg;base64,/9j/4AAQSkZJRg==",
        "data:image/png;base64,not-base64!!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 100).decode(),
    ],
)
def test_a_signature_that_is_not_a_png_is_refused_with_a_message(client, session, token, signature):
    response = client.post(f"/s/{token}", data={"signature": signature, **ALL_POINTS})
    assert response.status_code == 422
    assert signatures(session) == 0


TEN_MB = 10 * 1024 * 1024
EXPIRED = "Formulir sudah kedaluwarsa atau terkirim dua kali."


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def assert_signature_too_large(response) -> None:
    assert response.status_code == 413
    assert "Tanda tangan terlalu besar" in response.text
    assert "hapus gambarnya, lalu tanda tangani lagi" in response.text
    assert "Kembali ke formulir" in response.text
    assert EXPIRED not in response.text


def test_a_ten_megabyte_drawing_gets_the_413_page_saying_the_signature_is_too_large(
    csrf_client, session, token
):
    # As submit-queue.js sends it: URL-encoded, with the page's CSRF token.
    form = csrf_token(csrf_client.get(f"/s/{token}").text)
    response = csrf_client.post(
        f"/s/{token}", data={"csrf_token": form, "signature": "A" * TEN_MB, **ALL_POINTS}
    )
    assert_signature_too_large(response)
    assert signatures(session) == 0


def test_a_ten_megabyte_multipart_drawing_gets_the_same_413_page(client, session, token):
    from werkzeug.datastructures import MultiDict
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart(MultiDict({"signature": "A" * TEN_MB, **ALL_POINTS}))
    response = client.post(
        f"/s/{token}", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert_signature_too_large(response)
    assert signatures(session) == 0


def test_a_ten_megabyte_drawing_at_the_kiosk_gets_the_same_413_page(
    client, auth, session, operator_user, campaign, employee
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    response = client.post(
        f"/kiosk/tanda-tangan/{employee.id}", data={"signature": "A" * TEN_MB, **ALL_POINTS}
    )
    assert_signature_too_large(response)
    assert signatures(session) == 0


def test_the_largest_drawing_the_form_takes_is_under_the_body_limit_even_url_encoded(
    client, session, token
):
    from pakta.views.signing import SIGNING_BODY_BYTES

    # Every character percent-encoded (three bytes each) and the longest name, in UTF-8.
    drawing = "+" * 300_000
    response = client.post(
        f"/s/{token}", data={"signature": drawing, "typed_name": "é" * 255, **ALL_POINTS}
    )
    assert int(response.request.headers["Content-Length"]) < SIGNING_BODY_BYTES
    assert response.status_code == 422  # read, and refused by the drawing's own check
    assert signatures(session) == 0


def test_a_drawing_longer_than_the_form_takes_is_said_next_to_the_drawing(
    csrf_client, session, token
):
    form = csrf_token(csrf_client.get(f"/s/{token}").text)
    too_long = "data:image/png;base64," + "A" * 300_000
    response = csrf_client.post(
        f"/s/{token}", data={"csrf_token": form, "signature": too_long, **ALL_POINTS}
    )
    assert response.status_code == 422
    message = re.search(r'id="signature-error"[^>]*>([^<]*)</p>', response.text).group(1)
    assert message == "Gambar tanda tangan terlalu besar (maksimal 200 KB)."
    assert EXPIRED not in response.text
    assert sent_back_drawing(response.text) == ""
    assert signatures(session) == 0


def test_a_form_without_its_csrf_token_still_says_the_page_expired(csrf_client, session, token):
    response = csrf_client.post(f"/s/{token}", data={"typed_name": "Budi Santoso", **ALL_POINTS})
    assert response.status_code in (400, 422)
    assert EXPIRED in response.text
    assert signatures(session) == 0


def test_without_javascript_typing_the_roster_name_signs(client, session, token):
    response = client.post(f"/s/{token}", data={"typed_name": "budi  santoso", **ALL_POINTS})
    assert response.status_code == 303
    assert session.scalar(select(Signature.typed_name)) == "budi  santoso"


def test_an_unknown_or_voided_link_says_the_link_is_not_valid(
    client, session, campaign, employee, token
):
    assert client.get("/s/not-a-real-token").status_code == 404
    links.regenerate(session, campaign, employee, None)
    session.commit()
    assert client.get(f"/s/{token}").status_code == 404


def test_a_closed_campaign_refuses_to_sign_and_says_when(client, session, campaign, token):
    campaign.closes_at = utcnow() - timedelta(hours=1)
    session.commit()
    page = client.get(f"/s/{token}")
    assert page.status_code == 403
    response = client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    assert response.status_code == 403
    assert signatures(session) == 0


def test_an_inactive_employee_cannot_sign_through_their_link(client, session, employee, token):
    employee.active = False
    session.commit()
    assert client.get(f"/s/{token}").status_code == 403


# -- the kiosk ------------------------------------------------------------------


def test_the_kiosk_finds_signers_by_name_or_nip_only_in_the_operators_units(
    client, auth, session, operator_user, campaign, employee, units
):
    outsider = Employee(
        identity_number="199001012015011001",
        name="Budi Lain",
        employment_type=EmploymentType.PNS,
        unit=units["DISDIK"],
    )
    session.add(outsider)
    session.commit()
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    by_name = client.get("/kiosk/", query_string={"q": "budi"})
    assert "Budi Santoso" in by_name.text and "Budi Lain" not in by_name.text
    by_number = client.get("/kiosk/", query_string={"q": "19860926"})
    assert "Budi Santoso" in by_number.text
    assert "198609262015051001" not in by_number.text  # only the last three digits show
    assert client.get(f"/kiosk/tanda-tangan/{outsider.id}").status_code == 404


def test_the_kiosk_search_shows_a_name_and_masked_nip_but_never_who_has_signed(
    client, auth, session, operator_user, campaign, employee
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    before = client.get("/kiosk/", query_string={"q": "budi"}).text
    client.post(
        f"/kiosk/tanda-tangan/{employee.id}", data={"signature": signature_data_url(), **ALL_POINTS}
    )
    after = client.get("/kiosk/", query_string={"q": "budi"}).text

    results = re.findall(r'<ul class="results">.*?</ul>', after, flags=re.S)
    assert len(results) == 1
    assert "Budi Santoso" in results[0] and "NIP ***************001" in results[0]
    assert "Perawat Ahli Pertama" not in results[0] and "Bidang P2P" not in results[0]
    # Signed or not, the colleague's row reads the same.
    assert results == re.findall(r'<ul class="results">.*?</ul>', before, flags=re.S)


@pytest.mark.parametrize("query", ["bud", "1986", "1986092"])
def test_the_kiosk_search_asks_for_more_than_a_few_letters_or_digits(
    client, auth, operator_user, campaign, employee, query
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    page = client.get("/kiosk/", query_string={"q": query}).text
    assert "Budi Santoso" not in page
    assert "Ketik sedikit lagi" in page


def test_the_kiosk_signs_with_the_operator_as_witness_and_shows_the_number(
    client, auth, session, operator_user, campaign, employee
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    response = client.post(
        f"/kiosk/tanda-tangan/{employee.id}", data={"signature": signature_data_url(), **ALL_POINTS}
    )
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    signature = session.scalar(select(Signature))
    assert signature.method == SignatureMethod.KIOSK
    assert signature.witness_user_id == operator_user.id
    assert signature.certificate_number in done.text
    assert done.headers["Cache-Control"] == "no-store"
    # Back at the search, the signer shows as signed and cannot be opened again.
    again = client.get(f"/kiosk/tanda-tangan/{employee.id}")
    assert again.status_code == 302


def test_the_kiosk_needs_a_logged_in_operator(client):
    assert client.get("/kiosk/").status_code == 302


def test_the_signing_page_with_all_its_assets_weighs_under_100_kb(client, token):
    page = client.get(f"/s/{token}")
    total = len(page.data)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert any(a.endswith(".js") or ".js?" in a for a in assets)
    for asset in set(assets):
        response = client.get(asset)
        assert response.status_code == 200, asset
        total += len(response.data)
        response.close()
    assert total < 100 * 1024, total


def test_static_files_have_versioned_names_and_long_lived_cache_headers(client, token):
    page = client.get(f"/s/{token}")
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page.text).group(1)
    response = client.get(css)
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()


def test_the_kiosk_starts_only_on_the_operators_request(client, auth, operator_user, campaign):
    auth.login(email=operator_user.email)
    assert client.get("/kiosk/").headers["Location"].endswith("/kiosk/mulai")
    assert client.post("/kiosk/mulai").headers["Location"].endswith("/kiosk/")
    assert client.get("/kiosk/").status_code == 200


@pytest.mark.parametrize("path", ["/admin/", "/admin/tautan/", "/akun/kata-sandi", "/"])
def test_in_kiosk_mode_the_operators_pages_are_out_of_reach(
    client, auth, operator_user, campaign, path
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/kiosk/")
    assert client.post("/keluar").headers["Location"].endswith("/kiosk/")


def test_leaving_kiosk_mode_takes_the_operators_password(client, auth, operator_user, campaign):
    from tests.conftest import PASSWORD

    auth.login(email=operator_user.email)
    auth.start_kiosk()
    refused = client.post("/kiosk/keluar", data={"password": "not the password"})
    assert refused.status_code == 422
    assert client.get("/admin/").status_code == 302
    left = client.post("/kiosk/keluar", data={"password": PASSWORD})
    assert left.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_the_form_carries_a_submission_id_and_a_resent_form_signs_once(client, session, token):
    page = client.get(f"/s/{token}")
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page.text)
    assert submission is not None
    data = {"signature": signature_data_url(), "submission_id": submission.group(1), **ALL_POINTS}
    first = client.post(f"/s/{token}", data=data)
    second = client.post(f"/s/{token}", data=data)
    assert first.status_code == second.status_code == 303
    assert signatures(session) == 1
    assert session.scalar(select(Signature.client_submission_id)) == submission.group(1)


# -- the cost of a signature: thousands sign in the minutes after an apel --------------------


def test_the_signing_page_takes_one_query(client, token, statements):
    assert client.get(f"/s/{token}").status_code == 200
    assert len(statements) == 1, statements


@pytest.fixture
def loaded():
    """The classes of the mapped objects loaded from the database while the test runs."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    seen: list[str] = []

    def record(_session, instance):
        seen.append(type(instance).__name__)

    event.listen(Session, "loaded_as_persistent", record)
    yield seen
    event.remove(Session, "loaded_as_persistent", record)


def test_the_done_page_is_read_as_plain_rows_in_one_query(client, token, statements, loaded):
    # Two of a signature's three requests: loading the link, campaign, pact versions,
    # employee, unit and signature as mapped objects cost more CPU than the query.
    assert client.get(f"/s/{token}").status_code == 200
    assert client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    statements.clear()
    loaded.clear()
    done = client.get(f"/s/{token}")
    assert done.status_code == 200 and 'class="certificate-number"' in done.text
    # (The test app runs the certificate job eagerly, in a session of its own, after that.)
    assert sum("FROM signing_link" in s for s in statements) == 1, statements
    assert loaded == []


def test_the_signing_page_loads_no_mapped_object(client, token, loaded):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200 and 'name="points"' in page.text
    assert loaded == []


@pytest.fixture
def ends(app):
    """How the app's transactions ended while the test runs: "commit" or "rollback" (a
    savepoint's release or rollback, in the tests' harness), in order."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_connection, _cursor, statement, *_rest):
        words = statement.split()
        if words[:1] == ["RELEASE"] or words[:1] == ["COMMIT"]:
            seen.append("commit")
        elif words[:1] == ["ROLLBACK"]:
            seen.append("rollback")

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_signing_pages_end_their_reads_with_a_commit_which_keeps_prepared_statements(
    client, token, ends
):
    # psycopg forgets the connection's prepared statements on a ROLLBACK: a signing page
    # that ended so had PostgreSQL plan every statement of the next signature anew.
    assert client.get(f"/s/{token}").status_code == 200
    assert ends == ["commit"]
    assert client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    ends.clear()
    assert client.get(f"/s/{token}").status_code == 200
    assert "rollback" not in ends and ends[0] == "commit", ends
    ends.clear()
    assert client.get("/s/unknown-token-0123456789").status_code == 404
    assert ends == ["commit"]


def test_a_signing_post_reads_once_as_plain_rows_and_writes_the_signature_and_its_tally(
    client, session, token, statements, loaded, ends, is_postgresql
):
    page = client.get(f"/s/{token}")
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page.text)
    data = {"signature": signature_data_url(), "submission_id": submission.group(1), **ALL_POINTS}
    statements.clear()
    ends.clear()
    assert client.post(f"/s/{token}", data=data).status_code == 303
    assert ends == ["commit"]  # the request's own, and no savepoint's release
    # One query reads the link, campaign, pact, employee, unit and any signature as plain
    # rows (it was 10 statements before, then one loading six mapped objects); then the
    # signature's INSERT, which a conflict turns into nothing rather than an error, so no
    # savepoint is needed; the transparency log's append: its head read and locked (with
    # whether this is a re-signing), then the entry's INSERT and the head's UPDATE (one
    # statement on PostgreSQL); and the rollup tally's upsert, after the head as a
    # revocation takes them.
    entry_and_head = ["WITH"] if is_postgresql else ["INSERT", "UPDATE"]
    kinds = [s.split()[0].upper() for s in statements]
    assert kinds == ["SELECT", "INSERT", "SELECT", *entry_and_head, "INSERT"], statements
    assert "FROM signing_link" in statements[0] and "FROM log_head" in statements[2]
    assert statements[1].upper().startswith("INSERT INTO SIGNATURE ")
    written = " ".join(str(s) for s in statements[3:-1])
    assert "INSERT INTO log_entry" in written and "UPDATE log_head" in written
    assert statements[-1].upper().startswith("INSERT INTO UNIT_TALLY ")
    assert loaded == []
    assert signatures(session) == 1


# -- signing again after a revocation -------------------------------------------------------


def test_after_a_revocation_the_personal_link_signs_again_and_shows_the_new_certificate(
    client, session, token
):
    client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    first = session.scalar(select(Signature))
    revocations.revoke(session, first, reason="signed_in_error", note="", actor="cli:test")
    session.commit()

    notice = client.get(f"/s/{token}").text
    again_link = re.search(r'href="([^"]*/s/[^"]*lagi=1[^"]*)"', notice).group(1)
    form = client.get(again_link.replace("&amp;", "&"))
    assert form.status_code == 200
    assert len(re.findall(r'type="checkbox" name="points"', form.text)) == 4
    signed = client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    assert signed.status_code == 303

    again = session.scalar(select(Signature).where(Signature.is_valid))
    assert again.id != first.id and signatures(session) == 2
    done = client.get(f"/s/{token}")
    assert again.certificate_number in done.text and first.certificate_number not in done.text


def test_after_a_revocation_the_personal_link_says_when_and_why_and_serves_no_pdf(
    app, client, session, token
):
    client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    first = session.scalar(select(Signature))
    event = revocations.revoke(
        session, first, reason="wrong_identity", note="NIP tertukar", actor="cli:test"
    )
    session.commit()

    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    with app.test_request_context():
        from flask_babel import gettext

        from pakta.templating import local_datetime

        revoked = gettext("Your signature was revoked")
        when = local_datetime(event.occurred_at)
        reason = gettext("wrong identity")
        recorded = gettext("Your signature has been recorded")
        sign_again = gettext("Sign again")
    html = page.text
    assert revoked in html and when in html and reason in html
    assert first.certificate_number in html and sign_again in html
    assert recorded not in html and "NIP tertukar" not in html  # the note stays internal
    assert "sertifikat.pdf" not in html
    download = client.get(f"/s/{token}/sertifikat.pdf")
    assert download.status_code == 302 and download.mimetype != "application/pdf"


def test_after_a_revocation_the_kiosk_offers_the_form_again_and_signs_anew(
    client, auth, session, operator_user, campaign, employee
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    client.post(
        f"/kiosk/tanda-tangan/{employee.id}", data={"signature": signature_data_url(), **ALL_POINTS}
    )
    first = session.scalar(select(Signature))
    revocations.revoke(session, first, reason="wrong_identity", note="", actor="cli:test")
    session.commit()

    found = client.get("/kiosk/", query_string={"q": "budi"}).text
    assert "Budi Santoso" in found and 'class="result done"' not in found
    assert client.get(f"/kiosk/tanda-tangan/{employee.id}").status_code == 200
    response = client.post(
        f"/kiosk/tanda-tangan/{employee.id}", data={"signature": signature_data_url(), **ALL_POINTS}
    )
    assert response.status_code == 303
    again = session.scalar(select(Signature).where(Signature.is_valid))
    assert again.id != first.id
    assert again.certificate_number in client.get(response.headers["Location"]).text
