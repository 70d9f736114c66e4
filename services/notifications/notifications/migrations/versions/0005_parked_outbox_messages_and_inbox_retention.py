"""parked outbox messages and inbox retention

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:26:09.623665

"""
from typing import Sequence, Union

from alembic import op

from rollcall_shared.migrations import create_index_online, create_parked_outbox, drop_parked_outbox


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # First, outside the transaction: the inbox keeps taking ids while its index is built.
    create_index_online(op.f('ix_inbox_processed_at'), 'inbox', ['processed_at'])
    create_parked_outbox()


def downgrade() -> None:
    """Downgrade schema."""
    drop_parked_outbox()
    op.drop_index(op.f('ix_inbox_processed_at'), table_name='inbox')
