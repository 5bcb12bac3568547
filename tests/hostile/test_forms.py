"""Hypothesis over the fields of every form: a clear answer, never a 500, nothing half-written.

Each form is posted with hostile text in every field (names with diacritics and apostrophes,
right-to-left and zero-width characters, NUL bytes, markup) and hostile files in every upload
(truncated CSV and XLSX, SVG or HTML posing as PNG). Each is either accepted (a redirect, or
the result page of the few forms that have one) or refused with a 4xx; a request that is not
a redirect must leave every table as it was.
"""

import io
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pakta import keys
from pakta.models import utcnow
from pakta.models.base import Base
from pakta.services import apel
from tests.hostile.strategies import hostile_file, hostile_text, image_data_urls, upload_names


@dataclass(frozen=True)
class Form:
    url: str
    fields: tuple[str, ...]
    files: tuple[str, ...] = ()
    fixed: dict = field(default_factory=dict)
    admin: bool = False
    # Tables a refused request does write by design (failed apel checks are counted, failed
    # logins audited; every audit event is also an entry of the audit log).
    may_write: tuple[str, ...] = ()
    # Whether an accepted form answers with a page of its result (200) instead of a redirect.
    result_page: bool = False


FORMS = {
    "login": Form("/masuk", ("email", "password"), may_write=("audit_event", "log_entry")),
    "personal link": Form(
        "/s/{token}", ("typed_name", "signature", "submission_id"), fixed={"points": ["1", "2"]}
    ),
    "personal link, drawn signature": Form(
        "/s/{token}", ("signature",), fixed={"points": ["1", "2", "3", "4"]}
    ),
    "apel entry": Form("{apel_entry}", ("number", "code"), may_write=("verification_attempt",)),
    # Any file that is read gets a verdict, "not a Pakta certificate" included.
    "pdf check": Form("/periksa-pdf", (), files=("pdf",), result_page=True),
    "new campaign": Form(
        "/admin/kampanye/baru",
        ("title", "slug", "issuing_authority", "place", "official_name", "official_title"),
        fixed={"opens_at": "2026-12-01T08:00", "closes_at": "2026-12-31T16:00"},
        admin=True,
    ),
    "campaign details": Form(
        "/admin/kampanye/{slug}",
        ("details-title", "details-place", "details-official_name", "details-opens_at"),
        fixed={"details-submit": "1", "details-closes_at": "2026-12-31T16:00"},
        admin=True,
    ),
    "pact text": Form(
        "/admin/kampanye/{slug}",
        ("pact-heading", "pact-preamble", "pact-points", "pact-legal_basis"),
        fixed={"pact-submit": "1"},
        admin=True,
    ),
    "campaign logo": Form(
        "/admin/kampanye/{slug}", (), files=("logo-logo",), fixed={"logo-submit": "1"}, admin=True
    ),
    "pemda settings": Form("/admin/pengaturan/", ("name",), files=("logo",), admin=True),
    "roster upload": Form("/admin/roster", (), files=("roster",), admin=True),
    "unit tree upload": Form("/admin/unit/impor", (), files=("tree",), admin=True),
    # A new token is shown once on the answer itself, never behind a redirect.
    "new API token": Form(
        "/admin/token/baru",
        ("name", "unit"),
        admin=True,
        may_write=("api_token", "audit_event", "log_entry"),
        result_page=True,
    ),
    "rollup settings": Form("/admin/rekap/pengaturan", ("threshold",), admin=True),
    "password change": Form(
        "/akun/kata-sandi", ("current_password", "new_password", "confirm"), admin=True
    ),
    "apel opening": Form("/apel/", ("unit",), admin=True),
}


def row_counts(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def apel_entry(session, campaign, unit, user) -> str:
    made, _ = apel.open_session(session, campaign=campaign, unit=unit, user=user)
    session.commit()
    window = apel.window_at(utcnow())
    return f"/a/{made.public_id}/{window}.{keys.apel_token_tag(made.public_id, window)}"


@pytest.mark.parametrize("name", FORMS)
def test_every_form_answers_hostile_fields_without_a_500_and_without_a_half_write(
    name, client, auth, admin_user, session, token, campaign, units
):
    form = FORMS[name]
    if form.admin:
        auth.login()
    entry = ""
    if name == "apel entry":
        entry = apel_entry(session, campaign, units["DINKES"], admin_user)
    url = form.url.format(token=token, slug=campaign.slug, apel_entry=entry)
    if entry:
        client.get(url)
    drawn = name.endswith("drawn signature")
    values = st.fixed_dictionaries(
        {name: image_data_urls if drawn else hostile_text for name in form.fields}
    )
    uploads = st.fixed_dictionaries(
        {name: st.tuples(hostile_file, upload_names) for name in form.files}
    )

    @given(values=values, uploads=uploads)
    @settings(max_examples=15, suppress_health_check=list(HealthCheck))
    def answers_clearly(values, uploads):
        before = row_counts(session)
        data = {**form.fixed, **values}
        data.update(
            {key: (io.BytesIO(body), filename) for key, (body, filename) in uploads.items()}
        )
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code < 500, response.text[:2000]
        if response.status_code in (302, 303):
            return
        if response.status_code == 200:
            assert form.result_page, "a refused form answered 200, not a 4xx"
        else:
            assert 400 <= response.status_code < 500, response.status_code
        after = row_counts(session)
        for table in form.may_write:
            after[table] = before[table]
        assert after == before
        if response.mimetype == "text/html":
            assert 'lang="id"' in response.text

    answers_clearly()
