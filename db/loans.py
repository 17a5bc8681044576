"""Loan products, loans, their schedules and repayments: scoped reads, and the writes of a
loan's life (apply, approve, disburse, repay, reverse a repayment, write off; decline or
withdraw an application, undo an approval or a disbursement, reschedule, recover after a
write-off, pay off early)."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Executable,
    Select,
    and_,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain import lending, rules
from domain.allocation import (
    InstallmentState,
    OverpaymentError,
    Split,
    allocate,
    interest_in_arrears,
    oldest_unpaid_due_on,
    paid_so_far,
    replay_splits,
    waive_interest_after,
)
from domain.enums import (
    Activity,
    DueDateRule,
    EarlyPayoffInterest,
    GroupStatus,
    LoanStatus,
    RepaymentKind,
    TrainingKind,
)
from domain.errors import ErrorCode, RuleViolation
from domain.ids import uuid7
from domain.money import round_money
from domain.schedule import (
    MeetingCalendar,
    ScheduledInstallment,
    build_rescheduled,
    build_schedule,
)

from .indicators import loan_states, loans_state_on, outstanding_on
from .models import (
    Attendance,
    Facilitator,
    Group,
    GroupMembership,
    Installment,
    Loan,
    LoanProduct,
    LoanProductCycle,
    Meeting,
    Member,
    Programme,
    Repayment,
    SupersededInstallment,
    TrainingSession,
)
from .network import in_programmes
from .pagination import Listing, between
from .scope import Scope

products = LoanProduct.__table__
cycles = LoanProductCycle.__table__
loans = Loan.__table__
installments = Installment.__table__
repayments = Repayment.__table__
superseded = SupersededInstallment.__table__


@dataclass(frozen=True, slots=True)
class LoanProductFilter:
    programme_codes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class LoanFilter:
    programme_codes: tuple[str, ...] | None = None
    statuses: tuple[LoanStatus, ...] | None = None
    cycles: tuple[int, ...] | None = None
    product_ids: tuple[uuid.UUID, ...] | None = None
    disbursed_from: date | None = None
    disbursed_to: date | None = None
    # Active loans whose oldest unpaid installment is at least this many days late at as_of.
    min_days_past_due: int | None = None
    as_of: date | None = None


def _products(scope: Scope, f: LoanProductFilter | None) -> Select[Any]:
    stmt = select(products).where(scope.where(products.c.programme_id))
    if f is not None and f.programme_codes is not None:
        stmt = stmt.where(in_programmes(products.c.programme_id, f.programme_codes))
    return stmt


def _loans(scope: Scope, f: LoanFilter | None) -> Select[Any]:
    stmt = select(loans).where(scope.where(loans.c.programme_id))
    if f is None:
        return stmt
    if f.programme_codes is not None:
        stmt = stmt.where(in_programmes(loans.c.programme_id, f.programme_codes))
    if f.statuses is not None:
        stmt = stmt.where(loans.c.status.in_(f.statuses))
    if f.cycles is not None:
        stmt = stmt.where(loans.c.cycle.in_(f.cycles))
    if f.product_ids is not None:
        stmt = stmt.where(loans.c.product_id.in_(f.product_ids))
    stmt = between(stmt, loans.c.disbursed_on, f.disbursed_from, f.disbursed_to)
    if f.min_days_past_due is not None and f.min_days_past_due > 0:
        stmt = _days_past_due_at_least(stmt, f.min_days_past_due, f.as_of)
    return stmt


def _days_past_due_at_least(stmt: Select[Any], days: int, as_of: date | None) -> Select[Any]:
    """`stmt`'s loans outstanding at the end of `as_of` whose oldest unpaid installment was
    due at least `days` days before. Today (or later): from the derived state kept on the
    loan (indexed); a past day: from the ledger as it stood then, as the indicators read it."""
    today = date.today()
    as_of = as_of or today
    cutoff = as_of - timedelta(days=days)
    if as_of >= today:
        return stmt.where(
            loans.c.status == LoanStatus.ACTIVE, loans.c.oldest_unpaid_due_on <= cutoff
        )
    # The candidates: `stmt`'s loans (its other filters) outstanding then, disbursed before
    # the cutoff (no installment can be due by then otherwise).
    pairs = (
        stmt.with_only_columns(loans.c.id, loans.c.principal, literal(as_of, Date()).label("day"))
        .where(outstanding_on(as_of), loans.c.disbursed_on < cutoff)
        .cte("candidates")
    )
    state = loans_state_on(pairs)
    return stmt.where(loans.c.id.in_(select(state.c.id).where(state.c.oldest <= cutoff)))


@dataclass(frozen=True, slots=True)
class LoanStateOn:
    """A loan's state at the end of a day, as the ledger stood then."""

    outstanding_principal: Decimal
    oldest_unpaid_due_on: date | None


async def loan_states_on(
    session: AsyncSession, scope: Scope, keys: Sequence[tuple[uuid.UUID, date]]
) -> dict[tuple[uuid.UUID, date], LoanStateOn]:
    """The state of each (loan, day) key outstanding that day, in one statement; a loan
    not outstanding that day (not yet disbursed, repaid or written off) has no entry."""
    if not keys:
        return {}
    query = loan_states(scope, keys)
    return {
        (row.loan_id, row.day): LoanStateOn(row.outstanding, row.oldest)
        for row in await session.execute(query.statement, query.params)
    }


