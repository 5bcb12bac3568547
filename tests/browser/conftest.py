"""Fixtures for the browser tests: a live server on committed demo data, and chromium.

The rest of the suite rolls every test back inside one transaction, which a
server answering from another thread cannot see. These tests get their own
SQLite file instead, filled once per run with the demo Pemda and committed.

They drive Debian's chromium (``apt-get install chromium``) through Playwright;
``playwright install`` is never needed. Without either, they are skipped.
"""

import importlib
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # chromium refuses to run as root with its sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these chromium phones Google, which a sealed-off machine refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# A small phone, as the signing form must work on: 360×640.
SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 640}}
# The kiosk is a shared tablet, held upright.
TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}
# The apel's big screen: a projector at 1280×720.
PROJECTOR = {"viewport": {"width": 1280, "height": 720}}
TIMEOUT_MS = 10_000


def wait_until(page, expression: str, arg=None, timeout_ms: int = TIMEOUT_MS) -> None:
    """Poll a page expression until it is truthy.

    Playwright's ``wait_for_function`` compiles a string predicate with ``eval``
    inside the page, which the app's CSP (no 'unsafe-eval') rightly refuses;
    ``page.evaluate`` goes through the DevTools protocol, which CSP does not govern.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(50)


@dataclass
class LiveServer:
    url: str
    tokens: list[str]  # personal links of unsigned, active DISDIK employees
    operator_email: str
    operator_password: str
    kiosk_signer_name: str  # unsigned, active, in the operator's sub-tree, no token above
    kiosk_query: str  # part of that name, matching nobody else the operator can see
    errors: list[BaseException] = field(default_factory=list)  # raised by views
    certificate_token: str = ""  # the QR token of one issued demo certificate
    certificate_token_v1: str = ""  # the v1 token the same certificate had before v2
    # Kept apart for the apel tests: personal links of two more unsigned DISDIK employees,
    # and the NIP and verification code of a third, none of them used by another test.
    apel_tokens: list[str] = field(default_factory=list)
    apel_signer: tuple[str, str] = ("", "")
    # Personal links of two more unsigned DISDIK employees, for the signing form's tests.
    form_tokens: list[str] = field(default_factory=list)
    secret_key: str = ""  # the app's, to mint the apel QR token a phone would scan
    csp_token: str = ""  # one more unsigned DISDIK personal link, for the CSP test only


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def sync_playwright():
    """Playwright's entry point, or a skip saying what is missing."""
    try:
        module = importlib.import_module("playwright.sync_api")
    except ImportError as error:
        pytest.skip(f"browser tests need the playwright package ({error}): pip install playwright")
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    return module.sync_playwright


def _demo_facts(app) -> dict:
    """Load the demo Pemda, commit it, and pick who the tests sign as."""
    from pakta.db import get_session
    from pakta.models import Employee, Signature, User
    from pakta.services import campaigns, demo, links, units

    with app.app_context():
        db = get_session()
        logins = demo.load(db)
        db.commit()
        campaign = campaigns.get_campaign(db, demo.CAMPAIGN_SLUG)
        operator = db.scalar(select(User).where(User.email == demo.OPERATOR_EMAIL))
        scope = units.subtree_ids(db, operator.unit_id)
        signed = set(
            db.scalars(select(Signature.employee_id).where(Signature.campaign_id == campaign.id))
        )
        visible = list(
            db.scalars(
                select(Employee)
                .where(Employee.active, Employee.unit_id.in_(scope))
                .order_by(Employee.identity_number)
            )
        )
        unsigned = [employee for employee in visible if employee.id not in signed]
        tokens = {
            row.identity_number: row.token
            for row in links.export_rows(db, campaign, scope, operator)
        }
        db.commit()
        certificate_token, certificate_token_v1 = _issue_one_certificate(app, db, campaign)

    chosen = [tokens[employee.identity_number] for employee in unsigned[:4]]
    assert len(chosen) == 4, "the demo data needs four unsigned DISDIK employees"
    for employee in unsigned[4:]:
        # "H. Asep Hidayat, S.Pd." is searched for as "H. Asep Hidayat".
        query = employee.name.split(",")[0].strip()
        matches = [other for other in visible if query.lower() in other.name.lower()]
        if len(query) >= 5 and matches == [employee]:
            kiosk_signer = employee
            break
    else:
        raise AssertionError("the demo data has no unsigned DISDIK employee with a unique name")
    password = next(login.password for login in logins if login.email == demo.OPERATOR_EMAIL)
    spare = [employee for employee in unsigned[4:] if employee.id != kiosk_signer.id]
    assert len(spare) >= 6, "the demo data needs more unsigned DISDIK employees"
    return {
        "apel_tokens": [tokens[employee.identity_number] for employee in spare[-2:]],
        "form_tokens": [tokens[employee.identity_number] for employee in spare[:2]],
        "apel_signer": _give_verification_code(app, spare[-3].id, APEL_SIGNER_CODE),
        "csp_token": tokens[spare[-4].identity_number],
        "secret_key": app.config["SECRET_KEY"],
        "tokens": chosen,
        "operator_email": demo.OPERATOR_EMAIL,
        "operator_password": password,
        "kiosk_signer_name": kiosk_signer.name,
        "kiosk_query": query,
        "certificate_token": certificate_token,
        "certificate_token_v1": certificate_token_v1,
    }


