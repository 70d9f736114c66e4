"""Alembic environment of the eligibility service."""

from rollcall_shared.migrations import run_env

from eligibility.models import Base

run_env(Base.metadata)
