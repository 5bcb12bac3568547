"""Shared fixtures.

The suite runs on a fresh database per run: a temporary SQLite file, or, when
PAKTA_TEST_DATABASE_URL names a PostgreSQL server, a temporary database created
on that server and dropped afterwards. Migrations are applied once; each test
runs inside a transaction that is rolled back, so tests never see each other.
"""

import contextvars
import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.orm import Session

from pakta import create_app, migrate
from pakta.config import normalize_database_url
from pakta.db import database, get_session, make_engine

pytest_plugins = ["tests.logleaks"]

# The same examples on every run, so CI is reproducible and a failure reruns as it failed;
# HYPOTHESIS_PROFILE=explore draws new ones, more of them, to hunt. No deadline: the machine
# running the suite is shared, and slowness is measured by the benchmarks (bench/).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", max_examples=500, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct horse battery"
# The TOTP secret of every account the fixtures enrol in two-step login.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _postgres_url() -> str | None:
    url = os.environ.get("PAKTA_TEST_DATABASE_URL")
    return normalize_database_url(url) if url else None


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in ``folder``, or a database created
    on the PostgreSQL server of PAKTA_TEST_DATABASE_URL and dropped afterwards."""
    server_url = _postgres_url()
    if server_url is None:
        yield f"sqlite:///{folder / 'pakta-test.sqlite3'}"
        return
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"pakta_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


class IsolatedClient(FlaskClient):
    """Each request gets its own app context and ``g``, as in production.

    Flask reuses an app context that is already pushed (the ``session``
    fixture pushes one), which would share one database session and the
    cached login between requests and hide bugs.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "INSTANCE_PATH": tmp_path_factory.mktemp("instance"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = IsolatedClient
    yield app
    database(app).engine.dispose()


@pytest.fixture
def app_variant(app, tmp_path):
    """Makes apps with a few settings changed; their engines are closed afterwards."""
    made = []

    def make(**overrides):
        variant = create_app({**app.config, "INSTANCE_PATH": tmp_path / "variant", **overrides})
        variant.test_client_class = IsolatedClient
        made.append(variant)
        return variant

    yield make
    for variant in made:
        database(variant).engine.dispose()


@pytest.fixture
def limited_app(app, connection, tmp_path):
    """Makes apps with rate limits on, as production runs, that see the test's data.

    Flask-Limiter's ``limiter`` is one module-level object: ``init_app`` on an app with
    RATELIMIT_ENABLED sets ``limiter.enabled`` (and its storage) for every app it serves,
    so the shared test app would start counting too. The flag is put back and the counts
    cleared afterwards, so other tests are unaffected.
    """
    from pakta.security import limiter

    before = limiter.enabled
    made = []

    def make(storage_uri: str = "memory://", *, own_database: bool = False, **overrides):
        """An app with limits kept in ``storage_uri``; with ``own_database`` it uses the
        ``DATABASE_URL`` given instead of the test's rolled-back connection."""
        limited = create_app(
            {
                **app.config,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": storage_uri,
                "INSTANCE_PATH": tmp_path / f"limited-{len(made)}",
                **overrides,
            }
        )
        limited.test_client_class = IsolatedClient
        if not own_database:
            database(limited).sessionmaker.configure(
                bind=connection, join_transaction_mode="create_savepoint"
            )
        made.append(limited)
        # A storage that is down on purpose (tests of the fallback) has nothing to clear.
        if limiter.storage.check():
            limiter.reset()
        return limited

    yield make
    limiter.reset()
    limiter.enabled = before
    for limited in made:
        database(limited).engine.dispose()


@pytest.fixture
def connection(app):
    """Binds every session the app opens to one connection whose transaction is rolled back."""
    db = database(app)
    connection = db.engine.connect()
    transaction = connection.begin()
    db.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        db.sessionmaker.configure(bind=db.engine, join_transaction_mode="conservative_savepoint")
        transaction.rollback()
        connection.close()


@pytest.fixture
def csrf_client(app, connection):
    """A client whose forms must carry their CSRF token, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield app.test_client()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def session(app, connection) -> Iterator[Session]:
    with app.app_context():
        yield get_session()


@pytest.fixture
def client(app, connection):
    return app.test_client()


@pytest.fixture
def runner(app, connection):
    return app.test_cli_runner()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def is_postgresql(app) -> bool:
    return database(app).engine.dialect.name == "postgresql"


# -- a small organisation most tests can stand on ----------------------------


@pytest.fixture
def units(session):
    """Pemda → two OPDs → one bidang under the first."""
    from pakta.models import Unit

    pemda = Unit(code="PEMDA", name="Pemerintah Kota Contoh")
    dinkes = Unit(code="DINKES", name="Dinas Kesehatan", parent=pemda)
    disdik = Unit(code="DISDIK", name="Dinas Pendidikan", parent=pemda)
    p2p = Unit(code="DINKES-P2P", name="Bidang P2P", parent=dinkes)
    session.add_all([pemda, dinkes, disdik, p2p])
    session.flush()
    return {unit.code: unit for unit in (pemda, dinkes, disdik, p2p)}


def enrol_totp(user) -> None:
    """Turns two-step login on for ``user`` with TOTP_SECRET, as the enrolment page would."""
    from sqlalchemy.orm import object_session

    from pakta.models import utcnow
    from pakta.services import mfa

    if user.id is None:
        object_session(user).flush()  # the sealed secret is bound to the account's id
    mfa.store_secret(user, TOTP_SECRET)
    user.totp_confirmed_at = utcnow()


@pytest.fixture
def admin_user(session):
    """An admin with two-step login on (admins cannot work without it)."""
    from pakta.services import accounts

    user = accounts.create_user(
        session, email="admin@contoh.go.id", name="Admin Setda", role="admin", password=PASSWORD
    )
    enrol_totp(user)
    session.flush()
    return user


@pytest.fixture
def operator_user(session, units):
    from pakta.services import accounts

    return accounts.create_user(
        session,
        email="operator@dinkes.contoh.go.id",
        name="Operator Dinkes",
        role="operator",
        password=PASSWORD,
        unit_code="DINKES",
    )


def make_campaign(session, **overrides):
    """Creates (and flushes) a campaign open from a day ago for thirty days; any field of
    ``campaigns.create_campaign`` may be given instead of the defaults."""
    from datetime import timedelta

    from pakta.models import utcnow
    from pakta.services import campaigns

    values = dict(
        slug="pilkada-2024",
        title="Pilkada Serentak 2024",
        issuing_authority="Pemerintah Kota Contoh",
        place="Contoh",
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=30),
    )
    return campaigns.create_campaign(session, **(values | overrides))


def make_employee(session, unit, **overrides):
    """Adds (and flushes) one PNS employee of ``unit``, Budi Santoso unless told otherwise."""
    from pakta.models import Employee, EmploymentType

    values = dict(
        identity_number="198609262015051001",
        name="Budi Santoso",
        position="Perawat Ahli Pertama",
        employment_type=EmploymentType.PNS,
    )
    person = Employee(unit=unit, **(values | overrides))
    session.add(person)
    session.flush()
    return person


@pytest.fixture
def employee(session, units):
    """Budi Santoso in DINKES-P2P (test modules may define their own)."""
    return make_employee(session, units["DINKES-P2P"])


@pytest.fixture
def token(session, campaign, employee):
    """The employee's personal signing link for the campaign, committed."""
    from pakta.services import links

    rows = links.export_rows(session, campaign, None, None)
    session.commit()
    return rows[0].token


class Statement(str):
    """One SQL statement as the app sent it, white space folded, with its ``parameters``."""

    parameters: object

    def __new__(cls, sql: str, parameters: object):
        made = super().__new__(cls, " ".join(sql.split()))
        made.parameters = parameters
        return made


# Statements that only manage transactions (the tests run each request in a savepoint).
_TRANSACTION = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)


