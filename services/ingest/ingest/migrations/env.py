"""Alembic environment of the ingest service."""

from rollcall_shared.migrations import run_env

from ingest.models import Base

run_env(Base.metadata)
