"""schemathesis against /api/v1/openapi.json: no 5xx, and every answer fits the document.

Each operation's Hypothesis strategy (schemathesis' documented ``as_strategy``) is run here
rather than through ``schemathesis.pytest``, whose plugin does not load under this pytest.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from pakta.services import api_tokens
from tests.conftest import make_campaign


@pytest.fixture
def bearer(app, session, units):
    make_campaign(session)
    _token, raw = api_tokens.create(session, name="Bawaslu", unit_code=None, creator="cli:t")
    session.commit()
    return raw


def test_the_api_answers_every_generated_request_within_its_documented_schema(app, bearer):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /api/v1/rollups",
        "GET /api/v1/verify/{token}",
        "GET /api/v1/proof/{certificate_number}",
        "GET /api/v1/consistency",
    }

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, suppress_health_check=list(HealthCheck))
        def answers_within_the_schema(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"})

        answers_within_the_schema()
