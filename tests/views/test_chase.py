import csv
import io
import re

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pakta.models import AuditEvent, Employee, Reminder
from pakta.services import exports, links
from tests.services.test_reminders import smtp_server  # noqa: F401 (a fixture)

BASE_URL = "http://127.0.0.1:5000"  # the app's default PAKTA_BASE_URL


@pytest.fixture
def smtp_configured(app, monkeypatch, smtp_server):  # noqa: F811
    controller, mailbox = smtp_server
    monkeypatch.setitem(app.config, "SMTP_HOST", controller.hostname)
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    return mailbox


def read_csv(response) -> list[dict]:
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def pdf_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    try:
        return " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in document)
    finally:
        document.close()


GET_URLS = [
    "/admin/rekap/belum/DINKES",
    "/admin/rekap/belum/DINKES.csv",
    "/admin/rekap/ekspor.csv",
    "/admin/rekap/ekspor.xlsx",
    "/admin/rekap/ekspor.pdf",
]
OUT_OF_SCOPE = [
    ("get", "/admin/rekap/belum/DISDIK"),
    ("get", "/admin/rekap/belum/DISDIK.csv"),
    ("post", "/admin/rekap/belum/DISDIK/ingatkan"),
    ("get", "/admin/rekap/belum/PEMDA"),
    ("get", "/admin/rekap/belum/PEMDA.csv"),
    ("post", "/admin/rekap/belum/PEMDA/ingatkan"),
    ("get", "/admin/rekap/belum/NOPE"),
    ("get", "/admin/rekap/ekspor.csv?unit=DISDIK"),
    ("get", "/admin/rekap/ekspor.xlsx?unit=DISDIK"),
    ("get", "/admin/rekap/ekspor.pdf?unit=DISDIK"),
    ("get", "/admin/rekap/ekspor.pdf?unit=PEMDA"),
]


# -- who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", url) for url in GET_URLS] + [("post", "/admin/rekap/belum/DINKES/ingatkan")],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, staffed, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


@pytest.mark.parametrize(("method", "path"), OUT_OF_SCOPE)
def test_an_operator_gets_a_404_for_units_outside_their_sub_tree(
    client, auth, operator_user, staffed, smtp_configured, method, path
):
    auth.login(email=operator_user.email)
    response = getattr(client, method)(path, data={"confirm": "y"})
    assert response.status_code == 404
    assert smtp_configured.received == []


@pytest.mark.parametrize("path", GET_URLS + ["/admin/rekap/belum/DINKES-P2P"])
def test_an_operator_may_open_every_page_of_their_own_sub_tree(
    client, auth, operator_user, staffed, path
):
    auth.login(email=operator_user.email)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_rollup_csv_of_an_operator_holds_only_their_sub_tree(
    client, auth, operator_user, staffed
):
    auth.login(email=operator_user.email)
    rows = read_csv(client.get("/admin/rekap/ekspor.csv"))
    assert [row["kode"] for row in rows] == ["DINKES", "DINKES-P2P"]
    assert (rows[0]["pegawai"], rows[0]["sudah"], rows[0]["persen"]) == ("4", "3", "75,0%")


def test_the_xlsx_of_an_operator_holds_only_their_sub_tree(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    response = client.get("/admin/rekap/ekspor.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Ringkasan", "DINKES", "DINKES-P2P"]
    assert "DIK Pegawai" not in str([list(sheet.values) for sheet in book])


def test_the_pdf_of_an_operator_holds_only_their_sub_tree(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    response = client.get("/admin/rekap/ekspor.pdf")
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "Dinas Kesehatan" in text and "Bidang P2P" in text
    assert "Dinas Pendidikan" not in text and "Pemerintah Kota Contoh" not in text


def test_the_not_signed_list_of_an_operator_holds_only_their_sub_tree(
    client, auth, operator_user, staffed
):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/belum/DINKES").text
    assert "P2P Pegawai 3" in page
    assert "P2P Pegawai 0" not in page  # signed
    assert "DIK Pegawai" not in page


# -- the exports --------------------------------------------------------------------------


def test_an_admin_exports_every_unit_in_the_chosen_view_and_each_export_is_audited(
    client, auth, admin_user, staffed, session
):
    auth.login()
    rows = read_csv(client.get("/admin/rekap/ekspor.csv", query_string={"view": "history"}))
    assert [row["kode"] for row in rows] == ["PEMDA", "DINKES", "DINKES-P2P", "DISDIK"]
    response = client.get("/admin/rekap/ekspor.xlsx", query_string={"campaign": "pilkada-2024"})
    assert "rekap-pilkada-2024-roster.xlsx" in response.headers["Content-Disposition"]
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "rollups.export").order_by(AuditEvent.id)
    ).all()
    assert [(e.details["format"], e.details["view"]) for e in events] == [
        ("csv", "history"),
        ("xlsx", "roster"),
    ]
    assert events[0].actor == admin_user.email


