"""The signed token in a certificate's QR code: compact, tamper-evident, never crashing."""

import base64
import contextlib
import string
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pakta.keys.certificate import kid_for, raw_public
from pakta.services.certificates import tokens

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
TOKEN = tokens.encode(CLAIMS, KEY)
B64URL = string.ascii_letters + string.digits + "-_"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= 255


fields = st.text(max_size=80).filter(fits)


@settings(max_examples=200)
@given(
    certificate_number=fields,
    campaign=fields,
    unit_code=fields,
    signer_name=fields,
    signed_on=st.dates(min_value=tokens.EPOCH, max_value=tokens.EPOCH + timedelta(days=65535)),
)
def test_a_token_round_trips_to_exactly_the_claims_it_was_made_from(
    certificate_number, campaign, unit_code, signer_name, signed_on
):
    claims = tokens.Claims(KID, certificate_number, campaign, unit_code, signer_name, signed_on)
    token = tokens.encode(claims, KEY)
    # Over-long tokens are a separate matter: see the column-limits test below.
    assume(len(token) <= tokens.MAX_TOKEN_CHARS)
    assert set(token) <= set(B64URL)
    assert tokens.verify(token, KEYS) == claims
    assert tokens.decode(token)[0] == claims


def test_a_token_made_from_fields_at_their_column_limits_verifies():
    claims = tokens.Claims(KID, "PI24-7K3M-Q9XD", "k" * 64, "U" * 64, "N" * 255, date(2024, 9, 2))
    assert tokens.verify(tokens.encode(claims, KEY), KEYS) == claims


def test_the_example_token_round_trips():
    assert tokens.verify(TOKEN, KEYS) == CLAIMS
    assert tokens.verify(f"  {TOKEN}\n", KEYS) == CLAIMS  # as pasted


@settings(max_examples=500)
@given(
    position=st.integers(0, len(TOKEN) - 1),
    replacement=st.one_of(st.sampled_from(B64URL + "+/=.~ "), st.characters()),
)
def test_changing_any_single_character_of_a_token_makes_it_fail_verification(position, replacement):
    if TOKEN[position] == replacement:
        replacement = "A" if TOKEN[position] != "A" else "B"
    changed = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    with pytest.raises(tokens.TokenError):
        tokens.verify(changed, KEYS)


def test_no_single_base64url_character_change_anywhere_verifies():
    """Exhaustive over positions and the alphabet (hypothesis samples; this covers all)."""
    for position, original in enumerate(TOKEN):
        for replacement in B64URL:
            if replacement == original:
                continue
            changed = TOKEN[:position] + replacement + TOKEN[position + 1 :]
            with pytest.raises(tokens.TokenError):
                tokens.verify(changed, KEYS)


def test_the_last_character_has_no_spare_bits_that_could_be_changed_unnoticed():
    # base64 of a length that is not a multiple of 3 leaves low bits unused in the last
    # character; a lenient decoder reads several different strings as the same bytes.
    for signer_name in ("A", "AB", "ABC"):
        claims = tokens.Claims(KID, "N", "c", "U", signer_name, date(2024, 9, 2))
        token = tokens.encode(claims, KEY)
        variants = [token[:-1] + c for c in B64URL if c != token[-1]]
        assert all(_fails(variant) for variant in variants), token


def test_standard_base64_characters_are_not_accepted_in_place_of_url_safe_ones():
    # '+' and '/' decode to the same bytes as '-' and '_' in a lenient decoder.
    claims = next(
        c
        for c in (
            tokens.Claims(KID, f"N{i}", "c", "U", "Nama", date(2024, 9, 2)) for i in range(500)
        )
        if "-" in tokens.encode(c, KEY) or "_" in tokens.encode(c, KEY)
    )
    token = tokens.encode(claims, KEY)
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


def test_every_truncation_of_a_token_is_rejected():
    for length in range(len(TOKEN)):
        with pytest.raises(tokens.TokenError):
            tokens.verify(TOKEN[:length], KEYS)
    # Cutting bytes out of the signed body, not just the end, is rejected too.
    raw = base64.urlsafe_b64decode(TOKEN + "=" * (-len(TOKEN) % 4))
    for cut in range(1, len(raw) - 1):
        with pytest.raises(tokens.TokenError):
            tokens.verify(b64url(raw[:cut] + raw[cut + 1 :]), KEYS)


def test_a_token_signed_with_an_unknown_key_id_is_rejected():
    with pytest.raises(tokens.TokenError, match="unknown key"):
        tokens.verify(TOKEN, {})
    other = Ed25519PrivateKey.generate()
    with pytest.raises(tokens.TokenError, match="unknown key"):
        tokens.verify(TOKEN, {kid_for(raw_public(other.public_key())): other.public_key()})


def test_a_token_signed_by_another_key_under_our_key_id_decodes_but_fails_verification():
    forger = Ed25519PrivateKey.generate()
    forged = tokens.encode(CLAIMS, forger)  # claims our kid, signed with the forger's key
    claims, _body, _signature = tokens.decode(forged)
    assert claims == CLAIMS  # decoding alone proves nothing
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(forged, KEYS)


def test_a_signature_over_the_payload_without_the_domain_label_is_rejected():
    body = tokens.payload(CLAIMS)
    bare = b64url(body + KEY.sign(body))
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(bare, KEYS)


def test_claims_are_bound_to_the_signature():
    # The same signature with another name in the body: the copied-QR case.
    claims, body, signature = tokens.decode(TOKEN)
    other_body = tokens.payload(
        tokens.Claims(**{**claims.__dict__, "signer_name": "Siti Aminah, S.Pd."})
    )
    with pytest.raises(tokens.TokenError, match="signature"):
        tokens.verify(b64url(other_body + signature), KEYS)
    assert body != other_body


@settings(max_examples=500)
@given(st.text(max_size=700))
def test_random_text_raises_nothing_but_token_error(text):
    with pytest.raises(tokens.TokenError):
        tokens.verify(text, KEYS)


@settings(max_examples=500)
@given(st.binary(max_size=450))
def test_random_bytes_as_base64url_raise_nothing_but_token_error(data):
    with pytest.raises(tokens.TokenError):
        tokens.verify(b64url(data), KEYS)


@settings(max_examples=500)
@given(st.binary(max_size=400), st.sampled_from([b"", bytes([1]) + bytes.fromhex(KID)]))
def test_random_bodies_behind_a_valid_header_never_crash_the_parser(data, header):
    token = b64url(header + data)
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
def test_a_name_over_255_bytes_is_cut_on_a_character_boundary(name):
    token = tokens.encode(tokens.Claims(KID, "N1", "c", "U", name, date(2024, 9, 2)), KEY)
    cut = tokens.verify(token, KEYS).signer_name
    assert name.startswith(cut)
    assert len(cut.encode("utf-8")) <= 255
    # The longest prefix that fits: nothing more was dropped than the partial character.
    assert len(name[: len(cut) + 1].encode("utf-8")) > 255


@settings(max_examples=200)
@given(st.text(min_size=64, max_size=300).filter(lambda t: len(t.encode("utf-8")) > 255))
def test_any_name_over_255_bytes_keeps_its_longest_whole_character_prefix(name):
    token = tokens.encode(tokens.Claims(KID, "N1", "c", "U", name, date(2024, 9, 2)), KEY)
    cut = tokens.verify(token, KEYS).signer_name
    assert name.startswith(cut)
    assert len(cut.encode("utf-8")) <= 255 < len(name[: len(cut) + 1].encode("utf-8"))