def _repayments(scope: Scope, _: None) -> Select[Any]:
    # Repayments carry no currency of their own: it is their loan's.
    return (
        select(repayments, loans.c.currency_code)
        .select_from(repayments.join(loans, loans.c.id == repayments.c.loan_id))
        .where(scope.where(repayments.c.programme_id))
    )


def _product_cycles(scope: Scope, _: None) -> Select[Any]:
    return (
        select(cycles, products.c.currency_code)
        .join(products, products.c.id == cycles.c.product_id)
        .where(scope.where(cycles.c.programme_id))
    )


def _superseded(scope: Scope, _: None) -> Select[Any]:
    # Ordered by key (rows minted in version then number order, see reschedule_loan).
    return (
        select(superseded, loans.c.currency_code)
        .join(loans, loans.c.id == superseded.c.loan_id)
        .where(scope.where(superseded.c.programme_id))
    )


LOAN_PRODUCTS = Listing(_products, products.c.id)
SUPERSEDED_INSTALLMENTS: Listing[None] = Listing(_superseded, superseded.c.id)
PRODUCT_CYCLES: Listing[None] = Listing(_product_cycles, cycles.c.id)
LOANS = Listing(_loans, loans.c.id)
REPAYMENTS: Listing[None] = Listing(_repayments, repayments.c.id)


async def loan_products(
    session: AsyncSession, scope: Scope, f: LoanProductFilter | None
) -> list[RowMapping]:
    stmt = LOAN_PRODUCTS.build(scope, f).order_by(products.c.programme_id, products.c.name)
    return list((await session.execute(stmt)).mappings())


async def schedules_by_loan(
    session: AsyncSession, scope: Scope, loan_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RowMapping]]:
    """Each loan's installments in number order, with the loan's currency."""
    stmt = (
        select(
            installments,
            (installments.c.principal_due + installments.c.interest_due).label("total_due"),
            loans.c.currency_code,
        )
        .select_from(installments.join(loans, loans.c.id == installments.c.loan_id))
        .where(scope.where(installments.c.programme_id))
        .where(installments.c.loan_id.in_(list(loan_ids)))
        .order_by(installments.c.loan_id, installments.c.number)
    )
    grouped: defaultdict[uuid.UUID, list[RowMapping]] = defaultdict(list)
    for row in (await session.execute(stmt)).mappings():
        grouped[row["loan_id"]].append(row)
    return {loan_id: grouped.get(loan_id, []) for loan_id in loan_ids}


# Writes. Each loads what it needs in scope, locks what it changes, applies the rules of
# domain/lending.py, domain/schedule.py and domain/allocation.py, and writes with Core. The
# loan's row is locked (FOR NO KEY UPDATE, the lock an UPDATE takes) before anything about
# the loan is read, so writes on one loan queue up and each sees the previous one's result.

members = Member.__table__
groups = Group.__table__
memberships = GroupMembership.__table__
training_sessions = TrainingSession.__table__
attendances = Attendance.__table__
facilitators = Facilitator.__table__
programmes = Programme.__table__
meetings = Meeting.__table__


async def first_row(session: AsyncSession, stmt: Executable) -> RowMapping | None:
    row: RowMapping | None = (await session.execute(stmt)).mappings().first()
    return row


async def collector(
    session: AsyncSession,
    scope: Scope,
    facilitator_id: uuid.UUID,
    programme_id: uuid.UUID,
    field: str,
) -> RowMapping:
    """A facilitator of `programme_id` (who collected or recorded money), or a user error."""
    row = await first_row(
        session,
        select(facilitators).where(
            facilitators.c.id == facilitator_id, scope.where(facilitators.c.programme_id)
        ),
    )
    if row is None:
        raise RuleViolation(field, ErrorCode.NOT_FOUND, "No such facilitator.")
    if row["programme_id"] != programme_id:
        raise RuleViolation(
            field, ErrorCode.OTHER_PROGRAMME, "This facilitator works for another programme."
        )
    return row


async def _locked_loan(session: AsyncSession, scope: Scope, loan_id: uuid.UUID) -> RowMapping:
    """The loan, in scope, locked until the transaction ends; the viewer must operate it."""
    loan = await first_row(
        session,
        select(loans)
        .where(loans.c.id == loan_id, scope.where(loans.c.programme_id))
        .with_for_update(key_share=True),
    )
    if loan is None:
        raise RuleViolation("loan", ErrorCode.NOT_FOUND, "No such loan.")
    scope.require_operator(loan["programme_id"])
    return loan


def _require_status(loan: RowMapping, *allowed: LoanStatus) -> None:
    if loan["status"] not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise RuleViolation(
            "loan", ErrorCode.INVALID_STATE, f"The loan is {loan['status'].value}, not {wanted}."
        )


