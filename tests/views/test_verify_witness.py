"""The verification page holds a v3 certificate's witness copy against the signing log.

Each test edits the log of its own committed database directly, as someone with write
access to it would (the append-only triggers out of the way), then checks the certificate
of the fourth signature (entry 3 of 8) on the page, through the PDF check and the API.
"""

import json
from html import unescape

import pytest
from sqlalchemy import select

from pakta.db import get_session
from pakta.keys import certificate, seal
from pakta.models import LogEntry, LogName, Signature
from pakta.services.certificates import issuing, tokens
from pakta.services.transparency_log import witness
from pakta.services.transparency_log.merkle import leaf_hash
from tests.conftest import tamper

LOG_MATCHES = (
    "The signing log agrees with the copy printed on the certificate: its entry is at the "
    "position printed, and the log's root after it is the one printed."
)
NOT_AT_POSITION = (
    "The signing log no longer has this certificate's entry at the position printed on "
    "it: entries were deleted or inserted before it."
)
ENTRY_CHANGED = (
    "This certificate's entry in the signing log was changed after signing: its content "
    "no longer matches its hash."
)
ENTRIES_MISSING = (
    "Entries before this certificate's are missing from the signing log: they were deleted."
)
ROOT_DIFFERS = (
    "The signing log up to this certificate no longer gives the root printed on it: "
    "earlier entries were changed, deleted or inserted."
)
ROOT_REWRITTEN = (
    "The root the signing log records for this certificate's entry is not the one its "
    "entries give: it was rewritten in the database."
)
SIGNING = "log = 'signing'"


@pytest.fixture
def certified(own_app, history):
    """The fourth signer's certificate (log entry 3), issued with a v3 token and committed."""
    with own_app.app_context():
        db = get_session()
        certificate.init(db, own_app.instance_path, None)
        seal.init_self_signed(own_app.instance_path, "Pemerintah Kota Contoh")
        signature = db.scalar(
            select(Signature).where(Signature.certificate_number == history["fourth"])
        )
        issued = issuing.issue(db, signature, issuing.issuer_for_app())
        db.commit()
        assert tokens.version_of(issued.token) == 3
        assert tokens.decode(issued.token)[0].log_seq == 3
        return issued.token, issued.pdf


def entry_body(app, seq: int) -> dict:
    with app.app_context():
        entry = get_session().scalar(
            select(LogEntry).where(LogEntry.log == LogName.SIGNING, LogEntry.seq == seq)
        )
        return json.loads(entry.body)


def forged(body: dict) -> tuple[str, str]:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text, leaf_hash(text.encode()).hex()


def verdicts(app, token: str, pdf: bytes) -> list[tuple[str, list[str]]]:
    """(verdict, reasons) on the page, from the PDF check and from the API, in that order."""
    client = app.test_client()
    page = client.get(issuing.verification_url(app.config["BASE_URL"], token)).text
    checked = client.post(
        "/periksa-pdf",
        data={"pdf": (__import__("io").BytesIO(pdf), "sertifikat.pdf")},
        content_type="multipart/form-data",
    ).text
    api = client.get(f"/api/v1/verify/{token}").json
    return [*(_on_page(app, html) for html in (page, checked)), (api["verdict"], api["reasons"])]


def _on_page(app, html: str) -> tuple[str, list[str]]:
    import re

    [outcome] = re.findall(r'<(?:h1|p) class="verdict-outcome">([^<]*)</', html)
    failed = [unescape(found) for found in re.findall(r'<li class="bad">([^<]*)</li>', html)]
    valid = {translated(app, "VALID"): "valid", translated(app, "INVALID"): "invalid"}
    return valid.get(outcome, outcome), failed


def translated(app, message: str) -> str:
    from flask_babel import gettext

    with app.test_request_context():
        return str(gettext(message))


def assert_invalid_for(app, token, pdf, *reasons: str, codes: list[str]):
    page, checked, api = verdicts(app, token, pdf)
    expected = [translated(app, reason) for reason in reasons]
    assert page == ("invalid", expected)
    assert checked == ("invalid", expected)  # the file is as issued; only the log is wrong
    assert api == ("invalid", codes)


def test_an_untouched_log_agrees_with_the_certificate_on_every_path(own_app, certified):
    token, pdf = certified
    page, checked, api = verdicts(own_app, token, pdf)
    assert page == checked == ("valid", [])
    assert api == ("valid", [])
    html = unescape(own_app.test_client().get(f"/v/{token}").text)
    assert translated(own_app, LOG_MATCHES) in html


