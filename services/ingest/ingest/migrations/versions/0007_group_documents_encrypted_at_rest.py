"""students' group documents encrypted at rest, one token per student

Each student's education organization and program associations (sex, race, programs: and which programs, which
the resource names and keys of `group_document` said in the clear) move into `grouped_student.documents`,
encrypted with the key ring the service reads (`INGEST_CONTACT_KEYS`; its development value when unset): run it
with the same environment as the service. A batch of students at a time.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000

"""
import json
from collections import defaultdict
from datetime import datetime
from typing import Any, Sequence, Union

from alembic import op
import sqlalchemy as sa

from rollcall_shared.encryption import json_text

from ingest.current import content_hash
from ingest.settings import Settings


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BATCH = 1000
"""Students per batch."""
PADDING = 512
"""As `ingest.groups.models.DOCUMENTS_PADDING` when this was written."""
STUDENT = sa.table("grouped_student", sa.column("district_id"), sa.column("student_id"),
                   sa.column("documents", sa.Text()))  # fmt: skip
DOCUMENT = sa.table(
    "group_document", sa.column("district_id"), sa.column("student_id"), sa.column("resource"),
    sa.column("resource_id"), sa.column("document", sa.JSON()), sa.column("content_hash"),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
)  # fmt: skip


def upgrade() -> None:
    ring, bind = Settings().contact_key_ring(), op.get_bind()
    op.add_column("grouped_student", sa.Column("documents", sa.Text(), nullable=True))
    known = sa.select(STUDENT.c.district_id).where(
        STUDENT.c.district_id == DOCUMENT.c.district_id, STUDENT.c.student_id == DOCUMENT.c.student_id
    )
    bind.execute(sa.insert(STUDENT).from_select(
        ["district_id", "student_id"],
        sa.select(DOCUMENT.c.district_id, DOCUMENT.c.student_id).distinct().where(~known.exists()),
    ))  # fmt: skip
    for students in _batches(bind):
        rows = bind.execute(sa.select(DOCUMENT).where(
            sa.tuple_(DOCUMENT.c.district_id, DOCUMENT.c.student_id).in_(students)
        )).mappings()  # fmt: skip
        together: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        for row in rows:
            together[(row["district_id"], row["student_id"])][f"{row['resource']} {row['resource_id']}"] = {
                "resource": row["resource"], "resourceId": row["resource_id"], "document": row["document"],
                "recordedAt": row["recorded_at"].isoformat(),
            }  # fmt: skip
        _set_documents(bind, [
            {"key_district_id": district_id, "key_student_id": student_id,
             "new_documents": ring.encrypt(json_text(documents, pad_to=PADDING))}
            for (district_id, student_id), documents in together.items()
        ])  # fmt: skip
    op.drop_table("group_document")


def downgrade() -> None:
    ring, bind = Settings().contact_key_ring(), op.get_bind()
    op.create_table(
        "group_document",
        sa.Column("district_id", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=False),
        sa.Column("resource", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=500), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("district_id", "student_id", "resource", "resource_id", name=op.f("pk_group_document")),
    )
    for students in _batches(bind):
        tokens = bind.execute(sa.select(STUDENT).where(
            sa.tuple_(STUDENT.c.district_id, STUDENT.c.student_id).in_(students), STUDENT.c.documents.is_not(None)
        )).mappings()  # fmt: skip
        rows = [
            {"district_id": token["district_id"], "student_id": token["student_id"], "resource": held["resource"],
             "resource_id": held["resourceId"], "document": held["document"],
             "content_hash": content_hash(held["document"]), "recorded_at": datetime.fromisoformat(held["recordedAt"])}
            for token in tokens
            for held in json.loads(ring.decrypt(token["documents"])).values()
        ]  # fmt: skip
        if rows:
            bind.execute(sa.insert(DOCUMENT), rows)
    with op.batch_alter_table("grouped_student") as batch:
        batch.drop_column("documents")


def _batches(bind: sa.Connection) -> Any:
    """The students, `BATCH` keys at a time, in key order."""
    after = None
    while True:
        query = sa.select(STUDENT.c.district_id, STUDENT.c.student_id).order_by(
            STUDENT.c.district_id, STUDENT.c.student_id
        ).limit(BATCH)  # fmt: skip
        if after is not None:
            query = query.where(sa.tuple_(STUDENT.c.district_id, STUDENT.c.student_id) > sa.tuple_(*after))
        students = [tuple(row) for row in bind.execute(query)]
        if not students:
            return
        yield students
        after = students[-1]


def _set_documents(bind: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        bind.execute(
            sa.update(STUDENT)
            .where(STUDENT.c.district_id == sa.bindparam("key_district_id"),
                   STUDENT.c.student_id == sa.bindparam("key_student_id"))
            .values(documents=sa.bindparam("new_documents")),
            rows,
        )  # fmt: skip
