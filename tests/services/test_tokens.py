"""The signed token in a certificate's QR code: compact, tamper-evident, never crashing.

Every version is tested: v1 (every certificate issued before v2), v2 (issued before v3)
and v3 (issued now: v2 with the certificate's witness copy of the signing log)."""

import base64
import contextlib
import dataclasses
import string
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pakta.keys.certificate import kid_for, raw_public
from pakta.services.certificates import packed_text, tokens

KEY = Ed25519PrivateKey.generate()
KID = kid_for(raw_public(KEY.public_key()))
KEYS = {KID: KEY.public_key()}
CLAIMS = tokens.Claims(
    kid=KID,
    certificate_number="PKT-2024-7Q3M-XK2D",
    campaign="pilkada-2024",
    unit_code="DINKES-P2P",
    signer_name="Budi Santoso, S.Kep.",
    signed_on=date(2024, 9, 2),
)
WITNESSED = dataclasses.replace(
    CLAIMS, log_seq=48_213, log_root_prefix=bytes.fromhex("9f86d081884c7d659a2feaa0")
)
TOKEN = tokens.encode(CLAIMS, KEY, version=1)
TOKEN_V2 = tokens.encode(CLAIMS, KEY)
TOKEN_V3 = tokens.encode(WITNESSED, KEY)
B64URL = string.ascii_letters + string.digits + "-_"
BASE32 = string.ascii_uppercase + "234567"
ALPHABETS = {1: B64URL, 2: BASE32, 3: BASE32}
VERSIONS = pytest.mark.parametrize("version", [1, 2])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def spell(data: bytes, version: int) -> str:
    """Bytes spelled as a token of ``version`` is."""
    return b64url(data) if version == 1 else b32(data)


def raw(token: str) -> bytes:
    if tokens.version_of(token) == 1:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return base64.b32decode(token + "=" * (-len(token) % 8))


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= 255


fields = st.text(max_size=80).filter(fits)


@VERSIONS
@settings(max_examples=200)
@given(
    certificate_number=fields,
    campaign=fields,
    unit_code=fields,
    signer_name=fields,
    signed_on=st.dates(min_value=tokens.EPOCH, max_value=tokens.EPOCH + timedelta(days=65535)),
)
def test_a_token_round_trips_to_exactly_the_claims_it_was_made_from(
    version, certificate_number, campaign, unit_code, signer_name, signed_on
):
    claims = tokens.Claims(KID, certificate_number, campaign, unit_code, signer_name, signed_on)
    token = tokens.encode(claims, KEY, version=version)
    # Over-long tokens are a separate matter: see the column-limits test below.
    assume(len(token) <= tokens.MAX_TOKEN_CHARS)
    assert set(token) <= set(ALPHABETS[version])
    assert tokens.version_of(token) == version
    assert tokens.verify(token, KEYS) == claims
    assert tokens.decode(token)[0] == claims


@VERSIONS
@pytest.mark.parametrize("name", ["N" * 255, "é" * 127 + "x"])
def test_a_token_made_from_fields_at_their_column_limits_verifies(version, name):
    claims = tokens.Claims(KID, "P" * 32, "k" * 64, "U" * 64, name, date(2024, 9, 2))
    token = tokens.encode(claims, KEY, version=version)
    assert len(token) <= tokens.MAX_TOKEN_CHARS
    assert tokens.verify(token, KEYS) == claims


@pytest.mark.parametrize("name", ["N" * 255, "é" * 127 + "x"])
def test_a_v3_token_at_the_column_limits_and_the_last_log_position_verifies(name):
    claims = tokens.Claims(
        KID, "P" * 32, "k" * 64, "U" * 64, name, date(2024, 9, 2), 2**32 - 1, b"\xff" * 12
    )
    token = tokens.encode(claims, KEY)
    assert len(token) <= tokens.MAX_TOKEN_CHARS
    assert tokens.verify(token, KEYS) == claims


@pytest.mark.parametrize(
    ("token", "claims"), [(TOKEN, CLAIMS), (TOKEN_V2, CLAIMS), (TOKEN_V3, WITNESSED)]
)
def test_the_example_token_round_trips(token, claims):
    assert tokens.verify(token, KEYS) == claims
    assert tokens.verify(f"  {token}\n", KEYS) == claims  # as pasted


