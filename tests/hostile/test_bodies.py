"""10 MB bodies: refused before they are read (413), or read and answered with the form's
errors (422), in Indonesian; nothing is written. Only a check that reads any file (the PDF
check) answers it with its verdict (200)."""

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.hostile.test_forms import row_counts

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("url", "admin", "field", "status"),
    [
        ("/masuk", False, "password", 422),
        # No drawn signature comes near 10 MB: the signing form is refused unread.
        ("/s/{token}", False, "signature", 413),
        ("/s/{token}", False, "typed_name", 413),
        ("/admin/kampanye/baru", True, "title", 422),
        ("/admin/token/baru", True, "name", 422),
    ],
)
def test_a_ten_megabyte_field_gets_a_clear_answer_and_writes_nothing(
    url, admin, field, status, client, auth, admin_user, session, token
):
    if admin:
        auth.login()
    before = row_counts(session)

    response = client.post(url.format(token=token), data={field: "A" * TEN_MB})
    response.close()

    assert response.status_code == status
    assert 'lang="id"' in response.text
    assert "This field" not in response.text and "Field cannot" not in response.text
    assert row_counts(session) == before


@pytest.mark.parametrize(
    ("url", "field", "name", "status"),
    [
        ("/admin/roster", "roster", "roster.csv", 422),
        ("/admin/unit/impor", "tree", "unit.csv", 422),
        ("/admin/pengaturan/", "logo", "logo.png", 422),
        ("/periksa-pdf", "pdf", "sertifikat.pdf", 200),  # the verdict: not a certificate
    ],
)
def test_a_ten_megabyte_upload_gets_a_clear_answer_and_writes_nothing(
    url, field, name, status, client, auth, admin_user, session
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
    print("CODE", url, field, response.status_code)
    assert response.status_code not in (302, 303)
    assert 'lang="id"' in response.text
    assert row_counts(session) == before
