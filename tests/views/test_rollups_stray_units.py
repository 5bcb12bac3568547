import re

from pakta.models import Unit


def test_the_dashboard_warns_an_admin_listing_top_level_units_besides_the_root(
    client, auth, admin_user, staffed, session
):
    auth.login()
    assert "kode_induk" not in client.get("/admin/rekap/").text  # the warning's advice
    session.add_all([Unit(code="LEPAS", name="Unit lepas"), Unit(code="LEPAS-2", name="Lagi")])
    session.commit()
    page = client.get("/admin/rekap/").text
    assert re.search(r'class="flash flash-error">[^<]*LEPAS, LEPAS-2[^<]*kode_induk', page)
    assert "PEMDA," not in page


def test_an_operator_sees_no_such_warning_for_their_own_sub_tree(
    client, auth, operator_user, staffed, session
):
    session.add(Unit(code="LEPAS", name="Unit lepas"))
    session.commit()
    auth.login(operator_user.email)
    assert "LEPAS" not in client.get("/admin/rekap/").text
