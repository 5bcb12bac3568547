"""The load generator: virtual signers on keep-alive connections, closed-loop or paced.

* ``closed_loop``: N signers sign one after the other without pause, for capacity (how many
  signatures a second the server gives when it is never idle).
* ``paced``: signers arrive at a fixed rate whether or not the server keeps up (an open
  loop), and each one's latency runs from its scheduled arrival, so that time spent waiting
  for a free connection or a free gunicorn worker counts, as it does for a person.

Every signer does the flow of a phone: GET the link's form (its CSRF token and session
cookie), POST it with a drawn PNG as a data: URL, expect a 303 to the same link and follow it
to the done page, which shows the certificate number. Anything else is an error.
"""

import io
import itertools
import random
import re
import threading
import time
import urllib.parse
from base64 import b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from PIL import Image

from bench._common import HOST as HOST  # the tests reach the servers there
from bench._common import Browser, hidden_value
from pakta.services import demo

USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36 pakta-bench"
)
T = TypeVar("T")
_CERTIFICATE = re.compile(r'class="certificate-number">\s*([^<\s]+)\s*<')


def certificate_number(page: str) -> str | None:
    """The certificate number a done page shows, or None on any other page."""
    found = _CERTIFICATE.search(page)
    return found.group(1) if found else None


def signature_data_url() -> str:
    """A drawn signature as a phone's canvas.toDataURL("image/png") sends it (RGBA)."""
    with Image.open(io.BytesIO(demo.signature_png(3))) as drawn:
        out = io.BytesIO()
        drawn.convert("RGBA").save(out, "PNG", compress_level=6)
    return "data:image/png;base64," + b64encode(out.getvalue()).decode()


class Tokens:
    """Hands each unused token out once, to whichever virtual signer asks first."""

    def __init__(self, tokens: list[str]):
        self._tokens = iter(tokens)
        self._lock = threading.Lock()
        self.used = 0

    def take(self) -> str | None:
        with self._lock:
            token = next(self._tokens, None)
            self.used += token is not None
            return token


