"""Running a write: permission, idempotency, one transaction, audit, errors as data.

A mutation is a `write` function `(session, viewer, input) -> Written` decorated with
`@mutation(Payload, description=...)`: the decorator makes the GraphQL field (one `input`,
the payload), runs the write through `perform` and builds the payload with `payload`.
"""

import dataclasses
import enum
import hashlib
import inspect
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, get_type_hints

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET, relay

from db import operations, replication
from domain.errors import ErrorCode, RuleViolation

from .. import faults
from ..context import Info, Viewer
from ..schema.fields import node_class
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


Write = Callable[[AsyncSession, Viewer], Awaitable[Written]]


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
            written = await write(session, dataclasses.replace(viewer, scope=scope))
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
    # Committed: a failure reading the payload back must not read as the write's failure.
    faults.mark_committed(ctx.request)
    ctx.refresh_loaders()
    return Outcome(written.entity_id, [])


P = TypeVar("P")
WriteFn = Callable[[AsyncSession, Viewer, Any], Awaitable[Written]]
_NOT_RESULTS = frozenset({"user_errors", "replayed"})


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


async def _read_back(info: Info, payload_type: type[P], outcome: Outcome) -> dict[str, Any]:
    """The payload's result fields: the first is the written entity, each other one the row
    the entity points at by `<field>_id` (a repayment's loan, a transaction's account)."""
    definition = payload_type.__strawberry_definition__  # type: ignore[attr-defined]
    results = [f for f in definition.fields if f.python_name not in _NOT_RESULTS]
    values: dict[str, Any] = {f.python_name: None for f in results}
    if outcome.result_id is None or not results:
        return values
    loaders = info.context.loaders
    key: Any = outcome.result_id
    entity: Any = None
    for index, result in enumerate(results):
        cls = node_class(result)
        if index > 0:
            key = getattr(entity, f"{result.python_name}_id", None) if entity else None
        row = await loaders.rows(cls.listing).load(key) if key is not None else None
        values[result.python_name] = found = cls.from_row(row) if row is not None else None
        if index == 0:
            entity = found
    return values


async def payload(info: Info, payload_type: type[P], outcome: Outcome) -> P:
    """The payload of a write. It is read after the commit: a connection that died in between
    (a database restart) must not turn a committed write into a reported failure, so the read
    is retried once on a fresh connection."""
    try:
        values = await _read_back(info, payload_type, outcome)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        info.context.refresh_loaders()
        values = await _read_back(info, payload_type, outcome)
    return payload_type(user_errors=outcome.user_errors, replayed=outcome.replayed, **values)  # type: ignore[call-arg]


def mutation(payload_type: type[P], *, description: str) -> Callable[[WriteFn], Any]:
    """The GraphQL mutation of a write function: `loan_apply` becomes `loanApply(input:)`."""

    def declare(write: WriteFn) -> Any:
        operation = _camel(write.__name__)
        input_type = get_type_hints(write)["input"]

        async def resolve(info: Info, input: Any) -> Any:
            outcome = await perform(
                info,
                operation=operation,
                input=input,
                idempotency_key=input.idempotency_key,
                write=lambda session, viewer: write(session, viewer, input),
            )
            return await payload(info, payload_type, outcome)

        keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
        resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("info", keyword, annotation=Info),
                inspect.Parameter("input", keyword, annotation=input_type),
            ],
            return_annotation=payload_type,
        )
        resolve.__name__ = write.__name__
        return strawberry.mutation(resolver=resolve, description=description)

    return declare
