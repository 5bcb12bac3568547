"""The admin home page."""


def test_the_admin_home_counts_only_valid_signatures(client, auth, admin_user, revoked):
    auth.login()
    page = client.get("/admin/").text
    assert "<dt>Tanda tangan</dt><dd>3</dd>" in page  # four signed in staffed, one revoked
