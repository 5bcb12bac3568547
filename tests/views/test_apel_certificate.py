"""An apel signer's done page offers their certificate, as the personal link's does, through
the same status and download endpoints, and to that signer's browser session alone."""

import pytest

from tests.views.test_apel import ALL_POINTS, budi, dinkes_apel, identify, signature_data_url
from tests.views.test_certificate_progress import asked

__all__ = ["asked", "budi", "dinkes_apel"]  # fixtures used here


@pytest.fixture
def client(client):
    client.post("/bahasa/en")
    return client


def sign_at_apel(client, made) -> str:
    identify(client, made)
    response = client.post(
        f"/a/{made.public_id}/tanda-tangan", data={"signature": signature_data_url(), **ALL_POINTS}
    )
    assert response.status_code == 303
    return response.headers["Location"]


def test_the_apel_done_page_asks_for_the_certificate_and_offers_its_download(
    client, session, dinkes_apel, budi, signing_key, asked
):
    done = client.get(sign_at_apel(client, dinkes_apel))
    assert done.status_code == 200
    base = f"/a/{dinkes_apel.public_id}"
    assert f'data-status-url="{base}/sertifikat/status"' in done.text
    assert f'href="{base}/sertifikat.pdf"' in done.text
    assert "certificate-progress.js" in done.text
    assert "unit&#39;s operator" not in done.text and "unit's operator" not in done.text
    assert len(asked) == 1

    status = client.get(f"{base}/sertifikat/status")
    assert status.get_json() == {"ready": False, "url": f"{base}/sertifikat.pdf"}
    download = client.get(f"{base}/sertifikat.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert client.get(f"{base}/sertifikat/status").get_json()["ready"] is True


def test_another_browser_gets_neither_the_status_nor_the_certificate_of_an_apel_signer(
    app, client, session, dinkes_apel, budi, signing_key, asked
):
    sign_at_apel(client, dinkes_apel)
    base = f"/a/{dinkes_apel.public_id}"
    stranger = app.test_client()
    assert stranger.get(f"{base}/sertifikat/status").status_code == 404
    refused = stranger.get(f"{base}/sertifikat.pdf")
    assert refused.status_code == 403 and not refused.data.startswith(b"%PDF")
    assert stranger.get(f"{base}/selesai").status_code == 403