async def apply_for_loan(
    session: AsyncSession,
    scope: Scope,
    *,
    member_id: uuid.UUID,
    product_id: uuid.UUID,
    principal: Decimal,
    currency: str,
    purpose: Activity | None,
    applied_on: date,
    today: date,
) -> RowMapping:
    """A PENDING loan of the member's next cycle, if the methodology allows it."""
    # Her row is locked so two applications for her cannot both pass the one-loan rule.
    member = await first_row(
        session,
        select(members)
        .where(members.c.id == member_id, scope.where(members.c.programme_id))
        .with_for_update(key_share=True),
    )
    if member is None:
        raise RuleViolation("member", ErrorCode.NOT_FOUND, "No such member.")
    programme_id = member["programme_id"]
    scope.require_operator(programme_id)
    rules.not_in_future("appliedOn", applied_on, today)
    rules.in_order("appliedOn", member["joined_on"], applied_on)
    product = await first_row(
        session,
        select(products).where(products.c.id == product_id, scope.where(products.c.programme_id)),
    )
    if product is None:
        raise RuleViolation("product", ErrorCode.NOT_FOUND, "No such loan product.")
    if product["programme_id"] != programme_id:
        raise RuleViolation(
            "product", ErrorCode.OTHER_PROGRAMME, "This product is another programme's."
        )
    programme = (
        (
            await session.execute(
                select(programmes.c.currency_code, programmes.c.initial_training_sessions).where(
                    programmes.c.id == programme_id, scope.where(programmes.c.id)
                )
            )
        )
        .mappings()
        .one()
    )
    # Her current group, share-locked: it cannot be closed while she is granted a loan.
    group = await first_row(
        session,
        select(groups.c.id, groups.c.status)
        .join(
            memberships,
            and_(memberships.c.group_id == groups.c.id, memberships.c.left_on.is_(None)),
        )
        .where(memberships.c.member_id == member_id, scope.where(groups.c.programme_id))
        .with_for_update(read=True, of=groups),
    )
    if group is None:
        raise RuleViolation(
            "member", ErrorCode.INVALID_STATE, "She is in no group: loans go through her group."
        )
    attended = await session.scalar(
        select(func.count())
        .select_from(
            attendances.join(training_sessions, training_sessions.c.id == attendances.c.session_id)
        )
        .where(
            attendances.c.member_id == member_id,
            training_sessions.c.kind == TrainingKind.INITIAL,
            training_sessions.c.held_on <= applied_on,
            scope.where(attendances.c.programme_id),
        )
    )
    earlier = (
        await session.execute(
            select(loans.c.status, loans.c.closed_on).where(
                loans.c.member_id == member_id,
                # Applications that never became loans are no cycle of hers.
                loans.c.status.not_in(lending.NEVER_LENT),
                scope.where(loans.c.programme_id),
            )
        )
    ).all()
    bands = await session.execute(
        select(
            cycles.c.first_cycle,
            cycles.c.last_cycle,
            cycles.c.min_principal,
            cycles.c.max_principal,
        )
        .where(cycles.c.product_id == product_id, scope.where(cycles.c.programme_id))
        .order_by(cycles.c.first_cycle)
    )
    currency_code = product["currency_code"].strip()
    cycle = lending.check_application(
        applicant=lending.Applicant(
            initial_sessions_attended=int(attended or 0),
            group_status=group["status"],
            earlier_loans=[status for status, _ in earlier],
            last_closed_on=max((day for _, day in earlier if day is not None), default=None),
        ),
        product=lending.ProductTerms(
            currency=currency_code,
            min_principal=product["min_principal"],
            max_principal=product["max_principal"],
            active=product["active"],
            allows_concurrent_loans=product["allows_concurrent_loans"],
            cycles=[lending.CycleBand(*band) for band in bands],
        ),
        programme_currency=programme["currency_code"].strip(),
        initial_sessions_required=programme["initial_training_sessions"],
        principal=principal,
        currency=currency,
        applied_on=applied_on,
    )
    row = await first_row(
        session,
        insert(Loan)
        .values(
            id=uuid7(),
            programme_id=programme_id,
            member_id=member_id,
            group_id=group["id"],
            product_id=product_id,
            currency_code=currency_code,
            cycle=cycle,
            principal=principal,
            purpose=purpose or member["activity"],
            interest_method=product["interest_method"],
            period_rate_percent=product["period_rate_percent"],
            installment_frequency=product["installment_frequency"],
            fee=lending.fee(principal, product["fee_percent"], currency_code),
            status=LoanStatus.PENDING,
            applied_on=applied_on,
        )
        .returning(*loans.c),
    )
    assert row is not None
    return row


async def approve_loan(
    session: AsyncSession, scope: Scope, *, loan_id: uuid.UUID, approved_on: date, today: date
) -> RowMapping:
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.PENDING)
    if loan["approved_on"] is not None:
        raise RuleViolation(
            "loan", ErrorCode.INVALID_STATE, f"The loan was approved on {loan['approved_on']}."
        )
    rules.not_in_future("approvedOn", approved_on, today)
    rules.in_order("approvedOn", loan["applied_on"], approved_on)
    return await _update_loan(session, loan_id, approved_on=approved_on)


