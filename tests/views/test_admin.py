"""The admin home page."""

import re


def test_the_admin_home_counts_only_valid_signatures(client, auth, admin_user, revoked):
    auth.login()
    page = client.get("/admin/").text
    assert "<dt>Tanda tangan</dt><dd>3</dd>" in page  # four signed in staffed, one revoked


def overview_numbers(page: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))


def test_an_operator_sees_the_counts_of_their_own_units_only(
    client, auth, admin_user, operator_user, staffed
):
    auth.login("operator@dinkes.contoh.go.id")
    numbers = overview_numbers(client.get("/admin/").text)
    # DINKES and DINKES-P2P; P2P's 4 people, 3 signed. DISDIK's 5 (1 signed) are not counted.
    assert numbers["Unit kerja aktif"] == "2"
    assert numbers["Pegawai aktif"] == "4"
    assert numbers["Tanda tangan"] == "3"


def test_an_admin_sees_the_counts_of_the_whole_pemda(client, auth, admin_user, staffed):
    auth.login()
    numbers = overview_numbers(client.get("/admin/").text)
    assert (numbers["Unit kerja aktif"], numbers["Pegawai aktif"], numbers["Tanda tangan"]) == (
        "4",
        "9",
        "4",
    )


# -- the audit trail page -------------------------------------------------------------------


def test_the_audit_trail_filters_by_action_and_downloads_as_csv(client, auth, admin_user):
    auth.login()
    page = client.get("/admin/audit?action=auth.login&since=2000-01-01")
    assert page.status_code == 200 and "auth.login" in page.text
    assert "/admin/audit.csv?action=auth.login" in page.text
    export = client.get("/admin/audit.csv?action=auth.login")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "auth.login" in export.data.decode("utf-8-sig")
    assert "audit.export" in client.get("/admin/audit").text


def test_a_day_that_is_not_a_date_is_ignored_with_a_message(client, auth, admin_user):
    auth.login()
    page = client.get("/admin/audit?since=kemarin")
    assert page.status_code == 200 and "kemarin" in page.text