def test_an_earlier_entry_changed_and_rehashed_makes_the_certificate_invalid(own_app, certified):
    body = entry_body(own_app, 1)
    body["time"] = "2020-01-01T00:00:00.000000+00:00"
    text, leaf = forged(body)
    tamper(
        own_app,
        f"UPDATE log_entry SET body = :body, leaf_hash = :leaf WHERE seq = 1 AND {SIGNING}",
        body=text,
        leaf=leaf,
    )
    assert_invalid_for(own_app, *certified, ROOT_DIFFERS, codes=["log_root_differs"])


def test_an_earlier_entry_changed_with_its_leaf_hash_and_every_root_after_it_is_caught(
    own_app, certified
):
    """Rewriting the stored roots too (as a careful forger would) changes nothing: the page
    recomputes the root from the leaves and holds it against the certificate's copy."""
    from pakta.services.transparency_log.frontier import Frontier

    body = entry_body(own_app, 0)
    body["identity"] = "0" * 64
    text, leaf = forged(body)
    tamper(
        own_app,
        f"UPDATE log_entry SET body = :body, leaf_hash = :leaf WHERE seq = 0 AND {SIGNING}",
        body=text,
        leaf=leaf,
    )
    with own_app.app_context():
        db = get_session()
        leaves = db.scalars(
            select(LogEntry.leaf_hash).where(LogEntry.log == LogName.SIGNING).order_by(LogEntry.seq)
        ).all()
    frontier, roots = Frontier(), []
    for value in leaves:
        frontier.append(bytes.fromhex(value))
        roots.append(frontier.root().hex())
    tamper(
        own_app,
        *(
            f"UPDATE log_entry SET root_hash = '{root}' WHERE seq = {seq} AND {SIGNING}"
            for seq, root in enumerate(roots)
        ),
        f"UPDATE log_head SET root_hash = '{roots[-1]}', frontier = :frontier WHERE {SIGNING}",
        frontier=frontier.to_bytes(),
    )
    assert_invalid_for(own_app, *certified, ROOT_DIFFERS, codes=["log_root_differs"])


def test_an_earlier_leaf_hash_rewritten_alone_makes_the_certificate_invalid(own_app, certified):
    tamper(
        own_app,
        f"UPDATE log_entry SET leaf_hash = :leaf WHERE seq = 2 AND {SIGNING}",
        leaf="ab" * 32,
    )
    assert_invalid_for(own_app, *certified, ROOT_DIFFERS, codes=["log_root_differs"])


@pytest.mark.parametrize("leaf", ["ab" * 31, "zz" * 32], ids=["short", "not-hex"])
def test_an_earlier_leaf_hash_that_is_no_hash_at_all_makes_the_certificate_invalid(
    own_app, certified, leaf
):
    statement = f"UPDATE log_entry SET leaf_hash = :leaf WHERE seq = 1 AND {SIGNING}"
    tamper(own_app, statement, leaf=leaf)
    assert_invalid_for(own_app, *certified, ROOT_DIFFERS, codes=["log_root_differs"])


def test_an_earlier_entry_deleted_leaves_a_gap_that_is_named(own_app, certified):
    tamper(own_app, f"DELETE FROM log_entry WHERE seq = 1 AND {SIGNING}")
    assert_invalid_for(own_app, *certified, ENTRIES_MISSING, codes=["log_entries_missing"])


def test_an_earlier_entry_deleted_and_the_rest_renumbered_is_caught(own_app, certified):
    # Renumbered in two steps: positions are unique at every moment, on either database.
    tamper(
        own_app,
        f"DELETE FROM log_entry WHERE seq = 1 AND {SIGNING}",
        f"UPDATE log_entry SET seq = seq + 1000 WHERE seq > 1 AND {SIGNING}",
        f"UPDATE log_entry SET seq = seq - 1001 WHERE seq > 1000 AND {SIGNING}",
    )
    assert_invalid_for(
        own_app,
        *certified,
        NOT_AT_POSITION,
        ROOT_DIFFERS,
        codes=["log_not_at_position", "log_root_differs"],
    )


