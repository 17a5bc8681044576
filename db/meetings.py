"""Group meetings: scoped reads, the collection sheet read before one, and the one write that
records a whole meeting (attendance, repayments, savings movements, training) through the
single writes of db/loans.py, db/savings.py and db/groups.py, so every rule of theirs holds."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import collection, rules
from domain import groups as methodology
from domain.allocation import InstallmentState
from domain.enums import (
    AttendanceStatus,
    LoanStatus,
    RepaymentKind,
    SavingsKind,
    SavingsTransactionKind,
    TrainingKind,
)
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7

from . import groups as db_groups
from . import loans as db_loans
from . import savings as db_savings
from .models import (
    Meeting,
    MeetingAttendance,
    Repayment,
    SavingsTransaction,
    TrainingSession,
)
from .network import in_programmes
from .pagination import Listing, between
from .scope import Scope

meetings = Meeting.__table__
attendances = MeetingAttendance.__table__
groups = db_groups.groups
memberships = db_groups.memberships
loans = db_loans.loans
installments = db_loans.installments
repayments = db_loans.repayments
accounts = db_savings.accounts
transactions = db_savings.transactions
programmes = db_loans.programmes


@dataclass(frozen=True, slots=True)
class MeetingFilter:
    programme_codes: tuple[str, ...] | None = None
    held_from: date | None = None
    held_to: date | None = None


def _meetings(scope: Scope, f: MeetingFilter | None) -> Select[Any]:
    stmt = select(meetings).where(scope.where(meetings.c.programme_id))
    if f is not None:
        if f.programme_codes is not None:
            stmt = stmt.where(in_programmes(meetings.c.programme_id, f.programme_codes))
        stmt = between(stmt, meetings.c.held_on, f.held_from, f.held_to)
    return stmt


def _attendances(scope: Scope, _: None) -> Select[Any]:
    return select(attendances).where(scope.where(attendances.c.programme_id))


MEETINGS = Listing(_meetings, meetings.c.id)
MEETING_ATTENDANCES: Listing[None] = Listing(_attendances, attendances.c.id)


def meeting_id(held_on: date) -> uuid.UUID:
    """A meeting's key, minted for the day it was held: a group's meetings list by day."""
    return uuid7(int(datetime.combine(held_on, time(), UTC).timestamp() * 1000))


def _members_on(group_id: uuid.UUID, on: date) -> Any:
    """The condition: a membership of the group covering `on`."""
    return and_(
        memberships.c.group_id == group_id,
        memberships.c.joined_on <= on,
        or_(memberships.c.left_on.is_(None), memberships.c.left_on > on),
    )


# The collection sheet ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetLoan:
    loan_id: uuid.UUID
    due: collection.LoanDue


@dataclass(frozen=True, slots=True)
class SheetLine:
    member_id: uuid.UUID
    loans: list[SheetLoan]
    savings_balance: Decimal
    compulsory_balance: Decimal
    compulsory_due: Decimal


@dataclass(frozen=True, slots=True)
class Sheet:
    group_id: uuid.UUID
    on: date
    currency: str
    lines: list[SheetLine]


async def collection_sheet(
    session: AsyncSession, scope: Scope, group_id: uuid.UUID, on: date
) -> Sheet | None:
    """The group's sheet for a meeting on `on`: each member in the group that day (by join
    order), her loans outstanding at the start of the day (disbursed before it) with what
    each asks, her savings at the start of the day and the compulsory saving due. Five
    statements whatever the group's size; None if the group is not in scope."""
    group = (
        await session.execute(
            select(programmes.c.currency_code, programmes.c.compulsory_savings_minimum)
            .join(groups, groups.c.programme_id == programmes.c.id)
            .where(groups.c.id == group_id, scope.where(groups.c.programme_id))
        )
    ).first()
    if group is None:
        return None
    member_ids = list(
        await session.scalars(
            select(memberships.c.member_id)
            .where(_members_on(group_id, on), scope.where(memberships.c.programme_id))
            .order_by(memberships.c.joined_on, memberships.c.id)
        )
    )
    open_loans = (
        select(loans.c.id, loans.c.member_id)
        .where(
            loans.c.member_id.in_(member_ids),
            scope.where(loans.c.programme_id),
            loans.c.status != LoanStatus.PENDING,
            loans.c.disbursed_on < on,
            or_(loans.c.closed_on.is_(None), loans.c.closed_on >= on),
        )
        .cte("open_loans")
    )
    schedules: defaultdict[uuid.UUID, list[InstallmentState]] = defaultdict(list)
    holder: dict[uuid.UUID, uuid.UUID] = {}
    for row in await session.execute(
        select(open_loans.c.member_id, installments)
        .join(open_loans, open_loans.c.id == installments.c.loan_id)
        .order_by(installments.c.loan_id, installments.c.number)
    ):
        holder[row.loan_id] = row.member_id
        schedules[row.loan_id].append(
            InstallmentState(row.number, row.due_on, row.principal_due, row.interest_due)
        )
    paid: defaultdict[uuid.UUID, list[tuple[date, Decimal]]] = defaultdict(list)
    reversed_ids = select(repayments.c.reverses_id).where(
        repayments.c.loan_id.in_(list(holder)), repayments.c.reverses_id.is_not(None)
    )
    for row in await session.execute(
        select(repayments.c.loan_id, repayments.c.paid_on, repayments.c.amount)
        .where(
            repayments.c.loan_id.in_(list(holder)),
            scope.where(repayments.c.programme_id),
            repayments.c.kind == RepaymentKind.REPAYMENT,
            repayments.c.paid_on < on,
            repayments.c.id.not_in(reversed_ids),
        )
        .order_by(repayments.c.paid_on, repayments.c.id)
    ):
        paid[row.loan_id].append((row.paid_on, row.amount))
    signed = case(
        (transactions.c.kind == SavingsTransactionKind.WITHDRAWAL, -transactions.c.amount),
        else_=transactions.c.amount,
    )
    balances: defaultdict[uuid.UUID, dict[SavingsKind, Decimal]] = defaultdict(dict)
    for row in await session.execute(
        select(accounts.c.member_id, accounts.c.kind, func.sum(signed).label("balance"))
        .join(transactions, transactions.c.account_id == accounts.c.id)
        .where(
            accounts.c.member_id.in_(member_ids),
            scope.where(accounts.c.programme_id),
            transactions.c.occurred_on < on,
        )
        .group_by(accounts.c.member_id, accounts.c.kind)
    ):
        balances[row.member_id][row.kind] = row.balance
    by_member: defaultdict[uuid.UUID, list[SheetLoan]] = defaultdict(list)
    for loan_id, schedule in schedules.items():
        due = collection.loan_due(schedule, paid[loan_id], on)
        by_member[holder[loan_id]].append(SheetLoan(loan_id, due))
    lines = []
    for member_id in member_ids:
        saved = balances[member_id]
        compulsory = saved.get(SavingsKind.COMPULSORY, Decimal(0))
        owed = sorted(by_member[member_id], key=lambda s: s.loan_id)
        lines.append(
            SheetLine(
                member_id=member_id,
                loans=owed,
                savings_balance=sum(saved.values(), Decimal(0)),
                compulsory_balance=compulsory,
                compulsory_due=collection.compulsory_saving_due(
                    compulsory, group.compulsory_savings_minimum, bool(owed)
                ),
            )
        )
    return Sheet(group_id, on, group.currency_code.strip(), lines)


