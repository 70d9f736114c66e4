"""rebuild jobs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:12:40.118203

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNFINISHED = "status IN ('queued', 'running')"


def upgrade() -> None:
    """Upgrade schema: a rebuild is a job, run in chunks by one replica at a time; those recorded so far are done."""
    with op.batch_alter_table('rebuild', schema=None) as batch_op:
        batch_op.alter_column('applied_at', new_column_name='requested_at')
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='done'))
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chunks', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('cursor', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('runner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('claims', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE rebuild SET total = students, started_at = requested_at, finished_at = requested_at")
    with op.batch_alter_table('rebuild', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('chunks', server_default=None)
        batch_op.alter_column('claims', server_default=None)
        batch_op.create_index('uq_rebuild_unfinished_district', ['district_id'], unique=True,
                              postgresql_where=sa.text(UNFINISHED), sqlite_where=sa.text(UNFINISHED))


def downgrade() -> None:
    """Downgrade schema: only finished rebuilds are kept."""
    op.execute("DELETE FROM rebuild WHERE status <> 'done'")
    with op.batch_alter_table('rebuild', schema=None) as batch_op:
        batch_op.drop_index('uq_rebuild_unfinished_district')
        for column in ('finished_at', 'started_at', 'error', 'heartbeat_at', 'claims', 'runner', 'cursor', 'chunks',
                       'total', 'status'):
            batch_op.drop_column(column)
        batch_op.alter_column('requested_at', new_column_name='applied_at')
