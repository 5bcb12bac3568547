"""The done page while the certificate is made in the background, and its status endpoint.

These run on the suite's rolled-back database, which a worker thread cannot see: the job is
either run inline (``JOBS_EAGER``) or replaced by a recorder, standing for a job that is still
waiting or that died with its process. tests/test_jobs.py runs the real thread and RQ paths.
The progress script itself runs under Node with a stand-in page, clock and server.
"""

import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pakta import jobs
from pakta.db import database
from pakta.models import IssuedCertificate, utcnow
from pakta.services import links
from pakta.services.certificates import jobs as certificate_jobs

SCRIPT = Path(__file__).resolve().parents[2] / "pakta" / "static" / "js" / "certificate-progress.js"


@pytest.fixture
def token(session, signed):
    rows = links.export_rows(session, signed.campaign, None, None)
    session.commit()
    return rows[0].token


@pytest.fixture
def asked(monkeypatch):
    """Records each request for a certificate job instead of running it (a job still
    waiting, or one whose process died before it rendered anything)."""
    calls = []

    def record(app, signature_id):
        calls.append(signature_id)
        return jobs.Enqueued(jobs.certificate_job_id(signature_id), "test", new=True)

    monkeypatch.setattr(jobs, "enqueue_certificate", record)
    return calls


def issued_count(session) -> int:
    return session.scalar(select(func.count()).select_from(IssuedCertificate))


def test_in_eager_mode_the_done_page_issues_the_certificate_and_offers_the_button(
    app, client, session, signed, token, monkeypatch
):
    monkeypatch.setitem(app.config, "JOBS_EAGER", True)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert issued_count(session) == 1
    assert f'class="button primary big" href="/s/{token}/sertifikat.pdf"' in page.text
    assert "data-certificate-progress" not in page.text
    assert "certificate-progress.js" not in page.text


def test_the_done_page_asks_for_the_certificate_and_shows_its_progress(
    client, session, signed, token, asked
):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert asked == [signed.id]
    assert issued_count(session) == 0  # nothing rendered on the way to the page
    assert f'data-status-url="/s/{token}/sertifikat/status"' in page.text
    assert "<progress" in page.text
    assert re.search(r'<script src="/static/js/certificate-progress\.js\?v=\w+" defer>', page.text)
    # Without JavaScript the plain link still gets the PDF.
    assert f'href="/s/{token}/sertifikat.pdf"' in page.text


def test_the_done_page_has_no_inline_script_or_style_for_the_coming_csp(
    client, signed, token, asked
):
    page = client.get(f"/s/{token}").text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.findall(r"\son[a-z]+=|\sstyle=", page) == []


