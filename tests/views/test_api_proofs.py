"""GET /api/v1/proof/<number> and /api/v1/consistency: proofs a third party can check."""

import base64

from pakta.keys import certificate
from pakta.models import LogName
from pakta.services import signing
from pakta.services.transparency_log import checkpoints, merkle, proofs
from tests.conftest import make_employee, tamper


def make_checkpoint(app, session):
    signer = certificate.signer(session, app.instance_path, app.config["SIGNING_KEY"])
    row = checkpoints.create(session, signer, app.config["BASE_URL"], LogName.SIGNING)
    session.commit()
    return row


def another_signature(session, signed, units):
    """Someone else signs the campaign of ``signed`` at a kiosk; committed."""
    other = make_employee(session, units["DINKES"], identity_number="197001012000011001")
    outcome = signing.sign(
        session,
        campaign=signed.campaign,
        employee=other,
        method=signing.SignatureMethod.KIOSK,
        evidence=signing.Evidence(typed_name=other.name, acknowledged_points=[1, 2, 3, 4]),
    )
    session.commit()
    return outcome.signature


def test_the_proof_leads_from_the_signatures_entry_to_the_signed_checkpoint(
    app, client, session, signed
):
    make_checkpoint(app, session)
    document = client.get(f"/api/v1/proof/{signed.certificate_number.lower()}").json
    assert document["entry"]["type"] == "signature"
    assert proofs.check_document(document, signed.certificate_number) == document["entry"]["seq"]
    note = checkpoints.parse(document["checkpoint"]["note"])
    checkpoints.verify(note, certificate.public_keys(session))
    assert note.tree_size == document["tree_size"]
    assert note.root_hash.hex() == document["root_hash"]


def test_a_signature_newer_than_the_checkpoint_is_proven_against_the_current_root(
    app, client, session, signed, units
):
    old = make_checkpoint(app, session)
    newer = another_signature(session, signed, units)
    document = client.get(f"/api/v1/proof/{newer.certificate_number}").json
    assert document["tree_size"] > old.tree_size
    proofs.check_document(document, newer.certificate_number)


def test_an_unknown_certificate_has_no_proof(client, session):
    assert client.get("/api/v1/proof/PI99-0000-0000").status_code == 404


def test_the_consistency_proof_links_two_checkpoints(app, client, session, signed, units):
    old = make_checkpoint(app, session)
    another_signature(session, signed, units)
    new = make_checkpoint(app, session)
    answer = client.get(f"/api/v1/consistency?old={old.tree_size}&new={new.tree_size}").json
    merkle.verify_consistency(
        old.tree_size,
        new.tree_size,
        bytes.fromhex(old.root_hash),
        bytes.fromhex(new.root_hash),
        [bytes.fromhex(node) for node in answer["proof"]],
    )
    assert base64.b64decode(new.note.split("\n")[2]).hex() == new.root_hash


def test_a_consistency_request_without_sizes_or_for_another_log_is_a_bad_request(client, signed):
    assert client.get("/api/v1/consistency?old=1").status_code == 400
    assert client.get("/api/v1/consistency?old=1&new=1&log=other").status_code == 400


def test_a_consistency_proof_beyond_the_log_or_backwards_is_not_found(client, signed):
    assert client.get("/api/v1/consistency?old=1&new=999999").status_code == 404
    assert client.get("/api/v1/consistency?old=2&new=1").status_code == 404
    # Past any database integer: answered from the log's head, never sent to the database.
    assert client.get("/api/v1/consistency?old=240&new=430533939597020").status_code == 404


def test_a_log_whose_stored_leaf_hash_is_no_hash_gives_no_proof_and_says_it_is_damaged(
    own_app, history
):
    # An edit behind the app's back: the proof endpoints answer 409 with a reason, not 500.
    tamper(
        own_app, "UPDATE log_entry SET leaf_hash = 'not a hash' WHERE seq = 1 AND log = 'signing'"
    )
    client = own_app.test_client()
    for path in (f"/api/v1/proof/{history['second']}", "/api/v1/consistency?old=1&new=3"):
        answer = client.get(path)
        assert answer.status_code == 409, path
        assert answer.json["error"]["title"] == "Log transparansi rusak"
