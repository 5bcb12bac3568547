from sqlalchemy import func, select

from pakta.models import Campaign

MESSAGE = "karakter NUL"


def test_a_nul_character_in_a_query_parameter_is_a_400_in_indonesian(client, campaign):
    response = client.get("/transparansi", query_string={"campaign": "1\x00"})

    assert response.status_code == 400
    assert MESSAGE in response.text


def test_a_nul_character_in_a_path_is_a_400_also_on_the_api(client):
    response = client.get("/api/v1/verify/abc%00def")

    assert response.status_code == 400
    assert MESSAGE in response.json["error"]["detail"]


def test_a_nul_character_in_a_form_field_is_a_400_and_nothing_is_written(
    client, auth, admin_user, session
):
    auth.login()
    before = session.scalar(select(func.count()).select_from(Campaign))

    response = client.post(
        "/admin/kampanye/baru",
        data={
            "title": "Pilkada\x002024",
            "slug": "pilkada-nul",
            "place": "Contoh",
            "opens_at": "2026-12-01T08:00",
            "closes_at": "2026-12-31T16:00",
        },
    )

    assert response.status_code == 400 and MESSAGE in response.text
    assert session.scalar(select(func.count()).select_from(Campaign)) == before


def test_text_without_nul_characters_passes_untouched(client, campaign):
    response = client.get("/transparansi", query_string={"campaign": "Nur'aini \u202e\u200b"})

    assert response.status_code != 400


def test_a_body_over_its_views_limit_is_a_413_of_that_view_before_the_form_is_read(client, token):
    from pakta.views.signing import SIGNING_BODY_BYTES

    # A NUL too: the size is refused first, without reading the form to find it.
    response = client.post(f"/s/{token}", data={"typed_name": "\x00" + "A" * SIGNING_BODY_BYTES})

    assert response.status_code == 413
    assert "Tanda tangan terlalu besar" in response.text
    assert MESSAGE not in response.text


def test_a_view_without_a_limit_of_its_own_takes_bodies_up_to_the_upload_limit(app, client):
    from pakta.views.signing import SIGNING_BODY_BYTES

    # As large as a signing form may not be, and well under MAX_CONTENT_LENGTH: read.
    response = client.post(
        "/masuk", data={"email": "x@contoh.go.id", "password": "A" * SIGNING_BODY_BYTES}
    )

    assert app.config["MAX_CONTENT_LENGTH"] > SIGNING_BODY_BYTES
    assert response.status_code == 422
    assert "Tanda tangan terlalu besar" not in response.text
