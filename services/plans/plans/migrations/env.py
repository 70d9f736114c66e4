"""Alembic environment of the plans service."""

from rollcall_shared.migrations import run_env

from plans.models import Base

run_env(Base.metadata)