@pytest.fixture
def statements(app) -> Iterator[list[Statement]]:
    """The SQL statements the app's engine sends while the test runs, in order, the
    harness's SAVEPOINT/RELEASE (and other transaction control) left out."""
    seen: list[Statement] = []

    def record(_connection, _cursor, statement, parameters, *_rest):
        if not _TRANSACTION.match(statement):
            seen.append(Statement(statement, parameters))

    engine = database(app).engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


class Clock:
    """The app's clock (pakta.clock) for a test: the real time moved by ``advance``."""

    def __init__(self):
        from datetime import timedelta

        self.offset = timedelta()

    def now(self):
        from pakta.models import utcnow

        return utcnow() + self.offset

    def advance(self, **delta):
        from datetime import timedelta

        self.offset += timedelta(**delta)


@pytest.fixture
def clock(app) -> Iterator[Clock]:
    made = Clock()
    app.config["CLOCK"] = made.now
    yield made
    app.config.pop("CLOCK", None)


class AuthActions:
    def __init__(self, client, clock: Clock):
        self._client = client
        self.clock = clock

    def start_kiosk(self):
        return self._client.post("/kiosk/mulai")

    def login(self, email="admin@contoh.go.id", password=PASSWORD, next=None):
        """Logs in, answering the code step when the account has two-step login (a code of a
        later 30-second step each time: a code is never accepted twice)."""
        response = self._client.post(
            "/masuk",
            query_string={"next": next} if next else None,
            data={"email": email, "password": password},
        )
        if response.status_code == 302 and response.headers["Location"] == "/masuk/kode":
            response = self.second_factor(self.totp_code())
        return response

    def totp_code(self) -> str:
        import pyotp

        self.clock.advance(seconds=30)
        return pyotp.TOTP(TOTP_SECRET).at(self.clock.now())

    def second_factor(self, code: str):
        return self._client.post("/masuk/kode", data={"code": code})

    def logout(self):
        return self._client.post("/keluar")


