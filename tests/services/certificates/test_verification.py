"""The one verdict rule every verification answer goes through."""

import pytest

from pakta.services.certificates.verification import Finding, Outcome, decide

GENUINE_FILE = [Finding.ISSUED, Finding.SEAL_INTACT, Finding.CODE_GENUINE]


def test_a_genuine_unrevoked_file_is_valid_with_no_reasons():
    decision = decide([*GENUINE_FILE, Finding.NOT_REVOKED])
    assert decision.outcome == Outcome.VALID
    assert decision.reasons == ()
    assert decision.passed == (*GENUINE_FILE, Finding.NOT_REVOKED)


def test_a_genuine_but_revoked_file_is_revoked_for_that_reason_alone():
    decision = decide([*GENUINE_FILE, Finding.REVOKED])
    assert decision.outcome == Outcome.REVOKED
    assert decision.reasons == (Finding.REVOKED,)


@pytest.mark.parametrize(
    "failure",
    [
        Finding.NOT_ISSUED,
        Finding.SEAL_BROKEN,
        Finding.SEAL_MISSING,
        Finding.SEAL_UNTRUSTED,
        Finding.UNREADABLE,
    ],
)
@pytest.mark.parametrize("revocation", [Finding.NOT_REVOKED, Finding.REVOKED])
def test_any_failed_file_check_makes_it_invalid_even_with_a_genuine_code(failure, revocation):
    decision = decide([failure, Finding.CODE_GENUINE, revocation])
    assert decision.outcome == Outcome.INVALID
    assert failure in decision.reasons


@pytest.mark.parametrize("code", [Finding.CODE_INVALID, Finding.CODE_UNKNOWN, Finding.CODE_MISSING])
def test_a_code_that_is_not_genuine_makes_an_untouched_file_invalid(code):
    decision = decide([Finding.ISSUED, Finding.SEAL_INTACT, code])
    assert decision.outcome == Outcome.INVALID
    assert decision.reasons == (code,)


def test_nothing_is_valid_without_a_genuine_code():
    assert decide([Finding.ISSUED, Finding.SEAL_INTACT]).outcome == Outcome.INVALID
    assert decide([]).outcome == Outcome.INVALID
