"""Encryption at rest for payloads, messages, file names and file contents.

The key comes from ``NIGHTSHIFT_KEY``: one key, or several separated by commas
(the first encrypts, all decrypt — rotate by putting the new key first).
``nightshift keys generate`` makes one. Without ``NIGHTSHIFT_KEY`` a key is
generated once and kept in ``NIGHTSHIFT_HOME/secret.key`` (mode 0600), and a
notice says so: fine for a demo, not for production, where the key belongs in
a vault apart from the data.

Fernet (from ``cryptography``) is authenticated encryption, so a wrong key is
detected rather than producing garbage.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .errors import InvalidInput, WrongKey

KEY_FILE_NAME = "secret.key"
_CHECK_PLAINTEXT = b"nightshift key check v1"


def generate_key() -> str:
    """A new random key for ``NIGHTSHIFT_KEY``."""
    return Fernet.generate_key().decode("ascii")


class Cipher:
    """Encrypts and decrypts with the configured key(s)."""

    def __init__(self, keys: list[str], source: str):
        if not keys:
            raise InvalidInput(f"{source} holds no key: generate one with 'nightshift keys generate'")
        try:
            self._fernets = [Fernet(k.strip().encode("ascii")) for k in keys]
        except (ValueError, UnicodeError):
            raise InvalidInput(
                f"{source} is not a valid key (32 url-safe base64-encoded bytes): "
                "generate one with 'nightshift keys generate'"
            ) from None
        self._multi = MultiFernet(self._fernets)
        self.source = source
        # A sub-key for content addressing: equal files share a blob, but the
        # blob's name says nothing about its content to someone without the key.
        self._name_key = hashlib.sha256(b"nightshift-blob-names:" + keys[0].strip().encode()).digest()
        self.key_id = hashlib.sha256(b"nightshift-key-id:" + keys[0].strip().encode()).hexdigest()[:12]

    def encrypt(self, data: bytes) -> bytes:
        return self._multi.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._multi.decrypt(bytes(token))
        except InvalidToken:
            raise WrongKey(
                f"the key from {self.source} cannot decrypt stored data: "
                "set NIGHTSHIFT_KEY to the key this database was created with"
            ) from None

    def encrypt_json(self, value: Any) -> bytes:
        try:
            raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"payload is not JSON-serialisable: {exc}") from None
        return self.encrypt(raw.encode("utf-8"))

    def decrypt_json(self, token: bytes | None) -> Any:
        if token is None:
            return None
        return json.loads(self.decrypt(token))

    def encrypt_text(self, text: str | None) -> bytes | None:
        return None if text is None else self.encrypt(text.encode("utf-8"))

    def decrypt_text(self, token: bytes | None) -> str | None:
        return None if token is None else self.decrypt(token).decode("utf-8")

    def digest(self, data: bytes) -> str:
        """A keyed hash (HMAC-SHA256, hex) for content-addressed names."""
        return hmac.new(self._name_key, data, hashlib.sha256).hexdigest()

    def check_token(self) -> bytes:
        return self.encrypt(_CHECK_PLAINTEXT)

    def verify(self, token: bytes) -> None:
        """Raise WrongKey when ``token`` (from ``check_token`` at creation) is not ours."""
        if self.decrypt(token) != _CHECK_PLAINTEXT:
            raise WrongKey(f"the key from {self.source} does not match this database")


_announced: set[str] = set()


def load_cipher(home: Path) -> Cipher:
    """The cipher for ``NIGHTSHIFT_KEY``, or for the key kept under ``home`` (made on first use)."""
    env = os.environ.get("NIGHTSHIFT_KEY", "").strip()
    if env:
        return Cipher([k for k in env.split(",") if k.strip()], "NIGHTSHIFT_KEY")
    path = home / KEY_FILE_NAME
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        key = generate_key()
        # O_EXCL: two processes starting at once must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(key + "\n")
            if str(path) not in _announced:
                _announced.add(str(path))
                print(
                    f"nightshift: no NIGHTSHIFT_KEY set; generated an encryption key and kept it in {path}. "
                    "Back it up: without it the stored items cannot be read.",
                    file=sys.stderr,
                )
    text = path.read_text().strip()
    return Cipher([text], str(path))
