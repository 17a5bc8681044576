"""Running a write: permission, idempotency, one transaction, audit, errors as data."""

import dataclasses
import enum
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET, relay

from db import operations, replication
from db.scope import Scope
from domain.errors import ErrorCode, RuleViolation

from ..context import Info
from ..schema.mutations import UserError


@dataclass(frozen=True, slots=True)
class Written:
    """What a write did, for the audit trail and the payload."""

    entity_type: str
    entity_id: uuid.UUID
    programme_id: uuid.UUID | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    result_id: uuid.UUID | None
    user_errors: list[UserError]
    replayed: bool = False


Write = Callable[[AsyncSession, Scope], Awaitable[Written]]


_OMITTED = {"$omitted": True}


def _plain(value: Any) -> Any:
    """JSON-able form of an input; an omitted field differs from null and from ""."""
    if value is UNSET:
        return _OMITTED
    if isinstance(value, relay.GlobalID | Decimal | uuid.UUID | date | datetime):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def request_hash(operation: str, input: Any) -> str:
    """A fingerprint of the request, without its idempotency key."""
    payload = _plain(input)
    if isinstance(payload, dict):
        payload.pop("idempotency_key", None)
    text = json.dumps([operation, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def user_error(violation: RuleViolation) -> UserError:
    path = ["input", *violation.field] if violation.field else None
    return UserError(field=path, message=violation.message, code=violation.code)


def node_uuid(gid: relay.GlobalID, type_name: str, field: str) -> uuid.UUID:
    """The key inside a global ID of the expected type, or a user error naming the field."""
    if gid.type_name == type_name:
        try:
            return uuid.UUID(gid.node_id)
        except ValueError:
            pass
    raise RuleViolation(field, ErrorCode.INVALID, f"Expected the ID of a {type_name}.")


async def perform(
    info: Info, *, operation: str, input: Any, idempotency_key: str | None, write: Write
) -> Outcome:
    """Run `write` in one transaction: all of it happens, once, or nothing does."""
    ctx = info.context
    viewer = ctx.viewer
    if viewer.scope.read_only:
        denied = UserError(
            field=None, message="This credential is read-only.", code=ErrorCode.NOT_ALLOWED
        )
        return Outcome(None, [denied])
    fingerprint = request_hash(operation, input)
    try:
        async with ctx.db.transaction() as session:
            if idempotency_key is not None:
                prior = await operations.claim_key(
                    session,
                    actor=viewer.subject,
                    key=idempotency_key,
                    operation=operation,
                    request_hash=fingerprint,
                )
                if prior is not None:
                    if not prior.same_request:
                        raise RuleViolation(
                            "idempotencyKey",
                            ErrorCode.IDEMPOTENCY_KEY_REUSED,
                            "This idempotency key was already used for a different request.",
                        )
                    return Outcome(prior.result_id, [], replayed=True)
            # A replicated programme's operations are written in its own database.
            elsewhere = await replication.written_elsewhere(session)
            scope = dataclasses.replace(viewer.scope, elsewhere=elsewhere)
            written = await write(session, scope)
            await operations.record(
                session,
                actor=viewer.subject,
                role=viewer.scope.role.value,
                operation=operation,
                entity_type=written.entity_type,
                entity_id=written.entity_id,
                programme_id=written.programme_id,
                idempotency_key=idempotency_key,
                details=_plain(written.details),
            )
            if idempotency_key is not None:
                await operations.settle_key(
                    session, actor=viewer.subject, key=idempotency_key, result_id=written.entity_id
                )
    except RuleViolation as violation:
        return Outcome(None, [user_error(violation)])
    ctx.refresh_loaders()
    return Outcome(written.entity_id, [])
