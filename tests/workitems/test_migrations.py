"""The schema comes from Alembic migrations, upgrades keep data, and schema.py matches them."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from workitems.store import migrate, open_store
from workitems.store.schema import metadata


def test_an_old_database_is_upgraded_in_place_and_keeps_its_items(db_url):
    with open_store(db_url) as store:
        item, _ = store.add("q", {"kept": True}, reference="OLD-1")
        with store.engine.begin() as conn:  # wind the schema back to the first revision
            command.downgrade(migrate._config(conn), "0001")
            assert migrate.current_revision(conn) == "0001"
    with open_store(db_url) as store:  # opening upgrades it again
        with store.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
        assert store.get(item.id).payload == {"kept": True}


def test_schema_module_matches_the_migrations(db_url):
    open_store(db_url).close()
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrate.head_revision()
    engine.dispose()
    assert diff == []
