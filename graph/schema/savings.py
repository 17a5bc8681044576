"""Members' savings accounts and their transactions."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from db import savings as db_savings

from ..context import Info
from ..resolvers import network as network_resolvers
from ..resolvers import savings as resolvers
from .enums import SavingsKind, SavingsTransactionKind
from .money import Currency, Money
from .relay import Connection, RowNode

if TYPE_CHECKING:
    from .groups import Facilitator, Member
    from .network import Programme

_network = "graph.schema.network"
_groups = "graph.schema.groups"


@strawberry.type(description="A member's savings account, with its balance kept up to date.")
class SavingsAccount(RowNode):
    id: relay.NodeID[uuid.UUID]
    kind: SavingsKind = strawberry.field(description="Compulsory or voluntary savings.")
    opened_on: date = strawberry.field(description="When the account was opened.")
    closed_on: date | None = strawberry.field(description="When it was closed; null while open.")
    balance: Money = strawberry.field(description="What the member has saved: never below zero.")
    programme_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]
    currency_code: strawberry.Private[str]
    money: ClassVar[Mapping[str, str]] = {"balance": "currency_code"}

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.savings.savings_account_by_id

    @strawberry.field(description="The programme holding the account.")
    async def programme(self, info: Info) -> Annotated["Programme", strawberry.lazy(_network)]:
        return await network_resolvers.programme_by_id(info, self.programme_id)

    @strawberry.field(description="The member who owns the account.")
    async def member(self, info: Info) -> Annotated["Member", strawberry.lazy(_groups)]:
        return await resolvers.member(info, self.member_id)

    @strawberry.field(description="The currency the account is kept in (the programme's).")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)

    @strawberry.field(description="Deposits, withdrawals and interest, oldest first.")
    async def transactions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection["SavingsTransaction"]:
        return await resolvers.account_transactions(
            info, self.id, first=first, after=after, last=last, before=before
        )


@strawberry.type(description="A movement on a savings account.")
class SavingsTransaction(RowNode):
    id: relay.NodeID[uuid.UUID]
    kind: SavingsTransactionKind = strawberry.field(description="Deposit, withdrawal or interest.")
    occurred_on: date = strawberry.field(description="When the money moved.")
    amount: Money = strawberry.field(description="The amount moved (always positive).")
    balance_after: Money = strawberry.field(description="The account's balance right after it.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    account_id: strawberry.Private[uuid.UUID]
    recorded_by_id: strawberry.Private[uuid.UUID | None]
    money: ClassVar[Mapping[str, str]] = {
        "amount": "currency_code",
        "balance_after": "currency_code",
    }

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.savings.savings_transaction_by_id

    @strawberry.field(description="The account moved.")
    async def account(self, info: Info) -> SavingsAccount:
        return await resolvers.account(info, self.account_id)

    @strawberry.field(description="The facilitator who recorded it, if known.")
    async def recorded_by(
        self, info: Info
    ) -> Annotated["Facilitator", strawberry.lazy(_groups)] | None:
        return await resolvers.facilitator(info, self.recorded_by_id)


@strawberry.input(description="Narrows a list of savings accounts. Omitted fields do not filter.")
class SavingsAccountFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    kinds: list[SavingsKind] | None = strawberry.field(default=None, description="Account kinds.")
    min_balance: Decimal | None = strawberry.field(
        default=None,
        description="Only accounts with at least this balance, in each account's own currency.",
    )

    def to_db(self) -> db_savings.SavingsAccountFilter:
        return db_savings.SavingsAccountFilter(
            programme_codes=tuple(self.programmes) if self.programmes is not None else None,
            kinds=tuple(self.kinds) if self.kinds is not None else None,
            min_balance=self.min_balance,
        )


@strawberry.type
class SavingsQuery:
    @strawberry.field(
        description="Savings accounts across the network, as the viewer may see them."
    )
    async def savings_accounts(
        self,
        info: Info,
        filter: SavingsAccountFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SavingsAccount]:
        return await resolvers.savings_accounts(
            info, filter, first=first, after=after, last=last, before=before
        )


@strawberry.type
class SavingsMutation:
    """The savings domain's mutations (composed into Mutation in graph/api.py)."""
