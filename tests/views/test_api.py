import re
from datetime import datetime, timedelta

import pytest
from openapi_schema_validator import validate as validate_instance
from openapi_spec_validator import validate as validate_document
from sqlalchemy import select

from pakta.models import ApiToken, Employee, EmploymentType, SignatureMethod, utcnow
from pakta.services import api_tokens, signing

PNS, PPPK, NON_ASN = EmploymentType.PNS, EmploymentType.PPPK, EmploymentType.NON_ASN


def add_people(session, campaign, unit, people):
    """people: (employment type, signed?) pairs."""
    for kind, has_signed in people:
        person = Employee(
            identity_number=f"{unit.code}-{session.info.setdefault('n', 0):04d}",
            name=f"Pegawai {unit.code} {session.info['n']}",
            employment_type=kind,
            unit=unit,
        )
        session.info["n"] += 1
        session.add(person)
        session.flush()
        if has_signed:
            signing.record_signature(
                session,
                campaign=campaign,
                employee=person,
                method=SignatureMethod.KIOSK,
                evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
            )


@pytest.fixture
def staffed(session, units, campaign):
    """P2P: PNS 1 of 2 signed, PPPK 2 of 2; DINKES itself: one NON_ASN, not signed;
    DISDIK: NON_ASN 1 of 5."""
    add_people(
        session,
        campaign,
        units["DINKES-P2P"],
        [(PNS, True), (PNS, False), (PPPK, True), (PPPK, True)],
    )
    add_people(session, campaign, units["DINKES"], [(NON_ASN, False)])
    add_people(session, campaign, units["DISDIK"], [(NON_ASN, i == 0) for i in range(5)])
    session.commit()
    return units


def make_token(session, unit_code=None, name="Bawaslu"):
    token, raw = api_tokens.create(session, name=name, unit_code=unit_code, creator="cli:test")
    session.commit()
    return token, raw


@pytest.fixture
def pemda_token(session, staffed):
    return make_token(session)[1]


@pytest.fixture
def dinkes_token(session, staffed):
    return make_token(session, "DINKES", name="Dinkes dashboard")[1]


def get_rollups(client, raw, **params):
    return client.get(
        "/api/v1/rollups", query_string=params, headers={"Authorization": f"Bearer {raw}"}
    )


def codes(response):
    return [unit["code"] for unit in response.json["units"]]


# -- the answer ----------------------------------------------------------------------------


def test_the_rollups_answer_has_exactly_the_shape_the_issue_asks_for(client, pemda_token):
    response = get_rollups(client, pemda_token, campaign="pilkada-2024")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"campaign", "generated_at", "view", "units"}
    assert body["campaign"] == "pilkada-2024" and body["view"] == "roster"
    assert datetime.fromisoformat(body["generated_at"]).tzinfo is not None
    by_code = {unit["code"]: unit for unit in body["units"]}
    assert by_code["DINKES"] == {
        "code": "DINKES",
        "name": "Dinas Kesehatan",
        "parent": "PEMDA",
        "roster": 5,
        "signed": 3,
        "rate": 60.0,
        "by_type": {
            "PNS": {"roster": 2, "signed": 1, "rate": 50.0},
            "PPPK": {"roster": 2, "signed": 2, "rate": 100.0},
            "NON_ASN": {"roster": 1, "signed": 0, "rate": 0.0},
        },
    }
    assert by_code["PEMDA"]["parent"] is None
    assert (by_code["PEMDA"]["roster"], by_code["PEMDA"]["signed"]) == (10, 4)
    assert by_code["DISDIK"]["rate"] == 20.0


def test_rates_are_rounded_to_two_decimals(client, session, campaign, units, pemda_token):
    add_people(session, campaign, units["DINKES-P2P"], [(PNS, False), (PNS, False)])
    session.commit()
    p2p = get_rollups(client, pemda_token, unit="DINKES-P2P").json["units"][0]
    assert (p2p["signed"], p2p["roster"], p2p["rate"]) == (3, 6, 50.0)
    pemda = get_rollups(client, pemda_token, unit="PEMDA").json["units"][0]
    assert pemda["rate"] == round(100 * 4 / 12, 2) == 33.33


def test_the_campaign_defaults_to_the_current_one(client, pemda_token):
    response = get_rollups(client, pemda_token)
    assert response.status_code == 200 and response.json["campaign"] == "pilkada-2024"


def test_an_unknown_campaign_is_a_json_404(client, pemda_token):
    response = get_rollups(client, pemda_token, campaign="nope")
    assert response.status_code == 404 and response.json["error"]["code"] == 404


def test_the_history_view_can_be_asked_for_and_a_bogus_view_is_a_400(client, pemda_token):
    assert get_rollups(client, pemda_token, view="history").json["view"] == "history"
    response = get_rollups(client, pemda_token, view="bogus")
    assert response.status_code == 400 and response.json["error"]["code"] == 400


def test_the_answer_is_not_cached(client, pemda_token):
    assert get_rollups(client, pemda_token).headers["Cache-Control"] == "no-store"