@settings(max_examples=200)
@given(
    signer_name=fields,
    log_seq=st.integers(0, 2**32 - 1),
    log_root_prefix=st.binary(min_size=tokens.ROOT_PREFIX_BYTES, max_size=tokens.ROOT_PREFIX_BYTES),
)
def test_a_v3_token_round_trips_to_its_claims_and_witness_copy(
    signer_name, log_seq, log_root_prefix
):
    claims = dataclasses.replace(
        CLAIMS, signer_name=signer_name, log_seq=log_seq, log_root_prefix=log_root_prefix
    )
    token = tokens.encode(claims, KEY)
    assert set(token) <= set(BASE32) and tokens.version_of(token) == 3
    assert tokens.verify(token, KEYS) == claims


def test_claims_with_a_witness_copy_make_a_v3_token_and_those_without_a_v2_token():
    assert tokens.version_of(TOKEN_V3) == 3 and tokens.version_of(TOKEN_V2) == 2
    assert tokens.version_for(WITNESSED) == tokens.VERSION == 3
    # An older version leaves the copy out, and a v3 token cannot be made without one.
    assert tokens.verify(tokens.encode(WITNESSED, KEY, version=2), KEYS) == CLAIMS
    with pytest.raises(ValueError, match="v3"):
        tokens.encode(CLAIMS, KEY, version=3)
    with pytest.raises(ValueError, match="v3"):
        tokens.encode(dataclasses.replace(WITNESSED, log_root_prefix=b"short"), KEY)


def test_the_witness_copy_costs_a_v3_token_at_most_27_characters_over_v2():
    assert len(TOKEN_V3) - len(TOKEN_V2) <= 27


@pytest.mark.parametrize(
    "change", [{"log_seq": 48_214}, {"log_root_prefix": bytes.fromhex("9f86d081884c7d659a2feaa1")}]
)
def test_the_witness_copy_is_bound_to_the_signature(change):
    claims, _message, signature = tokens.decode(TOKEN_V3)
    other_body = tokens.payload(dataclasses.replace(claims, **change))
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(b32(other_body + signature), KEYS)


def test_a_v3_body_under_v2_labels_and_a_v2_body_under_v3_labels_are_rejected():
    v3_body = tokens.payload(WITNESSED)
    v2_body = tokens.payload(CLAIMS, 2)
    for forged in (
        v3_body + KEY.sign(tokens.DOMAINS[2] + v3_body),
        bytes([2]) + v3_body[1:] + KEY.sign(tokens.DOMAINS[2] + bytes([2]) + v3_body[1:]),
        bytes([3]) + v2_body[1:] + KEY.sign(tokens.DOMAINS[3] + bytes([3]) + v2_body[1:]),
    ):
        with pytest.raises(tokens.TokenError):
            tokens.verify(b32(forged), KEYS)


def test_a_v2_token_is_upper_case_base32_and_shorter_in_a_qr_code_than_v1():
    assert set(TOKEN_V2) <= set(BASE32) and tokens.version_of(TOKEN_V2) == 2
    assert tokens.version_of(TOKEN) == 1
    # Alphanumeric mode spends 5.5 bits a character, byte mode 8.
    assert len(TOKEN_V2) * 5.5 < len(TOKEN) * 8 * 0.8


def test_v2_packs_numbers_slugs_codes_and_plain_names_into_fewer_bytes_than_v1():
    assert len(tokens.payload(CLAIMS)) < len(tokens.payload(CLAIMS, version=1)) - 10


@pytest.mark.parametrize("text", ["/v/{t}", "/V/{t}", "https://h/v/{t}?x=1", "HTTPS://H/V/{t}"])
@pytest.mark.parametrize("token", [TOKEN, TOKEN_V2, TOKEN_V3])
def test_the_token_is_found_in_a_verification_link_of_either_case(text, token):
    assert tokens.from_text(text.format(t=token)) == token
    assert tokens.from_text(f" {token}\n") == token


@pytest.mark.parametrize("version", [1, 2])
def test_a_body_signed_under_the_other_versions_domain_label_is_rejected(version):
    body = tokens.payload(CLAIMS, version)
    other = tokens.DOMAINS[3 - version]
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(spell(body + KEY.sign(other + body), version), KEYS)


