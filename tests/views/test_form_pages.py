"""Every POST route answers a submission it refuses with a 4xx (issue 16, point 8): 422 when
its form is shown again with the reason, 409 when the current state forbids the action, 400
or 404 where nothing is shown again. Accepted forms redirect, or show their result.

Each POST route of the app is listed here with a refused submission of its own, or, where
only the CSRF check can refuse it, with that; a new POST route fails the inventory test until
it is added.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pakta import keys
from pakta.models import Employee, Signature, User, utcnow
from pakta.services import apel, links
from tests.conftest import PASSWORD, AuthActions, make_employee
from tests.test_headers import route_values, url_for_rule  # noqa: F401 (route_values: a fixture)
from tests.views.test_admin_roster import BAD as BAD_ROSTER
from tests.views.test_unit_tree import BAD as BAD_TREE

CODE = "135790"


@dataclass
class Scene:
    client: FlaskClient
    auth: AuthActions
    session: Session
    signed: Signature  # a signature of the open campaign, in DINKES-P2P
    unsigned: Employee  # in DINKES-P2P too, with a verification code for the apel
    token: str  # the unsigned employee's personal link
    admin: User
    operator_email: str

    def as_admin(self) -> None:
        self.auth.login()

    def as_operator(self) -> None:
        self.auth.login(email=self.operator_email)

    def in_kiosk(self) -> None:
        self.as_operator()
        self.auth.start_kiosk()

    def open_apel(self) -> str:
        """The entry URL of an apel opened for DINKES, as its QR code has it this minute."""
        made, _ = apel.open_session(
            self.session,
            campaign=self.signed.campaign,
            unit=self.signed.employee.unit.parent,
            user=self.admin,
        )
        self.session.commit()
        window = apel.window_at(utcnow())
        return f"/a/{made.public_id}/{window}.{keys.apel_token_tag(made.public_id, window)}"

    def holding_an_apel_pass(self) -> str:
        entry = self.open_apel()
        self.client.get(entry)
        passed = self.client.post(
            entry, data={"number": self.unsigned.identity_number, "code": CODE}
        )
        assert passed.status_code == 303
        return passed.headers["Location"]

    def upload(self, url: str, field: str, text: str, filename: str) -> str:
        uploaded = self.client.post(
            url,
            data={field: (io.BytesIO(text.encode()), filename)},
            content_type="multipart/form-data",
        )
        assert uploaded.status_code == 302
        return uploaded.headers["Location"]


@pytest.fixture
def scene(client, auth, session, signed, admin_user, operator_user) -> Scene:
    unsigned = make_employee(
        session, signed.employee.unit, identity_number="199001012020121001", name="Siti Aminah"
    )
    unsigned.verification_code_hash = keys.verification_code_digest(CODE)
    rows = links.export_rows(session, signed.campaign, None, None)
    session.commit()
    token = next(row.token for row in rows if row.identity_number == unsigned.identity_number)
    return Scene(client, auth, session, signed, unsigned, token, admin_user, operator_user.email)


def second_factor(s: Scene):
    s.client.post("/masuk", data={"email": s.admin.email, "password": PASSWORD})
    return s.client.post("/masuk/kode", data={"code": "000000"})


def enrolment(s: Scene):
    s.as_operator()  # two-step login is optional for operators, and off
    s.client.get("/akun/dua-langkah")
    return s.client.post("/akun/dua-langkah", data={"code": "000000"})


def recovery_codes(s: Scene):
    s.as_operator()  # without two-step login there are no codes to renew
    return s.client.post("/akun/dua-langkah/kode-pemulihan")


def password_change(s: Scene):
    s.as_operator()
    new = "a brand new password"
    return s.client.post(
        "/akun/kata-sandi",
        data={"current_password": "not it", "new_password": new, "confirm": new},
    )


def new_campaign(s: Scene):
    s.as_admin()
    return s.client.post(
        "/admin/kampanye/baru",
        data={
            "slug": "pilkada-2029",
            "title": "Pilkada 2029",
            "place": "Contoh",
            "opens_at": "2029-07-01T08:00",
            "closes_at": "2029-06-01T08:00",  # before it opens
        },
    )


def campaign_details(s: Scene):
    s.as_admin()
    return s.client.post(
        f"/admin/kampanye/{s.signed.campaign.slug}",
        data={
            "details-title": "Pilkada",
            "details-place": "Contoh",
            "details-opens_at": "2029-07-01T08:00",
            "details-closes_at": "2029-06-01T08:00",
            "details-submit": "1",
        },
    )


def roster_preview(s: Scene):
    s.as_admin()
    preview = s.upload("/admin/roster", "roster", BAD_ROSTER, "roster.csv")
    return s.client.post(preview, data={})  # bad rows, and not told to skip them


def unit_tree_preview(s: Scene):
    s.as_admin()
    preview = s.upload("/admin/unit/impor", "tree", BAD_TREE, "unor.csv")
    return s.client.post(preview, data={})


def bad_upload(url: str, field: str) -> Callable[[Scene], object]:
    def post(s: Scene):
        s.as_admin()
        return s.client.post(
            url,
            data={field: (io.BytesIO(b"GIF89a\x00\x01 not what was asked"), "file.png")},
            content_type="multipart/form-data",
        )

    return post


def apel_without_an_open_campaign(s: Scene):
    s.as_admin()
    s.signed.campaign.closes_at = utcnow() - timedelta(minutes=1)
    s.session.commit()
    return s.client.post("/apel/", data={"unit": s.signed.employee.unit_id})


def apel_entry(s: Scene):
    entry = s.open_apel()
    s.client.get(entry)
    return s.client.post(entry, data={"number": s.unsigned.identity_number, "code": "000000"})


def apel_signing(s: Scene):
    return s.client.post(s.holding_an_apel_pass(), data={"points": ["1"]})


def kiosk_exit(s: Scene):
    s.in_kiosk()
    return s.client.post("/kiosk/keluar", data={"password": "not the password"})


def kiosk_signing(s: Scene):
    s.in_kiosk()
    return s.client.post(f"/kiosk/tanda-tangan/{s.unsigned.id}", data={"points": ["1"]})


def certificate_revocation(s: Scene):
    s.as_admin()
    return s.client.post(
        f"/admin/sertifikat/{s.signed.certificate_number}",
        data={"revoke-reason": "", "revoke-note": "", "revoke-submit": "1"},
    )


def disabling_oneself(s: Scene):
    s.as_admin()
    return s.client.post(f"/admin/pengguna/{s.admin.id}/nonaktifkan")


def reminders_without_smtp(s: Scene):
    s.as_operator()
    return s.client.post("/admin/rekap/belum/DINKES/ingatkan", data={"confirm": "y"})


def admin_post(url: str, data: dict | None = None) -> Callable[[Scene], object]:
    def post(s: Scene):
        s.as_admin()
        return s.client.post(url, data=data or {})

    return post


# Endpoint: the status its refusal answers, what the page says (its English msgid), and how
# to make one.
REFUSALS: dict[str, tuple[int, str, Callable[[Scene], object]]] = {
    "auth.login": (
        422,
        "Wrong email or password.",
        lambda s: s.client.post("/masuk", data={"email": s.admin.email, "password": "wrong"}),
    ),
    "auth.second_factor": (422, "That code is not correct or was already used.", second_factor),
    "auth.mfa_setup": (422, "That code is not correct. Check the time on your phone.", enrolment),
    "auth.new_recovery_codes": (400, "The request could not be understood", recovery_codes),
    "auth.change_password": (422, "The current password is not correct.", password_change),
    "auth.set_language": (404, "Page not found", lambda s: s.client.post("/bahasa/xx")),
    "signing.personal": (
        422,
        "Draw your signature in the box.",
        lambda s: s.client.post(f"/s/{s.token}", data={}),
    ),
    "kiosk.leave": (422, "Wrong password.", kiosk_exit),
    "kiosk.sign": (422, "Draw your signature in the box.", kiosk_signing),
    "apel.index": (409, "No campaign is open for signing now.", apel_without_an_open_campaign),
    "apel.entry": (
        422,
        "The NIP or the verification code is wrong, or you are not on the roster of this "
        "apel's unit. Check both and try again.",
        apel_entry,
    ),
    "apel.sign": (422, "Draw your signature in the box.", apel_signing),
    "verify.check_pdf": (
        422,
        "Choose a PDF file.",
        lambda s: s.client.post("/periksa-pdf", data={}, content_type="multipart/form-data"),
    ),
    "admin.campaign_new": (422, "The campaign must close after it opens.", new_campaign),
    "admin.campaign_edit": (422, "The campaign must close after it opens.", campaign_details),
    "admin.roster_upload": (422, "Only CSV or XLSX files.", bad_upload("/admin/roster", "roster")),
    "admin.roster_preview": (
        422,
        "Nothing was imported: fix the bad rows, or choose to skip them.",
        roster_preview,
    ),
    "unit_tree.upload": (422, "Only CSV or XLSX files.", bad_upload("/admin/unit/impor", "tree")),
    "unit_tree.preview": (
        422,
        "Nothing was imported: fix the rows with problems and upload again.",
        unit_tree_preview,
    ),
    "settings.index": (
        422,
        "The logo must be a PNG or JPEG image.",
        bad_upload("/admin/pengaturan/", "logo"),
    ),
    "certificates.detail": (422, "Choose a reason for the revocation.", certificate_revocation),
    "tokens.create": (
        422,
        "Give the token a name.",
        admin_post("/admin/token/baru", {"name": "", "unit": ""}),
    ),
    "rollups.settings": (
        422,
        "The threshold must be a whole number from 0 to 100.",
        admin_post("/admin/rekap/pengaturan", {"threshold": "101"}),
    ),
    "chase.remind": (409, "Reminder emails are not set up on this server.", reminders_without_smtp),
    "users.disable": (400, "The request could not be understood", disabling_oneself),
}

# Routes whose only refusal is the CSRF check (their form has nothing else to get wrong),
# and routes that take no form input to refuse; the CSRF test below covers all of them.
NOTHING_ELSE_TO_REFUSE = {
    "auth.logout",
    "auth.end_other_sessions",
    "kiosk.start",
    "apel.close",
    "tokens.revoke",
    "users.end_sessions",
    "users.reset_mfa",
    "users.enable",
    "links.regenerate",
}


def translated(message: str) -> str:
    """The message as the default (Indonesian) page shows it, HTML-escaped."""
    from flask_babel import gettext
    from markupsafe import escape

    return str(escape(gettext(message)))


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_post_route_is_listed_with_a_refusal_or_as_having_none(app):
    listed = REFUSALS.keys() | NOTHING_ELSE_TO_REFUSE
    assert post_endpoints(app) == listed


@pytest.mark.parametrize("endpoint", REFUSALS)
def test_a_refused_submission_answers_its_4xx_in_indonesian_and_writes_no_signature(
    endpoint, scene
):
    status, message, refuse = REFUSALS[endpoint]
    signatures = scene.session.scalar(select(func.count()).select_from(Signature))

    response = refuse(scene)

    assert response.status_code == status, response.text[:1000]
    assert response.mimetype == "text/html"
    assert 'lang="id"' in response.text
    assert translated(message) in response.text
    scene.session.expire_all()
    assert scene.session.scalar(select(func.count()).select_from(Signature)) == signatures


def test_a_form_shown_again_with_its_errors_is_the_same_page_as_before(scene):
    scene.as_admin()
    shown = scene.client.get("/admin/kampanye/baru")
    refused = new_campaign(scene)
    assert (shown.status_code, refused.status_code) == (200, 422)
    assert '<form method="post"' in refused.text and 'class="error"' in refused.text
    assert 'value="pilkada-2029"' in refused.text  # what was typed is kept


def test_every_post_route_refuses_a_form_without_its_csrf_token(
    app,
    csrf_client,
    route_values,  # noqa: F811 (the fixture imported above)
):
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        path = url_for_rule(rule, route_values)
        response = csrf_client.post(path, data={})
        assert response.status_code == 400, path
        assert "Formulir sudah kedaluwarsa atau terkirim dua kali." in response.text, path
