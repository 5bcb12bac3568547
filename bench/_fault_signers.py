"""Phones that keep signing while servers fail (bench/faults.py).

Each virtual signer takes the next unused personal link and does what a phone with the
signing page's retry queue (``pakta/static/js/submit-queue.js``) does: GET the form, POST it
with a drawn PNG and the form's submission id, and send the very same entries again after a
503 or a connection error, until it gets the 303 to its done page. An answer the queue would
show instead (a form error, a 500) makes the person reload the link and start over, as a
person would. Every answer is counted by status, and every POST's times are kept, so that
the time signing took to succeed again after each fault can be read from them.

Unlike the queue, which waits as long as ``Retry-After`` says, a phone here waits about
``retry_wait`` seconds: the bench measures when the server can sign again, not a timer.
"""

import random
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from bench._common import hidden_value
from bench.apel import client
from bench.apel.client import Client, Tokens

KEPT_DETAILS = 20  # server errors described in the report; the rest are only counted


@dataclass(frozen=True)
class Post:
    """One POST of a signature: when it was sent and answered, and whether it was stored."""

    sent: float
    answered: float
    acknowledged: bool


@dataclass
class Record:
    """What the signers saw."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # token -> number shown
    posts: list[Post] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # status -> responses
    unavailable_at: list[float] = field(default_factory=list)  # when each 503 came
    connection_errors: Counter = field(default_factory=Counter)  # exception name -> count
    server_errors: list[str] = field(default_factory=list)  # 5xx other than 503, described
    refused: Counter = field(default_factory=Counter)  # other answers the queue would show
    unfinished: int = 0  # flows still retrying when the signers had to stop

    def merge(self, other: "Record") -> None:
        self.acknowledged.update(other.acknowledged)
        self.posts += other.posts
        self.statuses.update(other.statuses)
        self.unavailable_at += other.unavailable_at
        self.connection_errors.update(other.connection_errors)
        self.server_errors += other.server_errors
        self.refused.update(other.refused)
        self.unfinished += other.unfinished

    @property
    def errors_5xx_not_503(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)

    def recovery_s(self, since: float) -> float | None:
        """Seconds from ``since`` until the next signature was stored; None if none was.

        Counted to the first acknowledgement, not to one of a POST sent after ``since``:
        with every phone waiting its turn at a saturated server, that would add a POST's
        queueing time to the recovery, which signing again does not need.
        """
        answered = [p.answered for p in self.posts if p.acknowledged and p.answered >= since]
        return round(min(answered) - since, 2) if answered else None

    def acknowledged_between(self, start: float, end: float) -> int:
        return sum(1 for p in self.posts if p.acknowledged and start <= p.answered <= end)


class GiveUp(Exception):
    """The signer's time is over while it still retries."""


class Phone:
    """One signer's phone: a ``Client`` whose every answer goes into ``record``."""

    def __init__(self, port: int, timeout: float, record: Record, retry_wait: float):
        self.http = Client(port, timeout)
        self.record = record
        self.retry_wait = retry_wait

    def send(self, method: str, path: str, body: str | None = None):
        """(status, Location, page), or None when the connection failed."""
        try:
            response, data = self.http.request(method, path, body)
        except Exception as error:  # refused, reset, timed out: the phone tries again
            self.record.connection_errors[type(error).__name__] += 1
            return None
        self.record.statuses[response.status] += 1
        if response.status == 503:
            self.record.unavailable_at.append(time.monotonic())
        elif response.status >= 500 and len(self.record.server_errors) < KEPT_DETAILS:
            self.record.server_errors.append(f"{method} {path} {response.status}")
        page = data.decode("utf-8", "replace")
        return response.status, response.headers.get("Location", ""), page

    def pause(self, give_up_at: float) -> None:
        if time.monotonic() >= give_up_at:
            raise GiveUp
        time.sleep(self.retry_wait * random.uniform(0.5, 1.5))

    def sign(self, path: str, png_url: str, give_up_at: float) -> None:
        """Sign at ``path`` until the done page shows the certificate number."""
        token = path.rsplit("/", 1)[1]
        self.http.cookies.clear()  # a new person on a new phone
        while token not in self.record.acknowledged:
            fields = self.open_form(path, token, give_up_at)
            if fields is not None:
                fields += [("signature", png_url), ("typed_name", "")]
                self.post(path, token, fields, give_up_at)
        while not self.record.acknowledged[token]:
            answer = self.send("GET", path)
            number = answer and answer[0] == 200 and client.certificate_number(answer[2])
            if number:
                self.record.acknowledged[token] = number
            else:
                self.pause(give_up_at)

    def open_form(self, path: str, token: str, give_up_at: float) -> list | None:
        """The form's entries as the page would post them; None once the link's done page
        answered instead (an earlier POST was stored)."""
        while True:
            answer = self.send("GET", path)
            if answer is not None and answer[0] == 200:
                status, _location, page = answer
                number = client.certificate_number(page)
                if number:
                    self.record.acknowledged[token] = number
                    return None
                csrf_token = hidden_value(page, "csrf_token")
                if csrf_token:
                    fields = [("csrf_token", csrf_token)]
                    submission_id = hidden_value(page, "submission_id")
                    if submission_id:  # the key that makes a retried POST sign once
                        fields.append(("submission_id", submission_id))
                    return fields + [("points", str(n)) for n in range(1, 5)]
            if answer is not None and answer[0] != 503:
                self.record.refused[f"GET {answer[0]}"] += 1
            self.pause(give_up_at)  # a person reloads the page

    def post(self, path: str, token: str, fields: list, give_up_at: float) -> None:
        """POST the same entries until stored; returns at once after an answer that the
        queue would show (the person reloads the link then)."""
        body = urllib.parse.urlencode(fields)
        while True:
            sent = time.monotonic()
            answer = self.send("POST", path, body)
            stored = (
                answer is not None
                and answer[0] == 303
                and urllib.parse.urlsplit(answer[1]).path == path
            )
            self.record.posts.append(Post(sent, time.monotonic(), stored))
            if stored:
                self.record.acknowledged[token] = ""  # acknowledged, whatever follows
                return
            if answer is not None and answer[0] != 503:
                self.record.refused[f"POST {answer[0]}"] += 1
                return
            self.pause(give_up_at)


def sign_for(
    signers: int,
    seconds: float,
    port: int,
    tokens: Tokens,
    png_url: str,
    *,
    timeout: float = 10.0,
    retry_wait: float = 1.0,
    grace: float = 60.0,
) -> Record:
    """``signers`` phones signing one link after another for ``seconds``; a flow under way
    then may retry ``grace`` seconds more before it counts as unfinished."""
    until = time.monotonic() + seconds
    give_up_at = until + grace
    records = [Record() for _ in range(signers)]

    def run(record: Record) -> None:
        phone = Phone(port, timeout, record, retry_wait)
        try:
            time.sleep(random.uniform(0, 0.2))  # not all in step on the first request
            while time.monotonic() < until:
                token = tokens.take()
                if token is None:
                    return
                try:
                    phone.sign(f"/s/{token}", png_url, give_up_at)
                except GiveUp:
                    record.unfinished += 1
                    return
        finally:
            phone.http.close()

    client.in_threads(run, records, give_up_at + timeout * 3 - time.monotonic())
    merged = Record()
    for record in records:
        merged.merge(record)
    return merged