def test_a_v2_body_under_a_v1_version_byte_is_rejected():
    body = tokens.payload(CLAIMS)
    relabelled = bytes([1]) + body[1:]
    for version in (1, 2):
        with pytest.raises(tokens.TokenError):
            tokens.verify(
                spell(relabelled + KEY.sign(tokens.DOMAINS[1] + relabelled), version), KEYS
            )


@pytest.mark.parametrize("token", [TOKEN, TOKEN_V2, TOKEN_V3])
@settings(max_examples=500)
@given(
    position=st.integers(0, min(len(TOKEN), len(TOKEN_V2)) - 1),
    replacement=st.one_of(st.sampled_from(B64URL + "+/=.~ "), st.characters()),
)
def test_changing_any_single_character_of_a_token_makes_it_fail_verification(
    token, position, replacement
):
    if token[position] == replacement:
        replacement = "A" if token[position] != "A" else "B"
    changed = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(tokens.TokenError):
        tokens.verify(changed, KEYS)


@pytest.mark.parametrize("token", [TOKEN, TOKEN_V2, TOKEN_V3])
def test_no_single_character_change_anywhere_verifies(token):
    """Exhaustive over positions and both alphabets (hypothesis samples; this covers all)."""
    for position, original in enumerate(token):
        for replacement in B64URL:
            if replacement == original:
                continue
            changed = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(tokens.TokenError):
                tokens.verify(changed, KEYS)


@VERSIONS
def test_the_last_character_has_no_spare_bits_that_could_be_changed_unnoticed(version):
    # base64 and base32 of a length that is not a multiple of 3 (5) bytes leave low bits
    # unused in the last character; a lenient decoder reads several strings as the same bytes.
    for signer_name in ("A", "AB", "ABC", "ABCD", "ABCDE", "ABCDEF"):
        claims = tokens.Claims(KID, "N", "c", "U", signer_name, date(2024, 9, 2))
        token = tokens.encode(claims, KEY, version=version)
        variants = [token[:-1] + c for c in ALPHABETS[version] if c != token[-1]]
        assert all(_fails(variant) for variant in variants), token


def test_standard_base64_characters_are_not_accepted_in_place_of_url_safe_ones():
    # '+' and '/' decode to the same bytes as '-' and '_' in a lenient decoder.
    claims = next(
        c
        for c in (
            tokens.Claims(KID, f"N{i}", "c", "U", "Nama", date(2024, 9, 2)) for i in range(500)
        )
        if "-" in tokens.encode(c, KEY, version=1) or "_" in tokens.encode(c, KEY, version=1)
    )
    token = tokens.encode(claims, KEY, version=1)
    standard = token.replace("-", "+").replace("_", "/")
    assert standard != token
    with pytest.raises(tokens.TokenError):
        tokens.verify(standard, KEYS)


def _fails(token: str) -> bool:
    try:
        tokens.verify(token, KEYS)
    except tokens.TokenError:
        return True
    return False


@pytest.mark.parametrize("token", [TOKEN, TOKEN_V2, TOKEN_V3])
def test_every_truncation_of_a_token_is_rejected(token):
    for length in range(len(token)):
        with pytest.raises(tokens.TokenError):
            tokens.verify(token[:length], KEYS)
    # Cutting bytes out of the signed body, not just the end, is rejected too.
    data = raw(token)
    for cut in range(1, len(data) - 1):
        with pytest.raises(tokens.TokenError):
            tokens.verify(spell(data[:cut] + data[cut + 1 :], tokens.version_of(token)), KEYS)


@pytest.mark.parametrize("token", [TOKEN, TOKEN_V2, TOKEN_V3])
def test_a_token_signed_with_an_unknown_key_id_is_rejected(token):
    with pytest.raises(tokens.TokenError, match="unknown key"):
        tokens.verify(token, {})
    other = Ed25519PrivateKey.generate()
    with pytest.raises(tokens.TokenError, match="unknown key"):
        tokens.verify(token, {kid_for(raw_public(other.public_key())): other.public_key()})


@VERSIONS
def test_a_token_signed_by_another_key_under_our_key_id_decodes_but_fails_verification(version):
    forger = Ed25519PrivateKey.generate()
    forged = tokens.encode(
        CLAIMS, forger, version=version
    )  # claims our kid, signed with the forger's key
    claims, _body, _signature = tokens.decode(forged)
    assert claims == CLAIMS  # decoding alone proves nothing
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(forged, KEYS)


