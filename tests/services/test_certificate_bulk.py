import io
import stat
import uuid
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from pakta import create_app, migrate
from pakta.db import database, get_session, make_engine
from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import (
    Employee,
    EmploymentType,
    IssuedCertificate,
    Signature,
    SignatureMethod,
    Unit,
)
from pakta.services import campaigns, demo, signing
from pakta.services.certificates import bulk, issuing, pdf_check, revocations, tokens
from pakta.services.identity import make_nip
from tests.conftest import TEST_SECRET, _postgres_url, make_campaign


def sign_up(session, campaign, unit, count: int, first: int = 0) -> list[Signature]:
    """``count`` new employees of ``unit`` who sign the campaign with a drawn signature."""
    result = []
    for n in range(first, first + count):
        employee = Employee(
            identity_number=make_nip(date(1980, 1, 1) + timedelta(days=n), (2005, 3), 1, 1 + n),
            name=f"Pegawai Uji {n}",
            position="Pelaksana",
            employment_type=EmploymentType.PNS,
            unit=unit,
        )
        session.add(employee)
        session.flush()
        outcome = signing.sign(
            session,
            campaign=campaign,
            employee=employee,
            method=SignatureMethod.PERSONAL_LINK,
            evidence=signing.Evidence(
                signature_png=demo.signature_png(n % 3), acknowledged_points=[1, 2, 3, 4]
            ),
        )
        result.append(outcome.signature)
    return result


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def stored(session, signature_id: int) -> IssuedCertificate:
    return session.scalar(
        select(IssuedCertificate).where(IssuedCertificate.signature_id == signature_id)
    )


class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, done, total):
        self.calls.append((done, total))


# -- in this process, inside the test's rolled-back transaction ----------------------------


@pytest.fixture
def three(session, signed, units):
    """Three signatures in DINKES-P2P (one from ``signed``) and one in DISDIK."""
    signatures = [signed, *sign_up(session, signed.campaign, units["DINKES-P2P"], 2)]
    other = sign_up(session, signed.campaign, units["DISDIK"], 1, first=10)
    session.commit()
    return signatures, other[0]


def test_a_units_zip_holds_one_pdf_per_signature_identical_to_the_stored_one(
    app, session, three, units
):
    signatures, elsewhere = three
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    before = issuing.issue(session, signatures[0], issuer).pdf  # issued earlier
    session.commit()
    out, progress = io.BytesIO(), Recorder()

    count = bulk.export_zip(
        app,
        signatures[0].campaign_id,
        {units["DINKES-P2P"].id},
        out,
        workers=1,
        progress=progress,
    )

    files = read_zip(out.getvalue())
    assert count == 3 and len(files) == 3
    assert set(files) == {f"DINKES-P2P/{s.certificate_number}.pdf" for s in signatures}
    for signature in signatures:
        pdf = files[f"DINKES-P2P/{signature.certificate_number}.pdf"]
        assert pdf.startswith(b"%PDF")
        assert pdf == stored(session, signature.id).pdf
    assert files[f"DINKES-P2P/{signatures[0].certificate_number}.pdf"] == before
    assert stored(session, elsewhere.id) is None  # DISDIK was not asked for
    assert progress.calls[-1] == (3, 3)
    assert [done for done, _ in progress.calls] == sorted(done for done, _ in progress.calls)


def test_issued_certificates_carry_a_valid_token_and_an_intact_seal(app, session, three, units):
    signatures, _ = three
    out = io.BytesIO()
    bulk.export_zip(app, signatures[0].campaign_id, None, out, workers=1)
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    keys = certificate_keys.public_keys(session)
    for signature in signatures:
        certificate = stored(session, signature.id)
        claims = tokens.verify(certificate.token, keys)
        assert claims.certificate_number == signature.certificate_number
        assert claims.signer_name == signature.signer_name
        reader = pdf_check.read_pdf(certificate.pdf)
        assert pdf_check.embedded_token(reader) == certificate.token
        status = pdf_check.seal_status(reader, issuing.seal_trust_roots(issuer))
        assert status.intact and status.whole_file and status.trusted


def test_a_unit_includes_the_units_below_it_and_exporting_again_gives_the_same_files(
    app, session, three, units
):
    signatures, elsewhere = three
    from pakta.services.units import subtree_ids

    campaign_id = signatures[0].campaign_id
    first, again = io.BytesIO(), io.BytesIO()
    bulk.export_zip(app, campaign_id, subtree_ids(session, units["PEMDA"].id), first, workers=1)
    bulk.export_zip(app, campaign_id, None, again, workers=1)
    files = read_zip(first.getvalue())
    assert len(files) == 4 and f"DISDIK/{elsewhere.certificate_number}.pdf" in files
    assert read_zip(again.getvalue()) == files
    assert session.scalar(select(func.count()).select_from(IssuedCertificate)) == 4


