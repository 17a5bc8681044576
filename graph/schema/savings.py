"""Members' savings accounts and their transactions."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar, Optional

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


@strawberry.federation.type(
    keys=["id"],
    description="An entry on a savings account: a movement, or the REVERSAL of one entered by "
    "mistake. Entries are never deleted; a reversal restates the past: balances on any day "
    "(and the indicators) read as if neither the entry nor its reversal had happened, and the "
    "reversal's own day (`occurredOn`) changes no balance on an earlier day.",
)
class SavingsTransaction(RowNode):
    id: relay.NodeID[uuid.UUID]
    kind: SavingsTransactionKind = strawberry.field(
        description="Deposit, withdrawal, interest, or the reversal of one of them."
    )
    occurred_on: date = strawberry.field(description="When the money moved (or was reversed).")
    amount: Money = strawberry.field(description="The amount moved or reversed (positive).")
    balance_after: Money = strawberry.field(
        description="The account's balance right after it was recorded."
    )
    note: str = strawberry.field(description="Why it was reversed, or how it came about.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    account_id: strawberry.Private[uuid.UUID]
    recorded_by_id: strawberry.Private[uuid.UUID | None]
    reverses_id: strawberry.Private[uuid.UUID | None]
    reversed_by_id: strawberry.Private[uuid.UUID | None]
    posting_id: strawberry.Private[uuid.UUID | None]
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
    reverses = parent(
        Optional["SavingsTransaction"],
        "reverses_id",
        description="For a REVERSAL, the entry it cancels; null otherwise.",
    )
    reversed_by = parent(
        Optional["SavingsTransaction"],
        "reversed_by_id",
        description="The REVERSAL that cancels this entry; null if none does.",
    )
    posting = parent(
        Optional["SavingsInterestPosting"],
        "posting_id",
        description="For INTEREST credited by savingsInterestPost, its posting; null otherwise.",
    )


@strawberry.federation.type(
    keys=["id"],
    description="Interest credited for a period at an annual rate, to one account or to every "
    "open account of a programme (of a kind): simple interest on each end-of-day balance of "
    "the period (actual/365), rounded half up once per account to the currency's minor unit; "
    "each credit is an INTEREST entry dated the period's last day. Its figures are as posted: "
    "a credit reversed later shows on its entry.",
)
class SavingsInterestPosting(RowNode):
    id: relay.NodeID[uuid.UUID]
    kind: SavingsKind | None = strawberry.field(
        description="The kind of accounts credited; null for every kind (or one account)."
    )
    period_from: date = strawberry.field(description="First day of the period, included.")
    period_to: date = strawberry.field(description="Last day of the period, included.")
    annual_rate_percent: Decimal = strawberry.field(description="Interest per year, in percent.")
    posted_on: date = strawberry.field(description="The day the credits are dated (periodTo).")
    accounts_credited: int = strawberry.field(
        description="How many accounts were credited (a credit rounding to zero is none)."
    )
    total: Money = strawberry.field(description="The sum of the credits.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
    programme_id: strawberry.Private[uuid.UUID]
    account_id: strawberry.Private[uuid.UUID | None]
    recorded_by_id: strawberry.Private[uuid.UUID]
    currency_code: strawberry.Private[str]
    listing = db_savings.INTEREST_POSTINGS
    money: ClassVar[Mapping[str, str]] = {"total": "currency_code"}
    plain = frozenset({"annual_rate_percent"})
    programme = parent(
        Annotated["Programme", strawberry.lazy(_network)],
        "programme_id",
        description="The programme that credited the interest.",
    )
    account = parent(
        SavingsAccount | None,
        "account_id",
        description="The one account credited; null when the programme's accounts were.",
    )
    recorded_by = parent(
        Annotated["Facilitator", strawberry.lazy(_groups)],
        "recorded_by_id",
        description="The staff member who posted it.",
    )
    credits = children(
        SavingsTransaction,
        db_savings.transactions.c.posting_id,
        description="The INTEREST entries it made, one per account credited.",
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


@strawberry.input(
    description="Reverse a savings entry entered by mistake (never a delete): a REVERSAL entry "
    "that restates the past. Refused for a reversal (INVALID_STATE), an entry already reversed "
    "(ALREADY_REVERSED), on a closed account, and when the balance now or at the end of any "
    "day since the entry would be below zero without it (INSUFFICIENT_BALANCE: reverse the "
    "later withdrawals first)."
)
class SavingsTransactionReverseInput:
    transaction: relay.GlobalID = strawberry.field(description="The entry to reverse.")
    reversed_on: date = strawberry.field(
        description="When the mistake was corrected: not in the future, not before the entry."
    )
    reason: str = strawberry.field(description="Why it is reversed (required).")
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="Credit interest for a period at an annual rate: to one `account`, or to every "
    "open account of a `programme` (of `kind`, if given) opened by the period's end. The rule "
    "is on SavingsInterestPosting. Refused (ALREADY_POSTED) when any of those accounts already "
    "has interest standing for part of the period."
)
class SavingsInterestPostInput:
    account: relay.GlobalID | None = strawberry.field(
        default=None, description="One account; or give `programme`."
    )
    programme: relay.GlobalID | None = strawberry.field(
        default=None, description="Every open account of this programme; or give `account`."
    )
    kind: SavingsKind | None = strawberry.field(
        default=None, description="With `programme`: only accounts of this kind."
    )
    period_from: date = strawberry.field(description="First day of the period, included.")
    period_to: date = strawberry.field(
        description="Last day of the period, included: not in the future; the credits' day."
    )
    annual_rate_percent: Decimal = strawberry.field(
        description="Interest per year, in percent: above 0, at most 100, 4 decimals at most."
    )
    recorded_by: relay.GlobalID = strawberry.field(
        description="The staff member (a facilitator of the programme) posting it."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.input(
    description="Close a savings account: its balance, if any, is paid out as a final "
    "WITHDRAWAL on `closedOn` under the withdrawal rules (a COMPULSORY account keeps its floor "
    "while she has an ACTIVE loan: BELOW_COMPULSORY_MINIMUM). A closed account takes no "
    "movement and is not reopened."
)
class SavingsAccountCloseInput:
    account: relay.GlobalID = strawberry.field(description="The account.")
    closed_on: date = strawberry.field(
        description="When: not in the future, not before its last entry."
    )
    recorded_by: relay.GlobalID = strawberry.field(
        description="The facilitator who hands the balance over, of the account's programme."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description=IDEMPOTENCY_KEY_DESCRIPTION
    )


@strawberry.type(description="The result of savingsInterestPost.")
class SavingsInterestPostPayload:
    posting: SavingsInterestPosting | None = strawberry.field(
        description="The posting, with its credits; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(description="The result of savingsAccountClose.")
class SavingsAccountClosePayload:
    account: SavingsAccount | None = strawberry.field(
        description="The account, closed (its last entry is the payout, if any); null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)


@strawberry.type(
    description="The result of savingsDeposit, savingsWithdraw or savingsTransactionReverse."
)
class SavingsMovementPayload:
    transaction: SavingsTransaction | None = strawberry.field(
        description="The movement, with the balance after it; null if refused."
    )
    account: SavingsAccount | None = strawberry.field(
        description="The account after it; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_USER_ERRORS)
    replayed: bool = strawberry.field(description=_REPLAYED)