# -- bearer tokens -------------------------------------------------------------------------


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(client, staffed):
    response = client.get("/api/v1/rollups")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "invalid_token" not in response.headers["WWW-Authenticate"]
    assert response.json["error"]["code"] == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pkt_not-a-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "pkt_without-a-scheme",
        "Bearer {raw}x",
        "Bearer {prefix}",
    ],
)
def test_a_bad_token_is_answered_401(client, session, staffed, header):
    token, raw = make_token(session)
    header = header.format(raw=raw, prefix="pkt_" + token.prefix)
    response = client.get("/api/v1/rollups", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json["error"]) == {"code", "title", "detail"}


def test_the_scheme_is_case_insensitive(client, pemda_token):
    response = client.get("/api/v1/rollups", headers={"Authorization": f"bearer {pemda_token}"})
    assert response.status_code == 200


def test_a_revoked_token_is_answered_401(client, session, staffed):
    token, raw = make_token(session)
    assert get_rollups(client, raw).status_code == 200
    api_tokens.revoke(session, session.get(ApiToken, token.id), "cli:test")
    session.commit()
    response = get_rollups(client, raw)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_the_last_use_of_a_token_is_recorded(client, session, staffed):
    token, raw = make_token(session)
    assert token.last_used_at is None
    before = utcnow()
    get_rollups(client, raw)
    used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token.id))
    assert used is not None and used >= before - timedelta(seconds=1)


def test_a_failed_request_records_no_use(client, session, staffed):
    token, raw = make_token(session)
    client.get("/api/v1/rollups", headers={"Authorization": f"Bearer {raw}x"})
    assert session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token.id)) is None


# -- scope ---------------------------------------------------------------------------------


def test_a_unit_token_sees_its_unit_and_sub_units_only(client, dinkes_token):
    response = get_rollups(client, dinkes_token)
    assert response.status_code == 200
    assert codes(response) == ["DINKES", "DINKES-P2P"]
    assert response.json["units"][0]["parent"] == "PEMDA"


def test_a_unit_token_may_narrow_to_a_sub_unit(client, dinkes_token):
    assert codes(get_rollups(client, dinkes_token, unit="DINKES-P2P")) == ["DINKES-P2P"]


@pytest.mark.parametrize("unit", ["DISDIK", "PEMDA", "NOPE"])
def test_a_unit_outside_the_token_scope_is_a_404_like_an_unknown_one(client, dinkes_token, unit):
    response = get_rollups(client, dinkes_token, unit=unit)
    assert response.status_code == 404
    assert "DISDIK" not in response.text and "Pendidikan" not in response.text


def test_a_pemda_token_sees_everything_and_can_narrow_to_any_unit(client, pemda_token):
    assert codes(get_rollups(client, pemda_token)) == ["PEMDA", "DINKES", "DINKES-P2P", "DISDIK"]
    assert codes(get_rollups(client, pemda_token, unit="DISDIK")) == ["DISDIK"]
    assert get_rollups(client, pemda_token, unit="NOPE").status_code == 404


# -- errors, rate limit --------------------------------------------------------------------


def test_every_error_under_the_api_is_json(client, pemda_token):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
    response = client.post("/api/v1/rollups", headers={"Authorization": f"Bearer {pemda_token}"})
    assert response.status_code == 405 and response.is_json


@pytest.fixture
def limited_client(limited_app):
    """A client of an app with rate limits on (see ``limited_app`` in conftest)."""
    return limited_app().test_client()


def test_the_121st_rollup_request_of_a_token_within_a_minute_is_refused(limited_client):
    def status(raw):
        return limited_client.get(
            "/api/v1/rollups", headers={"Authorization": f"Bearer {raw}"}
        ).status_code

    assert [status("pkt_one") for _ in range(120)] == [401] * 120
    refused = limited_client.get("/api/v1/rollups", headers={"Authorization": "Bearer pkt_one"})
    assert refused.status_code == 429 and refused.is_json
    # Another token has its own allowance.
    assert status("pkt_two") == 401


# -- the OpenAPI document ------------------------------------------------------------------


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_openapi_document_covers_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    api_rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")]
    assert len(api_rules) >= 3
    for rule in api_rules:
        path = openapi_path(rule.rule)
        assert path in document["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], (method, path)
    assert "/api/v1/verify/{token}" in document["paths"]


def test_the_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    validate_document(document)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["paths"]["/api/v1/rollups"]["get"]["security"] == [{"bearer": []}]


def response_schema(document, path, code="200"):
    response = document["paths"][path]["get"]["responses"][code]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    # Components inside the root let the schema's "#/components/..." references resolve.
    return {"allOf": [schema], "components": document["components"]}


def test_real_answers_match_the_schemas_of_the_openapi_document(client, session, pemda_token):
    document = client.get("/api/v1/openapi.json").json
    rollups = get_rollups(client, pemda_token)
    validate_instance(rollups.json, response_schema(document, "/api/v1/rollups"))
    for params, code in (({"campaign": "nope"}, "404"), ({"view": "x"}, "400")):
        answer = get_rollups(client, pemda_token, **params)
        validate_instance(answer.json, response_schema(document, "/api/v1/rollups", code))
    unauthorized = client.get("/api/v1/rollups")
    validate_instance(unauthorized.json, response_schema(document, "/api/v1/rollups", "401"))
    verdict = client.get("/api/v1/verify/garbage")
    validate_instance(verdict.json, response_schema(document, "/api/v1/verify/{token}"))
