"""Who read or changed a protected record: one append-only row per request, written in the request's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import BigInteger, DateTime, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from rollcall_shared.auth import OPERATOR, caller_of
from rollcall_shared.pagination import Page, Paged
from rollcall_shared.schemas import Camel
from rollcall_shared.service import Session
from rollcall_shared.tenancy import DistrictId

READS = {"GET", "HEAD"}
AUDIT_TABLE = "audit_entry"


class AuditMixin:
    """Mix into a service's `Base` as `class AuditEntry(AuditMixin, Base)`; its migration forbids UPDATE and DELETE."""

    __tablename__ = AUDIT_TABLE

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    district_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str | None] = mapped_column(String(130))
    route: Mapped[str] = mapped_column(String(200))
    query: Mapped[str | None] = mapped_column(String(2000))


def audited(model: type[AuditMixin], resource: str, id_param: str | None = None, *, only_records: bool = False) -> Any:
    """A route's record keeper, placed after its guard: the caller, read or change, the record and the route.

    `only_records`: on a router whose other routes touch no record (a catalog), keep only the routes naming one.
    """

    async def record(request: Request, session: Session) -> None:
        if only_records and id_param not in request.path_params:
            return
        caller = caller_of(request)
        route = getattr(request.scope.get("route"), "path", request.url.path)
        session.add(model(district_id=caller.district_id, client_id=caller.client_id,  # type: ignore[call-arg]
                          action="read" if request.method in READS else "change", resource=resource,
                          resource_id=request.path_params.get(id_param) if id_param else None,
                          route=f"{request.method} {route}", query=str(request.url.query)[:2000] or None))  # fmt: skip

    return Depends(record)


class AuditView(Camel):
    id: int
    at: datetime
    client_id: str
    action: str
    resource: str
    resource_id: str | None
    route: str
    query: str | None


class AuditPage(Page[AuditView]):
    """A page of the audit log, oldest first."""


def audit_router(model: type[AuditMixin]) -> APIRouter:
    """GET /v1/districts/{d}/audit for operators; there is no route that changes an entry."""
    router = APIRouter(prefix="/v1/districts/{district_id}", tags=["audit"])
    table: Any = model

    @router.get("/audit", dependencies=[OPERATOR], response_model=AuditPage, response_model_by_alias=True)
    async def audit_entries(
        district_id: DistrictId,
        session: Session,
        page: Paged,
        resource: Annotated[str | None, Query()] = None,
        resource_id: Annotated[str | None, Query(alias="resourceId")] = None,
        client_id: Annotated[str | None, Query(alias="clientId")] = None,
    ) -> AuditPage:
        """Who read or changed what, oldest first; follow `next` for the following page."""
        query = select(table).where(table.district_id == district_id)
        for column, value in ((table.resource, resource), (table.resource_id, resource_id), (table.client_id, client_id)):
            if value is not None:
                query = query.where(column == value)
        rows, following = page.page(list(await session.scalars(page.query(query, table.id, int))), key=lambda r: r.id)
        return AuditPage(items=[AuditView.model_validate(row) for row in rows], next=following)

    return router


_REFUSE = "audit entries are never changed or deleted"
_TRIGGERS = {
    "postgresql": [
        f"CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$",
        "CREATE TRIGGER audit_entry_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    ],
    "sqlite": [
        f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END",
        f"CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END",
    ],
}
_UNDO = {
    "postgresql": ["DROP TRIGGER audit_entry_no_truncate ON audit_entry",
                   "DROP TRIGGER audit_entry_no_update_or_delete ON audit_entry",
                   "DROP FUNCTION audit_entry_append_only()"],
    "sqlite": ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"],
}  # fmt: skip


def make_append_only(op: Any) -> None:
    """In a migration: the database itself refuses to change or delete an audit entry."""
    for statement in _TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def allow_changes(op: Any) -> None:
    """In a migration's downgrade, before the table is dropped."""
    for statement in _UNDO[op.get_bind().dialect.name]:
        op.execute(statement)
