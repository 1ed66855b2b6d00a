"""What the portal's test modules share: one real night of the example process."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """A data folder of the test module's own holding one real run of the example process
    (on SQLite): ``.store``, ``.run``, ``.home``; the environment points at it meanwhile."""
    from scheduler.processes import get_process
    from scheduler.runner import run_process
    from workitems.crypto import generate_key
    from workitems.store import open_store

    home = tmp_path_factory.mktemp("night")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NIGHTSHIFT_HOME", str(home))
        mp.setenv("NIGHTSHIFT_KEY", generate_key())
        for name in ("NIGHTSHIFT_DB", "NIGHTSHIFT_FILES", "NIGHTSHIFT_QUEUE", "NIGHTSHIFT_OUTPUT_QUEUE",
                     "RPA_WORKITEMS_ADAPTER"):
            mp.delenv(name, raising=False)
        store = open_store(f"sqlite:///{home / 'nightshift.db'}")
        try:
            run = run_process(get_process("example"), store)
            assert run.status == "PASS", run.to_dict()
            yield SimpleNamespace(store=store, run=run, home=home)
        finally:
            store.close()
