"""What the whole run logged holds no secret and no full NIP (UU 27/2022; pakta.logmask)."""

import re

import pytest

from tests import logleaks
from tests.conftest import PASSWORD

LEAKS = {
    "a full NIP": re.compile(r"(?<!\d)\d{18}(?!\d)"),
    "a test password": re.compile(re.escape(PASSWORD) + "|rahasia-bsre"),
    "a link token": re.compile(r"/(?:s|impor|roster)/[A-Za-z0-9_-]{8,}|/a/[^/\s]+/[\w-]{8,}"),
    "an API token": re.compile(r"pkt_[A-Za-z0-9_-]{12,}"),
    "a credential": re.compile(
        r"(?:password|verification_code|code|token)['\"]?\s*[:=]\s*['\"]?(?!\*\*\*)\w", re.I
    ),
}


@pytest.mark.after_all
def test_the_logs_of_the_whole_run_hold_no_full_nip_password_code_or_token():
    text = "\n".join(logleaks.collected)
    found = {
        kind: sorted({match.group(0) for match in pattern.finditer(text)})[:5]
        for kind, pattern in LEAKS.items()
    }
    assert {kind: hits for kind, hits in found.items() if hits} == {}
