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
