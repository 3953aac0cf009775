"""Secrets at rest and user passwords.

Secrets (provider passwords, cephx keys) are encrypted with Fernet (``cryptography``) under a
key generated on first run into the engine's state directory (mode 0600). User passwords are
stored as werkzeug's salted scrypt hashes.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from werkzeug.security import check_password_hash, generate_password_hash


class SecretBox:
    """Encrypts and decrypts the engine's (and its plugins') secrets."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def from_key_file(cls, path: Path) -> SecretBox:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as error:
            raise ValueError("a stored secret does not decrypt with this engine's key") from error

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
