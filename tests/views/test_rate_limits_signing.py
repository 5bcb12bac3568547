"""Rate limits on the personal links, with limits on as in production.

One office address signs for a whole apel (a limit per link, not per address), while the
same address guessing links is refused before its 60th unknown token.
"""

import pytest
from limits.storage import MemoryStorage
from sqlalchemy import func, select

from pakta import jobs
from pakta.models import Signature
from pakta.security import FAILURES_PER_ADDRESS
from pakta.views.signing import LINK_LIMIT
from tests.views.signing_flows import OFFICE, add_signers, guess, sign_through_link

SIGNERS = 1000
# Every request of the flow counted per address, as before: 600 a minute on /s/<token>.
OLD_PER_ADDRESS_LIMIT = 600


class CountingStorage(MemoryStorage):
    """limits' memory storage under a scheme of its own (limits registers a storage class by
    its STORAGE_SCHEME), counting the look-ups: each is one round trip to Redis."""

    STORAGE_SCHEME = ["counting"]
    calls = 0
    _in_incr = False

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        CountingStorage.calls += 1
        self._in_incr = True  # MemoryStorage.incr reads the key first; Redis does not
        try:
            return super().incr(key, expiry, amount)
        finally:
            self._in_incr = False

    def get(self, key: str) -> int:
        CountingStorage.calls += not self._in_incr
        return super().get(key)

    def get_expiry(self, key: str) -> float:
        CountingStorage.calls += 1
        return super().get_expiry(key)


@pytest.fixture(autouse=True)
def no_certificate_jobs(monkeypatch):
    """The done page asks for a certificate; these tests are about the requests only."""
    monkeypatch.setattr(jobs, "enqueue_certificate", lambda app, signature_id: None)


def test_a_thousand_signers_behind_one_address_all_sign_without_a_429(
    limited_app, session, units, campaign
):
    signers = add_signers(session, units["DINKES"], campaign, SIGNERS)
    client = limited_app().test_client()
    statuses = [sign_through_link(client, token, name) for token, name in signers]
    # Far more requests than the old per-address allowance of a minute, let alone two.
    assert 3 * SIGNERS > 2 * OLD_PER_ADDRESS_LIMIT
    assert statuses == [[200, 303, 200]] * SIGNERS
    assert session.scalar(select(func.count()).select_from(Signature)) == SIGNERS


def test_one_address_trying_unknown_tokens_gets_a_429_before_its_60th_try(limited_app):
    client = limited_app().test_client()
    statuses = guess(client, 60)
    assert 429 in statuses and statuses.index(429) < 59
    assert set(statuses[: statuses.index(429)]) == {404}
    # Another address is not held back by this one's failures.
    assert guess(client, 1, address={"REMOTE_ADDR": "198.51.100.9"}) == [404]


def test_the_failures_are_counted_across_the_links_certificates_and_status(limited_app):
    client = limited_app().test_client()
    allowed = int(FAILURES_PER_ADDRESS.split()[0])
    paths = ["/s/nope-{n}", "/s/nope-{n}/sertifikat.pdf", "/s/nope-{n}/sertifikat/status"]
    statuses = [
        client.get(paths[n % 3].format(n=n), environ_base=OFFICE).status_code
        for n in range(allowed)
    ]
    assert statuses == [404] * allowed
    assert client.get("/s/nope-last", environ_base=OFFICE).status_code == 429


def test_a_signer_behind_a_guessing_address_is_refused_only_once_it_has_failed_too_often(
    limited_app, session, units, campaign
):
    (token, name), *_ = add_signers(session, units["DINKES"], campaign, 1)
    client = limited_app().test_client()
    allowed = int(FAILURES_PER_ADDRESS.split()[0])
    guess(client, allowed - 1)
    assert sign_through_link(client, token, name) == [200, 303, 200]


def test_one_link_hammered_from_many_addresses_is_limited_per_link(
    limited_app, session, units, campaign
):
    (token, _name), (other, _other_name) = add_signers(session, units["DINKES"], campaign, 2)
    client = limited_app().test_client()
    allowed = int(LINK_LIMIT.split()[0])
    statuses = [
        client.get(
            f"/s/{token}", environ_base={"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250}"}
        ).status_code
        for n in range(allowed + 1)
    ]
    assert statuses == [200] * allowed + [429]
    # The next person's link has its own allowance.
    assert client.get(f"/s/{other}", environ_base=OFFICE).status_code == 200


def test_a_signature_costs_the_limit_storage_two_look_ups_a_request(
    limited_app, session, units, campaign
):
    (token, name), *_ = add_signers(session, units["DINKES"], campaign, 1)
    client = limited_app("counting://").test_client()
    CountingStorage.calls = 0
    statuses = sign_through_link(client, token, name)
    assert statuses == [200, 303, 200]
    # Per request: the address's failures are read, the link's count goes up; nothing is
    # read again to write X-RateLimit-* headers on pages that pass.
    assert CountingStorage.calls == 2 * 3


def test_a_refused_request_says_when_to_come_back(limited_app):
    client = limited_app().test_client()
    allowed = int(FAILURES_PER_ADDRESS.split()[0])
    guess(client, allowed)
    refused = client.get("/s/unknown-token-last", environ_base=OFFICE)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "X-RateLimit-Remaining" not in refused.headers
