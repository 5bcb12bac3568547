from bench._fault_signers import Post, Record


def test_recovery_runs_from_the_fault_to_the_first_signature_stored_after_it():
    record = Record(
        posts=[
            Post(sent=9.0, answered=9.5, acknowledged=True),  # stored before the fault
            Post(sent=10.2, answered=10.3, acknowledged=False),  # a 503
            Post(sent=9.8, answered=12.25, acknowledged=True),  # queued through the fault
            Post(sent=11.0, answered=13.0, acknowledged=True),
        ]
    )
    assert record.recovery_s(since=10.0) == 2.25


def test_recovery_is_none_when_nothing_was_stored_after_the_fault():
    record = Record(posts=[Post(sent=10.2, answered=10.3, acknowledged=False)])
    assert record.recovery_s(since=10.0) is None


def test_only_5xx_answers_other_than_503_count_as_server_errors():
    record = Record()
    record.statuses.update({200: 5, 303: 2, 503: 4, 500: 1, 502: 1})
    assert record.errors_5xx_not_503 == 2
