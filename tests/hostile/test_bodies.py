"""10 MB bodies: refused, or read and answered with the form's errors, in Indonesian; nothing
is written. (A form with errors is shown again with them, as every form of the app does.)"""

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.hostile.test_forms import row_counts

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("url", "admin", "field"),
    [
        ("/masuk", False, "password"),
        ("/s/{token}", False, "signature"),
        ("/s/{token}", False, "typed_name"),
        ("/admin/kampanye/baru", True, "title"),
        ("/admin/token/baru", True, "name"),
    ],
)
def test_a_ten_megabyte_field_gets_a_clear_answer_and_writes_nothing(
    url, admin, field, client, auth, admin_user, session, token
):
    if admin:
        auth.login()
    before = row_counts(session)

    response = client.post(url.format(token=token), data={field: "A" * TEN_MB})
    response.close()

    assert response.status_code in (200, 400, 413, 422)
    assert 'lang="id"' in response.text
    assert "This field" not in response.text and "Field cannot" not in response.text
    assert row_counts(session) == before


@pytest.mark.parametrize(
    ("url", "field", "name"),
    [
        ("/admin/roster", "roster", "roster.csv"),
        ("/admin/unit/impor", "tree", "unit.csv"),
        ("/admin/pengaturan/", "logo", "logo.png"),
        ("/periksa-pdf", "pdf", "sertifikat.pdf"),
    ],
)
def test_a_ten_megabyte_upload_gets_a_clear_answer_and_writes_nothing(
    url, field, name, client, auth, admin_user, session
):
    auth.login()
    before = row_counts(session)
    body = (b"198609262015051001;Nur'aini;\x00<b>x</b>\n" * (TEN_MB // 40))[:TEN_MB]

    # Encoded here, in memory: the test client would spool 10 MB to a file it never closes.
    boundary, payload = encode_multipart(MultiDict({field: FileStorage(io.BytesIO(body), name)}))
    response = client.post(
        url, data=payload, content_type=f"multipart/form-data; boundary={boundary}"
    )
    response.close()

    assert response.status_code < 500
    assert response.status_code not in (302, 303)
    assert 'lang="id"' in response.text
    assert row_counts(session) == before
