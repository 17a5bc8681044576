"""The schema: the Query and Mutation roots composed from every domain, with the extensions the
settings ask for."""

import asyncio
import inspect
import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    ParserCache,
)
from strawberry.relay.types import GlobalIDValueError
from strawberry.schema.config import StrawberryConfig

from . import faults, observability
from .context import Context, Info
from .errors import PublicError
from .federation import NoServiceSdl, Subgraph, contract_schema
from .planner import PlannedReads
from .resolvers import groups, loans, meetings, missions, network, products, savings
from .resolvers.indicators import IndicatorQuery
from .schema.groups import GroupQuery
from .schema.loans import LoanQuery
from .schema.missions import MissionQuery
from .schema.network import NetworkQuery
from .schema.operations import OperationsQuery
from .schema.privacy import protect
from .schema.savings import SavingsQuery
from .schema.viewer import ViewerQuery
from .security import persisted
from .security.inputs import Bounds, InputChecker, InputLimits
from .security.limits import Weights, cost_limit, shape_rule
from .security.middleware import current_request_id
from .security.reporting import EdgeSchema
from .security.validation import validation_cache
from .settings import Mode, Settings

log = logging.getLogger("edm_graph")


async def _node(info: Info, gid: relay.GlobalID) -> relay.Node | None:
    found = gid.resolve_type(info).resolve_nodes(info=info, node_ids=[gid.node_id])
    if inspect.isawaitable(found):
        found = await found
    return next(iter(found), None)


