"""`witness.check`: a certificate's witness copy held against the signing log as stored.

Tampering with a committed log is in tests/views/test_verify_witness.py; these hold copies
that were never the log's against an untouched one."""

import pytest

from pakta.models import LogName
from pakta.services.transparency_log import merkle, proofs, witness
from pakta.services.transparency_log.witness import Disagreement


@pytest.fixture
def copy(session, signed) -> tuple[str, int, bytes]:
    """The signature's witness copy as a v3 token carries it: number, position, root prefix."""
    seen = witness.for_signature(session, signed)
    return signed.certificate_number, seen.seq, bytes.fromhex(seen.root_hash)[:12]


def test_the_copy_of_an_untouched_log_agrees_with_it(session, copy):
    assert witness.check(session, *copy) == ()


def test_the_copy_is_the_root_of_the_leaves_up_to_and_with_its_entry(session, copy):
    number, seq, prefix = copy
    recomputed = merkle.root(proofs.leaf_hashes(session, LogName.SIGNING, seq + 1))
    assert recomputed[:12] == prefix
    assert witness.check(session, number, seq, recomputed[:12]) == ()


def test_a_copy_of_another_root_is_named_as_such(session, copy):
    number, seq, prefix = copy
    other = bytes([prefix[0] ^ 1]) + prefix[1:]
    assert witness.check(session, number, seq, other) == (Disagreement.ROOT_DIFFERS,)


def test_a_copy_naming_another_certificate_is_not_at_its_position(session, copy):
    _number, seq, prefix = copy
    assert witness.check(session, "PKT-2024-LAIN-0001", seq, prefix) == (
        Disagreement.NOT_AT_POSITION,
    )


@pytest.mark.parametrize("offset", [1, 1000, 2**32])
def test_a_position_past_the_log_or_any_integer_is_missing_without_an_error(session, copy, offset):
    number, seq, prefix = copy
    assert witness.check(session, number, seq + offset, prefix) == (
        Disagreement.NOT_AT_POSITION,
        Disagreement.ENTRIES_MISSING,
    )
