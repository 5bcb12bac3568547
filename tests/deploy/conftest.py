"""Two app nodes as production runs them, for the tests of deploy/.

One PostgreSQL database (a temporary one on the server of PAKTA_TEST_DATABASE_URL), one
private redis-server (tests/servers.py), two gunicorn nodes on free ports and one
`pakta worker`, all with the same production environment: PAKTA_ENV=production (rate
limits on, kept in Redis), PAKTA_PROXY_COUNT=1 as behind deploy/nginx/pakta.conf, and the
keys as files in one instance folder named by PAKTA_INSTANCE_PATH, as every node of a
Pemda has the same copy.
"""

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench._common import Browser, free_port, hidden_value, start_processes, stop_process
from bench.apel.client import signature_data_url
from bench.apel.servers import gunicorn
from pakta import create_app, keys, migrate
from pakta.db import database, get_session, make_engine
from pakta.models import Employee, Signature, Unit, utcnow
from pakta.services import accounts, apel, links, mfa
from tests import servers
from tests.conftest import PASSWORD, TOTP_SECRET, add_people, fresh_database, make_campaign

SECRET = "node-test-secret-key-that-is-long-enough-0123456789"
ADMIN = "admin@contoh.go.id"
CODE = "482913"  # every employee's verification code for apel
PEOPLE = 16


@dataclass
class Site:
    """The nodes' ports, and what the tests sign with: a personal link and a NIP per person."""

    app: object  # the same site, in this process, for reading what the nodes stored
    node_ports: tuple[int, int]
    worker_log: Path
    node_environment: dict
    apel_id: str
    tokens: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    employee_ids: list[int] = field(default_factory=list)
    _next: int = 0
    _browsers: list[Browser] = field(default_factory=list)

    def person(self) -> int:
        """An index of someone who has not signed yet: each test signs its own people."""
        self._next += 1
        assert self._next <= PEOPLE, "tests/deploy asks for more people than conftest made"
        return self._next - 1

    def browser(self, node: int) -> Browser:
        return self.keep(Browser(self.node_ports[node], timeout=120))

    def keep(self, browser: Browser) -> Browser:
        """``browser``, closed when the test ends."""
        self._browsers.append(browser)
        return browser

    def close_browsers(self) -> None:
        while self._browsers:
            self._browsers.pop().close()

    def signatures_of(self, index: int) -> list[Signature]:
        with Session(database(self.app).engine) as session:
            return list(
                session.scalars(
                    select(Signature).where(Signature.employee_id == self.employee_ids[index])
                )
            )

    def signature_count(self) -> int:
        with Session(database(self.app).engine) as session:
            return session.scalar(select(func.count()).select_from(Signature))


def signing_form(browser: Browser, path: str) -> list[tuple[str, str]]:
    """The signing form at ``path`` as a phone fills it in: every point ticked, a drawn
    signature, and the hidden fields the page carries (CSRF token, submission id)."""
    status, page = browser.request("GET", path)
    assert status == 200, f"GET {path}: {status}"
    fields = [(name, hidden_value(page.decode(), name)) for name in ("csrf_token", "submission_id")]
    return [*fields, *(("points", str(n)) for n in range(1, 5)), ("signature", DRAWN)]


DRAWN = signature_data_url()


def post_form(browser: Browser, path: str, fields: list[tuple[str, str]]) -> int:
    status, _page = browser.request("POST", path, fields)  # urlencode takes the pairs
    return status


def _populate(app) -> tuple[str, list[str], list[str], list[int]]:
    """Keys, a unit, a campaign, an admin, an open apel and PEOPLE employees, committed."""
    from pakta.keys import certificate, seal

    with app.app_context():
        session = get_session()
        certificate.init(session, app.instance_path, None)
        seal.init_self_signed(app.instance_path, "Pemerintah Kota Contoh")
        unit = Unit(code="DINKES", name="Dinas Kesehatan")
        admin = accounts.create_user(
            session, email=ADMIN, name="Admin Setda", role="admin", password=PASSWORD
        )
        # Admins work only with two-step login on; the tests' browsers answer the code step.
        session.flush()
        mfa.store_secret(admin, TOTP_SECRET)
        admin.totp_confirmed_at = utcnow()
        campaign = make_campaign(session)
        add_people(session, unit, PEOPLE, 0, campaign, "19860926201505", email=False)
        people = session.scalars(select(Employee).order_by(Employee.identity_number)).all()
        for person in people:
            person.verification_code_hash = keys.verification_code_digest(CODE)
        opened, _created = apel.open_session(session, campaign=campaign, unit=unit, user=admin)
        rows = links.export_rows(session, campaign, None, None)
        by_number = {row.identity_number: row.token for row in rows}
        session.commit()
        return (
            opened.public_id,
            [by_number[person.identity_number] for person in people],
            [person.identity_number for person in people],
            [person.id for person in people],
        )


@pytest.fixture(scope="package")
def site(tmp_path_factory) -> Iterator[Site]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the app nodes are not started")
    if not os.environ.get("PAKTA_TEST_DATABASE_URL"):
        pytest.skip("PAKTA_TEST_DATABASE_URL is not set: nodes need one PostgreSQL database")
    folder = tmp_path_factory.mktemp("nodes")
    instance = folder / "instance"
    instance.mkdir(mode=0o700)
    with fresh_database(folder) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        app = create_app(
            {"ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": SECRET, "INSTANCE_PATH": instance}
        )
        apel_id, tokens, numbers, employee_ids = _populate(app)
        queue = servers.PrivateRedis(folder)
        outside = {name: value for name, value in os.environ.items() if name[:6] != "PAKTA_"}
        environment = outside | {
            "PAKTA_ENV": "production",
            "PAKTA_DATABASE_URL": url,
            "PAKTA_SECRET_KEY": SECRET,
            "PAKTA_BASE_URL": "https://pakta.example.go.id",
            "PAKTA_REDIS_URL": queue.url,
            "PAKTA_PROXY_COUNT": "1",
            "PAKTA_INSTANCE_PATH": str(instance),
        }
        worker_log = folder / "worker.log"
        started = []
        try:
            # The worker warms up (WeasyPrint, fonts) while the nodes start.
            started += start_processes(
                [sys.executable, "-c", "from pakta.cli import main; main()", "worker"],
                1,
                environment,
                worker_log,
            )
            nodes = []
            for name in "ab":
                log = folder / f"node-{name}.log"
                nodes.append(gunicorn("wsgi:app", environment, free_port(), 2, log))
                started.append(nodes[-1].process)
            yield Site(
                app,
                (nodes[0].port, nodes[1].port),
                worker_log,
                environment,
                apel_id,
                tokens,
                numbers,
                employee_ids,
            )
        finally:
            for process in started:
                stop_process(process)
            queue.stop()
            database(app).engine.dispose()


@pytest.fixture(autouse=True)
def _close_browsers(request) -> Iterator[None]:
    yield
    if "site" in request.fixturenames:
        request.getfixturevalue("site").close_browsers()
