import re
import uuid

import pytest
from sqlalchemy import insert

from pakta.models import Employee, EmploymentType, Signature, SignatureMethod, Unit, utcnow
from tests.conftest import add_people

KB = 1024


def bulk_pemda(session, campaign, *, units=400, opds=40, per_unit=50):
    """A Pemda of ``units`` units on three levels (the Pemda, ``opds`` OPDs, the rest under
    them), ``per_unit`` active employees in each and four in five of those signed, inserted
    in bulk as a roster import would: a province's page sizes without minutes of set-up.
    Commits (the tallies are recounted with it); returns the units' ids, the Pemda first."""
    pemda = Unit(code="PEMDA", name="Pemerintah Kota Contoh")
    session.add(pemda)
    session.flush()
    returning = insert(Unit).returning(Unit.id, sort_by_parameter_order=True)
    opd_ids = session.scalars(
        returning,
        [
            dict(code=f"OPD-{i:02d}", name=f"Perangkat Daerah {i:02d}", parent_id=pemda.id)
            for i in range(opds)
        ],
    ).all()
    sub_units = [
        dict(
            code=f"OPD-{n % opds:02d}-{n:03d}",
            name=f"Sub Unit {n:03d}",
            parent_id=opd_ids[n % opds],
        )
        for n in range(units - 1 - opds)
    ]
    unit_ids = [pemda.id, *opd_ids, *session.scalars(returning, sub_units).all()]
    kinds = list(EmploymentType)
    people = [
        dict(
            identity_number=f"B{len(unit_ids)}{n:08d}",
            name=f"Pegawai Nomor {n}",
            position="Pelaksana",
            employment_type=kinds[n % len(kinds)],
            unit_id=unit_ids[n % len(unit_ids)],
        )
        for n in range(units * per_unit)
    ]
    employee_ids = session.scalars(
        insert(Employee).returning(Employee.id, sort_by_parameter_order=True), people
    ).all()
    pact = campaign.pact
    session.execute(
        insert(Signature),
        [
            dict(
                public_id=uuid.uuid4().hex[:22],
                certificate_number=f"PI24-{n:08d}",
                campaign_id=campaign.id,
                employee_id=employee_id,
                pact_text_id=pact.id,
                pact_sha256=pact.sha256,
                acknowledged_points=[1, 2, 3, 4],
                unit_id=row["unit_id"],
                unit_name="Sub Unit",
                signer_name=row["name"],
                method=SignatureMethod.KIOSK,
                typed_name=row["name"],
            )
            for n, (employee_id, row) in enumerate(zip(employee_ids, people, strict=True))
            if n % 5
        ],
    )
    session.commit()
    return unit_ids


def test_an_admin_sees_every_unit_with_rolled_up_rates(client, auth, admin_user, staffed):
    auth.login()
    page = client.get("/admin/rekap/")
    assert page.status_code == 200
    for name in ("Pemerintah Kota Contoh", "Dinas Kesehatan", "Bidang P2P", "Dinas Pendidikan"):
        assert name in page.text
    assert "4 / 9" in page.text  # overall signed / roster
    assert "75,0%" in page.text and "20,0%" in page.text


def test_an_operator_sees_only_their_unit_and_its_sub_units(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/")
    assert "Bidang P2P" in page.text
    assert "Dinas Pendidikan" not in page.text and "Pemerintah Kota Contoh" not in page.text
    assert "3 / 4" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/admin/rekap/unit/DISDIK",
        "/admin/rekap/unit/PEMDA",
        "/admin/rekap/unit/NOPE",
    ],
)
def test_an_operator_cannot_drill_into_other_units(client, auth, operator_user, staffed, path):
    auth.login(email=operator_user.email)
    assert client.get(path).status_code == 404


def test_the_trend_of_an_operator_counts_only_their_units(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/tren")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert ">3</td>" in page.text  # today's three signatures in DINKES-P2P, not DISDIK's


def test_both_trend_charts_draw_the_cumulative_rate_line_their_percent_axis_is_for(
    client, auth, admin_user, staffed
):
    auth.login()
    page = client.get("/admin/rekap/tren").text
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(charts) == 2
    for chart in charts:
        assert "100%</text>" in chart
        assert chart.count("<polyline") == 1


def test_the_dashboard_table_says_it_scrolls_sideways_and_can_be_scrolled_by_keyboard(
    client, auth, operator_user, staffed
):
    auth.login(email=operator_user.email)
    page = client.get("/admin/rekap/").text
    cue = re.search(r'<p class="scroll-cue" id="rollup-scroll-cue">([^<]+)</p>', page)
    assert cue and cue.group(1) == "Geser tabel ke samping untuk melihat semua kolom."
    assert re.search(
        r'<div class="table-wrap scrolls" role="region" tabindex="0" '
        r'aria-describedby="rollup-scroll-cue"[^>]*><table class="rollup">',
        page,
    )


def test_drilling_down_lists_employees_with_their_status(client, auth, admin_user, staffed):
    auth.login()
    page = client.get("/admin/rekap/unit/DINKES")
    assert "P2P Pegawai 0" in page.text and "P2P Pegawai 3" in page.text
    assert "DIK Pegawai" not in page.text


def test_each_page_says_which_view_it_shows(client, auth, admin_user, staffed):
    auth.login()
    roster = client.get("/admin/rekap/")
    history = client.get("/admin/rekap/", query_string={"view": "history"})
    assert roster.status_code == history.status_code == 200
    assert 'aria-current="page">' in roster.text and roster.text != history.text


@pytest.mark.parametrize("sort", ["tree", "rate", "name", "not_signed", "bogus"])
def test_the_dashboard_sorts_without_error(client, auth, admin_user, staffed, sort):
    auth.login()
    assert client.get("/admin/rekap/", query_string={"sort": sort}).status_code == 200


def test_the_admin_sets_the_alert_threshold(client, auth, admin_user, staffed, campaign, session):
    auth.login()
    client.post("/admin/rekap/pengaturan", data={"threshold": "50", "public_rollup": ""})
    session.refresh(campaign)
    assert campaign.alert_threshold == 50 and campaign.public_rollup is False
    client.post("/admin/rekap/pengaturan", data={"threshold": "500"})
    session.refresh(campaign)
    assert campaign.alert_threshold == 50


def test_operators_cannot_change_the_settings(client, auth, operator_user, staffed):
    auth.login(email=operator_user.email)
    assert client.post("/admin/rekap/pengaturan", data={"threshold": "1"}).status_code == 403


def count_queries(client, statements, path):
    statements.clear()
    assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    ("path", "bound"),
    [
        ("/admin/rekap/", 10),  # 12 when the harness's SAVEPOINT and RELEASE were counted too
        # login, campaign, unit, tree, tallies, one page of people, parent
        ("/admin/rekap/unit/DISDIK", 7),
    ],
)
def test_the_dashboard_and_the_drill_down_issue_a_bounded_number_of_queries(
    client, auth, admin_user, staffed, session, campaign, statements, path, bound
):
    auth.login()
    few = count_queries(client, statements, path)
    for index in range(30):
        unit = Unit(code=f"X{index}", name=f"Unit {index}", parent=staffed["DISDIK"])
        session.add(unit)
        session.flush()
        add_people(session, unit, 2, 1, campaign, f"X{index:02d}-")
    many = count_queries(client, statements, path)
    assert many == few
    assert many <= bound