@pytest.fixture
def auth(client, clock):
    return AuthActions(client, clock)


@pytest.fixture
def signing_key(app, session):
    """An active certificate signing key (rolled back with the test) and the seal."""
    from pakta.keys import certificate, seal

    key = certificate.init(session, app.instance_path, None)
    seal.init_self_signed(app.instance_path, "Pemerintah Kota Contoh")
    return key


@pytest.fixture(params=[1, 2, 3], ids=["token-v1", "token-v2", "token-v3"])
def token_version(request, monkeypatch) -> int:
    """Certificates issued with v1 tokens (as every one issued before v2 was), with v2 (before
    v3) or with v3, which carries the certificate's witness copy of the signing log."""
    import functools

    from pakta.services.certificates import tokens

    if request.param != tokens.VERSION:
        monkeypatch.setattr(
            tokens, "encode", functools.partial(tokens.encode, version=request.param)
        )
    return request.param


def sign_again(session, signature):
    """The person of ``signature`` signs its campaign again (at a kiosk, typing their name),
    as they may once ``signature`` is revoked; flushes. Returns the new signature."""
    from pakta.models import SignatureMethod
    from pakta.services import signing

    return signing.sign(
        session,
        campaign=signature.campaign,
        employee=signature.employee,
        method=SignatureMethod.KIOSK,
        evidence=signing.Evidence(
            typed_name=signature.employee.name, acknowledged_points=[1, 2, 3, 4]
        ),
    ).signature


@pytest.fixture
def signed(session, units, signing_key):
    """A campaign and one signature with a drawn signature, ready for a certificate."""
    import io

    from PIL import Image, ImageDraw

    from pakta.models import SignatureMethod
    from pakta.services import signing

    campaign = make_campaign(
        session,
        title="Pilkada Serentak 2024 — Pemerintah Kota Contoh",
        official_name="Dr. H. Ahmad, M.Si.",
        official_title="Sekretaris Daerah",
    )
    employee = make_employee(session, units["DINKES-P2P"], name="Budi Santoso, S.Kep.")
    image = Image.new("LA", (600, 200), (0, 0))
    ImageDraw.Draw(image).line(
        [(40, 150), (200, 40), (360, 160), (560, 50)], fill=(0, 255), width=6
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    outcome = signing.sign(
        session,
        campaign=campaign,
        employee=employee,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=signing.Evidence(
            signature_png=buffer.getvalue(), acknowledged_points=[1, 2, 3, 4]
        ),
    )
    session.commit()
    return outcome.signature


# -- people who have (and have not) signed, for rollup pages -------------------


@pytest.fixture
def campaign(session):
    """An open campaign, committed (test modules may define their own)."""
    made = make_campaign(session)
    session.commit()
    return made


def add_people(session, unit, count, signed, campaign, prefix, *, email=True):
    """``count`` active employees in ``unit`` named "<prefix> Pegawai <n>"; the first
    ``signed`` of them have signed ``campaign``. Commits."""
    from pakta.models import Employee, EmploymentType, SignatureMethod
    from pakta.services import signing

    for index in range(count):
        person = Employee(
            identity_number=f"{prefix}{index:04d}",
            name=f"{prefix} Pegawai {index}",
            position="Pelaksana",
            employment_type=EmploymentType.PNS,
            unit=unit,
            email=f"{prefix.lower()}{index}@contoh.go.id" if email else None,
        )
        session.add(person)
        session.flush()
        if index < signed:
            signing.record_signature(
                session,
                campaign=campaign,
                employee=person,
                method=SignatureMethod.KIOSK,
                evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4]),
            )
    session.commit()


