"""claims of outreach items by one sender; closed print batches; opt-outs kept per sending number

Every existing opt-out is kept under the sending number the service is configured with
(`NOTIFICATIONS_SMS_FROM`, read from the environment with the settings' default): run it with the
same environment as the service. A number that opted out in several districts becomes one opt-out.
The downgrade gives each opt-out back to the district that recorded it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14 09:02:11.514210

"""
import os
from typing import Sequence, Union

from alembic import op
import phonenumbers
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

DEFAULT_SMS_FROM = "+15550100000"
"""`Settings.sms_from`'s default."""
IN_FLIGHT = sa.text("sending_since IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('outreach_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('calling', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_outreach_item_in_flight', ['sending_since'], unique=False,
                              postgresql_where=IN_FLIGHT, sqlite_where=IN_FLIGHT)
    # An item in flight before this revision may have reached its provider: recovery treats it so.
    op.execute("UPDATE outreach_item SET calling = true WHERE sending_since IS NOT NULL")
    with op.batch_alter_table('letter_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE letter_batch SET closed_at = created_at")
    _opt_outs(per_sending_number=True)


def downgrade() -> None:
    _opt_outs(per_sending_number=False)
    with op.batch_alter_table('letter_batch', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('outreach_item', schema=None) as batch_op:
        batch_op.drop_index('ix_outreach_item_in_flight', postgresql_where=IN_FLIGHT, sqlite_where=IN_FLIGHT)
        batch_op.drop_column('attempts')
        batch_op.drop_column('calling')
        batch_op.drop_column('sender_id')


def _opt_outs(*, per_sending_number: bool) -> None:
    """The table made again, keyed by sending number and blind index (the earliest reply kept), or by district."""
    columns = ["district_id", "phone_index", "phone"] + (["sender"] if not per_sending_number else [])
    stored = sa.table("sms_opt_out", *(sa.column(name) for name in columns),
                      sa.column("opted_out_at", sa.DateTime(timezone=True)))  # fmt: skip
    rows = [dict(row) for row in op.get_bind().execute(sa.select(stored).order_by(stored.c.opted_out_at)).mappings()]
    op.drop_table("sms_opt_out")
    if per_sending_number:
        sender = _e164(os.environ.get("NOTIFICATIONS_SMS_FROM") or DEFAULT_SMS_FROM)
        kept = {row["phone_index"]: row | {"sender": sender} for row in reversed(rows)}
        key = [sa.Column("sender", sa.String(length=20), nullable=False)]
        primary_key = ("sender", "phone_index")
    else:
        kept = {(row["district_id"], row["phone_index"]): {k: v for k, v in row.items() if k != "sender"}
                for row in reversed(rows)}  # fmt: skip
        key, primary_key = [], ("district_id", "phone_index")
    table = op.create_table(
        "sms_opt_out",
        *key,
        sa.Column("district_id", sa.String(length=64), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*primary_key, name=op.f("pk_sms_opt_out")),
    )
    if kept:
        op.bulk_insert(table, list(kept.values()))


def _e164(number: str) -> str:
    """As the service writes a sending number (`notifications.channels.sms.sending_number`)."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(number, "US"), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return number.strip()
