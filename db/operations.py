"""Idempotency keys and the audit trail: what every write goes through."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditEntry, IdempotencyKey
from .network import in_programmes
from .pagination import Listing
from .scope import Scope

keys = IdempotencyKey.__table__
audit = AuditEntry.__table__


@dataclass(frozen=True, slots=True)
class PriorResult:
    """What a key already produced: the same request gets it back; another is refused."""

    same_request: bool
    result_id: uuid.UUID | None


async def claim_key(
    session: AsyncSession, *, actor: str, key: str, operation: str, request_hash: str
) -> PriorResult | None:
    """Claim `key` for this write, or return what it already did.

    A concurrent claim of the same key waits on the primary key until the first transaction
    ends, then sees its result: a retried write is applied once.
    """
    claimed = await session.scalar(
        insert(IdempotencyKey)
        .values(actor=actor, key=key, operation=operation, request_hash=request_hash)
        .on_conflict_do_nothing()
        .returning(keys.c.key)
    )
    if claimed is not None:
        return None
    row = (
        await session.execute(
            select(keys.c.operation, keys.c.request_hash, keys.c.result_id).where(
                keys.c.actor == actor, keys.c.key == key
            )
        )
    ).one()
    same = row.operation == operation and row.request_hash == request_hash
    return PriorResult(same_request=same, result_id=row.result_id)


async def settle_key(
    session: AsyncSession, *, actor: str, key: str, result_id: uuid.UUID | None
) -> None:
    await session.execute(
        update(IdempotencyKey)
        .where(keys.c.actor == actor, keys.c.key == key)
        .values(result_id=result_id)
    )


async def record(
    session: AsyncSession,
    *,
    actor: str,
    role: str,
    operation: str,
    entity_type: str,
    entity_id: uuid.UUID | None,
    programme_id: uuid.UUID | None,
    idempotency_key: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    await session.execute(
        insert(AuditEntry).values(
            programme_id=programme_id,
            actor=actor,
            role=role,
            operation=operation,
            entity_type=entity_type,
            entity_id=entity_id,
            idempotency_key=idempotency_key,
            details=details or {},
        )
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    programme_codes: tuple[str, ...] | None = None
    entity_ids: tuple[uuid.UUID, ...] | None = None
    actors: tuple[str, ...] | None = None
    operations: tuple[str, ...] | None = None


def _audit(scope: Scope, f: AuditFilter | None) -> Select[Any]:
    # Entries of network-level writes (no programme) are head office's only.
    visible = scope.where(audit.c.programme_id)
    if scope.programme_ids is not None:
        visible = visible & audit.c.programme_id.is_not(None)
    stmt = select(audit).where(visible)
    if f is not None:
        if f.programme_codes is not None:
            stmt = stmt.where(in_programmes(audit.c.programme_id, f.programme_codes))
        if f.entity_ids is not None:
            stmt = stmt.where(audit.c.entity_id.in_(f.entity_ids))
        if f.actors is not None:
            stmt = stmt.where(audit.c.actor.in_(f.actors))
        if f.operations is not None:
            stmt = stmt.where(audit.c.operation.in_(f.operations))
    return stmt


AUDIT = Listing(_audit, audit.c.id)