async def disburse_loan(
    session: AsyncSession, scope: Scope, *, loan_id: uuid.UUID, disbursed_on: date, today: date
) -> RowMapping:
    """The loan ACTIVE, with its schedule built from its product's terms."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.PENDING)
    if loan["approved_on"] is None:
        raise RuleViolation("loan", ErrorCode.INVALID_STATE, "The loan is not approved yet.")
    rules.not_in_future("disbursedOn", disbursed_on, today)
    rules.in_order("disbursedOn", loan["approved_on"], disbursed_on)
    group_status = await session.scalar(
        select(groups.c.status)
        .where(groups.c.id == loan["group_id"], scope.where(groups.c.programme_id))
        .with_for_update(read=True)
    )
    if group_status is GroupStatus.CLOSED:
        raise RuleViolation("loan", ErrorCode.GROUP_CLOSED, "Her group has closed: no new loan.")
    terms = (
        await session.execute(
            select(products.c.installments, products.c.due_dates_follow).where(
                products.c.id == loan["product_id"], scope.where(products.c.programme_id)
            )
        )
    ).one()
    schedule = build_schedule(
        principal=loan["principal"],
        currency=loan["currency_code"].strip(),
        method=loan["interest_method"],
        period_rate_percent=loan["period_rate_percent"],
        installments=terms.installments,
        frequency=loan["installment_frequency"],
        disbursed_on=disbursed_on,
        meetings=await meeting_calendar(session, scope, loan["group_id"], disbursed_on)
        if terms.due_dates_follow is DueDateRule.MEETING_DAY
        else None,
    )
    await _insert_schedule(session, loan, schedule)
    return await _update_loan(
        session,
        loan_id,
        status=LoanStatus.ACTIVE,
        disbursed_on=disbursed_on,
        oldest_unpaid_due_on=schedule[0].due_on,
    )


async def meeting_calendar(
    session: AsyncSession, scope: Scope, group_id: uuid.UUID, on: date
) -> MeetingCalendar | None:
    """The group's meeting calendar as it stands on `on`: anchored on its latest meeting up to
    that day, at its meeting frequency; None while it has had no meeting (due dates then follow
    the disbursement day)."""
    row = (
        await session.execute(
            select(meetings.c.held_on, groups.c.meeting_frequency)
            .join(groups, groups.c.id == meetings.c.group_id)
            .where(
                meetings.c.group_id == group_id,
                meetings.c.held_on <= on,
                scope.where(meetings.c.programme_id),
            )
            .order_by(meetings.c.held_on.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else MeetingCalendar(row.held_on, row.meeting_frequency)


async def record_repayment(
    session: AsyncSession,
    scope: Scope,
    *,
    loan_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    paid_on: date,
    collected_by_id: uuid.UUID,
    note: str,
    today: date,
) -> RowMapping:
    """A REPAYMENT entry, allocated interest then principal from the oldest installment due;
    on a WRITTEN_OFF loan, a RECOVERY entry."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.ACTIVE, LoanStatus.WRITTEN_OFF)
    loan_currency = loan["currency_code"].strip()
    lending.money("amount", amount, currency, loan_currency)
    rules.not_in_future("paidOn", paid_on, today)
    rules.in_order("paidOn", loan["disbursed_on"], paid_on)
    await collector(session, scope, collected_by_id, loan["programme_id"], "collectedBy")
    if loan["status"] is LoanStatus.WRITTEN_OFF:
        return await _record_recovery(session, loan, amount, paid_on, collected_by_id, note)
    return await _record_payment(
        session,
        scope,
        loan,
        amount=amount,
        paid_on=paid_on,
        collected_by_id=collected_by_id,
        note=note,
    )


async def _record_payment(
    session: AsyncSession,
    scope: Scope,
    loan: RowMapping,
    *,
    amount: Decimal,
    paid_on: date,
    collected_by_id: uuid.UUID,
    note: str,
) -> RowMapping:
    """The REPAYMENT entry of an ACTIVE loan, checked and locked by the caller."""
    loan_id = loan["id"]
    loan_currency = loan["currency_code"].strip()
    ids, before = await _schedule_state(session, scope, loan_id)
    try:
        allocations, after = allocate(before, amount, paid_on)
    except OverpaymentError as refused:
        remaining = round_money(refused.remaining, loan_currency)
        raise RuleViolation(
            "amount",
            ErrorCode.OVERPAYMENT,
            f"{amount} {loan_currency} is more than the {remaining} {loan_currency} that remains "
            f"due on this loan: record at most {remaining} {loan_currency}.",
        ) from None
    principal_part = sum((a.principal for a in allocations), Decimal(0))
    interest_part = sum((a.interest for a in allocations), Decimal(0))
    standing = await _standing_payments(session, scope, loan_id)
    if any(p.paid_on > paid_on for p in standing):
        # Back-dated: the schedule is left as if the payments had come in date order, and
        # the later entries' splits are restated as that order makes them.
        after, splits = replay_splits(
            before, [*((p.paid_on, p.amount) for p in standing), (paid_on, amount)]
        )
        await _restate_splits(session, standing, splits[:-1])
        principal_part, interest_part = splits[-1].principal, splits[-1].interest
    row = await first_row(
        session,
        insert(Repayment)
        .values(
            id=uuid7(),
            programme_id=loan["programme_id"],
            loan_id=loan_id,
            kind=RepaymentKind.REPAYMENT,
            paid_on=paid_on,
            amount=amount,
            principal_part=principal_part,
            interest_part=interest_part,
            collected_by_id=collected_by_id,
            note=note.strip(),
        )
        .returning(*repayments.c),
    )
    assert row is not None
    await _update_installments(session, ids, before, after)
    await _update_loan(session, loan_id, **_derived_state(after))
    return row


