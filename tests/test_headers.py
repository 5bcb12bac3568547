"""Security headers on every route (pakta/headers.py)."""

import pytest

from pakta.db import database
from pakta.keys import certificate as certificate_keys
from pakta.models import LogName
from pakta.services import apel, links
from pakta.services.certificates import issuing
from pakta.services.transparency_log import checkpoints

EVERYWHERE = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.fixture
def route_values(session, app, signed, units, admin_user):
    """A real value for each argument a URL rule takes, so each view runs its own code."""
    certificate = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    rows = links.export_rows(session, signed.campaign, None, None)
    opened, _ = apel.open_session(
        session, campaign=signed.campaign, unit=units["DINKES"], user=admin_user
    )
    signer = certificate_keys.signer(session, app.instance_path, app.config["SIGNING_KEY"])
    checkpoint = checkpoints.create(session, signer, app.config["BASE_URL"], LogName.SIGNING)
    session.commit()
    return {
        "token": rows[0].token,
        "public_id": opened.public_id,
        "slug": signed.campaign.slug,
        "code": "DINKES",
        "number": signed.certificate_number,
        "certificate_number": signed.certificate_number,
        "checkpoint_id": checkpoint.id,
        "user_id": admin_user.id,
        "fmt": "csv",
        "employee_id": signed.employee_id,
        "token_id": 1,
        "filename": "css/app.css",
        "verification_token": certificate.token,
    }


def url_for_rule(rule, values: dict) -> str:
    missing = rule.arguments - values.keys()
    assert not missing, f"{rule.rule}: give the test a value for {missing}"
    chosen = dict(values)
    if rule.endpoint in {"verify.certificate", "verify.certificate_printed", "api.verify"}:
        chosen["token"] = values["verification_token"]
    return rule.build(chosen, append_unknown=False)[1]


def fetch(client, path: str):
    """The response to a GET, its body read and the file behind it (static, PDF) closed."""
    with client.get(path) as response:
        response.get_data()
    return response


def assert_secured(response, path: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy, path
    assert "frame-ancestors 'none'" in policy, path
    assert "unsafe-inline" not in policy, path
    for name, value in EVERYWHERE.items():
        assert response.headers.get(name) == value, (path, name)
    assert response.headers.get("Referrer-Policy") in {"no-referrer", "same-origin"}, path
    assert "Permissions-Policy" in response.headers, path


def test_every_route_sends_the_security_headers_anonymous_or_logged_in(
    app, client, auth, route_values
):
    rules = [rule for rule in app.url_map.iter_rules()]
    for logged_in in (False, True):
        if logged_in:
            auth.login()
        for rule in rules:
            path = url_for_rule(rule, route_values)
            response = fetch(client, path)
            assert response.status_code < 500, path
            assert_secured(response, path)


def test_pdf_and_csv_downloads_send_the_security_headers(client, auth, route_values):
    auth.login()
    for path, kind in (
        (f"/admin/sertifikat/{route_values['number']}.pdf", "application/pdf"),
        ("/admin/rekap/belum/DINKES.csv", "text/csv"),
    ):
        response = fetch(client, path)
        assert response.status_code == 200, path
        assert response.mimetype == kind
        assert_secured(response, path)


def test_pages_with_a_secret_in_their_address_send_no_referrer(app, client, route_values):
    secret = 0
    for rule in app.url_map.iter_rules():
        path = url_for_rule(rule, route_values)
        policy = fetch(client, path).headers["Referrer-Policy"]
        if {"token", "public_id"} & rule.arguments:
            secret += 1
            assert policy == "no-referrer", path
        elif "GET" not in rule.methods:  # 405: no rule matched, an error page
            assert policy == "no-referrer", path
        else:
            assert policy == "same-origin", path
    assert secret >= 8  # personal links, verification, apel, kiosk, upload plans


def test_strict_transport_security_is_sent_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    over_https = client.get("/", base_url="https://localhost").headers
    max_age = int(over_https["Strict-Transport-Security"].split(";")[0].split("=")[1])
    assert max_age >= 365 * 24 * 3600
    assert "includeSubDomains" in over_https["Strict-Transport-Security"]


def test_behind_the_proxy_https_is_read_from_the_forwarded_scheme(app_variant, connection):
    proxied = app_variant(PROXY_COUNT=1)
    database(proxied).sessionmaker.configure(
        bind=connection, join_transaction_mode="create_savepoint"
    )
    client = proxied.test_client()
    assert "Strict-Transport-Security" in (
        client.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    )
    assert "Strict-Transport-Security" not in (
        client.get("/healthz", headers={"X-Forwarded-Proto": "http"}).headers
    )


def test_the_policy_allows_only_the_apps_own_scripts_and_styles(client):
    policy = dict(
        part.strip().split(" ", 1)
        for part in client.get("/").headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