def test_an_entry_inserted_before_it_is_caught(own_app, certified):
    body = entry_body(own_app, 0)
    body["certificate_number"] = "PKT-2024-SISIP-0001"
    text, leaf = forged(body)
    tamper(
        own_app,
        f"UPDATE log_entry SET seq = seq + 1000 WHERE seq >= 1 AND {SIGNING}",
        f"UPDATE log_entry SET seq = seq - 999 WHERE seq >= 1000 AND {SIGNING}",
        "INSERT INTO log_entry (log, seq, event_type, subject, body, leaf_hash, root_hash, "
        "created_at) SELECT log, 1, event_type, 'PKT-2024-SISIP-0001', :body, :leaf, root_hash, "
        f"created_at FROM log_entry WHERE seq = 0 AND {SIGNING}",
        body=text,
        leaf=leaf,
    )
    assert_invalid_for(
        own_app,
        *certified,
        NOT_AT_POSITION,
        ROOT_DIFFERS,
        codes=["log_not_at_position", "log_root_differs"],
    )


def test_the_stored_root_of_its_entry_rewritten_is_caught(own_app, certified):
    tamper(
        own_app,
        f"UPDATE log_entry SET root_hash = :root WHERE seq = 3 AND {SIGNING}",
        root="cd" * 32,
    )
    assert_invalid_for(own_app, *certified, ROOT_REWRITTEN, codes=["log_root_rewritten"])


def test_its_own_entry_changed_without_its_hash_is_caught(own_app, certified):
    body = entry_body(own_app, 3)
    body["time"] = "2020-01-01T00:00:00.000000+00:00"
    tamper(
        own_app,
        f"UPDATE log_entry SET body = :body WHERE seq = 3 AND {SIGNING}",
        body=forged(body)[0],
    )
    assert_invalid_for(own_app, *certified, ENTRY_CHANGED, codes=["log_entry_changed"])


def test_entries_after_it_do_not_concern_the_certificate(own_app, certified):
    """The certificate vouches for the log up to its own entry: a later entry changed is
    `pakta audit verify`'s to find (and the later certificates')."""
    tamper(
        own_app,
        f"UPDATE log_entry SET leaf_hash = :leaf WHERE seq = 6 AND {SIGNING}",
        leaf="ab" * 32,
    )
    page, checked, api = verdicts(own_app, *certified)
    assert page == checked == ("valid", []) and api == ("valid", [])


def test_a_revoked_certificate_whose_log_was_changed_is_invalid_not_revoked(own_app, history):
    """The third signer was revoked and reinstated; the second was revoked: its verdict would
    be DICABUT, but a log changed behind its back makes it TIDAK SAH."""
    with own_app.app_context():
        db = get_session()
        certificate.init(db, own_app.instance_path, None)
        seal.init_self_signed(own_app.instance_path, "Pemerintah Kota Contoh")
        signature = db.scalar(
            select(Signature).where(Signature.certificate_number == history["second"])
        )
        issued = issuing.issue(db, signature, issuing.issuer_for_app())
        db.commit()
        token = issued.token
    client = own_app.test_client()
    assert client.get(f"/api/v1/verify/{token}").json["verdict"] == "revoked"
    tamper(
        own_app,
        f"UPDATE log_entry SET leaf_hash = :leaf WHERE seq = 0 AND {SIGNING}",
        leaf="ab" * 32,
    )
    body = client.get(f"/api/v1/verify/{token}").json
    assert (body["verdict"], body["reasons"]) == ("invalid", ["revoked", "log_root_differs"])


def test_the_witness_check_names_nothing_for_the_log_as_signed(own_app, certified):
    token, _pdf = certified
    claims = tokens.decode(token)[0]
    with own_app.app_context():
        db = get_session()
        found = witness.check(db, claims.certificate_number, claims.log_seq, claims.log_root_prefix)
        beyond = witness.check(db, claims.certificate_number, 2**32 - 1, claims.log_root_prefix)
        another = witness.check(db, "PKT-LAIN", claims.log_seq, claims.log_root_prefix)
    assert found == ()
    assert beyond == (witness.Disagreement.NOT_AT_POSITION, witness.Disagreement.ENTRIES_MISSING)
    assert another == (witness.Disagreement.NOT_AT_POSITION,)


def test_pakta_verify_against_the_database_gives_the_same_verdict_and_reason(own_app, certified):
    token, _pdf = certified

    def verify():
        # As the `pakta` command runs it: in an app context of its own.
        with own_app.app_context():
            return own_app.test_cli_runner().invoke(args=["verify", token])

    assert verify().exit_code == 0
    tamper(own_app, f"DELETE FROM log_entry WHERE seq = 0 AND {SIGNING}")
    result = verify()
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert translated(own_app, "INVALID") in lines[0]
    assert lines[1] == f"  ✕ {translated(own_app, ENTRIES_MISSING)}"
