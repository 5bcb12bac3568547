"""Maintenance (``PAKTA_READ_ONLY=1``) and a read-only database pause signing, not reading."""

import pytest
from sqlalchemy import func, select, text

from pakta import jobs
from pakta.errors import RETRY_AFTER_SECONDS
from pakta.models import Signature
from pakta.services import apel
from pakta.services.certificates import issuing
from tests.views.test_apel import BUDI, add_person, identify
from tests.views.test_signing import ALL_POINTS, signature_data_url

PAUSED = "Penandatanganan dihentikan sementara"


@pytest.fixture
def maintenance(app, monkeypatch):
    monkeypatch.setitem(app.config, "READ_ONLY", True)


def signatures(session) -> int:
    return session.scalar(select(func.count()).select_from(Signature))


def test_the_signing_link_says_signing_is_paused_instead_of_offering_the_form(
    client, token, maintenance
):
    page = client.get(f"/s/{token}")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert PAUSED in page.text
    assert 'name="points"' not in page.text


def test_a_signature_posted_during_maintenance_is_refused_and_not_stored(
    client, session, token, maintenance
):
    response = client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    assert response.status_code == 503
    assert signatures(session) == 0


def test_a_person_who_has_signed_still_sees_their_done_page_during_maintenance(
    app, client, token, monkeypatch
):
    monkeypatch.setattr(jobs, "enqueue_certificate", lambda app, signature_id: None)
    signed = client.post(f"/s/{token}", data={"signature": signature_data_url(), **ALL_POINTS})
    assert signed.status_code == 303
    monkeypatch.setitem(app.config, "READ_ONLY", True)
    assert client.get(f"/s/{token}").status_code == 200


def test_the_kiosk_says_signing_is_paused(
    client, auth, operator_user, campaign, employee, maintenance
):
    auth.login(email=operator_user.email)
    auth.start_kiosk()
    page = client.get(f"/kiosk/tanda-tangan/{employee.id}")
    assert page.status_code == 503
    assert PAUSED in page.text


def test_the_apel_signing_page_says_signing_is_paused(
    client, session, units, campaign, operator_user, maintenance
):
    add_person(session, units["DINKES-P2P"], BUDI, "Budi Santoso")
    made, _ = apel.open_session(
        session, campaign=campaign, unit=units["DINKES"], user=operator_user
    )
    session.commit()
    assert identify(client, made).status_code == 303
    page = client.get(f"/a/{made.public_id}/tanda-tangan")
    assert page.status_code == 503
    assert PAUSED in page.text


def test_without_maintenance_the_signing_form_is_offered(client, token):
    assert client.get(f"/s/{token}").status_code == 200


def test_verification_and_the_dashboard_keep_working_during_maintenance(
    app, client, auth, session, signed, admin_user, maintenance
):
    issued = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    session.commit()
    assert client.get(f"/v/{issued.token}").status_code == 200
    auth.login()
    assert client.get("/admin/rekap/").status_code == 200


@pytest.fixture
def read_only_database(connection, is_postgresql):
    if not is_postgresql:
        pytest.skip("read-only transactions are PostgreSQL's; SQLite has none")
    # As for maintenance; a standby in recovery reports in_hot_standby the same way.
    connection.execute(text("SET default_transaction_read_only = on"))


def test_a_read_only_postgresql_pauses_signing_too(client, token, read_only_database):
    page = client.get(f"/s/{token}")
    assert page.status_code == 503
    assert PAUSED in page.text
