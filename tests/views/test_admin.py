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
