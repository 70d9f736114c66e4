"""parked outbox messages

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 10:26:09.623665

"""
from typing import Sequence, Union


from rollcall_shared.migrations import create_parked_outbox, drop_parked_outbox


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    create_parked_outbox()


def downgrade() -> None:
    """Downgrade schema."""
    drop_parked_outbox()
