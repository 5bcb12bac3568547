"""Two-step login: an admin enrols (QR made here, key in text, a code to confirm, recovery
codes shown once), then logs in with a code or a recovery code; codes are never taken twice."""

import re

import pyotp
from sqlalchemy import select, text

from pakta.db import database
from pakta.keys import totp
from pakta.models import AuditEvent
from pakta.services import accounts, mfa
from tests.conftest import PASSWORD, TOTP_SECRET, AuthActions, enrol_totp


def new_admin(session, email="baru@contoh.go.id"):
    user = accounts.create_user(
        session, email=email, name="Admin Baru", role="admin", password=PASSWORD
    )
    session.commit()
    return user


def enrol(client, clock) -> tuple[str, list[str]]:
    """Goes through the enrolment page; returns the secret and the recovery codes shown."""
    page = client.get("/akun/dua-langkah")
    assert page.status_code == 200
    secret = re.search(r'class="mfa-secret">([A-Z2-7]+)<', page.text).group(1)
    clock.advance(seconds=30)
    done = client.post("/akun/dua-langkah", data={"code": pyotp.TOTP(secret).at(clock.now())})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    return secret, codes


def password_step(client, email):
    return client.post("/masuk", data={"email": email, "password": PASSWORD})


def test_an_admin_without_two_step_login_can_open_nothing_but_the_enrolment(client, auth, session):
    admin = new_admin(session)
    response = auth.login(email=admin.email)
    assert response.headers["Location"] == "/admin/"
    for path in ("/admin/", "/admin/kampanye", "/akun/kata-sandi", "/admin/pengguna/"):
        refused = client.get(path)
        assert refused.status_code == 302
        assert refused.headers["Location"] == "/akun/dua-langkah"
    assert client.get("/akun/dua-langkah").status_code == 200
    assert client.post("/keluar").status_code == 302


def test_the_enrolment_qr_code_is_an_svg_made_here_for_the_secret_shown(client, auth, session):
    admin = new_admin(session)
    auth.login(email=admin.email)
    page = client.get("/akun/dua-langkah").text
    secret = re.search(r'class="mfa-secret">([A-Z2-7]+)<', page).group(1)
    assert 'src="/akun/dua-langkah/qr.svg"' in page
    assert "<script" not in page.split("<main", 1)[-1] and 'style="' not in page
    qr = client.get("/akun/dua-langkah/qr.svg")
    assert qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store"
    assert qr.text.startswith("<svg")
    # Reloading keeps the secret already scanned.
    assert secret in client.get("/akun/dua-langkah").text
    session.refresh(admin)
    assert mfa.secret_of(admin) == secret and not admin.has_totp


