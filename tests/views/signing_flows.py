"""A signer's requests through a personal link, and a guesser's, for the rate-limit tests.

Run as ``python -m tests.views.signing_flows`` it is a second app process: it reads a JSON
job on standard input (the app's settings, links to sign, unknown tokens to try) and
prints the status codes it got as JSON.
"""

import json
import sys

from pakta.services import links
from tests.conftest import add_people

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}
ALL_POINTS = {"points": ["1", "2", "3", "4"]}


def add_signers(session, unit, campaign, count: int) -> list[tuple[str, str]]:
    """``count`` employees of ``unit`` with their links: (token, name) each; commits."""
    add_people(session, unit, count, 0, campaign, "RL", email=False)
    rows = links.export_rows(session, campaign, None, None)
    session.commit()
    return [(row.token, row.name) for row in rows]


def sign_through_link(client, token: str, name: str, address=OFFICE) -> list[int]:
    """The three requests of one signature: the form, the post, the done page."""
    form = client.get(f"/s/{token}", environ_base=address)
    posted = client.post(
        f"/s/{token}", data={"typed_name": name, **ALL_POINTS}, environ_base=address
    )
    done = client.get(f"/s/{token}", environ_base=address)
    return [form.status_code, posted.status_code, done.status_code]


def guess(client, count: int, address=OFFICE, start: int = 0) -> list[int]:
    """``count`` tries of unknown link tokens; their status codes."""
    return [
        client.get(f"/s/unknown-token-{start + n}", environ_base=address).status_code
        for n in range(count)
    ]


def main() -> None:
    from pakta import create_app, jobs

    job = json.load(sys.stdin)
    # The done page asks for a certificate; this process measures requests, not PDFs.
    jobs.enqueue_certificate = lambda app, signature_id: None
    client = create_app(job["config"]).test_client()
    json.dump(
        {
            "signing": [sign_through_link(client, token, name) for token, name in job["signers"]],
            "guesses": guess(client, job["guesses"], start=job.get("start", 0)),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
