"""Two app nodes on one PostgreSQL and one Redis behave as one site (tests/deploy/conftest.py):
whatever a person does on one node holds on the other."""

import json
import threading
import time

import pytest
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta import keys
from pakta.db import database
from pakta.models import IssuedCertificate, utcnow
from pakta.security import ACCOUNT_BACKOFF
from pakta.services import apel
from tests.conftest import PASSWORD, TOTP_SECRET
from tests.deploy.conftest import ADMIN, CODE, SECRET, post_form, signing_form

pytestmark = pytest.mark.postgresql

A, B = 0, 1


_admin_cookies: dict[int, dict] = {}


def admin_on(site, node: int):
    """A browser on ``node`` with the admin's login, made once per site: a two-step code is
    taken only once, so a second login within its 30 seconds would be refused."""
    if id(site) not in _admin_cookies:
        first = site.browser(A)
        first.log_in(ADMIN, PASSWORD, totp_secret=TOTP_SECRET)
        _admin_cookies[id(site)] = dict(first.cookies)
    browser = site.browser(node)
    browser.cookies = dict(_admin_cookies[id(site)])
    return browser


def test_a_login_made_on_one_node_is_valid_on_the_other(site):
    on_a = site.browser(A)
    on_a.log_in(ADMIN, PASSWORD, totp_secret=TOTP_SECRET)
    _admin_cookies[id(site)] = dict(on_a.cookies)
    on_b = site.browser(B)
    on_b.cookies = dict(on_a.cookies)
    assert on_b.request("GET", "/admin/")[0] == 200
    stranger = site.browser(B)
    assert stranger.request("GET", "/admin/")[0] == 302  # to the login page


def test_failed_logins_on_both_nodes_count_against_one_limit(site):
    """The account's first back-off step (pakta/security.py) is used up by failures spread
    over both nodes, each from another address, so only the account's count is reached."""
    allowed = parse_many(ACCOUNT_BACKOFF)[0].amount
    attempts = [site.browser(node) for node in [A, B] * allowed][:allowed]
    answers = []
    for n, browser in enumerate([*attempts, site.browser(B), site.browser(A)]):
        browser.headers["X-Forwarded-For"] = f"198.51.100.{n + 1}"
        form = {"email": "mallory@contoh.go.id", "password": "wrong", "csrf_token": ""}
        form["csrf_token"] = _csrf_token(browser, "/masuk")
        answers.append(browser.request("POST", "/masuk", form)[0])
    assert (
        answers[:allowed] == [422] * allowed
    )  # the form again (refused), saying the password is wrong
    assert answers[allowed:] == [429, 429]


def test_the_apel_screen_on_one_node_counts_a_signature_made_on_the_other(site):
    operator = admin_on(site, B)
    status = f"/apel/{site.apel_id}/status.json"
    before = json.loads(operator.get_ok(status))["signed"]

    person = site.person()
    phone = site.browser(A)
    window = apel.window_at(utcnow())
    entry = f"/a/{site.apel_id}/{window}.{keys.apel_token_tag(site.apel_id, window, SECRET)}"
    form = {"number": site.numbers[person], "code": CODE}
    form["csrf_token"] = _csrf_token(phone, entry)
    assert phone.request("POST", entry, form)[0] == 303
    sign = f"/a/{site.apel_id}/tanda-tangan"
    assert post_form(phone, sign, signing_form(phone, sign)) == 303

    assert json.loads(operator.get_ok(status))["signed"] == before + 1
    assert len(site.signatures_of(person)) == 1


def test_a_certificate_asked_for_on_one_node_is_made_by_the_worker_and_served_by_the_other(site):
    person = site.person()
    path = f"/s/{site.tokens[person]}"
    on_a = site.browser(A)
    assert post_form(on_a, path, signing_form(on_a, path)) == 303
    assert on_a.request("GET", path)[0] == 200  # the done page asks for the certificate
    (signature,) = site.signatures_of(person)

    # Nothing else asks for it: no download, and no status poll that would make it past a minute.
    issued = _wait_for_certificate(site, signature.id, timeout=120)
    assert issued is not None, f"no certificate; the worker said:\n{site.worker_log.read_text()}"
    assert f"cert-{signature.id}" in site.worker_log.read_text()

    status, pdf = site.browser(B).request("GET", f"{path}/sertifikat.pdf")
    assert status == 200
    assert pdf == issued.pdf


@pytest.mark.parametrize("submissions", ["one submission", "two submissions"])
def test_a_person_posting_on_both_nodes_at_once_gets_one_signature(site, submissions):
    """The same form sent to both nodes (a retry that went to the other node), or two forms
    of one person opened on each node, sent at the same moment, three people each."""
    for _ in range(3):
        person = site.person()
        path = f"/s/{site.tokens[person]}"
        on_a, on_b = site.browser(A), site.browser(B)
        if submissions == "one submission":
            forms = [signing_form(on_a, path)] * 2
            on_b.cookies = dict(on_a.cookies)
        else:
            forms = [signing_form(on_a, path), signing_form(on_b, path)]
            assert forms[0][1] != forms[1][1]  # their submission ids
        answers = _at_once(post_form, [(on_a, path, forms[0]), (on_b, path, forms[1])])
        assert answers == [303, 303]
        assert len(site.signatures_of(person)) == 1


def _csrf_token(browser, path: str) -> str:
    from bench._common import hidden_value

    return hidden_value(browser.get_ok(path).decode(), "csrf_token")


def _at_once(call, arguments: list[tuple]) -> list:
    """``call`` with each of the ``arguments`` in threads released together; the results."""
    results = [None] * len(arguments)
    start = threading.Barrier(len(arguments))

    def run(index: int) -> None:
        start.wait()
        results[index] = call(*arguments[index])

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(arguments))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _wait_for_certificate(site, signature_id: int, timeout: float) -> IssuedCertificate | None:
    deadline = time.monotonic() + timeout
    with Session(database(site.app).engine) as session:
        while time.monotonic() < deadline:
            issued = session.scalar(
                select(IssuedCertificate).where(IssuedCertificate.signature_id == signature_id)
            )
            if issued is not None:
                return issued
            session.rollback()  # a fresh snapshot next time
            time.sleep(0.5)
    return None