# Recording a meeting -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class LineRepayment:
    loan_id: uuid.UUID
    amount: Money


@dataclass(frozen=True, slots=True)
class LineSaving:
    kind: SavingsKind
    amount: Money


@dataclass(frozen=True, slots=True)
class MeetingLine:
    """One member at the meeting. `label` names her in error messages (the ID she was sent
    as); repayments are recorded first, then deposits, then withdrawals (a withdrawal is
    judged with the loan state her repayments leave)."""

    member_id: uuid.UUID
    label: str
    attendance: AttendanceStatus
    repayments: Sequence[LineRepayment] = ()
    deposits: Sequence[LineSaving] = ()
    withdrawals: Sequence[LineSaving] = ()


@dataclass(frozen=True, slots=True)
class Training:
    kind: TrainingKind
    topic: str


@dataclass(frozen=True, slots=True)
class Recorded:
    meeting: RowMapping
    attendance: dict[AttendanceStatus, int]
    repaid: Decimal
    deposited: Decimal
    withdrawn: Decimal
    training_session_id: uuid.UUID | None


# What a single write's field becomes on a line of the meeting: the money's day and collector
# are the meeting's, so a refusal on them is the line's item (its loan or account kind).
_LINE_FIELDS = {
    "paidOn": "loan",
    "collectedBy": "loan",
    "occurredOn": "kind",
    "recordedBy": "kind",
    "account": "kind",
    "member": "kind",
}


def _on_line(
    violation: RuleViolation, line: MeetingLine, path: tuple[str, ...], item: str
) -> RuleViolation:
    """A single write's refusal, named by the meeting's line, item and field."""
    inner = _LINE_FIELDS.get(violation.field[0], violation.field[0]) if violation.field else ""
    at = (*path, inner) if inner else path
    return RuleViolation(
        ("lines", *at), violation.code, f"Line {path[0]}, member {line.label}, {item}: {violation}"
    )