def test_the_status_endpoint_says_not_ready_until_the_job_has_run(
    app, client, session, signed, token, asked
):
    client.get(f"/s/{token}")
    waiting = client.get(f"/s/{token}/sertifikat/status")
    assert waiting.status_code == 200
    assert waiting.mimetype == "application/json"
    assert waiting.headers["Cache-Control"] == "no-store"
    assert waiting.get_json() == {"ready": False, "url": f"/s/{token}/sertifikat.pdf"}

    assert certificate_jobs.issue_certificate(app, signed.id, database(app).sessionmaker)
    ready = client.get(f"/s/{token}/sertifikat/status")
    assert ready.get_json() == {"ready": True, "url": f"/s/{token}/sertifikat.pdf"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_the_status_of_an_unknown_link_is_a_json_404(client, session, units):
    response = client.get("/s/not-a-real-token/sertifikat/status")
    assert response.status_code == 404
    assert response.get_json()["ready"] is False


def test_a_certificate_whose_job_died_is_asked_for_again_and_still_downloads(
    client, session, signed, token, asked
):
    client.get(f"/s/{token}")  # asks; the process then "dies" before rendering
    client.get(f"/s/{token}")  # the next visit asks again: nothing was lost
    assert asked == [signed.id, signed.id]
    assert client.get(f"/s/{token}/sertifikat/status").get_json()["ready"] is False

    download = client.get(f"/s/{token}/sertifikat.pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF")
    assert issued_count(session) == 1
    assert client.get(f"/s/{token}/sertifikat/status").get_json()["ready"] is True
    again = client.get(f"/s/{token}/sertifikat.pdf")
    assert again.data == download.data  # the stored file, not a new rendering

    page = client.get(f"/s/{token}")
    assert asked == [signed.id, signed.id]  # issued: nothing more to ask for
    assert "data-certificate-progress" not in page.text


def test_a_certificate_still_preparing_a_minute_after_signing_is_issued_by_the_status_endpoint(
    client, session, signed, token, asked
):
    client.get(f"/s/{token}")  # asks; the job then gets stuck behind a dead worker
    signed.signed_at = utcnow() - timedelta(seconds=55)
    session.commit()
    assert client.get(f"/s/{token}/sertifikat/status").get_json()["ready"] is False
    assert issued_count(session) == 0

    signed.signed_at = utcnow() - timedelta(seconds=65)
    session.commit()
    status = client.get(f"/s/{token}/sertifikat/status")
    assert status.get_json() == {"ready": True, "url": f"/s/{token}/sertifikat.pdf"}
    assert issued_count(session) == 1
    assert asked == [signed.id]  # issued here, not asked for again


def test_when_issuing_on_the_spot_fails_the_status_says_not_ready_and_the_page_keeps_asking(
    client, session, signed, token, asked, monkeypatch, caplog
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the database is restarting")

    monkeypatch.setattr(certificate_jobs, "issue_certificate", broken)
    signed.signed_at = utcnow() - timedelta(minutes=5)
    session.commit()
    status = client.get(f"/s/{token}/sertifikat/status")
    assert status.status_code == 200
    assert status.get_json()["ready"] is False
    assert "the database is restarting" in caplog.text


def test_the_done_page_still_shows_when_enqueueing_fails(
    app, client, signed, token, monkeypatch, caplog
):
    def unreachable(*_args, **_kwargs):
        raise ConnectionError("no Redis today")

    monkeypatch.setattr(jobs, "_submit_thread", unreachable)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert f'href="/s/{token}/sertifikat.pdf"' in page.text
    assert "no Redis today" in caplog.text


# -- the script, under Node ------------------------------------------------------------

# A stand-in page (just the elements the script touches), clock and server. Reads
# {"answers": [...]} from stdin: each poll gets the next answer ({"status", "body"} or
# "offline"); the last one repeats. Prints what the page shows once the script stops.
RUNNER = r"""
const progress = require(process.argv[2]);
class Element {
  constructor(name, attributes = {}) {
    this.name = name; this.attributes = { ...attributes }; this.hidden = false;
    this.children = []; this.classes = new Set();
    this.classList = { add: (c) => this.classes.add(c) };
  }
  getAttribute(n) { return n in this.attributes ? this.attributes[n] : null; }
  setAttribute(n, v) { this.attributes[n] = String(v); }
  querySelector(selector) {
    const attribute = selector.startsWith("[") ? selector.slice(1, -1) : null;
    const match = (e) => selector === e.name || (attribute !== null && attribute in e.attributes);
    for (const child of this.children) {
      if (match(child)) return child;
      const found = child.querySelector(selector);
      if (found) return found;
    }
    return null;
  }
}
const el = (name, attributes, children = []) => {
  const e = new Element(name, attributes); e.children = children; return e;
};
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { answers } = JSON.parse(input);
  const link = el("a", { href: "/s/T/sertifikat.pdf" });
  const parts = {
    pending: el("div", { "data-pending": "" }),
    ready: el("p", { "data-ready-message": "" }),
    timeout: el("p", { "data-timeout": "" }),
    download: el("p", { "data-download": "" }, [link]),
  };
  parts.ready.hidden = parts.timeout.hidden = true;
  const box = el("div", { "data-status-url": "/s/T/sertifikat/status" }, Object.values(parts));
  let clock = 0, polls = 0, timers = [];
  const requested = [];
  const fetch = (url, options) => {
    requested.push([url, options.cache]);
    const answer = answers[Math.min(polls++, answers.length - 1)];
    if (answer === "offline") return Promise.reject(new TypeError("Failed to fetch"));
    return Promise.resolve({
      ok: answer.status === 200, status: answer.status, json: () => Promise.resolve(answer.body),
    });
  };
  const setTimeout = (fn, ms) => timers.push([clock + ms, fn]);
  const downloadShownAtStart = () => !parts.download.hidden;
  progress.start(box, { fetch, setTimeout, now: () => clock });
  const shownWhileWaiting = downloadShownAtStart();
  while (timers.length) {
    timers.sort((a, b) => a[0] - b[0]);
    const [at, fn] = timers.shift();
    clock = at;
    fn();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
  console.log(JSON.stringify({
    state: box.getAttribute("data-state"), polls, seconds: clock / 1000, requested: requested[0],
    href: link.getAttribute("href"), primary: link.classes.has("primary"),
    shown: Object.fromEntries(Object.entries(parts).map(([k, e]) => [k, !e.hidden])),
    shownWhileWaiting,
  }));
});
"""


def run_script(tmp_path, answers) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the progress script is not run")
    runner = tmp_path / "runner.js"
    runner.write_text(RUNNER)
    finished = subprocess.run(
        [node, str(runner), str(SCRIPT)],
        input=json.dumps({"answers": answers}),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(finished.stdout)


NOT_READY = {"status": 200, "body": {"ready": False, "url": "/s/T/sertifikat.pdf"}}
READY = {"status": 200, "body": {"ready": True, "url": "/s/T/sertifikat.pdf?fresh"}}


def test_the_script_polls_every_one_and_a_half_seconds_and_swaps_in_the_button(tmp_path):
    result = run_script(tmp_path, [NOT_READY, NOT_READY, READY])
    assert result["state"] == "ready"
    assert result["polls"] == 3 and result["seconds"] == 4.5
    assert result["requested"] == ["/s/T/sertifikat/status", "no-store"]
    assert result["shownWhileWaiting"] is False
    assert result["href"] == "/s/T/sertifikat.pdf?fresh" and result["primary"] is True
    assert result["shown"] == {"pending": False, "ready": True, "timeout": False, "download": True}


def test_the_script_keeps_asking_through_errors_and_an_offline_moment(tmp_path):
    busy = {"status": 429, "body": {}}
    result = run_script(tmp_path, ["offline", busy, {"status": 500, "body": {}}, READY])
    assert result["state"] == "ready" and result["polls"] == 4


def test_the_script_gives_up_after_two_minutes_with_try_again_and_the_plain_link(tmp_path):
    result = run_script(tmp_path, [NOT_READY])
    assert result["state"] == "timeout"
    assert result["seconds"] == 120 and result["polls"] == 80
    assert result["shown"] == {"pending": False, "ready": False, "timeout": True, "download": True}
    assert result["href"] == "/s/T/sertifikat.pdf" and result["primary"] is False