async def reverse_repayment(
    session: AsyncSession,
    scope: Scope,
    *,
    repayment_id: uuid.UUID,
    reversed_on: date,
    reason: str,
    today: date,
) -> RowMapping:
    """A REVERSAL entry cancelling a repayment; the loan's state is replayed without it."""
    original = await first_row(
        session,
        select(repayments).where(
            repayments.c.id == repayment_id, scope.where(repayments.c.programme_id)
        ),
    )
    if original is None:
        raise RuleViolation("repayment", ErrorCode.NOT_FOUND, "No such repayment.")
    loan = await _locked_loan(session, scope, original["loan_id"])
    if original["kind"] is RepaymentKind.REVERSAL:
        raise RuleViolation(
            "repayment", ErrorCode.INVALID_STATE, "A reversal cannot itself be reversed."
        )
    # Read under the loan's lock: a concurrent reversal of the same entry has committed by now.
    reversal = await session.scalar(
        select(repayments.c.id).where(
            repayments.c.reverses_id == repayment_id, scope.where(repayments.c.programme_id)
        )
    )
    if reversal is not None:
        raise RuleViolation(
            "repayment", ErrorCode.ALREADY_REVERSED, "This repayment is already reversed."
        )
    # A recovery is on a WRITTEN_OFF loan, which stays so: it is reversed like any entry.
    recovery = original["kind"] is RepaymentKind.RECOVERY
    if not recovery and loan["status"] not in (LoanStatus.ACTIVE, LoanStatus.REPAID):
        raise RuleViolation(
            "repayment",
            ErrorCode.INVALID_STATE,
            f"The loan is {loan['status'].value}: its repayments can no longer be reversed.",
        )
    if loan["status"] is LoanStatus.REPAID:
        await _no_next_loan(session, scope, loan)
    if not reason.strip():
        raise RuleViolation("reason", ErrorCode.REASON_REQUIRED, "Say why it is reversed.")
    rules.not_in_future("reversedOn", reversed_on, today)
    rules.in_order("reversedOn", original["paid_on"], reversed_on)
    row = await first_row(
        session,
        insert(Repayment)
        .values(
            id=uuid7(),
            programme_id=original["programme_id"],
            loan_id=original["loan_id"],
            kind=RepaymentKind.REVERSAL,
            paid_on=reversed_on,
            amount=original["amount"],
            principal_part=original["principal_part"],
            interest_part=original["interest_part"],
            reverses_id=repayment_id,
            note=reason.strip(),
        )
        .returning(*repayments.c),
    )
    assert row is not None
    if recovery:
        await _update_loan(session, loan["id"], recovered=loans.c.recovered - original["amount"])
        return row
    if loan["status"] is LoanStatus.REPAID:
        # The loan reopens: interest waived when it was paid off early is due again.
        await _restore_waived_interest(session, loan["id"])
    ids, before = await _schedule_state(session, scope, original["loan_id"])
    standing = await _standing_payments(session, scope, original["loan_id"])
    after, splits = replay_splits(before, [(p.paid_on, p.amount) for p in standing])
    await _restate_splits(session, standing, splits)
    await _update_installments(session, ids, before, after)
    await _update_loan(session, original["loan_id"], **_derived_state(after))
    return row


async def _no_next_loan(session: AsyncSession, scope: Scope, loan: RowMapping) -> None:
    """A reversal reopens a REPAID loan: refused once a loan of her next cycles was granted
    on it under a product allowing no other loan alongside (she would hold two open loans,
    or a next cycle before this one is repaid)."""
    # Her row is locked as loanApply locks it: no application passes the one-loan rule
    # on this loan's REPAID status while it is being reopened.
    await session.execute(
        select(members.c.id)
        .where(members.c.id == loan["member_id"], scope.where(members.c.programme_id))
        .with_for_update(key_share=True)
    )
    later = await first_row(
        session,
        select(loans.c.cycle, loans.c.status)
        .join(products, products.c.id == loans.c.product_id)
        .where(
            loans.c.member_id == loan["member_id"],
            loans.c.cycle > loan["cycle"],
            loans.c.status.not_in(lending.NEVER_LENT),
            products.c.allows_concurrent_loans.is_(False),
            scope.where(loans.c.programme_id),
        )
        .order_by(loans.c.cycle)
        .limit(1),
    )
    if later is not None:
        raise RuleViolation(
            "repayment",
            ErrorCode.NEXT_LOAN_EXISTS,
            f"This loan was repaid on {loan['closed_on']} and her cycle {later['cycle']} loan "
            f"({later['status'].value}) was granted on it: a reversal would reopen this loan "
            "beside it. Record the correction on her current loan instead.",
        )


