"""The browser's offline check (pakta/static/js/verify-offline.js), run under Node.

Node 20 and later have WebCrypto Ed25519, as browsers do; the script is the one the
/verify page loads, required as a CommonJS module. Skipped when node is absent.
"""

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from pakta.keys import certificate as certificate_keys
from pakta.services.certificates import issuing, tokens

SCRIPT = Path(__file__).resolve().parents[2] / "pakta" / "static" / "js" / "verify-offline.js"
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALPHABETS = {1: B64URL, 2: BASE32, 3: BASE32}
VERSIONS = pytest.mark.parametrize("version", [1, 2, 3], ids=["token-v1", "token-v2", "token-v3"])

# Reads {"keys": [...], "cases": [{"token": ..., "input"?: ...}]} from stdin and prints,
# for each case, what the page would conclude.
RUNNER = r"""
const offline = require(process.argv[2]);
const subtle = globalThis.crypto && globalThis.crypto.subtle;
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { keys, cases } = JSON.parse(input);
  const out = [];
  for (const item of cases) {
    const token = item.input !== undefined ? offline.tokenFrom(item.input) : item.token;
    try {
      const result = await offline.verify(token, keys, subtle);
      out.push({ token, ok: result.ok, reason: result.reason, claims: result.claims });
    } catch (error) {
      out.push({ token, ok: false, reason: "error", error: String(error) });
    }
  }
  process.stdout.write(JSON.stringify(out));
});
"""