def test_drilling_down_shows_a_revoked_person_as_not_signed_with_the_reason(
    client, auth, admin_user, revoked
):
    auth.login()
    page = client.get("/admin/rekap/unit/DINKES-P2P").text
    row = page.split("P2P Pegawai 0", 1)[1].split("</tr>", 1)[0]
    assert "dicabut: salah tanda tangan" in row
    assert revoked.certificate_number not in page


def test_the_dashboard_of_a_400_unit_pemda_is_under_100_kb(
    client, auth, admin_user, campaign, session
):
    bulk_pemda(session, campaign)
    auth.login()
    page = client.get("/admin/rekap/")
    assert page.status_code == 200
    names = [f"Perangkat Daerah {i:02d}" for i in range(40)] + [
        f"Sub Unit {n:03d}" for n in range(359)
    ]
    assert all(f">{name}</a>" in page.text for name in names)
    assert "16.000 / 20.000" in page.text  # everybody counted, grouped as id writes it
    assert len(page.data) < 100 * KB


def test_the_rates_table_has_a_caption_column_and_row_headers(client, auth, admin_user, staffed):
    auth.login()
    page = client.get("/admin/rekap/").text
    table = page.split('<table class="rollup">', 1)[1].split("</table>", 1)[0]
    assert "<caption" in table and table.count('<th scope="col"') == 8
    assert re.search(r"<th scope=row class=d1><a href=\"[^\"]+\">Dinas Kesehatan</a>", table)


def test_only_units_below_the_threshold_are_marked_with_a_low_meter(
    client, auth, admin_user, staffed
):
    auth.login()
    rows = client.get("/admin/rekap/").text.split("<tbody>", 1)[1].split("\n")
    disdik = next(row for row in rows if "Dinas Pendidikan" in row)  # 20%, under 80%
    p2p = next(row for row in rows if "Bidang P2P" in row)  # 75%, also under
    assert disdik.startswith("<tr class=lag>") and "low=80 optimum=100" in disdik
    assert p2p.startswith("<tr class=lag>")
    client.post("/admin/rekap/pengaturan", data={"threshold": "50", "public_rollup": "y"})
    rows = client.get("/admin/rekap/").text.split("<tbody>", 1)[1].split("\n")
    p2p = next(row for row in rows if "Bidang P2P" in row)
    assert p2p.startswith("<tr>") and "low=" not in p2p and "value=75.0" in p2p


def test_drilling_into_a_large_unit_lists_its_people_a_page_at_a_time(
    client, auth, admin_user, campaign, session
):
    unit_ids = bulk_pemda(session, campaign, units=3, opds=1, per_unit=150)  # 450 people
    auth.login()
    seen = []
    for number, expected in ((1, 200), (2, 200), (3, 50)):
        page = client.get("/admin/rekap/unit/PEMDA", query_string={"page": number}).text
        people = re.findall(r"<td>(Pegawai Nomor \d+)<br>", page)
        assert len(people) == expected
        assert f"Halaman {number} dari 3" in page
        assert (f"page={number + 1}" in page) is (number < 3)
        seen += people
    assert len(set(seen)) == 450 == len(unit_ids) * 150


def test_the_trend_writes_days_and_rates_as_the_locale_does(client, auth, admin_user, staffed):
    from flask_babel import format_date

    from pakta.timeutil import local_zone

    auth.login()
    page = client.get("/admin/rekap/tren").text
    today = utcnow().astimezone(local_zone()).date()
    with client.application.test_request_context():
        written = format_date(today, "d MMM yyyy")
    assert f"Tanda tangan per jam pada {written}" in page
    assert today.isoformat() not in page.replace(f'value="{today.isoformat()}"', "")
    assert re.search(r">\d+,\d%</td>", page)  # the cumulative rate, "44,4%"