def test_the_pdf_recap_names_the_admin_who_generated_it(client, auth, admin_user, staffed):
    auth.login()
    response = client.get("/admin/rekap/ekspor.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Admin Setda" in text and "admin@contoh.go.id" in text


def test_an_export_of_one_unit_holds_its_sub_tree(client, auth, admin_user, staffed):
    auth.login()
    rows = read_csv(client.get("/admin/rekap/ekspor.csv", query_string={"unit": "DINKES"}))
    assert [row["kode"] for row in rows] == ["DINKES", "DINKES-P2P"]


def test_an_unknown_format_or_campaign_is_a_404(client, auth, admin_user, staffed):
    auth.login()
    assert client.get("/admin/rekap/ekspor.docx").status_code == 404
    assert client.get("/admin/rekap/ekspor.csv?campaign=nope").status_code == 404


def test_the_dashboard_and_the_unit_page_link_to_the_exports_and_the_list(
    client, auth, admin_user, staffed
):
    auth.login()
    dashboard = client.get("/admin/rekap/").text
    assert "/admin/rekap/ekspor.xlsx?campaign=pilkada-2024" in dashboard
    unit = client.get("/admin/rekap/unit/DISDIK").text
    assert "/admin/rekap/belum/DISDIK?campaign=pilkada-2024" in unit


# -- the not-yet-signed list ----------------------------------------------------------------


def test_the_not_signed_page_shows_each_persons_link_and_the_whatsapp_text(
    client, auth, admin_user, staffed, session
):
    auth.login()
    page = client.get("/admin/rekap/belum/DISDIK").text
    for index in range(1, 5):
        assert f"DIK Pegawai {index}" in page
    assert "DIK Pegawai 0" not in page  # signed
    tokens = set(re.findall(re.escape(BASE_URL) + r"/s/([A-Za-z0-9_-]+)", page))
    owners = {links.resolve(session, token).employee_id for token in tokens}
    waiting = session.scalars(
        select(Employee.id).where(Employee.identity_number.in_([f"DIK000{i}" for i in range(1, 5)]))
    ).all()
    assert owners == set(waiting)
    group = page.split('id="group-text"', 1)[1].split("</textarea>", 1)[0]
    assert "Pilkada Serentak 2024" in group and "4" in group and "WIB" in group


def test_the_not_signed_csv_has_the_contact_columns_and_working_links(
    client, auth, operator_user, staffed, session
):
    auth.login(email=operator_user.email)
    response = client.get("/admin/rekap/belum/DINKES.csv")
    rows = read_csv(response)
    assert list(rows[0]) == list(exports.NOT_SIGNED_HEADER)
    assert list(rows[0])[:7] == ["nip", "nama", "jabatan", "unit", "telepon", "email", "link"]
    [row] = rows
    assert (row["nip"], row["unit"], row["email"]) == ("P2P0003", "Bidang P2P", "p2p3@contoh.go.id")
    found = links.resolve(session, row["link"].rsplit("/s/", 1)[1])
    assert session.get(Employee, found.employee_id).identity_number == "P2P0003"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "rollups.export"))
    assert event.details["list"] == "not_signed" and event.target_id == "DINKES"


