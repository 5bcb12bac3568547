"""The admin home page's counts (pakta/services/overview.py)."""

from pakta.services import overview


def test_counts_over_a_scope_leave_out_every_unit_outside_it(session, staffed):
    scope = {staffed["DISDIK"].id}
    assert overview.counts(session, scope) == overview.Counts(
        units=1, employees=5, signatures=1, campaigns=1
    )


def test_counts_without_a_scope_cover_every_unit(session, staffed):
    assert overview.counts(session, None) == overview.Counts(
        units=4, employees=9, signatures=4, campaigns=1
    )


def test_an_empty_scope_counts_nothing_but_the_campaigns(session, staffed):
    assert overview.counts(session, set()) == overview.Counts(
        units=0, employees=0, signatures=0, campaigns=1
    )
