"""``nightshift secrets`` as a user runs it: values go in (hidden when prompted), never come out."""

from __future__ import annotations

import subprocess
import sys

PASSWORD = "Cli-synthetic-pw-8830"  # synthetic


def test_set_prompt_list_and_delete_never_show_a_value(nightshift):
    stored = nightshift.ok("secrets", "set", "case_system", "username=robot", "url=http://127.0.0.1:8700/")
    assert "case_system" in stored.out and "username" in stored.out and "robot" not in stored.out
    # --prompt reads the value with hidden input (here from a pipe), asked twice to catch typos.
    proc = subprocess.run([sys.executable, "-m", "nightshift", "secrets", "set", "case_system", "--prompt", "password"],
                          input=f"{PASSWORD}\n{PASSWORD}\n", env=nightshift.env, cwd=nightshift.home.parent,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert PASSWORD not in proc.stdout

    listed = nightshift.ok("secrets", "list", "--json").json()
    assert listed == [{"name": "case_system", "keys": ["password", "url", "username"], "source": "file"}]
    table = nightshift.ok("secrets", "list").out
    assert "case_system" in table and PASSWORD not in table and "robot" not in table

    from keywords.vault import NightshiftSecrets

    secret = NightshiftSecrets().get_secret("case_system")
    assert secret["password"].value == PASSWORD and secret["username"] == "robot"

    env_listed = nightshift.ok("secrets", "list", "--json",
                               env={"NIGHTSHIFT_SECRET_FINANCE": f'{{"password": "{PASSWORD}"}}'}).json()
    assert {"name": "finance", "keys": ["password"], "source": "environment NIGHTSHIFT_SECRET_FINANCE"} in env_listed

    nightshift.ok("secrets", "delete", "case_system")
    assert nightshift.ok("secrets", "list", "--json").json() == []


def test_bad_input_is_refused_with_one_line(nightshift):
    assert "needs a value" in nightshift.bad("secrets", "set", "case_system", "password")
    assert "nothing to store" in nightshift.bad("secrets", "set", "case_system")
    assert "is not valid" in nightshift.bad("secrets", "set", "bad name!", "a=b")
    assert "is not valid" in nightshift.bad("secrets", "set", "case_system", "=b")
    assert "no secret named 'nope'" in nightshift.bad("secrets", "delete", "nope")
    nightshift.ok("secrets", "set", "case_system", "username=robot")
    from workitems.crypto import generate_key

    line = nightshift.bad("secrets", "list", env={"NIGHTSHIFT_KEY": generate_key()})  # not the key it was made with
    assert "cannot read the secrets" in line and "NIGHTSHIFT_KEY" in line