async def record_meeting(
    session: AsyncSession,
    scope: Scope,
    *,
    group_id: uuid.UUID,
    held_on: date,
    facilitator_id: uuid.UUID | None,
    notes: str,
    lines: Sequence[MeetingLine],
    training: Training | None,
    today: date,
) -> Recorded:
    """The meeting, each line's money through the single writes, the attendance (members of
    the group that day who are not listed are ABSENT), the training given to those present;
    all of it or, at the first line refused, nothing."""
    group = await db_loans.first_row(
        session,
        select(groups)
        .where(groups.c.id == group_id, scope.where(groups.c.programme_id))
        .with_for_update(key_share=True),
    )
    if group is None:
        raise RuleViolation("group", ErrorCode.NOT_FOUND, "No such group.")
    programme_id = group["programme_id"]
    scope.require_operator(programme_id)
    methodology.require_open("group", group["status"])
    rules.not_in_future("heldOn", held_on, today)
    rules.in_order("heldOn", group["formed_on"], held_on)
    if facilitator_id is None:
        facilitator_id = group["facilitator_id"]
    else:
        await db_loans.collector(session, scope, facilitator_id, programme_id, "facilitator")
    methodology.distinct("lines", [line.member_id for line in lines])
    held = await session.scalar(
        select(meetings.c.id).where(meetings.c.group_id == group_id, meetings.c.held_on == held_on)
    )
    if held is not None:
        raise _already_met(held_on)
    members_then = set(
        await session.scalars(select(memberships.c.member_id).where(_members_on(group_id, held_on)))
    )
    for index, line in enumerate(lines):
        if line.member_id not in members_then:
            raise RuleViolation(
                ("lines", str(index), "member"),
                ErrorCode.INVALID,
                f"Line {index}, member {line.label}: not a member of this group on {held_on}.",
            )
    await _loans_held(session, scope, lines)
    try:
        meeting = await db_loans.first_row(
            session,
            insert(Meeting)
            .values(
                id=meeting_id(held_on),
                programme_id=programme_id,
                group_id=group_id,
                facilitator_id=facilitator_id,
                held_on=held_on,
                notes=notes.strip(),
            )
            .returning(*meetings.c),
        )
    except IntegrityError as error:  # a concurrent record of the same meeting committed first
        if "uq_meetings_group_id_held_on" in str(error.orig):
            raise _already_met(held_on) from error
        raise
    assert meeting is not None
    status = {line.member_id: line.attendance for line in lines}
    for member_id in sorted(members_then - status.keys()):
        status[member_id] = AttendanceStatus.ABSENT
    if status:  # a group with no member that day still meets (its facilitator came)
        await session.execute(
            insert(MeetingAttendance),
            [
                {
                    "id": uuid7(),
                    "programme_id": programme_id,
                    "meeting_id": meeting["id"],
                    "member_id": member_id,
                    "status": attendance,
                }
                for member_id, attendance in status.items()
            ],
        )
    money = await _record_money(session, scope, lines, held_on, facilitator_id, today)
    session_id = None
    if training is not None:
        session_id = await _record_training(
            session, scope, group_id, held_on, facilitator_id, training, status, today
        )
    linked: list[tuple[Any, list[uuid.UUID]]] = [
        (Repayment, money.repayment_ids),
        (SavingsTransaction, money.transaction_ids),
        (TrainingSession, [session_id] if session_id else []),
    ]
    for model, ids in linked:
        if ids:
            await session.execute(
                update(model)
                .where(model.id.in_(ids))
                .values(meeting_id=meeting["id"])
                .execution_options(synchronize_session=False)
            )
    counts = dict.fromkeys(AttendanceStatus, 0)
    for attendance in status.values():
        counts[attendance] += 1
    return Recorded(
        meeting=meeting,
        attendance=counts,
        repaid=money.repaid,
        deposited=money.deposited,
        withdrawn=money.withdrawn,
        training_session_id=session_id,
    )


def _already_met(held_on: date) -> RuleViolation:
    return RuleViolation(
        "heldOn", ErrorCode.ALREADY_EXISTS, f"The group's meeting of {held_on} is recorded."
    )


async def _loans_held(session: AsyncSession, scope: Scope, lines: Sequence[MeetingLine]) -> None:
    """Each repayment is on a loan of the line's member (one statement for the meeting)."""
    asked = [r.loan_id for line in lines for r in line.repayments]
    if not asked:
        return
    rows = await session.execute(
        select(loans.c.id, loans.c.member_id).where(
            loans.c.id.in_(asked), scope.where(loans.c.programme_id)
        )
    )
    holders = {row.id: row.member_id for row in rows}
    for index, line in enumerate(lines):
        for number, repayment in enumerate(line.repayments):
            holder = holders.get(repayment.loan_id)
            if holder == line.member_id:
                continue
            path = ("lines", str(index), "repayments", str(number), "loan")
            prefix = f"Line {index}, member {line.label}, repayment {number}"
            if holder is None:
                raise RuleViolation(path, ErrorCode.NOT_FOUND, f"{prefix}: no such loan.")
            raise RuleViolation(path, ErrorCode.INVALID, f"{prefix}: the loan is not hers.")


