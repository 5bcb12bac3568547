"""The log on public pages: the checkpoint list and its files, the verification page's
footer, and the witness copy printed on the certificate."""

import pypdfium2
from sqlalchemy import text

from pakta.keys import certificate
from pakta.models import LogName
from pakta.services.certificates import issuing
from pakta.services.transparency_log import checkpoints, witness


def make_checkpoint(app, session):
    signer = certificate.signer(session, app.instance_path, app.config["SIGNING_KEY"])
    row = checkpoints.create(session, signer, app.config["BASE_URL"], LogName.SIGNING)
    session.commit()
    return row


def test_the_checkpoint_page_lists_checkpoints_and_offers_each_as_a_file(
    app, client, session, signed
):
    row = make_checkpoint(app, session)
    page = client.get("/transparansi/checkpoint")
    assert page.status_code == 200 and row.root_hash in page.text
    assert f"/transparansi/checkpoint/{row.id}.txt" in page.text
    download = client.get(f"/transparansi/checkpoint/{row.id}.txt")
    assert download.text == row.note
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get("/transparansi/checkpoint/999999.txt").status_code == 404


def test_the_verification_page_shows_the_log_position_root_and_latest_checkpoint(
    app, client, session, signed
):
    issued = issuing.issue(session, signed, issuing.issuer_for_app())
    row = make_checkpoint(app, session)
    seen = witness.for_signature(session, signed)
    page = client.get(f"/v/{issued.token}").text
    footer = page.split('class="log-witness"')[1]
    assert f"#{seen.seq}" in footer and seen.root_hash in footer and row.root_hash in footer
    assert "log-mismatch" not in footer


def test_the_verification_page_says_when_the_record_no_longer_matches_its_entry(
    app, client, session, signed
):
    issued = issuing.issue(session, signed, issuing.issuer_for_app())
    session.execute(
        text("UPDATE signature SET signer_name = 'x', pact_sha256 = 'forged' WHERE id = :id"),
        {"id": signed.id},
    )
    session.commit()
    page = client.get(f"/v/{issued.token}").text
    assert "log-mismatch" in page.split('class="log-witness"')[1]


def test_the_certificate_prints_its_log_position_and_the_root_at_signing(session, signed):
    pdf = issuing.issue(session, signed, issuing.issuer_for_app()).pdf
    seen = witness.for_signature(session, signed)
    printed = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert f"#{seen.seq}" in printed
    assert seen.root_hash in printed.replace("\r", "").replace("\n", "")
