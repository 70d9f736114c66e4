"""roster documents (names, addresses, phones, emails) encrypted at rest

The documents already stored are encrypted with the key ring the service reads
(`INGEST_CONTACT_KEYS`; its development value when unset): run it with the same environment as the service.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 03:20:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa

from rollcall_shared.migrations import decrypt_columns, encrypt_columns

from ingest.settings import Settings


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEYS = ("district_id", "resource", "resource_id")


def upgrade() -> None:
    encrypt_columns("roster_document", KEYS, {"document": sa.JSON()}, Settings().contact_key_ring())


def downgrade() -> None:
    decrypt_columns("roster_document", KEYS, {"document": sa.JSON()}, Settings().contact_key_ring())
