"""notes, meetings, acknowledgements and case timelines encrypted at rest

Staff's free text (case notes, meeting notes, a closing's note in the timeline) and the family's names (who
attended, who acknowledged) are encrypted with the key ring the service reads (`PLANS_CONTACT_KEYS`; its
development value when unset): run it with the same environment as the service.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa

from rollcall_shared.migrations import decrypt_columns, encrypt_columns

from plans.settings import Settings


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ENCRYPTED = {
    ("plan_note", ("note_id",)): {"text": sa.Text()},
    ("plan_meeting", ("meeting_id",)): {"family_members": sa.JSON(), "notes": sa.Text()},
    ("plan_acknowledgement", ("acknowledgement_id",)): {"acknowledged_by": sa.String(length=200)},
    ("case_entry", ("entry_id",)): {"detail": sa.JSON()},
}
"""Table and primary key -> the columns encrypted, with the types they had."""


def upgrade() -> None:
    ring = Settings().contact_key_ring()
    for (table, keys), columns in ENCRYPTED.items():
        encrypt_columns(table, keys, columns, ring)


def downgrade() -> None:
    ring = Settings().contact_key_ring()
    for (table, keys), columns in ENCRYPTED.items():
        decrypt_columns(table, keys, columns, ring)