@strawberry.type(description="Everything a viewer may read across the network.")
class Query(
    NetworkQuery,
    GroupQuery,
    LoanQuery,
    SavingsQuery,
    MissionQuery,
    IndicatorQuery,
    OperationsQuery,
    ViewerQuery,
):
    # Plain resolvers rather than relay.node(), whose field extension cannot be applied to
    # two schemas in one process (development and production builds, tests).
    @strawberry.field(
        description="Any object by its global ID; null if it does not exist or is not visible."
    )
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        return await _node(info, id)

    @strawberry.field(
        description="Objects by global IDs, in the same order; null for any not found or visible."
    )
    async def nodes(self, info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
        return list(await asyncio.gather(*(_node(info, gid) for gid in ids)))


def _is_public(error: GraphQLError) -> bool:
    """Parse and validation errors, and errors raised for the client, keep their message."""
    original = error.original_error
    if original is None or isinstance(original, (PublicError, GlobalIDValueError, GraphQLError)):
        return True
    if faults.is_fault(original):  # an outage: one line, not a traceback per field
        log.warning(
            "database fault (request %s) in %s: %r", current_request_id(), error.path, original
        )
        return False
    log.error(
        "unexpected error (request %s) in %s", current_request_id(), error.path, exc_info=original
    )
    return False


class MaskUnexpectedErrors(MaskErrors):
    """Anything not meant for the client reads as a generic error carrying the request id,
    which the server's log records with the exception: no SQL, path or trace leaves."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not _is_public(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        if isinstance(context, Context):
            settings = context.settings
            fault = faults.graphql_error(
                error,
                context.request,
                retry_after=settings.retry_after,
                statement_timeout=settings.statement_timeout,
            )
            if fault is not None:
                return fault
        request_id = current_request_id()
        return GraphQLError(
            f"Internal error (request id {request_id})",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_ERROR", "requestId": request_id},
        )


class CachedParse(ParserCache):
    """The parse cache, with graphql-core's `max_tokens` stop and an error naming the setting."""

    def __init__(self, max_tokens: int) -> None:
        super().__init__(maxsize=1000)
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        try:
            yield from super().on_parse()
        except GraphQLSyntaxError as error:
            if f"more than {self.max_tokens} tokens" not in error.message:
                raise
            raise GraphQLError(
                f"The document has more than {self.max_tokens} tokens; the limit is "
                f"{self.max_tokens} (max_tokens).",
                extensions={
                    "code": "TOO_MANY_TOKENS",
                    "limit": "max_tokens",
                    "max": self.max_tokens,
                },
            ) from None


@strawberry.type(description="Every write: one `input`, a payload with `userErrors`.")
class Mutation:
    milestone_set = network.milestone_set
    milestone_update = network.milestone_update
    loan_product_create = products.loan_product_create
    loan_product_update = products.loan_product_update
    loan_product_retire = products.loan_product_retire
    facilitator_create = products.facilitator_create
    facilitator_update = products.facilitator_update
    facilitator_retire = products.facilitator_retire
    group_create = groups.group_create
    group_update = groups.group_update
    group_activate = groups.group_activate
    group_close = groups.group_close
    member_enrol = groups.member_enrol
    member_update = groups.member_update
    member_move = groups.member_move
    member_leave = groups.member_leave
    training_session_record = groups.training_session_record
    training_session_correct_attendance = groups.training_session_correct_attendance
    meeting_record = meetings.meeting_record
    loan_apply = loans.loan_apply
    loan_approve = loans.loan_approve
    loan_disburse = loans.loan_disburse
    repayment_record = loans.repayment_record
    repayment_reverse = loans.repayment_reverse
    loan_write_off = loans.loan_write_off
    loan_decline = loans.loan_decline
    loan_withdraw = loans.loan_withdraw
    loan_approval_undo = loans.loan_approval_undo
    loan_disbursement_undo = loans.loan_disbursement_undo
    loan_reschedule = loans.loan_reschedule
    loan_pay_off = loans.loan_pay_off
    savings_deposit = savings.savings_deposit
    savings_withdraw = savings.savings_withdraw
    savings_transaction_reverse = savings.savings_transaction_reverse
    savings_interest_post = savings.savings_interest_post
    savings_account_close = savings.savings_account_close
    mission_plan = missions.mission_plan
    mission_start = missions.mission_start
    mission_findings_log = missions.mission_findings_log
    mission_complete = missions.mission_complete
    mission_cancel = missions.mission_cancel
    mission_reopen = missions.mission_reopen
    mission_attachment_add = missions.mission_attachment_add
    recommendation_add = missions.recommendation_add
    recommendation_update = missions.recommendation_update
    recommendation_status_update = missions.recommendation_status_update


def build_schema(settings: Settings, *, federated: bool = True) -> strawberry.Schema:
    """The served schema, a Federation subgraph (graph/federation.py); `federated=False`:
    the same types in a plain schema, as the contract prints them."""
    # Factories: strawberry builds the extensions per request. The parse and validation
    # caches live at module level, keyed by the document and the rule classes, so the shape
    # rule is built once here.
    shape = shape_rule(settings.max_query_depth, settings.max_aliases)
    rules: list[Any] = [shape] if settings.introspection_enabled else [shape, NoServiceSdl]
    extensions: list[Any] = []
    # First: an unknown document is refused before anything else runs.
    extensions.append(persisted.extension(settings))
    inputs = InputChecker(Bounds.of(settings))
    extensions += [
        lambda: CachedParse(settings.max_tokens),
        lambda: AddValidationRules(rules),
        validation_cache(1000),
        cost_limit(settings.max_query_cost, Weights.of(settings)),
        lambda: InputLimits(inputs),
        MaskUnexpectedErrors,
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    if settings.planner:
        # Last: it answers only operations every earlier extension let through.
        extensions.append(PlannedReads)
    batching = settings.max_batch_operations
    config = StrawberryConfig(batching_config={"max_operations": batching} if batching else None)
    extensions = observability.schema_extensions(settings) + extensions
    kind = Subgraph if federated else EdgeSchema
    schema = kind(query=Query, mutation=Mutation, extensions=extensions, config=config)
    # With introspection off, "Did you mean …?" would name the hidden schema.
    schema.hide_suggestions = not settings.introspection_enabled
    return protect(schema)


def export_sdl() -> str:
    """The schema as integrators read it (schema.graphql): development settings, everything
    visible, without Federation's additions."""
    settings = Settings(mode=Mode.DEVELOPMENT)
    return str(contract_schema(lambda: build_schema(settings, federated=False)).as_str()) + "\n"


def export_federation_sdl() -> str:
    """The subgraph's SDL, as `_service { sdl }` serves it (schema.federation.graphql)."""
    return str(build_schema(Settings(mode=Mode.DEVELOPMENT)).as_str()) + "\n"


__all__: list[Any] = ["Query", "build_schema", "export_federation_sdl", "export_sdl"]