def test_without_smtp_the_page_offers_the_whatsapp_text_and_the_csv(
    client, auth, operator_user, staffed
):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/belum/DINKES").text
    assert "/admin/rekap/belum/DINKES/ingatkan" not in page
    assert "/admin/rekap/belum/DINKES.csv" in page and 'id="group-text"' in page
    refused = client.post("/admin/rekap/belum/DINKES/ingatkan", data={"confirm": "y"})
    assert refused.status_code == 409
    assert "Email pengingat belum diatur di server ini." in refused.text
    assert 'href="/admin/rekap/belum/DINKES?campaign=' in refused.text  # back to the list


# -- reminder emails ----------------------------------------------------------------------


def test_with_smtp_an_operator_emails_their_people_their_links_once(
    client, auth, operator_user, staffed, smtp_configured, session
):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/belum/DINKES").text
    assert "/admin/rekap/belum/DINKES/ingatkan" in page

    response = client.post("/admin/rekap/belum/DINKES/ingatkan", data={"confirm": "y"})
    assert response.status_code == 302
    [(recipients, message)] = smtp_configured.received
    assert recipients == ["p2p3@contoh.go.id"]
    link = next(line for line in message.get_content().splitlines() if "/s/" in line)
    found = links.resolve(session, link.strip().rsplit("/s/", 1)[1])
    assert session.get(Employee, found.employee_id).identity_number == "P2P0003"

    client.post("/admin/rekap/belum/DINKES/ingatkan", data={"confirm": "y"})
    assert len(smtp_configured.received) == 1
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "reminders.send")).all()
    assert [(e.details["sent"], e.details["recently_reminded"]) for e in events] == [(1, 0), (0, 1)]
    assert len(session.scalars(select(Reminder)).all()) == 1


def test_nothing_is_sent_without_the_confirmation(
    client, auth, operator_user, staffed, smtp_configured, session
):
    auth.login(email=operator_user.email)
    refused = client.post("/admin/rekap/belum/DINKES/ingatkan", data={})
    assert refused.status_code == 422
    assert smtp_configured.received == []
    assert session.scalars(select(Reminder)).all() == []


def test_an_admin_may_remind_any_unit(client, auth, admin_user, staffed, smtp_configured):
    auth.login()
    client.post("/admin/rekap/belum/DISDIK/ingatkan", data={"confirm": "y"})
    assert sorted(r for rcpts, _m in smtp_configured.received for r in rcpts) == [
        f"dik{index}@contoh.go.id" for index in range(1, 5)
    ]


# -- revoked signatures -----------------------------------------------------------------------


def test_a_revoked_person_is_listed_as_not_signed_marked_revoked_with_the_reason(
    client, auth, admin_user, revoked
):
    auth.login()
    page = client.get("/admin/rekap/belum/DINKES").text
    row = page.split("P2P Pegawai 0", 1)[1].split("</tr>", 1)[0]
    assert "dicabut: salah tanda tangan" in row
    assert "P2P Pegawai 1" not in page  # signed, not revoked
    assert page.count("dicabut:") == 1


def test_the_not_signed_csv_says_who_was_revoked_and_why(client, auth, admin_user, revoked):
    auth.login()
    rows = read_csv(client.get("/admin/rekap/belum/DINKES.csv"))
    notes = {row["nip"]: row["keterangan"] for row in rows}
    assert notes == {"P2P0000": "dicabut: salah tanda tangan", "P2P0003": ""}


def test_the_xlsx_counts_only_valid_signatures_and_marks_the_revoked_person(
    client, auth, admin_user, revoked
):
    auth.login()
    book = load_workbook(io.BytesIO(client.get("/admin/rekap/ekspor.xlsx").data))
    people = {row[0]: row[4] for row in book["DINKES-P2P"].iter_rows(min_row=3, values_only=True)}
    assert "dicabut: salah tanda tangan" in people["P2P0000"]
    assert people["P2P0001"] == people["P2P0002"] != people["P2P0000"]
    summary = [row for row in book["Ringkasan"].values if row and row[0] == "DINKES-P2P"]
    assert summary[0][4:7] == (4, 2, 2)  # pegawai, sudah, belum
