"""Alembic migrations of the work-item schema; ``workitems.store.migrate`` runs them at start-up."""