async def write_off_loan(
    session: AsyncSession,
    scope: Scope,
    *,
    loan_id: uuid.UUID,
    written_off_on: date,
    reason: str,
    today: date,
) -> RowMapping:
    """The outstanding principal written off as unrecoverable; the loan closes."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.ACTIVE)
    if not reason.strip():
        raise RuleViolation("reason", ErrorCode.REASON_REQUIRED, "Say why it is written off.")
    rules.not_in_future("writtenOffOn", written_off_on, today)
    rules.in_order("writtenOffOn", loan["disbursed_on"], written_off_on)
    outstanding = loan["outstanding_principal"]
    if outstanding <= 0:
        raise RuleViolation("loan", ErrorCode.INVALID_STATE, "No principal is outstanding.")
    return await _update_loan(
        session,
        loan_id,
        status=LoanStatus.WRITTEN_OFF,
        written_off_principal=outstanding,
        closed_on=written_off_on,
        oldest_unpaid_due_on=None,
    )


async def close_application(
    session: AsyncSession,
    scope: Scope,
    *,
    loan_id: uuid.UUID,
    status: LoanStatus,
    closed_on: date,
    reason: str,
    today: date,
) -> RowMapping:
    """A PENDING application DECLINED by the programme (before it is approved: an approval
    is undone first) or WITHDRAWN by the member (before disbursement): it closes, nothing
    outstanding, and no longer holds her next loan or her group's closure."""
    declined = status is LoanStatus.DECLINED
    field = "declinedOn" if declined else "withdrawnOn"
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.PENDING)
    if declined and loan["approved_on"] is not None:
        raise RuleViolation(
            "loan",
            ErrorCode.INVALID_STATE,
            f"The loan was approved on {loan['approved_on']}: undo the approval first "
            "(loanApprovalUndo), then decline it.",
        )
    why = lending.reason("reason", reason, "declined" if declined else "withdrawn")
    rules.not_in_future(field, closed_on, today)
    rules.in_order(field, loan["approved_on"] or loan["applied_on"], closed_on)
    return await _update_loan(
        session, loan_id, status=status, closed_on=closed_on, closing_reason=why
    )


async def undo_approval(
    session: AsyncSession, scope: Scope, *, loan_id: uuid.UUID, reason: str
) -> RowMapping:
    """An approved application back to awaiting approval (PENDING, approvedOn null)."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.PENDING)
    if loan["approved_on"] is None:
        raise RuleViolation("loan", ErrorCode.INVALID_STATE, "The loan is not approved.")
    lending.reason("reason", reason, "undone")
    return await _update_loan(session, loan_id, approved_on=None)


async def undo_disbursement(
    session: AsyncSession, scope: Scope, *, loan_id: uuid.UUID, reason: str
) -> RowMapping:
    """A disbursement recorded by mistake, undone before any repayment: the loan is the
    approved application again (PENDING), its schedules gone. It restates the past: the
    loan was never outstanding (the triggers pull back the snapshots from its disbursement)."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.ACTIVE)
    entries = await session.scalar(
        select(func.count()).where(
            repayments.c.loan_id == loan_id, scope.where(repayments.c.programme_id)
        )
    )
    if entries:
        raise RuleViolation(
            "loan",
            ErrorCode.REPAYMENTS_RECORDED,
            f"{entries} ledger entries are recorded on this loan (reversed ones too): a "
            "disbursement is undone only before any repayment.",
        )
    lending.reason("reason", reason, "undone")
    await session.execute(delete(SupersededInstallment).where(superseded.c.loan_id == loan_id))
    await session.execute(delete(Installment).where(installments.c.loan_id == loan_id))
    return await _update_loan(
        session,
        loan_id,
        status=LoanStatus.PENDING,
        disbursed_on=None,
        oldest_unpaid_due_on=None,
        rescheduled_on=None,
    )


async def _record_recovery(
    session: AsyncSession,
    loan: RowMapping,
    amount: Decimal,
    paid_on: date,
    collected_by_id: uuid.UUID,
    note: str,
) -> RowMapping:
    """A RECOVERY entry on a WRITTEN_OFF loan: all of it principal written off coming back
    (income, not portfolio: the loan stays written off)."""
    currency = loan["currency_code"].strip()
    lending.check_recovery(amount, loan["written_off_principal"], loan["recovered"], currency)
    rules.in_order("paidOn", loan["closed_on"], paid_on)
    row = await first_row(
        session,
        insert(Repayment)
        .values(
            id=uuid7(),
            programme_id=loan["programme_id"],
            loan_id=loan["id"],
            kind=RepaymentKind.RECOVERY,
            paid_on=paid_on,
            amount=amount,
            principal_part=amount,
            interest_part=Decimal(0),
            collected_by_id=collected_by_id,
            note=note.strip(),
        )
        .returning(*repayments.c),
    )
    assert row is not None
    await _update_loan(session, loan["id"], recovered=loans.c.recovered + amount)
    return row