@dataclass
class _Money:
    repayment_ids: list[uuid.UUID] = field(default_factory=list)
    transaction_ids: list[uuid.UUID] = field(default_factory=list)
    repaid: Decimal = Decimal(0)
    deposited: Decimal = Decimal(0)
    withdrawn: Decimal = Decimal(0)


async def _record_money(
    session: AsyncSession,
    scope: Scope,
    lines: Sequence[MeetingLine],
    held_on: date,
    facilitator_id: uuid.UUID,
    today: date,
) -> _Money:
    done = _Money()
    accounts_of = await _accounts_by_kind(session, scope, lines)
    for index, line in enumerate(lines):
        for number, repayment in enumerate(line.repayments):
            path = (str(index), "repayments", str(number))
            try:
                row = await db_loans.record_repayment(
                    session,
                    scope,
                    loan_id=repayment.loan_id,
                    amount=repayment.amount.amount,
                    currency=repayment.amount.currency,
                    paid_on=held_on,
                    collected_by_id=facilitator_id,
                    note="",
                    today=today,
                )
            except RuleViolation as refused:
                raise _on_line(refused, line, path, f"repayment {number}") from None
            done.repayment_ids.append(row["id"])
            done.repaid += row["amount"]
        for number, deposit in enumerate(line.deposits):
            path = (str(index), "deposits", str(number))
            try:
                row = await db_savings.deposit(
                    session,
                    scope,
                    member_id=line.member_id,
                    kind=deposit.kind,
                    amount=deposit.amount.amount,
                    currency=deposit.amount.currency,
                    occurred_on=held_on,
                    recorded_by_id=facilitator_id,
                    today=today,
                )
            except RuleViolation as refused:
                raise _on_line(refused, line, path, f"deposit {number}") from None
            done.transaction_ids.append(row["id"])
            done.deposited += row["amount"]
        for number, withdrawal in enumerate(line.withdrawals):
            path = (str(index), "withdrawals", str(number))
            account_id = accounts_of.get((line.member_id, withdrawal.kind))
            try:
                if account_id is None:
                    raise RuleViolation(
                        "kind", ErrorCode.NOT_FOUND, f"She has no {withdrawal.kind.value} account."
                    )
                row = await db_savings.withdraw(
                    session,
                    scope,
                    account_id=account_id,
                    amount=withdrawal.amount.amount,
                    currency=withdrawal.amount.currency,
                    occurred_on=held_on,
                    recorded_by_id=facilitator_id,
                    today=today,
                )
            except RuleViolation as refused:
                raise _on_line(refused, line, path, f"withdrawal {number}") from None
            done.transaction_ids.append(row["id"])
            done.withdrawn += row["amount"]
    return done


async def _accounts_by_kind(
    session: AsyncSession, scope: Scope, lines: Sequence[MeetingLine]
) -> dict[tuple[uuid.UUID, SavingsKind], uuid.UUID]:
    """The accounts the withdrawals draw on, by member and kind (one statement)."""
    members = [line.member_id for line in lines if line.withdrawals]
    if not members:
        return {}
    rows = await session.execute(
        select(accounts.c.member_id, accounts.c.kind, accounts.c.id).where(
            accounts.c.member_id.in_(members), scope.where(accounts.c.programme_id)
        )
    )
    return {(row.member_id, row.kind): row.id for row in rows}


async def _record_training(
    session: AsyncSession,
    scope: Scope,
    group_id: uuid.UUID,
    held_on: date,
    facilitator_id: uuid.UUID,
    training: Training,
    status: dict[uuid.UUID, AttendanceStatus],
    today: date,
) -> uuid.UUID:
    """The training given at the meeting, attended by the members present."""
    present = [m for m, s in status.items() if s is AttendanceStatus.PRESENT]
    if not present:
        raise RuleViolation(
            "training", ErrorCode.REQUIRED, "No member is present: no training to record."
        )
    try:
        row = await db_groups.record_training_session(
            session,
            scope,
            group_id=group_id,
            held_on=held_on,
            kind=training.kind,
            topic=training.topic,
            attendee_ids=present,
            facilitator_id=facilitator_id,
            today=today,
        )
    except RuleViolation as refused:
        inner = refused.field[:1] if refused.field == ("topic",) else ()
        raise RuleViolation(("training", *inner), refused.code, str(refused)) from None
    training_id: uuid.UUID = row["id"]
    return training_id
