import logging

import pytest

from pakta import logmask


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("GET /s/hZ2pRK30cB5txfTSc7oGCc8s?x=1 500", "GET /s/hZ2p…?x=1 500"),
        ("POST /a/Xy12ab/Q8wErTy7uIoP 200", "POST /a/Xy12ab/Q8wE… 200"),
        ("(198609262015051001, 'Budi')", "(***************001, 'Budi')"),
        ("Authorization: Bearer pkt_abcdEFGHijklmnop", "Authorization: Bearer ***"),
        ("token pkt_abcdEFGHijklmnopqrst revoked", "token pkt_abcd… revoked"),
        ('{"password": "correct horse battery"}', '{"password": ***}'),
        ("/apel?nip=1&code=Ab12Cd&x=1", "/apel?nip=1&code=***&x=1"),
        ("postgresql+psycopg://pakta:s3cret@db/pakta", "postgresql+psycopg://pakta:***@db/pakta"),
        ("status code: 500 after 3 tries", "status code: 500 after 3 tries"),
    ],
)
def test_mask_keeps_what_follows_a_case_and_hides_what_could_be_used(line, masked):
    assert logmask.mask(line) == masked


def test_every_record_made_after_the_app_exists_is_masked_with_its_traceback(app, caplog):
    try:
        raise ValueError("duplicate NIP 198609262015051001")
    except ValueError:
        logging.getLogger("pakta.anything").exception("on GET %s", "/s/hZ2pRK30cB5txfTSc7oGCc8s")

    text = caplog.text
    assert "/s/hZ2p…" in text and "***************001" in text
    assert "hZ2pRK30cB5txfTSc7oGCc8s" not in text and "198609262015051001" not in text


def test_a_record_whose_arguments_do_not_fit_its_format_is_left_for_logging_to_report():
    record = logging.LogRecord("pakta", logging.WARNING, __file__, 1, "%d of %d", ("x",), None)

    assert logmask.MaskSecrets().filter(record) is True
    assert record.args == ("x",)
