"""students' report groups encrypted at rest, one profile token per student

Sex, race and ethnicity and the group periods (English learner, special education, economic disadvantage,
homelessness, foster care) become one JSON profile, padded and encrypted with the key ring the service reads
(`ELIGIBILITY_CONTACT_KEYS`; its development value when unset): run it with the same environment as the service.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000

"""
import json
from typing import Any, Sequence, Union

from alembic import op
import sqlalchemy as sa

from rollcall_shared.encrypted_rows import EncryptedTable, rewrite_all
from rollcall_shared.encryption import json_text

from eligibility.settings import Settings


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLE, KEYS = "student_groups", ("district_id", "student_id")
PADDING = 256
"""As `eligibility.models.PROFILE_PADDING` when this was written."""
APART = ("sex", "race_ethnicity", "groups")


def upgrade() -> None:
    ring = Settings().contact_key_ring()
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("profile", sa.Text(), nullable=True))
        batch.alter_column("groups", existing_type=sa.JSON(), type_=sa.Text(), postgresql_using="groups::TEXT")

    def together(row: dict[str, Any]) -> dict[str, Any]:
        profile = {"sex": row["sex"], "raceEthnicity": row["race_ethnicity"], "groups": json.loads(row["groups"])}
        return {"profile": ring.encrypt(json_text(profile, pad_to=PADDING))}

    rewrite_all(op.get_bind(), EncryptedTable(TABLE, KEYS, (*APART, "profile")), together)
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("profile", existing_type=sa.Text(), nullable=False)
        for name in APART:
            batch.drop_column(name)


def downgrade() -> None:
    ring = Settings().contact_key_ring()
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("sex", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("race_ethnicity", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("groups", sa.Text(), nullable=True))

    def apart(row: dict[str, Any]) -> dict[str, Any]:
        profile = json.loads(ring.decrypt(row["profile"]))
        return {"sex": profile["sex"], "race_ethnicity": profile["raceEthnicity"],
                "groups": json.dumps(profile["groups"])}  # fmt: skip

    rewrite_all(op.get_bind(), EncryptedTable(TABLE, KEYS, ("profile", *APART)), apart)
    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("groups", existing_type=sa.Text(), type_=sa.JSON(), nullable=False,
                           postgresql_using="groups::JSON")  # fmt: skip
        batch.drop_column("profile")