async def pay_off_loan(
    session: AsyncSession,
    scope: Scope,
    *,
    loan_id: uuid.UUID,
    amount: Decimal,
    currency: str,
    paid_on: date,
    collected_by_id: uuid.UUID,
    note: str,
    today: date,
) -> RowMapping:
    """The whole balance repaid at once: a REPAYMENT of exactly what remains due on
    `paid_on` (the interest of later installments waived if the product says so), and the
    loan REPAID that day."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.ACTIVE)
    loan_currency = loan["currency_code"].strip()
    lending.money("amount", amount, currency, loan_currency)
    rules.not_in_future("paidOn", paid_on, today)
    rules.in_order("paidOn", loan["disbursed_on"], paid_on)
    standing = await _standing_payments(session, scope, loan_id)
    if standing:
        # Paid off as the ledger stands at the end of the day: no repayment after it.
        rules.in_order("paidOn", standing[-1].paid_on, paid_on)
    await collector(session, scope, collected_by_id, loan["programme_id"], "collectedBy")
    waive = await session.scalar(
        select(products.c.early_payoff_interest).where(
            products.c.id == loan["product_id"], scope.where(products.c.programme_id)
        )
    )
    ids, before = await _schedule_state(session, scope, loan_id)
    waived: dict[int, Decimal] = {}
    if waive is EarlyPayoffInterest.WAIVED:
        after, waived = waive_interest_after(before, paid_on)
    else:
        after = before
    lending.check_payoff(
        amount, sum((i.remaining for i in after), Decimal(0)), loan_currency, paid_on
    )
    if waived:
        await session.execute(
            update(Installment),
            [
                {
                    "id": installment_id,
                    "interest_due": new.interest_due,
                    "interest_waived": waived[new.number],
                    "paid_on": new.paid_on,
                }
                for installment_id, new in zip(ids, after, strict=True)
                if new.number in waived
            ],
        )
    return await _record_payment(
        session,
        scope,
        loan,
        amount=amount,
        paid_on=paid_on,
        collected_by_id=collected_by_id,
        note=note,
    )


async def reschedule_loan(
    session: AsyncSession,
    scope: Scope,
    *,
    loan_id: uuid.UUID,
    rescheduled_on: date,
    installment_count: int,
    grace_installments: int,
    reason: str,
    today: date,
) -> RowMapping:
    """A loan in arrears given a new schedule from `rescheduled_on`: what has been paid is
    kept (as settled lines), the principal still owed is spread over `installment_count`
    new installments after `grace_installments` of interest only, the interest in arrears
    due with the first. The schedule it replaces is kept (superseded_installments): the
    loan's state on an earlier day is read against it."""
    loan = await _locked_loan(session, scope, loan_id)
    _require_status(loan, LoanStatus.ACTIVE)
    lending.check_reschedule_terms(installment_count, grace_installments)
    lending.reason("reason", reason, "rescheduled")
    rules.not_in_future("rescheduledOn", rescheduled_on, today)
    rules.in_order("rescheduledOn", loan["rescheduled_on"] or loan["disbursed_on"], rescheduled_on)
    if loan["rescheduled_on"] == rescheduled_on:
        raise RuleViolation(
            "rescheduledOn", ErrorCode.INVALID_STATE, f"It was rescheduled on {rescheduled_on}."
        )
    standing = await _standing_payments(session, scope, loan_id)
    last_paid_on = standing[-1].paid_on if standing else None
    if last_paid_on is not None:
        # Rescheduled as the ledger stands at the end of the day: no repayment after it.
        rules.in_order("rescheduledOn", last_paid_on, rescheduled_on)
    if loan["outstanding_principal"] <= 0:
        raise RuleViolation(
            "loan",
            ErrorCode.INVALID_STATE,
            "Its principal is repaid: only interest remains due, nothing to reschedule.",
        )
    oldest = loan["oldest_unpaid_due_on"]
    if oldest is None or oldest >= rescheduled_on:
        raise RuleViolation(
            "loan",
            ErrorCode.NOT_IN_ARREARS,
            f"No installment was late on {rescheduled_on}: only a loan in arrears is rescheduled.",
        )
    rows = (
        (
            await session.execute(
                select(installments)
                .where(installments.c.loan_id == loan_id, scope.where(installments.c.programme_id))
                .order_by(installments.c.number)
            )
        )
        .mappings()
        .all()
    )
    _, before = await _schedule_state(session, scope, loan_id)
    kept = paid_so_far(before, last_paid_on)
    currency = loan["currency_code"].strip()
    lines = build_rescheduled(
        principal=loan["outstanding_principal"],
        currency=currency,
        method=loan["interest_method"],
        period_rate_percent=loan["period_rate_percent"],
        installments=installment_count,
        grace_installments=grace_installments,
        frequency=loan["installment_frequency"],
        rescheduled_on=rescheduled_on,
        interest_in_arrears=interest_in_arrears(before, rescheduled_on),
    )
    version = 1 + (
        await session.scalar(
            select(func.count(distinct(superseded.c.version))).where(
                superseded.c.loan_id == loan_id
            )
        )
        or 0
    )
    await session.execute(
        insert(SupersededInstallment),
        [
            {
                "id": uuid7(),
                "programme_id": loan["programme_id"],
                "loan_id": loan_id,
                "version": version,
                **{
                    name: row[name]
                    for name in (
                        "number",
                        "due_on",
                        "principal_due",
                        "interest_due",
                        "principal_paid",
                        "interest_paid",
                        "paid_on",
                        "in_force_from",
                    )
                },
                "superseded_on": rescheduled_on,
            }
            for row in rows
        ],
    )
    await session.execute(delete(Installment).where(installments.c.loan_id == loan_id))
    after = [
        *kept,
        *(
            InstallmentState(
                len(kept) + line.number, line.due_on, line.principal_due, line.interest_due
            )
            for line in lines
        ),
    ]
    await session.execute(
        insert(Installment),
        [
            {
                "id": uuid7(),
                "programme_id": loan["programme_id"],
                "loan_id": loan_id,
                "number": line.number,
                "due_on": line.due_on,
                "principal_due": line.principal_due,
                "interest_due": line.interest_due,
                "principal_paid": line.principal_paid,
                "interest_paid": line.interest_paid,
                "paid_on": line.paid_on,
                "in_force_from": rescheduled_on,
            }
            for line in after
        ],
    )
    return await _update_loan(
        session, loan_id, rescheduled_on=rescheduled_on, **_derived_state(after)
    )


