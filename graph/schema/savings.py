"""Members' savings accounts and their transactions."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry import relay

from db import savings as db_savings

from .enums import SavingsKind, SavingsTransactionKind
from .fields import children, parent, root_connection
from .money import Currency, Money, MoneyInput
from .mutations import IDEMPOTENCY_KEY_DESCRIPTION, UserError
from .relay import RowNode, as_tuple

if TYPE_CHECKING:
    from .groups import Facilitator, Member
    from .network import Programme

_network = "graph.schema.network"
_groups = "graph.schema.groups"
_loans = "graph.schema.loans"


@strawberry.federation.type(
    keys=["id"], description="A member's savings account, with its balance kept up to date."
)
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
    listing = db_savings.SAVINGS_ACCOUNTS
    # An account's programme and member, and a transaction's account, are in the same
    # programme: whoever sees the one sees the other, so those relations are never null.
    programme = parent(
        Annotated["Programme", strawberry.lazy(_network)],
        "programme_id",
        description="The programme holding the account.",
    )
    member = parent(
        Annotated["Member", strawberry.lazy(_groups)],
        "member_id",
        description="The member who owns the account.",
    )

    @strawberry.field(description="The currency the account is kept in (the programme's).")
    def currency(self) -> Currency:
        return Currency.of(self.currency_code)

    transactions = children(
        "SavingsTransaction",
        db_savings.transactions.c.account_id,
        description="Deposits, withdrawals and interest, oldest first.",
    )


@strawberry.federation.type(keys=["id"], description="A movement on a savings account.")
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

    listing = db_savings.SAVINGS_TRANSACTIONS
    account = parent(SavingsAccount, "account_id", description="The account moved.")
    recorded_by = parent(
        Annotated["Facilitator", strawberry.lazy(_groups)] | None,
        "recorded_by_id",
        description="The facilitator who recorded it, if known.",
    )


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
            programme_codes=as_tuple(self.programmes),
            kinds=as_tuple(self.kinds),
            min_balance=self.min_balance,
        )


@strawberry.type
class SavingsQuery:
    savings_accounts = root_connection(
        SavingsAccount,
        filter=SavingsAccountFilter,
        description="Savings accounts across the network, as the viewer may see them.",
    )


_USER_ERRORS = "Why it was refused, if it was: each names the input field at fault."
_REPLAYED = "True when this is the first result of an earlier request with the same key."


@strawberry.input(
    description="Money a member puts on her savings account of a kind. A member has one "
    "account of each kind: the first deposit opens it (on `occurredOn`, in the programme's "
    "currency); there is no separate mutation to open an account."
)
class SavingsDepositInput:
    member: relay.GlobalID = strawberry.field(description="The member saving.")
    kind: SavingsKind = strawberry.field(description="Which of her accounts: compulsory or not.")
    amount: MoneyInput = strawberry.field(
        description="What she deposits, in the account's (programme's) currency."
    )
    occurred_on: date = strawberry.field(
        description="When: not in the future, not before the account was opened."
    )
    recorded_by: relay.GlobalID = strawberry.field(
        description="The facilitator who took the money, of the member's programme."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="Money a member takes out of a savings account. A withdrawal never takes the "
    "balance below zero (INSUFFICIENT_BALANCE) nor, on a COMPULSORY account while she has an "
    "ACTIVE loan, below her programme's compulsory minimum where it sets one "
    "(BELOW_COMPULSORY_MINIMUM); the message says how much may be withdrawn."
)
class SavingsWithdrawInput:
    account: relay.GlobalID = strawberry.field(description="The account.")
    amount: MoneyInput = strawberry.field(
        description="What she withdraws, in the account's currency."
    )
    occurred_on: date = strawberry.field(
        description="When: not in the future, not before the account was opened."
    )
    recorded_by: relay.GlobalID = strawberry.field(
        description="The facilitator who handed the money over, of the account's programme."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of savingsDeposit or savingsWithdraw.")
class SavingsMovementPayload:
    transaction: SavingsTransaction | None = strawberry.field(
        description="The movement, with the balance after it; null if refused."
    )
    account: SavingsAccount | None = strawberry.field(
        description="The account after it; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)