APEL_SIGNER_CODE = "246810"


def _give_verification_code(app, employee_id: int, code: str) -> tuple[str, str]:
    """Set a known verification code on one demo employee: (NIP, code) for the apel entry."""
    from pakta import keys
    from pakta.db import get_session
    from pakta.models import Employee

    with app.app_context():
        db = get_session()
        employee = db.get(Employee, employee_id)
        employee.verification_code_hash = keys.verification_code_digest(code)
        number = employee.identity_number
        db.commit()
    return number, code


def _issue_one_certificate(app, db, campaign) -> tuple[str, str]:
    """Signing keys and the seal, as `pakta keys init` makes them, and one issued certificate:
    its token, and the v1 token of the same claims that it would have had before v2."""
    from zoneinfo import ZoneInfo

    from pakta.keys import certificate, seal
    from pakta.models import Signature
    from pakta.services.certificates import issuing, tokens

    certificate.init(db, app.instance_path, None)
    seal.init_self_signed(app.instance_path, campaign.issuing_authority)
    signature = db.scalars(
        select(Signature).where(Signature.campaign_id == campaign.id).order_by(Signature.id)
    ).first()
    assert signature is not None, "the demo data has no signature to issue a certificate for"
    issued = issuing.issue(db, signature, issuing.Issuer.from_config(app.config, app.instance_path))
    db.commit()
    signer = certificate.signer(db, app.instance_path, None)
    claims = issuing.claims_for(signature, signer.kid, ZoneInfo(app.config["TIMEZONE"]))
    return issued.token, tokens.encode(claims, signer.private_key, version=1)


@pytest.fixture(scope="session")
def live_server(sync_playwright, tmp_path_factory) -> Iterator[LiveServer]:
    """The app on 127.0.0.1:<free port>, CSRF on, over its own committed SQLite file."""
    from flask import got_request_exception

    from pakta import create_app, migrate
    from pakta.db import database, make_engine

    root = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{root / 'pakta-browser.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "x" * 48,
            "INSTANCE_PATH": root / "instance",
            "RATELIMIT_ENABLED": False,
        }
    )
    facts = _demo_facts(app)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", **facts)

    def record(_sender, exception, **_extra):
        live.errors.append(exception)

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="pakta-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        database(app).engine.dispose()


@pytest.fixture(scope="session")
def browser(sync_playwright):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open_page(browser, live_server, options):
    """A fresh context (no cookies) whose page fails the test on a script or server error."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    server_errors_before = len(live_server.errors)
    try:
        yield page
    finally:
        context.close()
    new_server_errors = live_server.errors[server_errors_before:]
    if script_errors or new_server_errors:
        pytest.fail(f"scripts raised {script_errors!r}; views raised {new_server_errors!r}")


@pytest.fixture
def page(browser, live_server):
    """A phone: 360×740 CSS px at 2x, touch."""
    yield from _open_page(browser, live_server, PHONE)


@pytest.fixture
def small_phone_page(browser, live_server):
    """A small phone: 360×640 CSS px at 2x, touch."""
    yield from _open_page(browser, live_server, SMALL_PHONE)


@pytest.fixture
def tablet_page(browser, live_server):
    """The kiosk's tablet, portrait."""
    yield from _open_page(browser, live_server, TABLET)


@pytest.fixture
def projector_page(browser, live_server):
    """The apel's big screen, 1280×720, in its own context (its own cookies)."""
    yield from _open_page(browser, live_server, PROJECTOR)
