import io
import re

import pyotp
from sqlalchemy import select

from pakta.models import AuditEvent, RosterUpload, Unit
from tests.conftest import PASSWORD, TOTP_SECRET

TREE = (
    "id;nama_unor;diatasan_id;eselon_id\n"
    "BAG-HUKUM;Bagian Hukum;SETDA;31\n"
    "SETDA;Sekretariat Daerah;PEMDA;21\n"
)
BAD = TREE + "UPT-X;UPT X;DINSOS;\n"


def upload(client, text, filename="unor.csv"):
    return client.post(
        "/admin/unit/impor",
        data={"tree": (io.BytesIO(text.encode("utf-8")), filename)},
        content_type="multipart/form-data",
    )


def unit(session, code):
    return session.scalar(select(Unit).where(Unit.code == code))


def test_an_upload_shows_a_preview_and_changes_nothing_until_confirmed(
    client, auth, admin_user, units, session
):
    auth.login()
    assert "/admin/unit/impor" in client.get("/admin/").text  # linked from the navigation
    response = upload(client, TREE)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    assert preview.status_code == 200
    assert "Bagian Hukum" in preview.text and "BAG-HUKUM" in preview.text
    assert unit(session, "SETDA") is None


def test_confirming_imports_the_tree_audits_it_and_spends_the_upload(
    client, auth, admin_user, units, session
):
    auth.login()
    location = upload(client, TREE).headers["Location"]
    assert client.post(location, data={}).status_code == 200
    assert unit(session, "BAG-HUKUM").parent.code == "SETDA"
    assert unit(session, "SETDA").parent.code == "PEMDA"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "units.import"))
    assert event.details["created"] == 2 and event.actor == admin_user.email
    assert client.post(location, data={}).status_code == 404
    assert session.scalar(select(RosterUpload.content)) == b""


def test_bad_rows_are_listed_with_their_row_numbers_and_nothing_is_imported(
    client, auth, admin_user, units, session
):
    auth.login()
    location = upload(client, BAD).headers["Location"]
    preview = client.get(location)
    assert re.search(r'<td class="num">4</td><td>diatasan_id</td><td>[^<]*DINSOS', preview.text)
    client.post(location, data={})
    assert unit(session, "SETDA") is None


def test_the_preview_warns_listing_top_level_units_other_than_the_root(
    client, auth, admin_user, units
):
    auth.login()
    location = upload(client, TREE + "LEPAS;Unit Lepas;;\n").headers["Location"]
    assert re.search(r"flash-error[^<]*LEPAS", client.get(location).text)


def test_an_unreadable_file_is_refused_on_the_upload_page(client, auth, admin_user):
    auth.login()
    response = upload(client, "kode,nama\nA,B\n")
    assert response.status_code == 422
    assert 'class="error"' in response.text and "kode_induk" in response.text


def test_a_roster_upload_cannot_be_applied_as_a_unit_tree(client, auth, admin_user, units):
    auth.login()
    roster = client.post(
        "/admin/roster",
        data={
            "roster": (io.BytesIO(b"nip;nama;unit_kode\n198609262015051001;A;DINKES\n"), "r.csv")
        },
        content_type="multipart/form-data",
    )
    token = roster.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/admin/unit/impor/{token}").status_code == 404


OPERATOR_TREE = (
    "kode;nama;kode_induk\nPKM-1;Puskesmas 1;DINKES-P2P\nUPT-DIK;UPT Pendidikan;DISDIK\n"
)


def test_an_operator_imports_within_their_sub_tree_and_rows_elsewhere_block_the_file(
    client, auth, operator_user, units, session
):
    auth.login(operator_user.email)
    assert client.get("/admin/unit/impor").status_code == 200
    location = upload(client, OPERATOR_TREE).headers["Location"]
    preview = client.get(location)
    assert re.search(r'<td class="num">3</td><td>kode_induk</td>', preview.text)
    assert not re.search(r'<td class="num">2</td>', preview.text)
    client.post(location, data={})
    assert unit(session, "PKM-1") is None  # all or nothing
    fixed = upload(client, OPERATOR_TREE.splitlines()[0] + "\n" + OPERATOR_TREE.splitlines()[1])
    assert client.post(fixed.headers["Location"], data={}).status_code == 200
    assert unit(session, "PKM-1").parent.code == "DINKES-P2P"


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_confirming_without_the_csrf_token_is_refused(
    csrf_client,  # noqa: F811
    admin_user,
    units,
    session,
    clock,
):
    client = csrf_client
    token = csrf_token(client.get("/masuk").text)
    client.post(
        "/masuk", data={"email": admin_user.email, "password": PASSWORD, "csrf_token": token}
    )
    token = csrf_token(client.get("/masuk/kode").text)
    clock.advance(seconds=30)
    code = pyotp.TOTP(TOTP_SECRET).at(clock.now())
    client.post("/masuk/kode", data={"code": code, "csrf_token": token})
    token = csrf_token(client.get("/admin/unit/impor").text)
    location = client.post(
        "/admin/unit/impor",
        data={"tree": (io.BytesIO(TREE.encode()), "unor.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    ).headers["Location"]
    assert client.post(location, data={}).status_code == 400
    assert unit(session, "SETDA") is None
    confirm = csrf_token(client.get(location).text)
    assert client.post(location, data={"csrf_token": confirm}).status_code == 200
    assert unit(session, "SETDA") is not None