@pytest.fixture
def staffed(session, units, campaign):
    """DINKES-P2P: 3 of 4 signed; DISDIK: 1 of 5 signed."""
    add_people(session, units["DINKES-P2P"], 4, 3, campaign, "P2P")
    add_people(session, units["DISDIK"], 5, 1, campaign, "DIK")
    return units


# -- logos ------------------------------------------------------------------------------


def logo_bytes(kind: str = "PNG", size=(120, 80), **save_options) -> bytes:
    """A plain green logo as an image file of ``kind`` (a Pillow format name)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 93, 75)).save(buffer, kind, **save_options)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb
    as Pillow first sees it: the header is all it reads before refusing)."""
    import struct
    import zlib

    png = logo_bytes("PNG", size=(1, 1))
    header = struct.pack(">II", width, height) + png[24:29]  # width, height, depth, type...
    chunk = b"IHDR" + header
    return png[:8] + png[8:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


@pytest.fixture
def revoked(session, staffed):
    """``staffed``, but the signature of P2P Pegawai 0 was revoked as signed in error."""
    from sqlalchemy import select

    from pakta.models import Employee, Signature
    from pakta.services.certificates import revocations

    signature = session.scalar(
        select(Signature).join(Employee).where(Employee.identity_number == "P2P0000")
    )
    revocations.revoke(session, signature, reason="signed_in_error", note="", actor="cli:test")
    session.commit()
    return signature


@dataclass(frozen=True)
class CaIssuedSeal:
    """A seal certificate from a certification authority (as BSrE issues one), in a
    password-protected PKCS#12 file with the CA's certificate."""

    pkcs12_path: str
    password: str
    ca_der: bytes  # the CA's certificate, which relying parties trust


@pytest.fixture
def ca_issued_seal(tmp_path) -> CaIssuedSeal:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def key_usage(**allowed: bool) -> x509.KeyUsage:
        usages = ("digital_signature", "content_commitment", "key_encipherment")
        usages += ("data_encipherment", "key_agreement", "key_cert_sign", "crl_sign")
        usages += ("encipher_only", "decipher_only")
        return x509.KeyUsage(**{usage: allowed.get(usage, False) for usage in usages})

    def certificate(subject: str, key, issuer: x509.Name, issuer_key, *, ca: bool):
        now = dt.datetime.now(dt.UTC)
        usage = key_usage(key_cert_sign=True, crl_sign=True) if ca else None
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
            .add_extension(
                usage or key_usage(digital_signature=True, content_commitment=True), True
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                False,
            )
            .sign(issuer_key, hashes.SHA256())
        )

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Contoh Root CA")])
    ca = certificate("Contoh Root CA", ca_key, ca_name, ca_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = certificate("Pemerintah Kota Contoh", key, ca_name, ca_key, ca=False)
    password = "rahasia-bsre"
    path = tmp_path / "bsre.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, leaf, [ca], serialization.BestAvailableEncryption(password.encode())
        )
    )
    return CaIssuedSeal(str(path), password, ca.public_bytes(serialization.Encoding.DER))


# -- whole instances on their own databases, for backups ----------------------------------


@dataclass(frozen=True)
class Instance:
    """An app with its own committed database and instance folder (not rolled back)."""

    app: object
    url: str
    token: str | None = None  # a certificate issued there


def issue_committed_certificate(app) -> str:
    """Keys, a campaign, one kiosk signature and its certificate, committed in ``app``'s own
    database; returns the certificate's token."""
    from pakta.keys import certificate, seal
    from pakta.models import SignatureMethod, Unit
    from pakta.services import signing
    from pakta.services.certificates import issuing

    with Session(database(app).engine) as db:
        certificate.init(db, app.instance_path, None)
        seal.init_self_signed(app.instance_path, "Pemerintah Kota Contoh")
        unit = Unit(code="CADANGAN", name="Dinas Cadangan")
        db.add(unit)
        signature = signing.sign(
            db,
            campaign=make_campaign(db),
            employee=make_employee(db, unit),
            method=SignatureMethod.KIOSK,
            evidence=signing.Evidence(typed_name="Budi Santoso", acknowledged_points=[1, 2, 3, 4]),
        ).signature
        issued = issuing.issue(
            db, signature, issuing.Issuer.from_config(app.config, app.instance_path)
        )
        db.commit()
        return issued.token


