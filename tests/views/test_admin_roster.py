import io
import re

from sqlalchemy import func, select

from pakta.models import AuditEvent, Employee, RosterUpload

GOOD = (
    "NIP;Nama Lengkap;Unit Kerja;Jabatan;Jenis\n"
    "198609262015051001;Budi Santoso;DINKES;Perawat;PNS\n"
    "200012312024211001;Siti Aminah;DISDIK;Guru;PPPK\n"
)
BAD = GOOD + "1.98609E+17;Rina;DINKES;Staf;PNS\n"


def upload(client, text, filename="roster.csv"):
    return client.post(
        "/admin/roster",
        data={"roster": (io.BytesIO(text.encode("utf-8")), filename)},
        content_type="multipart/form-data",
    )


def employees(session):
    return session.scalar(select(func.count()).select_from(Employee))


def test_an_upload_shows_a_preview_and_changes_nothing_until_confirmed(
    client, auth, admin_user, units, session
):
    auth.login()
    response = upload(client, GOOD)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    assert "Budi Santoso" in preview.text
    assert employees(session) == 0


def test_confirming_the_preview_imports_the_roster_and_audits_it(
    client, auth, admin_user, units, session
):
    auth.login()
    location = upload(client, GOOD).headers["Location"]
    done = client.post(location, data={})
    assert done.status_code == 200
    assert employees(session) == 2
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "roster.import"))
    assert event.details["created"] == 2
    assert event.actor == admin_user.email
    # The stored upload is spent: it cannot be replayed.
    assert client.post(location, data={}).status_code == 404
    assert session.scalar(select(RosterUpload.content)) == b""


def test_bad_rows_are_listed_with_their_row_numbers_and_block_the_import(
    client, auth, admin_user, units, session
):
    auth.login()
    location = upload(client, BAD).headers["Location"]
    preview = client.get(location)
    assert re.search(r'<td class="num">4</td>', preview.text)
    assert "E+17" in preview.text
    client.post(location, data={})
    assert employees(session) == 0


def test_bad_rows_can_be_skipped_on_request(client, auth, admin_user, units, session):
    auth.login()
    location = upload(client, BAD).headers["Location"]
    client.post(location, data={"skip_bad_rows": "y"})
    assert employees(session) == 2


def test_an_unreadable_file_is_refused_on_the_upload_page(client, auth, admin_user, units):
    auth.login()
    response = upload(client, "\x00\x01\x02 not a roster", filename="roster.csv")
    assert response.status_code == 422
    assert 'class="error"' in response.text


def test_a_file_of_another_kind_is_refused(client, auth, admin_user):
    auth.login()
    response = upload(client, "%PDF-1.4", filename="roster.pdf")
    assert response.status_code == 422
    assert 'class="error"' in response.text


def test_another_admin_cannot_open_someone_elses_upload(
    app, client, auth, admin_user, units, session, clock
):
    from pakta.services import accounts
    from tests.conftest import PASSWORD, AuthActions, enrol_totp

    enrol_totp(
        accounts.create_user(
            session, email="other@contoh.go.id", name="Other", role="admin", password=PASSWORD
        )
    )
    session.commit()
    auth.login()
    location = upload(client, GOOD).headers["Location"]
    other = app.test_client()
    AuthActions(other, clock).login(email="other@contoh.go.id")
    assert other.get("/admin/").status_code == 200
    assert other.get(location).status_code == 404


OPERATOR_FILE = (
    "NIP;Nama Lengkap;Unit Kerja;Jabatan;Jenis\n"
    "198609262015051001;Budi Santoso;DINKES-P2P;Perawat;PNS\n"
    "200012312024211001;Siti Aminah;DISDIK;Guru;PPPK\n"
)


def test_an_operator_imports_for_their_own_unit_and_rows_elsewhere_are_refused(
    client, auth, operator_user, units, session
):
    auth.login(operator_user.email)
    page = client.get("/admin/roster")
    assert page.status_code == 200
    location = upload(client, OPERATOR_FILE).headers["Location"]
    preview = client.get(location)
    assert "DISDIK" in preview.text and "Budi Santoso" in preview.text
    assert client.post(location, data={}).status_code == 422  # blocked: a bad row
    assert employees(session) == 0
    done = client.post(location, data={"skip_bad_rows": "y"})
    assert done.status_code == 200
    imported = session.scalars(select(Employee.name)).all()
    assert imported == ["Budi Santoso"]


def test_the_file_is_read_once_on_upload_not_again_for_the_preview_or_the_import(
    client, auth, admin_user, units, session, monkeypatch
):
    from pakta.services import roster

    auth.login()
    location = upload(client, GOOD).headers["Location"]

    def never(*_args, **_kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(roster, "read_table", never)
    assert "Budi Santoso" in client.get(location).text
    assert client.get(location, query_string={"deactivate_missing": "1"}).status_code == 200
    assert client.post(location, data={}).status_code == 200
    assert employees(session) == 2