def test_a_wrong_enrolment_code_leaves_two_step_login_off(client, auth, session):
    admin = new_admin(session)
    auth.login(email=admin.email)
    client.get("/akun/dua-langkah")
    refused = client.post("/akun/dua-langkah", data={"code": "123456"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    session.refresh(admin)
    assert not admin.has_totp
    assert client.get("/admin/").status_code == 302


def test_enrolment_then_login_with_a_code_or_a_recovery_code_used_once(
    app, client, auth, session, clock
):
    admin = new_admin(session)
    auth.login(email=admin.email)
    secret, codes = enrol(client, clock)
    assert len(codes) == 10
    assert client.get("/admin/").status_code == 200  # enrolled: the admin pages open
    client.post("/keluar")

    # The password alone is not enough now.
    assert password_step(client, admin.email).headers["Location"] == "/masuk/kode"
    assert client.get("/admin/").status_code == 302
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now())
    assert client.post("/masuk/kode", data={"code": code}).headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    client.post("/keluar")

    # A recovery code works once, typed in capitals and without its dash too.
    other = app.test_client()
    password_step(other, admin.email)
    typed = codes[0].replace("-", "").upper()
    assert other.post("/masuk/kode", data={"code": typed}).status_code == 302
    assert other.get("/admin/").status_code == 200
    again = app.test_client()
    password_step(again, admin.email)
    refused = again.post("/masuk/kode", data={"code": codes[0]})
    assert refused.status_code == 422
    assert again.get("/admin/").status_code == 302
    assert again.post("/masuk/kode", data={"code": codes[1]}).status_code == 302
    # The hashes are kept, not the codes.
    from pakta.models import RecoveryCode

    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert not set(stored) & {code.replace("-", "") for code in codes}


def test_a_code_is_refused_the_second_time_within_its_window(app, admin_user, clock):
    first, second = app.test_client(), app.test_client()
    clock.advance(seconds=30)
    code = pyotp.TOTP(TOTP_SECRET).at(clock.now())
    password_step(first, admin_user.email)
    password_step(second, admin_user.email)
    assert first.post("/masuk/kode", data={"code": code}).status_code == 302
    replayed = second.post("/masuk/kode", data={"code": code})
    assert replayed.status_code == 422
    assert second.get("/admin/").status_code == 302


def test_the_code_page_needs_the_password_first_and_not_long_ago(client, admin_user, clock):
    assert client.get("/masuk/kode").headers["Location"] == "/masuk"
    password_step(client, admin_user.email)
    clock.advance(minutes=6)
    code = pyotp.TOTP(TOTP_SECRET).at(clock.now())
    assert client.post("/masuk/kode", data={"code": code}).headers["Location"] == "/masuk"
    assert client.get("/admin/").status_code == 302


def test_two_step_login_is_optional_for_operators(client, auth, operator_user, clock):
    auth.login(email=operator_user.email)
    assert client.get("/admin/").status_code == 200
    secret, codes = enrol(client, clock)
    assert codes
    client.post("/keluar")
    assert password_step(client, operator_user.email).headers["Location"] == "/masuk/kode"


def test_an_admin_resets_anothers_two_step_login_and_it_is_audited(
    app, client, auth, admin_user, operator_user, session, clock
):
    enrol_totp(operator_user)
    session.commit()
    operator = app.test_client()
    AuthActions(operator, clock).login(email=operator_user.email)
    auth.login()
    assert client.post(f"/admin/pengguna/{operator_user.id}/reset-dua-langkah").status_code == 302
    session.refresh(operator_user)
    assert not operator_user.has_totp and operator_user.totp_secret is None
    assert operator.get("/admin/").status_code == 302  # logged out too
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.mfa_reset"))
    assert event.actor == admin_user.email and event.target_id == str(operator_user.id)
    assert password_step(app.test_client(), operator_user.email).headers["Location"] == "/admin/"


def test_operators_cannot_reset_anyones_two_step_login(client, auth, operator_user, admin_user):
    auth.login(email=operator_user.email)
    assert client.post(f"/admin/pengguna/{admin_user.id}/reset-dua-langkah").status_code == 403
    assert client.get("/admin/pengguna/").status_code == 403


# -- the secret sealed at rest -------------------------------------------------------------


def test_enrolling_through_the_pages_stores_the_secret_sealed_and_its_codes_log_in(
    client, auth, session, clock
):
    admin = new_admin(session)
    auth.login(email=admin.email)
    secret, _codes = enrol(client, clock)
    client.post("/keluar")
    stored = session.execute(
        text("SELECT totp_secret FROM app_user WHERE id = :id"), {"id": admin.id}
    ).scalar()
    assert stored.startswith("v1$") and secret not in stored

    password_step(client, admin.email)
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now())
    assert client.post("/masuk/kode", data={"code": code}).headers["Location"] == "/admin/"


def test_a_secret_copied_onto_another_account_does_not_log_it_in_and_says_why(
    client, admin_user, session, clock
):
    other = new_admin(session, email="lain@contoh.go.id")
    enrol_totp(other)
    other.totp_secret = admin_user.totp_secret  # as someone with the database might
    session.commit()
    password_step(client, other.email)
    clock.advance(seconds=30)

    refused = client.post("/masuk/kode", data={"code": pyotp.TOTP(TOTP_SECRET).at(clock.now())})

    assert refused.status_code == 503
    assert "rusak" in refused.text and "menyetel ulang" in refused.text
    assert client.get("/admin/").status_code == 302


def test_a_wrong_key_file_is_said_plainly_at_the_code_step_and_on_enrolment(
    app_variant, connection, admin_user, session, clock, tmp_path
):
    wrong = tmp_path / "wrong.key"
    totp.write(wrong, totp.Keyring((totp.new_key(),)))
    variant = app_variant(TOTP_KEY_FILE=str(wrong))
    database(variant).sessionmaker.configure(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    session.commit()
    client = variant.test_client()
    password_step(client, admin_user.email)
    clock.advance(seconds=30)

    refused = client.post("/masuk/kode", data={"code": pyotp.TOTP(TOTP_SECRET).at(clock.now())})

    assert refused.status_code == 503
    assert "kunci server untuk itu hilang atau salah" in refused.text

    enrolling = new_admin(session, email="daftar@contoh.go.id")
    enrolling.totp_secret = totp.Keyring((totp.new_key(),)).seal("A" * 32, enrolling.id)
    session.commit()
    AuthActions(client, clock).login(email=enrolling.email)
    for path in ("/akun/dua-langkah", "/akun/dua-langkah/qr.svg"):
        page = client.get(path)
        assert page.status_code == 503, path
        assert "kunci server untuk itu hilang atau salah" in page.text