@VERSIONS
def test_a_signature_over_the_payload_without_the_domain_label_is_rejected(version):
    body = tokens.payload(CLAIMS, version)
    bare = spell(body + KEY.sign(body), version)
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(bare, KEYS)


@VERSIONS
@pytest.mark.parametrize(
    "change",
    [
        {"signer_name": "Siti Aminah, S.Pd."},
        {"certificate_number": "PI24-7K3M-Q9XE"},
        {"campaign": "pilkada-2029"},
        {"unit_code": "DINKES-P2Q"},
        {"signed_on": date(2024, 9, 3)},
        {"kid": "00000000"},
    ],
)
def test_every_claim_is_bound_to_the_signature(version, change):
    # The same signature with another name (or any other claim) in the body: a copied QR.
    claims, message, signature = tokens.decode(tokens.encode(CLAIMS, KEY, version=version))
    other_body = tokens.payload(tokens.Claims(**{**claims.__dict__, **change}), version)
    with pytest.raises(tokens.TokenError, match="signature|unknown key"):
        tokens.verify(spell(other_body + signature, version), KEYS)
    assert message != tokens.DOMAINS[version] + other_body


@settings(max_examples=500)
@given(st.text(max_size=700))
def test_random_text_raises_nothing_but_token_error(text):
    with pytest.raises(tokens.TokenError):
        tokens.verify(text, KEYS)


@VERSIONS
@settings(max_examples=500)
@given(st.binary(max_size=430))
def test_random_bytes_as_a_token_raise_nothing_but_token_error(version, data):
    with pytest.raises(tokens.TokenError):
        tokens.verify(spell(data, version), KEYS)


@pytest.mark.parametrize("version", [1, 2, 3])
@settings(max_examples=500)
@given(st.binary(max_size=400), st.sampled_from(["", "kid", "kid-days-alphabets"]))
def test_random_bodies_behind_a_valid_header_never_crash_the_parser(version, data, header):
    prefix = {
        "": b"",
        "kid": bytes([version]) + bytes.fromhex(KID),
        "kid-days-alphabets": bytes([version]) + bytes.fromhex(KID) + b"\x22\x22\xe7",
    }[header]
    token = spell(prefix + data, version)
    with contextlib.suppress(tokens.TokenError):
        tokens.decode(token)  # may parse; must not crash
    with pytest.raises(tokens.TokenError):
        tokens.verify(token, KEYS)


@settings(max_examples=300)
@given(st.binary(max_size=450))
def test_random_bytes_read_as_text_raise_nothing_but_token_error(data):
    with pytest.raises(tokens.TokenError):
        tokens.verify(data.decode("latin-1"), KEYS)


def test_an_overlong_token_is_rejected_before_decoding():
    with pytest.raises(tokens.TokenError):
        tokens.verify("A" * (tokens.MAX_TOKEN_CHARS + 1), KEYS)


@pytest.mark.parametrize(
    "name",
    [
        "é" * 200,  # 2-byte characters: byte 255 falls inside one
        "a" + "€" * 100,  # 3-byte characters
        "Nur" + "🙂" * 80,  # 4-byte characters
        "x" * 300,
    ],
)
@VERSIONS
def test_a_name_over_255_bytes_is_cut_on_a_character_boundary(version, name):
    claims = tokens.Claims(KID, "N1", "c", "U", name, date(2024, 9, 2))
    token = tokens.encode(claims, KEY, version=version)
    cut = tokens.verify(token, KEYS).signer_name
    assert name.startswith(cut)
    assert len(cut.encode("utf-8")) <= 255
    # The longest prefix that fits: nothing more was dropped than the partial character.
    assert len(name[: len(cut) + 1].encode("utf-8")) > 255


@settings(max_examples=200)
@given(st.text(min_size=64, max_size=300).filter(lambda t: len(t.encode("utf-8")) > 255))
def test_any_name_over_255_bytes_keeps_its_longest_whole_character_prefix(name):
    token = tokens.encode(tokens.Claims(KID, "N1", "c", "U", name, date(2024, 9, 2)), KEY)
    assume(not set(name) <= set(packed_text.ALPHABETS[3]))  # packed names are not cut
    cut = tokens.verify(token, KEYS).signer_name
    assert name.startswith(cut)
    assert len(cut.encode("utf-8")) <= 255 < len(name[: len(cut) + 1].encode("utf-8"))
