"""The instance's key files, encrypted with a passphrase for a backup.

The passphrase is stretched with scrypt into an AES-256-GCM key; only the salt, the nonce
and the ciphertext are kept, so a wrong passphrase fails the GCM tag check and nothing is
read.
"""

import base64
import json
import os
import re
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from pakta.files import write_atomic
from pakta.i18n import _l
from pakta.services.backups.errors import BackupError

# scrypt's cost as its documentation recommends for interactive use (about 64 MB, a fraction
# of a second): a backup is made and restored rarely, and the file may be carried anywhere.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1
# Binds the ciphertext to its purpose, so it cannot pass for anything else encrypted alike.
ASSOCIATED_DATA = b"pakta-backup-keys-1"
# Key files are flat, named by Pakta (ed25519-<kid>.pem, seal-key.pem, ...): anything else
# in a backup is refused rather than written outside the keys folder.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MIN_PASSPHRASE = 12


def _derive(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P).derive(
        passphrase.encode()
    )


def read_folder(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def seal(files: dict[str, bytes], passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(
            str(_l("The passphrase must be at least {count} characters.")).format(
                count=MIN_PASSPHRASE
            )
        )
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps({name: base64.b64encode(data).decode() for name, data in files.items()})
    ciphertext = AESGCM(_derive(passphrase, salt)).encrypt(nonce, plain.encode(), ASSOCIATED_DATA)
    return salt + nonce + ciphertext


def open_sealed(sealed: bytes, passphrase: str) -> dict[str, bytes]:
    salt, nonce, ciphertext = sealed[:16], sealed[16:28], sealed[28:]
    try:
        plain = AESGCM(_derive(passphrase, salt)).decrypt(nonce, ciphertext, ASSOCIATED_DATA)
    except InvalidTag:
        raise BackupError(
            _l("The passphrase is wrong (or the backup's keys are damaged): nothing was restored.")
        ) from None
    files = {name: base64.b64decode(data) for name, data in json.loads(plain).items()}
    for name in files:
        if not SAFE_NAME.match(name):
            raise BackupError(
                str(_l("The backup holds a key file with a bad name: {name}")).format(name=name)
            )
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Writes each key file readable by the app alone, each replaced whole or not at all."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, data in files.items():
        write_atomic(folder / name, data, mode=0o600)
