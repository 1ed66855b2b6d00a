"""keywords.vault: nightshift's secrets behind rpaframework's RPA.Robocorp.Vault, from the encrypted
file or from NIGHTSHIFT_SECRET_<NAME>, with passwords handed over as Robot Framework secrets."""

from __future__ import annotations

import stat

import pytest
from robot.api.types import Secret as RobotSecret

from keywords.vault import NightshiftSecrets, SecretsError, env_name, load_all, save_all, secrets_path

PASSWORD = "Vault-synthetic-pw-0192"  # synthetic


def test_secrets_come_from_the_encrypted_file_with_passwords_as_robot_secrets(nightshift_home):
    save_all({"case_system": {"username": "robot", "password": PASSWORD, "api_token": "t-1"}})
    path = secrets_path()
    assert path == nightshift_home / "secrets.enc"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PASSWORD.encode() not in path.read_bytes() and b"robot" not in path.read_bytes()

    secret = NightshiftSecrets().get_secret("case_system")
    assert secret["username"] == "robot"
    assert isinstance(secret["password"], RobotSecret) and secret["password"].value == PASSWORD
    assert isinstance(secret["api_token"], RobotSecret)
    assert PASSWORD not in repr(secret) + str(secret["password"]) + repr(dict(secret))


def test_the_standard_vault_library_reads_and_writes_through_the_adapter(nightshift_home, monkeypatch):
    from RPA.Robocorp.Vault import Vault

    monkeypatch.setenv("RPA_SECRET_MANAGER", "keywords.vault.NightshiftSecrets")
    vault = Vault()
    save_all({"case_system": {"username": "robot", "password": "old"}})
    secret = vault.get_secret("case_system")
    secret["password"] = PASSWORD
    vault.set_secret(secret)
    assert load_all()["case_system"] == {"username": "robot", "password": PASSWORD}
    again = vault.get_secret("case_system")  # a Secret read back is stored as its plain value
    vault.set_secret(again)
    assert load_all()["case_system"]["password"] == PASSWORD


def test_an_environment_variable_overrides_the_file(nightshift_home, monkeypatch):
    save_all({"case_system": {"username": "from-file", "password": "file-pw"}})
    assert env_name("case-system.v2") == "NIGHTSHIFT_SECRET_CASE_SYSTEM_V2"
    monkeypatch.setenv("NIGHTSHIFT_SECRET_CASE_SYSTEM", f'{{"username": "ci", "password": "{PASSWORD}"}}')
    secret = NightshiftSecrets().get_secret("case_system")
    assert secret["username"] == "ci" and secret["password"].value == PASSWORD
    monkeypatch.setenv("NIGHTSHIFT_SECRET_CASE_SYSTEM", f"password={PASSWORD}")
    with pytest.raises(SecretsError) as caught:
        NightshiftSecrets().get_secret("case_system")
    assert "NIGHTSHIFT_SECRET_CASE_SYSTEM must hold a JSON object" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_missing_secret_and_a_wrong_key_say_what_to_do(nightshift_home, monkeypatch):
    with pytest.raises(KeyError, match="nightshift secrets set case_system"):
        NightshiftSecrets().get_secret("case_system")
    save_all({"case_system": {"password": PASSWORD}})
    from workitems.crypto import generate_key

    monkeypatch.setenv("NIGHTSHIFT_KEY", generate_key())
    with pytest.raises(SecretsError, match="NIGHTSHIFT_KEY"):
        NightshiftSecrets().get_secret("case_system")
