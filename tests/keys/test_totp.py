"""The key that seals TOTP secrets: AES-256-GCM bound to the account, a versioned format,
a key file made private, and clear errors for a missing, damaged or wrong key."""

import stat

import pytest

from pakta.keys import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def keyring() -> totp.Keyring:
    return totp.Keyring((totp.new_key(),))


def test_a_sealed_secret_opens_for_its_account_and_does_not_hold_the_secret(keyring):
    sealed = keyring.seal(SECRET, 7)
    assert sealed.startswith(f"v1${keyring.active_id}$")
    assert SECRET not in sealed
    assert keyring.open(sealed, 7) == SECRET
    # A new nonce each time: the same secret never seals to the same text.
    assert keyring.seal(SECRET, 7) != sealed


def test_a_secret_sealed_for_one_account_does_not_open_for_another(keyring):
    with pytest.raises(totp.SealError):
        keyring.open(keyring.seal(SECRET, 7), 8)


def test_a_damaged_or_clear_secret_is_refused(keyring):
    sealed = keyring.seal(SECRET, 7)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    for value in (flipped, SECRET, "v1$zz$", sealed.rsplit("$", 1)[0] + "$!!"):
        with pytest.raises((totp.SealError, totp.TotpKeyError)):
            keyring.open(value, 7)


def test_a_secret_sealed_under_another_key_names_the_key_it_needs(keyring):
    other = totp.Keyring((totp.new_key(),))
    with pytest.raises(totp.TotpKeyError, match=other.active_id):
        keyring.open(other.seal(SECRET, 7), 7)


def test_the_keys_after_the_first_still_open_and_reseal_moves_to_the_first(keyring):
    old = keyring.seal(SECRET, 7)
    rotated = totp.Keyring((totp.new_key(), *keyring.keys))
    assert rotated.open(old, 7) == SECRET
    moved = rotated.reseal(old, 7)
    assert totp.sealed_key_id(moved) == rotated.active_id
    assert rotated.reseal(moved, 7) == moved  # already under the first key: unchanged


def test_the_key_file_is_made_once_readable_by_its_owner_alone(tmp_path):
    path = tmp_path / "keys" / "totp-secrets.key"
    made = totp.create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert totp.create(path) == made == totp.load(path)


def test_a_missing_or_damaged_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "totp-secrets.key"
    with pytest.raises(totp.TotpKeyError, match="missing: run `pakta keys init`"):
        totp.load(path)
    path.write_text("not a key\n")
    with pytest.raises(totp.TotpKeyError, match="damaged"):
        totp.load(path)
    path.write_text("")
    with pytest.raises(totp.TotpKeyError, match="holds no key"):
        totp.load(path)


def test_outside_production_the_key_is_made_on_first_use_and_in_production_it_is_not(tmp_path):
    path = tmp_path / "totp-secrets.key"
    with pytest.raises(totp.TotpKeyError, match="missing"):
        totp.keyring_for({"ENV": "production", "TOTP_KEY_FILE": str(path)})
    assert not path.exists()
    made = totp.keyring_for({"ENV": "development", "TOTP_KEY_FILE": str(path)})
    assert totp.keyring_for({"ENV": "production", "TOTP_KEY_FILE": str(path)}) == made
