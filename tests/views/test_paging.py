import pytest

HUGE = "99999999999999999999"


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/rekap/unit/DINKES"])
def test_a_page_number_beyond_any_integer_shows_an_empty_page_not_a_500(
    url, client, auth, admin_user, units, campaign
):
    auth.login()

    response = client.get(url, query_string={"page": HUGE})

    assert response.status_code == 200
