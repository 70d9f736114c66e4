"""contact details encrypted at rest; opt-outs found by a blind index of the number

The rows already stored are encrypted with the key ring the service reads
(`NOTIFICATIONS_CONTACT_KEYS`, `NOTIFICATIONS_CONTACT_INDEX_KEY`; their development values when unset):
run it with the same environment as the service.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 03:06:14.292901

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

from rollcall_shared.encryption import KeyRing
from rollcall_shared.migrations import decrypt_columns, encrypt_columns

from notifications.settings import Settings


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = sa.String(length=100)
ENCRYPTED = {
    ("student", ("district_id", "student_id")): {"first_name": NAME, "last_name": NAME},
    ("guardian", ("district_id", "contact_id")): {
        "first_name": NAME, "last_name": NAME, "address": sa.Text(), "email": sa.String(length=320),
        "mobile": sa.String(length=20),
    },
    ("outreach_item", ("outreach_id",)): {"content": sa.JSON()},
}
"""Table and primary key -> the columns encrypted, with the types they had."""


def upgrade() -> None:
    ring = Settings().contact_key_ring()
    for (table, keys), columns in ENCRYPTED.items():
        encrypt_columns(table, keys, columns, ring)
    _opt_outs(ring, upgrade=True)


def downgrade() -> None:
    ring = Settings().contact_key_ring()
    _opt_outs(ring, upgrade=False)
    for (table, keys), columns in ENCRYPTED.items():
        decrypt_columns(table, keys, columns, ring)


def _opt_outs(ring: KeyRing, *, upgrade: bool) -> None:
    """The table made again, keyed by the blind index of the number (encrypted beside it), or by the number."""
    stored = sa.table("sms_opt_out", sa.column("district_id"), sa.column("phone"),
                      sa.column("opted_out_at", sa.DateTime(timezone=True)))
    rows = [dict(row) for row in op.get_bind().execute(sa.select(stored)).mappings()]
    op.drop_table("sms_opt_out")
    if upgrade:
        columns = [sa.Column("phone_index", sa.String(length=64), nullable=False),
                   sa.Column("phone", sa.Text(), nullable=False)]  # fmt: skip
        rows = [row | {"phone_index": ring.blind_index(row["phone"]), "phone": ring.encrypt(row["phone"])}
                for row in rows]  # fmt: skip
    else:
        columns = [sa.Column("phone", sa.String(length=20), nullable=False)]
        rows = [row | {"phone": ring.decrypt(row["phone"])} for row in rows]
    table = op.create_table(
        "sms_opt_out",
        sa.Column("district_id", sa.String(length=64), nullable=False),
        *columns,
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("district_id", columns[0].name, name=op.f("pk_sms_opt_out")),
    )
    if rows:
        op.bulk_insert(table, rows)