@pytest.fixture
def backup_tools(app) -> None:
    """On PostgreSQL, backups need pg_dump and pg_restore of the server's major version."""
    from pakta.services.backups import dumps

    engine = database(app).engine
    if engine.dialect.name == "postgresql":
        for tool in ("pg_dump", "pg_restore"):
            if dumps.postgres_tool(engine, tool) is None:
                pytest.skip(f"{tool} is not installed (Debian: apt-get install postgresql-client)")


@pytest.fixture
def source_instance(app_variant, tmp_path, backup_tools) -> Iterator[Instance]:
    """An instance at the newest migration that has issued one certificate."""
    (tmp_path / "source-db").mkdir()
    with fresh_database(tmp_path / "source-db") as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        made = app_variant(DATABASE_URL=url, INSTANCE_PATH=tmp_path / "source")
        with made.app_context():
            token = issue_committed_certificate(made)
        yield Instance(made, url, token)


@pytest.fixture
def empty_instance(app_variant, tmp_path, backup_tools) -> Iterator[Instance]:
    """A new instance whose database has no tables and whose folder has no keys."""
    (tmp_path / "target-db").mkdir()
    with fresh_database(tmp_path / "target-db") as url:
        yield Instance(app_variant(DATABASE_URL=url, INSTANCE_PATH=tmp_path / "target"), url)


def seal_organisation(pdf: bytes) -> str:
    """The organisation named in a sealed PDF's seal certificate, read with cryptography."""
    import io

    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[-1]
    certificate = x509.load_der_x509_certificate(embedded.signer_cert.dump())
    return certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value


# -- the transparency logs: a database of its own for tests that tamper with it ---------

APPEND_ONLY = ("log_entry", "log_checkpoint", "audit_event")


@pytest.fixture
def own_app(app_variant, tmp_path):
    with fresh_database(tmp_path) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield app_variant(DATABASE_URL=url)


def sign_for(session, campaign, person, **evidence):
    """``person`` signs ``campaign`` by personal link (a drawn signature unless told)."""
    from pakta.models import SignatureMethod
    from pakta.services import signing

    if not evidence:
        evidence = {"signature_png": b"PNG"}
    return signing.sign(
        session,
        campaign=campaign,
        employee=person,
        method=SignatureMethod.PERSONAL_LINK,
        evidence=signing.Evidence(acknowledged_points=[1, 2, 3, 4], **evidence),
    ).signature


@pytest.fixture
def history(own_app):
    """Four people sign; one is revoked and signs again, one is revoked and reinstated; an
    admin action is audited. Committed; returns the certificate numbers by name."""
    from datetime import timedelta

    from pakta.models import Unit, utcnow
    from pakta.services import audit
    from pakta.services.certificates import revocations

    with own_app.app_context():
        db = get_session()
        unit = Unit(code="LOG", name="Unit Log")
        db.add(unit)
        campaign = make_campaign(db, closes_at=utcnow() + timedelta(days=3))
        people = [
            make_employee(db, unit, identity_number=f"19900101201501100{n}", name=f"Orang {n}")
            for n in range(4)
        ]
        first, second, third, fourth = (
            sign_for(db, campaign, person, signature_png=f"PNG {n}".encode())
            for n, person in enumerate(people)
        )
        revocations.revoke(db, second, reason="signed_in_error", note="", actor="cli:test")
        again = sign_for(db, campaign, people[1], typed_name="Orang 1")
        revocations.revoke(db, third, reason="sanction", note="", actor="cli:test")
        revocations.reinstate(db, third, note="", actor="cli:test")
        audit.record(db, actor="cli:test", action="roster.import", target_type="file", target_id=1)
        db.commit()
        return {
            "first": first.certificate_number,
            "second": second.certificate_number,
            "third": third.certificate_number,
            "fourth": fourth.certificate_number,
            "again": again.certificate_number,
        }


def tamper(app, *statements, **parameters):
    """Runs SQL as a database owner would: the append-only triggers out of the way first."""
    from sqlalchemy import text

    engine = database(app).engine
    with engine.begin() as connection:
        for table in APPEND_ONLY:
            if engine.dialect.name == "postgresql":
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                for change in ("update", "delete"):
                    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{change}"))
        for statement in statements:
            connection.execute(text(statement), parameters)