async def _restore_waived_interest(session: AsyncSession, loan_id: uuid.UUID) -> None:
    """Interest waived by an early payoff due again (the replay that follows settles the
    lines anew)."""
    await session.execute(
        update(Installment)
        .where(installments.c.loan_id == loan_id, installments.c.interest_waived > 0)
        .values(
            interest_due=installments.c.interest_due + installments.c.interest_waived,
            interest_waived=0,
            paid_on=None,
        )
        .execution_options(synchronize_session=False)
    )


# The steps of the writes above, as separate functions so tests can make one fail midway.


async def _insert_schedule(
    session: AsyncSession, loan: RowMapping, schedule: Sequence[ScheduledInstallment]
) -> None:
    await session.execute(
        insert(Installment),
        [
            {
                "id": uuid7(),
                "programme_id": loan["programme_id"],
                "loan_id": loan["id"],
                "number": line.number,
                "due_on": line.due_on,
                "principal_due": line.principal_due,
                "interest_due": line.interest_due,
            }
            for line in schedule
        ],
    )


async def _update_loan(session: AsyncSession, loan_id: uuid.UUID, **values: Any) -> RowMapping:
    row = await first_row(
        session,
        update(Loan)
        .where(loans.c.id == loan_id)
        .values(**values)
        .returning(*loans.c)
        .execution_options(synchronize_session=False),
    )
    assert row is not None
    return row


async def _schedule_state(
    session: AsyncSession, scope: Scope, loan_id: uuid.UUID
) -> tuple[list[uuid.UUID], list[InstallmentState]]:
    """The loan's installments (ids and paid state), by number."""
    rows = (
        await session.execute(
            select(installments)
            .where(installments.c.loan_id == loan_id, scope.where(installments.c.programme_id))
            .order_by(installments.c.number)
        )
    ).mappings()
    ids: list[uuid.UUID] = []
    states: list[InstallmentState] = []
    for row in rows:
        ids.append(row["id"])
        states.append(installment_state(row))
    return ids, states


def installment_state(row: RowMapping) -> InstallmentState:
    """An installment row's paid state, as domain/allocation.py reads it."""
    return InstallmentState(
        number=row["number"],
        due_on=row["due_on"],
        principal_due=row["principal_due"],
        interest_due=row["interest_due"],
        principal_paid=row["principal_paid"],
        interest_paid=row["interest_paid"],
        paid_on=row["paid_on"],
    )


@dataclass(frozen=True, slots=True)
class _Entry:
    id: uuid.UUID
    paid_on: date
    amount: Decimal
    split: Split


async def _standing_payments(
    session: AsyncSession, scope: Scope, loan_id: uuid.UUID
) -> list[_Entry]:
    """The loan's repayments not reversed, in date then recording order."""
    reversed_ids = select(repayments.c.reverses_id).where(
        repayments.c.loan_id == loan_id, repayments.c.reverses_id.is_not(None)
    )
    rows = await session.execute(
        select(
            repayments.c.id,
            repayments.c.paid_on,
            repayments.c.amount,
            repayments.c.interest_part,
            repayments.c.principal_part,
        )
        .where(
            repayments.c.loan_id == loan_id,
            scope.where(repayments.c.programme_id),
            repayments.c.kind == RepaymentKind.REPAYMENT,
            repayments.c.id.not_in(reversed_ids),
        )
        .order_by(repayments.c.paid_on, repayments.c.id)
    )
    return [
        _Entry(r.id, r.paid_on, r.amount, Split(r.interest_part, r.principal_part)) for r in rows
    ]


async def _restate_splits(
    session: AsyncSession, entries: Sequence[_Entry], splits: Sequence[Split]
) -> None:
    """Write the standing entries' splits that a replay changed, in one statement: each
    entry says what it paid of interest and principal as the ledger now stands."""
    changed = [
        {"id": e.id, "interest_part": new.interest, "principal_part": new.principal}
        for e, new in zip(entries, splits, strict=True)
        if new != e.split
    ]
    if changed:
        await session.execute(update(Repayment), changed)


async def _update_installments(
    session: AsyncSession,
    ids: Sequence[uuid.UUID],
    before: Sequence[InstallmentState],
    after: Sequence[InstallmentState],
) -> None:
    """Write the installments whose paid state changed, in one statement."""
    changed = [
        {
            "id": installment_id,
            "principal_paid": new.principal_paid,
            "interest_paid": new.interest_paid,
            "paid_on": new.paid_on,
        }
        for installment_id, old, new in zip(ids, before, after, strict=True)
        if new != old
    ]
    if changed:
        # ORM bulk UPDATE by primary key: one executemany statement.
        await session.execute(update(Installment), changed)


def _derived_state(schedule: Sequence[InstallmentState]) -> dict[str, Any]:
    """The loan's columns that follow from its schedule's paid state."""
    oldest = oldest_unpaid_due_on(schedule)
    repaid = oldest is None
    return {
        "principal_paid": sum((i.principal_paid for i in schedule), Decimal(0)),
        "interest_paid": sum((i.interest_paid for i in schedule), Decimal(0)),
        "oldest_unpaid_due_on": oldest,
        "status": LoanStatus.REPAID if repaid else LoanStatus.ACTIVE,
        "closed_on": max((i.paid_on for i in schedule if i.paid_on), default=None)
        if repaid
        else None,
    }