def test_no_units_gives_an_empty_zip(app, session, three):
    signatures, _ = three
    out, progress = io.BytesIO(), Recorder()
    count = bulk.export_zip(
        app, signatures[0].campaign_id, set(), out, workers=2, progress=progress
    )
    assert count == 0 and read_zip(out.getvalue()) == {}
    assert progress.calls == [(0, 0)]


def test_a_path_appears_only_when_complete_and_only_its_owner_can_read_it(
    app, session, three, units, tmp_path
):
    signatures, _ = three
    path = tmp_path / "dinkes.zip"
    count = bulk.export_zip(
        app, signatures[0].campaign_id, {units["DINKES-P2P"].id}, path, workers=1
    )
    assert count == 3 and len(read_zip(path.read_bytes())) == 3
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the certificates print full NIPs
    assert [p.name for p in tmp_path.iterdir()] == ["dinkes.zip"]


def test_a_failed_export_leaves_no_file(app, session, three, tmp_path):
    signatures, _ = three

    def explode(done, total):
        raise RuntimeError("disk full")

    path = tmp_path / "all.zip"
    with pytest.raises(RuntimeError):
        bulk.export_zip(app, signatures[0].campaign_id, None, path, workers=1, progress=explode)
    assert list(tmp_path.iterdir()) == []


def test_a_certificate_stored_meanwhile_is_kept_and_not_replaced(app, session, three):
    signatures, _ = three
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    signer = certificate_keys.signer(session, app.instance_path, None)
    produced = bulk._produce(session, signatures[1].id, issuer, signer)
    first = issuing.issue(session, signatures[1], issuer)  # a signer downloads meanwhile
    session.commit()
    bulk._store(session, produced)
    assert stored(session, signatures[1].id).pdf == first.pdf
    assert bulk._produce(session, signatures[1].id, issuer, signer) is None


def test_producing_in_a_fresh_session_reads_what_the_certificate_prints_in_one_query(
    app, session, three, statements
):
    signatures, _ = three
    campaigns.set_logo(signatures[1].campaign, demo.signature_png(0))  # any PNG will do
    session.commit()
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    signer = certificate_keys.signer(session, app.instance_path, None)
    session.expunge_all()  # as a worker's job starts: nothing loaded yet
    statements.clear()
    certificate = bulk._produce(session, signatures[1].id, issuer, signer)
    assert certificate is not None and certificate.pdf.startswith(b"%PDF")
    reads = [sql for sql in statements if sql.startswith("SELECT")]
    # The signature with its campaign (and logo), employee, unit and pact; whether it has a
    # certificate already; and its log entry (the witness copy it prints).
    assert len(reads) == 3, reads
    assert any("FROM log_entry" in sql for sql in reads)
    assert "FROM signature" in reads[0] and ".logo" in reads[0]


def test_zip_names_never_leave_their_folder():
    for unit_code, number in (("../../etc", "PI24/../x"), ("..", "/abs"), ("a\\b", "..")):
        unit_part, file_part = bulk.Entry(1, unit_code, number, False).name.split("/")
        assert unit_part not in ("", ".", "..") and not unit_part.startswith(".")
        assert file_part.endswith(".pdf") and not file_part.startswith(".")
        assert "\\" not in unit_part + file_part
    assert bulk.Entry(1, "DINKES-P2P", "PI24-0001-0001", True).name == (
        "DINKES-P2P/PI24-0001-0001.pdf"
    )


# -- worker processes, on a committed database of their own --------------------------------