PROBE = r"""
const subtle = globalThis.crypto && globalThis.crypto.subtle;
if (!subtle) { console.log("no WebCrypto"); process.exit(3); }
subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])
  .then(() => process.exit(0))
  .catch((e) => { console.log(String(e)); process.exit(3); });
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed (apt-get install nodejs): the offline check is untested")
    probe = subprocess.run(
        [path, "-e", PROBE], capture_output=True, text=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"this node has no WebCrypto Ed25519 (needs Node 20+): {probe.stdout.strip()}")
    return path


@pytest.fixture(scope="module")
def runner_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("js") / "run-verify-offline.js"
    path.write_text(RUNNER)
    return path


@pytest.fixture
def published(client, signing_key) -> list[dict]:
    return client.get("/.well-known/pakta-keys.json").json["keys"]


@pytest.fixture
def make_token(app, session, signing_key):
    signer = certificate_keys.signer(session, app.instance_path, None)

    def make(
        signer_name="Budi Santoso, S.Kep.", version=tokens.VERSION, **fields
    ) -> tuple[str, tokens.Claims]:
        claims = tokens.Claims(
            kid=signer.kid,
            certificate_number=fields.get("certificate_number", "PKT-2024-7Q3M-XK2D"),
            campaign=fields.get("campaign", "pilkada-2024"),
            unit_code=fields.get("unit_code", "DINKES-P2P"),
            signer_name=signer_name,
            signed_on=fields.get("signed_on", date(2024, 9, 2)),
            # The witness copy is v3's alone; the others leave it out.
            log_seq=fields.get("log_seq", 4_000_000_000) if version == 3 else None,
            log_root_prefix=bytes(range(200, 212)) if version == 3 else None,
        )
        return tokens.encode(claims, signer.private_key, version=version), claims

    return make


def run(node, runner_script, keys, cases) -> list[dict]:
    result = subprocess.run(
        [node, str(runner_script), str(SCRIPT)],
        input=json.dumps({"keys": keys, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def as_js(claims: tokens.Claims) -> dict:
    found = {
        "kid": claims.kid,
        "certificateNumber": claims.certificate_number,
        "campaign": claims.campaign,
        "unitCode": claims.unit_code,
        "signerName": claims.signer_name,
        "signedOn": claims.signed_on.isoformat(),
    }
    if claims.has_witness:
        found |= {"logSeq": claims.log_seq, "logRoot": claims.log_root_prefix.hex()}
    return found


def flip(token: str) -> str:
    position = len(token) // 2
    return token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]


def test_an_issued_certificates_token_verifies_offline_with_the_published_jwk(
    node, runner_script, session, signed, app, published, token_version
):
    issued = issuing.issue(
        session, signed, issuing.Issuer.from_config(app.config, app.instance_path)
    )
    assert tokens.version_of(issued.token) == token_version
    claims = tokens.verify(issued.token, certificate_keys.public_keys(session))
    valid, flipped = run(
        node, runner_script, published, [{"token": issued.token}, {"token": flip(issued.token)}]
    )
    assert valid["ok"] is True, valid
    assert valid["claims"] == as_js(claims)
    assert flipped["ok"] is False, flipped


@VERSIONS
@pytest.mark.parametrize(
    "name",
    ["Budi", "Ni Luh Putu Ayu Saraswati, S.E.", "Nur'aini “Ani” — é€🙂", "é" * 200, "N" * 255, ""],
)
def test_the_parsed_claims_equal_the_python_claims(
    node, runner_script, make_token, published, name, version
):
    token, claims = make_token(
        name, version, signed_on=date(2031, 12, 31), unit_code="dinkes/p2p", campaign="PILKADA"
    )
    [result] = run(node, runner_script, published, [{"token": token}])
    assert result["ok"] is True, result
    assert result["claims"] == as_js(tokens.verify(token, {claims.kid: _key(published)}))


def _key(published):
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    x = published[0]["jwk"]["x"]
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))


@VERSIONS
def test_every_single_character_change_fails_offline(
    node, runner_script, make_token, published, version
):
    token, _claims = make_token(version=version)
    cases = [
        {"token": token[:i] + c + token[i + 1 :]}
        for i in range(len(token))
        for c in B64URL
        if c != token[i]
    ]
    results = run(node, runner_script, published, cases)
    accepted = [r["token"] for r in results if r["ok"]]
    assert accepted == []


@VERSIONS
def test_the_last_character_has_no_spare_bits_offline_either(
    node, runner_script, make_token, published, version
):
    """Python rejects a token spelled any way but the canonical one; so must the page."""
    cases = []
    # Payload lengths in each residue modulo 3 (base64) and 5 (base32).
    for name in ("A", "AB", "ABC", "ABCD", "ABCDE", "ABCDEF"):
        token, _claims = make_token(name + "é", version)  # é: the name stays in UTF-8
        cases += [{"token": token[:-1] + c} for c in ALPHABETS[version] if c != token[-1]]
    results = run(node, runner_script, published, cases)
    accepted = [r["token"] for r in results if r["ok"]]
    assert accepted == []


@VERSIONS
def test_truncated_and_garbage_tokens_fail_offline(
    node, runner_script, make_token, published, version
):
    token, _claims = make_token(version=version)
    cases = [{"token": token[:n]} for n in range(0, len(token), 7)]
    cases += [{"token": t} for t in ["", "garbage", "A" * 700, "<script>", "AAAA" * 30]]
    cases += [{"token": t} for t in ["AI" + "A" * 200, "AE" + "A" * 200, "AIAAAAA" * 30]]
    cases += [{"token": t} for t in ["AM" + "A" * 200, "AMAAAAA" * 30]]  # v3's first byte
    results = run(node, runner_script, published, cases)
    assert [r for r in results if r["ok"]] == []


@VERSIONS
def test_a_key_the_page_does_not_know_is_reported_as_such(
    node, runner_script, make_token, published, version
):
    token, claims = make_token(version=version)
    [result] = run(node, runner_script, [], [{"token": token}])
    assert result["ok"] is False and result["reason"] == "unknown-key"
    assert result["claims"]["kid"] == claims.kid


@VERSIONS
def test_the_address_under_the_qr_code_is_accepted_as_input(
    node, runner_script, make_token, published, app, version
):
    token, _claims = make_token(version=version)
    url = issuing.verification_url(app.config["BASE_URL"], token)
    results = run(
        node,
        runner_script,
        published,
        [{"input": url}, {"input": f"  {url}?utm=x \n"}, {"input": f"{token}#x"}],
    )
    assert [r["ok"] for r in results] == [True, True, True]
    assert {r["token"] for r in results} == {token}
