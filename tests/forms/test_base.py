def test_wtforms_own_messages_are_shown_in_indonesian(client):
    page = client.post("/masuk", data={"password": "x" * 2000}).text

    assert "Isian ini wajib diisi." in page
    assert "Isian tidak boleh lebih dari 1024 karakter." in page
    assert "This field is required." not in page


def test_wtforms_own_messages_stay_english_for_who_chose_english(client):
    client.post("/bahasa/en")

    page = client.post("/masuk", data={"password": "x"}).text

    assert "This field is required." in page