@dataclass
class Tally:
    """What a phase's signers saw: latencies (ms) of acknowledged signatures, errors."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # token -> certificate shown
    done_at: list[float] = field(default_factory=list)  # clock when each flow ended
    post_ms: list[float] = field(default_factory=list)
    flow_ms: list[float] = field(default_factory=list)  # from arrival (paced) or first GET
    errors: list[str] = field(default_factory=list)

    def merge(self, other: "Tally") -> None:
        self.acknowledged.update(other.acknowledged)
        self.done_at += other.done_at
        self.post_ms += other.post_ms
        self.flow_ms += other.flow_ms
        self.errors += other.errors


class Client(Browser):
    """One signer's phone: a keep-alive connection and a cookie jar (``Browser``), whose
    requests answer the whole response (the bench reads its Location)."""

    user_agent = USER_AGENT

    def request(self, method: str, path: str, body: str | None = None):
        return self.exchange(method, path, body)


def sign_once(client: Client, path: str, png_url: str, tally: Tally, arrival: float) -> bool:
    """One signer at ``path`` who arrived at ``arrival`` (time.monotonic); True once the done
    page showed the certificate number, else the reason is in ``tally.errors``."""
    client.cookies.clear()  # a new person on a new phone
    response, data = client.request("GET", path)
    page = data.decode("utf-8", "replace")
    csrf_token = hidden_value(page, "csrf_token")
    if response.status != 200 or not csrf_token:
        tally.errors.append(f"GET {response.status}{'' if csrf_token else ' without csrf_token'}")
        return False
    fields = [("csrf_token", csrf_token)]
    submission_id = hidden_value(page, "submission_id")
    if submission_id:
        fields.append(("submission_id", submission_id))
    fields += [("points", str(n)) for n in range(1, 5)]
    fields += [("signature", png_url), ("typed_name", "")]
    posting = time.monotonic()
    response, _data = client.request("POST", path, urllib.parse.urlencode(fields))
    posted = time.monotonic()
    location = response.headers.get("Location", "")
    if response.status != 303 or urllib.parse.urlsplit(location).path != path:
        tally.errors.append(f"POST {response.status} {location}".strip())
        return False
    token = path.rsplit("/", 1)[1]
    tally.acknowledged[token] = ""  # acknowledged from here on, whatever follows
    response, data = client.request("GET", path)
    finished = time.monotonic()
    certificate = certificate_number(data.decode("utf-8", "replace"))
    if response.status != 200 or certificate is None:
        tally.errors.append(f"done page {response.status} without a certificate number")
        return False
    tally.acknowledged[token] = certificate
    tally.done_at.append(finished)
    tally.post_ms.append((posted - posting) * 1000)
    tally.flow_ms.append((finished - arrival) * 1000)
    return True


Work = Callable[[Client, Tally, float], object]


def signer(tokens: Tokens, prefix: str, png_url: str) -> Work:
    """The work of one signature on the next unused link under ``prefix`` (``/s`` or ``/f``);
    StopIteration when the links ran out."""

    def work(client: Client, tally: Tally, arrival: float):
        token = tokens.take()
        if token is None:
            return StopIteration
        return sign_once(client, f"{prefix}/{token}", png_url, tally, arrival)

    return work


def _attempt(work: Work, client: Client, tally: Tally, arrival: float):
    try:
        return work(client, tally, arrival)
    except Exception as error:  # a timeout, a reset: counted, and on we go
        tally.errors.append(f"{type(error).__name__}: {error}"[:160])
        return None


def closed_loop(concurrency: int, seconds: float, work: Work, port: int, timeout: float) -> Tally:
    """``concurrency`` signers, each starting the next flow as soon as one ends."""
    until = time.monotonic() + seconds

    def loop(client: Client, tally: Tally) -> None:
        time.sleep(random.uniform(0, 0.05))  # not all in step on the first request
        while time.monotonic() < until:
            if _attempt(work, client, tally, time.monotonic()) is StopIteration:
                return

    return _run_threads(concurrency, loop, port, timeout, seconds + timeout * 3 + 5)


def paced(
    rate: float,
    count: int,
    work: Work,
    make_client: Callable[[], Client],
    pool: int,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Tally:
    """``count`` signers arriving ``rate`` a second, on at most ``pool`` connections.

    Arrival i is due at start + i / rate. The next free connection takes it, waits for its
    time if it is early, and its latency runs from that time: a late start (every connection
    busy, the server behind) counts, as the wait does for a person in the queue.
    """
    start = clock() + 0.1
    arrivals = itertools.count()
    lock = threading.Lock()
    tallies = [Tally() for _ in range(pool)]

    def loop(tally: Tally) -> None:
        client = make_client()
        try:
            while True:
                with lock:
                    index = next(arrivals)
                if index >= count:
                    return
                due = start + index / rate
                if due > clock():
                    sleep(due - clock())
                if _attempt(work, client, tally, due) is StopIteration:
                    return
        finally:
            client.close()

    threads = [threading.Thread(target=loop, args=(t,), daemon=True) for t in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = Tally()
    for tally in tallies:
        merged.merge(tally)
    return merged


def in_threads(run: Callable[[T], object], states: list[T], wait: float) -> None:
    """``run(state)`` for each state, each in a thread of its own; raises RuntimeError when
    any is still running ``wait`` seconds later."""
    threads = [threading.Thread(target=run, args=(state,), daemon=True) for state in states]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + wait
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("virtual signers did not stop in time")


def _run_threads(count: int, loop, port: int, timeout: float, wait: float) -> Tally:
    tallies = [Tally() for _ in range(count)]

    def run(tally: Tally) -> None:
        client = Client(port, timeout)
        try:
            loop(client, tally)
        finally:
            client.close()

    in_threads(run, tallies, wait)
    merged = Tally()
    for tally in tallies:
        merged.merge(tally)
    return merged
