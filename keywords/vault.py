"""nightshift's secrets for ``RPA.Robocorp.Vault``: an encrypted file, or environment variables.

= Use =

Choose the adapter with ``RPA_SECRET_MANAGER`` and use the standard ``Get Secret`` keyword:

| # RPA_SECRET_MANAGER=keywords.vault.NightshiftSecrets
| *** Settings ***
| Library    RPA.Robocorp.Vault
| Library    keywords.legacyweb
|
| *** Tasks ***
| Log in to the case system
|     ${secret}=    Get Secret    case_system
|     Open Legacy System    %{CASE_SYSTEM_URL}
|     Log In    ${secret}[username]    ${secret}[password]

= Where secrets come from =

1. An environment variable ``NIGHTSHIFT_SECRET_<NAME>`` holding a JSON object, for CI and
   containers: ``NIGHTSHIFT_SECRET_CASE_SYSTEM='{"username": "robot", "password": "…"}'``.
   ``<NAME>`` is the secret's name in upper case, other characters than letters and digits
   becoming ``_``. It wins over the file.
2. The file ``NIGHTSHIFT_HOME/secrets.enc``, encrypted with the queue's key
   (``NIGHTSHIFT_KEY``, or ``NIGHTSHIFT_HOME/secret.key``; Fernet) and readable only by its
   owner. Manage it with ``nightshift secrets set NAME KEY=VALUE… | --prompt KEY``,
   ``nightshift secrets list`` (names and keys, never values) and ``nightshift secrets delete NAME``.

= Secret values stay out of logs =

Values whose key names a secret (it contains ``password``, ``passphrase``, ``secret``,
``token``, ``key``, ``pin`` or ``otp``) come as ``robot.api.types.Secret``: Robot Framework
shows them as ``<secret>`` and keywords typed ``Secret``, such as ``Log In``, accept them.
Other values (``username``, ``url``) are plain text. A library that needs the plain text of a
secret gets it with ``${{ $secret['password'].value }}``, and must then keep it out of the log
itself.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from robot.api.types import Secret as RobotSecret
from RPA.Robocorp.Vault import BaseSecretManager
from RPA.Robocorp.Vault import Secret as VaultSecret

ROBOT_AUTO_KEYWORDS = False  # not a keyword library: an adapter for RPA.Robocorp.Vault

FILE_NAME = "secrets.enc"
ENV_PREFIX = "NIGHTSHIFT_SECRET_"
SCHEMA_VERSION = 1
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")  # for secret names and their keys
_SECRET_KEY_WORDS = ("password", "passphrase", "secret", "token", "key", "pin", "otp")


class SecretsError(ValueError):
    """A secret that cannot be read or written, with what to do about it."""


def secrets_path() -> Path:
    """``NIGHTSHIFT_HOME/secrets.enc``."""
    from workitems import config

    return config.home() / FILE_NAME


def env_name(name: str) -> str:
    """The environment variable that provides secret ``name``: ``case_system`` → ``NIGHTSHIFT_SECRET_CASE_SYSTEM``."""
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


def is_secret_key(key: str) -> bool:
    """Whether a value under ``key`` is handed over as a ``robot.api.types.Secret``."""
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_KEY_WORDS)


def check_name(name: str, what: str = "secret name") -> str:
    """``name`` if it is a valid secret name (or key), else ``SecretsError`` saying what is allowed."""
    if not NAME_PATTERN.match(name or ""):
        raise SecretsError(f"{what} {name!r} is not valid: use a letter, then letters, digits, '_', '-' or '.' "
                           "(at most 64)")
    return name


def _cipher() -> Any:
    from workitems import config
    from workitems.crypto import load_cipher

    return load_cipher(config.home())


def load_all(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Every secret in the encrypted file, by name; ``{}`` when there is no file yet."""
    path = path or secrets_path()
    if not path.exists():
        return {}
    try:
        data = _cipher().decrypt_json(path.read_bytes())
    except Exception as exc:  # WrongKey names NIGHTSHIFT_KEY; anything else is a damaged file
        reason = str(exc) if type(exc).__name__ == "WrongKey" else "the file is damaged or not a secrets file"
        raise SecretsError(f"cannot read the secrets in {path}: {reason}") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise SecretsError(f"{path} is not a nightshift secrets file of schema version {SCHEMA_VERSION}")
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.get("secrets", {}).items()}


def save_all(secrets: dict[str, dict[str, str]], path: Path | None = None) -> None:
    """Replace the encrypted file with ``secrets``, atomically and readable only by its owner."""
    path = path or secrets_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    token = _cipher().encrypt_json({"schema_version": SCHEMA_VERSION, "secrets": secrets})
    fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(token)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def from_environment(name: str) -> dict[str, str] | None:
    """The secret ``name`` from ``NIGHTSHIFT_SECRET_<NAME>``, or ``None`` when that is not set."""
    variable = env_name(name)
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return None
    try:
        values = json.loads(raw)
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict) or not values:
        # Never quote the value: it holds the secret.
        raise SecretsError(f"{variable} must hold a JSON object such as {{\"username\": \"…\", \"password\": \"…\"}}")
    return {str(k): "" if v is None else str(v) for k, v in values.items()}


def _plain(value: Any) -> str:
    return value.value if isinstance(value, RobotSecret) else str(value)


class NightshiftSecrets(BaseSecretManager):
    """``RPA.Robocorp.Vault`` adapter: ``RPA_SECRET_MANAGER=keywords.vault.NightshiftSecrets``.

    ``path`` overrides ``NIGHTSHIFT_HOME/secrets.enc`` (``Library    RPA.Robocorp.Vault    path=…``).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else secrets_path()

    def get_secret(self, secret_name: str) -> VaultSecret:
        """The secret ``secret_name``: from its environment variable, else from the file.

        Raises ``KeyError`` (as ``FileSecrets`` does) naming how to provide it.
        """
        values = from_environment(secret_name)
        source = env_name(secret_name)
        if values is None:
            values = load_all(self.path).get(secret_name)
            source = str(self.path)
        if values is None:
            raise KeyError(f"Undefined secret: {secret_name}. Set it with 'nightshift secrets set {secret_name} "
                           f"username=… --prompt password', or in {env_name(secret_name)} as a JSON object.")
        wrapped = {k: RobotSecret(v) if is_secret_key(k) else v for k, v in values.items()}
        return VaultSecret(secret_name, f"from {source}", wrapped)

    def set_secret(self, secret: VaultSecret) -> None:
        """Write ``secret`` (all its keys) into the encrypted file, replacing one of the same name."""
        name = check_name(secret.name)
        values = {check_name(str(k), "key"): _plain(v) for k, v in secret.items()}
        everything = load_all(self.path)
        everything[name] = values
        save_all(everything, self.path)