@pytest.fixture(scope="module")
def committed_app(tmp_path_factory):
    """An app on its own database (SQLite, or PostgreSQL when the suite runs on it), with
    committed data that worker processes can see."""
    server_url = _postgres_url()
    folder = tmp_path_factory.mktemp("bulk")
    admin = name = None
    if server_url is None:
        url = f"sqlite:///{folder / 'bulk.sqlite3'}"
    else:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        name = f"pakta_bulk_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": folder / "instance",
            # Like every test app: the limiter is one object per process, and this app lives
            # for the whole module.
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        session = get_session()
        pemda = Unit(code="PEMDA", name="Pemerintah Kota Contoh")
        dinkes = Unit(code="DINKES", name="Dinas Kesehatan", parent=pemda)
        session.add_all([pemda, dinkes])
        campaign = make_campaign(
            session,
            title="Pilkada Serentak 2024 — Pemerintah Kota Contoh",
            official_name="Dr. H. Ahmad, M.Si.",
            official_title="Sekretaris Daerah",
        )
        sign_up(session, campaign, dinkes, 5)
        certificate_keys.init(session, app.instance_path, None)
        seal.init_self_signed(app.instance_path, "Pemerintah Kota Contoh")
        session.commit()
    try:
        yield app
    finally:
        database(app).engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_two_worker_processes_issue_and_commit_what_the_zip_then_holds(committed_app):
    app = committed_app
    with app.app_context():
        session = get_session()
        campaign_id, dinkes = session.execute(
            select(Signature.campaign_id, Signature.unit_id).limit(1)
        ).one()
        first = session.scalar(select(Signature).order_by(Signature.id).limit(1))
        already = issuing.issue(session, first, issuing.issuer_for_app()).pdf
        session.commit()
    out, progress = io.BytesIO(), Recorder()

    count = bulk.export_zip(app, campaign_id, {dinkes}, out, workers=2, progress=progress)

    files = read_zip(out.getvalue())
    assert count == 5 and len(files) == 5
    assert progress.calls[-1] == (5, 5)
    with app.app_context():
        session = get_session()
        rows = session.execute(
            select(Signature.certificate_number, IssuedCertificate.pdf).join(
                IssuedCertificate, IssuedCertificate.signature_id == Signature.id
            )
        ).all()
        assert len(rows) == 5
        for number, pdf in rows:
            assert pdf.startswith(b"%PDF")
            assert files[f"DINKES/{number}.pdf"] == pdf
        assert files[f"DINKES/{first.certificate_number}.pdf"] == already


def test_a_revoked_certificate_is_left_out_of_the_zip(app, session, three, units):
    signatures, _elsewhere = three
    revocations.revoke(session, signatures[1], reason="sanction", note="", actor="cli:test")
    session.commit()
    out = io.BytesIO()

    count = bulk.export_zip(
        app, signatures[0].campaign_id, {units["DINKES-P2P"].id}, out, workers=1
    )

    assert count == 2
    assert set(read_zip(out.getvalue())) == {
        f"DINKES-P2P/{s.certificate_number}.pdf" for s in (signatures[0], signatures[2])
    }


# -- batches (what a batch job runs) -------------------------------------------------------


def test_a_batch_reads_its_signatures_in_one_query_and_stores_every_missing_certificate(
    app, session, three, statements
):
    signatures, other = three
    ids = [signature.id for signature in [*signatures, other]]
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    session.expunge_all()
    statements.clear()
    with app.app_context():
        batch = bulk.issue_batch(database(app).sessionmaker, ids, issuer)
    assert batch == bulk.Batch(issued=ids, absent=[], failed=[])
    signature_reads = [sql for sql in statements if "FROM signature " in sql]
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO issued_certificate")]
    assert len(signature_reads) == 1 and len(inserts) == len(ids)
    for signature_id in ids:
        assert stored(session, signature_id).pdf.startswith(b"%PDF")


def test_a_certificate_that_fails_in_a_batch_is_reported_and_the_others_are_stored(
    app, session, three, monkeypatch, caplog
):
    signatures, other = three
    ids = [signature.id for signature in [*signatures, other]]
    produce = issuing.produce

    def fails_for_the_second(session, signature, *args):
        if signature.id == ids[1]:
            raise RuntimeError("the renderer fell over")
        return produce(session, signature, *args)

    monkeypatch.setattr(issuing, "produce", fails_for_the_second)
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    with app.app_context():
        batch = bulk.issue_batch(database(app).sessionmaker, ids, issuer)
    assert batch.failed == [ids[1]] and batch.issued == [ids[0], *ids[2:]]
    assert "the renderer fell over" in caplog.text
    assert stored(session, ids[1]) is None
    assert all(stored(session, signature_id) is not None for signature_id in batch.issued)


def test_a_batch_keeps_certificates_stored_before_and_reports_signatures_that_are_not_there(
    app, session, three
):
    signatures, _ = three
    issuer = issuing.Issuer.from_config(app.config, app.instance_path)
    first = issuing.issue(session, signatures[0], issuer)
    session.commit()
    ids = [signatures[0].id, signatures[1].id, 999_999]
    with app.app_context():
        batch = bulk.issue_batch(database(app).sessionmaker, ids, issuer)
    assert batch == bulk.Batch(issued=ids[:2], absent=[999_999], failed=[])
    assert stored(session, signatures[0].id).pdf == first.pdf
