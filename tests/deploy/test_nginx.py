"""deploy/nginx/pakta.conf as shipped, in front of the two nodes of tests/deploy/conftest.py.

The test renders it with its own ports and files (the replacements below, each of which must
match the shipped file once), includes it in a small nginx.conf of a temporary prefix, and
runs Debian's nginx as a child process. Skipped where nginx is not installed.
"""

import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from bench._common import HOST, Browser, free_port
from pakta import ROOT, headers
from pakta.config import DEFAULTS
from pakta.keys import seal
from tests.deploy.conftest import post_form, signing_form

pytestmark = pytest.mark.postgresql

SHIPPED = ROOT / "deploy" / "nginx" / "pakta.conf"
# Another address of the loopback: the signer, which the proxy (127.0.0.1) is not.
SIGNER_ADDRESS = "127.0.0.2"

MAIN = """
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/pakta.conf;
}}
"""


def render(nodes: tuple[int, int], http_port: int, https_port: int, instance: str) -> str:
    key, certificate = seal.seal_paths(instance)  # a self-signed certificate the site has
    replacements = {
        "server 10.0.0.11:8000": f"server {HOST}:{nodes[0]}",
        "server 10.0.0.12:8000": f"server {HOST}:{nodes[1]}",
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl http2;": f"listen {HOST}:{https_port} ssl http2;",
        "/etc/ssl/certs/pakta.pem": str(certificate),
        "/etc/ssl/private/pakta.key": str(key),
        "/opt/pakta/pakta/static/": f"{ROOT}/pakta/static/",
        # Off port 443 a browser's Origin and Referer name the port, and so must the Host
        # the app compares them with (Flask-WTF's check of the Referer over https).
        "proxy_set_header Host $host;": "proxy_set_header Host $host:$server_port;",
        "X-Forwarded-Host $host;": "X-Forwarded-Host $host:$server_port;",
    }
    text = SHIPPED.read_text()
    for shipped, ours in replacements.items():
        assert text.count(shipped) == 1, f"{shipped!r} is not in {SHIPPED} once"
        text = text.replace(shipped, ours)
    return text


def nginx(prefix: Path, *arguments: str) -> list[str]:
    command = ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    return [*command, "-e", str(prefix / "error.log"), *arguments]


@pytest.fixture(scope="module")
def proxy(request, tmp_path_factory):
    """nginx on two free ports (http, https) of 127.0.0.1 in front of the two nodes."""
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx): not tried")
    site = request.getfixturevalue("site")  # started only where nginx can be tried
    prefix = tmp_path_factory.mktemp("nginx")
    prefix.chmod(0o755)  # nginx's workers (nobody, under root) reach their temporary files
    ports = free_port(), free_port()
    instance = site.node_environment["PAKTA_INSTANCE_PATH"]
    (prefix / "pakta.conf").write_text(render(site.node_ports, *ports, instance))
    # Under root nginx's workers would run as nobody, who may not reach the checkout's static
    # files (a fresh clone in a 0700 temporary folder): the test's own user serves them.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix, user=user))
    process = subprocess.Popen(  # noqa: S603 - Debian's nginx, our arguments
        nginx(prefix, "-g", "daemon off;"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not _listening(ports[1]):
            assert process.poll() is None, (prefix / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not listen within 15 s"
            time.sleep(0.1)
        yield prefix, ports
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _listening(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), 0.5).close()
    except OSError:
        return False
    return True


def signers_browser(site, https_port: int) -> Browser:
    """A browser reaching nginx over https from SIGNER_ADDRESS."""
    browser = site.keep(Browser(https_port, timeout=120))
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the site's self-signed test certificate
    browser.connection = http.client.HTTPSConnection(
        HOST, https_port, timeout=120, context=context, source_address=(SIGNER_ADDRESS, 0)
    )
    return browser


def test_nginx_accepts_the_shipped_configuration(proxy):
    prefix, _ports = proxy
    checked = subprocess.run(  # noqa: S603
        nginx(prefix, "-t"), capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_a_signature_through_nginx_records_the_signers_address_and_https(site, proxy):
    _prefix, (_http, https) = proxy
    person = site.person()
    path = f"/s/{site.tokens[person]}"
    phone = signers_browser(site, https)
    # Whatever the client claims is not believed: only the address nginx saw is.
    phone.headers["X-Forwarded-For"] = "203.0.113.9"
    phone.headers["X-Forwarded-Proto"] = "http"
    fields = signing_form(phone, path)
    phone.headers["Referer"] = f"https://{HOST}:{https}{path}"  # as a browser sends it
    assert post_form(phone, path, fields) == 303
    (signature,) = site.signatures_of(person)
    assert (signature.ip_address, signature.request_scheme) == (SIGNER_ADDRESS, "https")


def test_nginx_sends_plain_http_to_https_and_serves_static_files_for_a_year(site, proxy):
    _prefix, (http_port, https) = proxy
    plain = http.client.HTTPConnection(HOST, http_port, timeout=30)
    plain.request("GET", "/s/anything")
    moved = plain.getresponse()
    moved.read()
    plain.close()
    assert moved.status == 301
    assert moved.headers["Location"] == "https://127.0.0.1/s/anything"

    browser = signers_browser(site, https)
    page = browser.get_ok("/masuk").decode()
    stylesheet = re.search(r'href="(/static/([^"?]+\.css)\?v=[^"]+)"', page)
    response, css = browser.exchange("GET", stylesheet.group(1))
    assert response.status == 200
    assert css == (ROOT / "pakta" / "static" / stylesheet.group(2)).read_bytes()
    assert "max-age=31536000" in response.headers["Cache-Control"]
    # nginx serves these itself: the same security headers as the app's answers.
    assert response.headers["Content-Security-Policy"] == headers.CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == headers.HSTS
    assert browser.request("GET", "/healthz")[0] == 200


def test_nginx_takes_a_body_just_over_the_apps_upload_limit_for_the_app_to_refuse():
    """The app's own 413 page is in the user's language; nginx's would not be."""
    size = re.search(r"client_max_body_size (\d+)m;", SHIPPED.read_text()).group(1)
    assert int(size) == DEFAULTS["MAX_UPLOAD_MB"] + 1
