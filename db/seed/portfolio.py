"""One branch of a programme: facilitators, groups, members, training, loans and savings.

A branch is the unit of generation and loading: its rows only reference each other and the
programme's (members move between groups of their own branch), so a programme is generated a
branch at a time and memory stays bounded whatever the seed's size.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from domain.enums import (
    Activity,
    Gender,
    GroupStatus,
    InstallmentFrequency,
    LoanStatus,
    MeetingFrequency,
    SavingsKind,
    SavingsTransactionKind,
    TrainingKind,
)
from domain.money import minor_units, round_money
from domain.schedule import build_schedule, due_date

from .draw import Stamper, Weighted, instant_text, phone_number, round_down_to, round_to
from .load import NULL, Texts, escape, units_text
from .network import Product, Programme
from .reference import (
    ACTIVITY_DESCRIPTIONS,
    ECONOMIC_TOPICS,
    INITIAL_SESSIONS,
    INITIAL_TOPICS,
    SOCIAL_TOPICS,
    Place,
)
from .repayments import CONDUCT, RELIABILITY, Conduct, LoanHistory, Reliability, repay
from .rows import (
    AttendanceRow,
    Batch,
    FacilitatorRow,
    GroupMembershipRow,
    GroupRow,
    InstallmentRow,
    LoanRow,
    MemberRow,
    RepaymentRow,
    SavingsAccountRow,
    SavingsTransactionRow,
    TrainingSessionRow,
)


def _defaults_text(row_type: Any) -> str:
    """The end of a text line: the columns later migrations added, at their row type's
    defaults (the line's other fields are written as they are generated)."""
    defaults = row_type._field_defaults.values()
    return "".join("\t\\N" if value is None else f"\t{value}" for value in defaults)


# The most numerous tables (nine rows in ten) are written as COPY text lines as they are
# generated, in their row types' column order, without building a row object per line.
AS_TEXT: dict[str, tuple[str, ...]] = {
    "installments": InstallmentRow._fields,
    "repayments": RepaymentRow._fields,
    "savings_transactions": SavingsTransactionRow._fields,
}
INSTALLMENT_TAIL = _defaults_text(InstallmentRow)
REPAYMENT_TAIL = _defaults_text(RepaymentRow)
SAVINGS_TRANSACTION_TAIL = _defaults_text(SavingsTransactionRow)

BRANCH_MEMBERS = 2_500  # the most members generated and loaded at once
MEMBERS_PER_FACILITATOR = 150
TRAINED = 0.97  # founders who attend all initial sessions (the others never borrow)
MOVES = 0.04  # members who move to another group of the branch once, between two loans
# Group formation dates are skewed toward recent years (u ** skew, u uniform): programmes grow.
FORMATION_SKEW = 0.75
GROUP_LIFESPAN = (730, 3650)  # days: groups break up after two to ten years
VOLUNTARY_SAVERS = 0.25
VOLUNTARY_INTEREST = Decimal("0.02")  # per year, credited on 31 December
ZERO = Decimal(0)
# How a loan's conduct changes the chance she takes another one (times the retention).
CONTINUES = {Conduct.ON_TIME: 1.0, Conduct.LATE: 0.7, Conduct.DEFAULTS: 0.3}


# A schedule's principal and interest due per installment, in minor units, then as text.
Amounts = tuple[list[int], list[int], list[str], list[str]]


@cache  # a few days' worth of keys per year of history: the process's cache stays small
def _due_dates(disbursed_on: date, frequency: InstallmentFrequency, count: int) -> list[date]:
    return [due_date(disbursed_on, frequency, n) for n in range(1, count + 1)]


def unique_name(base: str, taken: set[str]) -> str:
    """The base, or the base numbered from 2, whichever is not taken yet; now taken."""
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base} {number}"
    taken.add(name)
    return name


def renamed(
    groups: list[GroupRow], bases: list[str], naming: list[int], taken: set[str]
) -> list[GroupRow]:
    """A branch's group rows with the names they get after the programme's earlier branches
    took theirs (`taken`), as if the branches had been generated one after another."""
    names = [unique_name(base, taken) for base in bases]
    return [row._replace(name=names[k]) for row, k in zip(groups, naming, strict=True)]


@dataclass(slots=True, eq=False)
class Group:
    id: uuid.UUID
    created_at: datetime
    name: str
    meetings: MeetingFrequency
    place: Place
    formed_on: date
    size: int
    dissolves_on: date | None  # the group breaks up then (None: not before as_of)
    facilitator_id: uuid.UUID = uuid.UUID(int=0)  # set once facilitators are assigned
    naming: int = 0  # index of its name's base in Branch.bases (creation order)
    trained_on: date | None = None  # the last initial session, once held
    memberships: list["Membership"] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Membership:
    id: uuid.UUID
    member_id: uuid.UUID
    group: Group
    joined_on: date
    left_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day <= self.left_on)


@dataclass(slots=True, eq=False)
class Member:
    id: uuid.UUID
    activity: Activity
    trained: bool
    reliability: Reliability
    memberships: list[Membership] = field(default_factory=list)

    @property
    def group(self) -> Group:
        return self.memberships[-1].group

    def group_on(self, day: date) -> Group:
        return next((m.group for m in self.memberships if m.covers(day)), self.group)

    def leave(self, day: date, as_of: date) -> None:
        """Leave her current group (if that happens by as_of: otherwise she is still in it)."""
        if day <= as_of:
            self.memberships[-1].left_on = max(day, self.memberships[-1].joined_on)


class Account:
    """A savings account being written: transactions in date order, a running balance."""

    def __init__(
        self, branch: "Branch", member_id: uuid.UUID, kind: SavingsKind, opened_on: date
    ) -> None:
        self.branch = branch
        self.id = branch.stamp.id(opened_on)
        self.member_id = member_id
        self.kind = kind
        self.opened_on = opened_on
        self.id_text = str(self.id)
        self.closed_on: date | None = None
        self.balance = ZERO
        self.last_ms = -1  # instant of the last transaction (ms since the epoch)

    def post(
        self,
        kind: SavingsTransactionKind,
        day: date,
        amount: Decimal,
        by: uuid.UUID | None,
    ) -> None:
        if amount <= 0:
            return
        if kind is SavingsTransactionKind.WITHDRAWAL:
            amount = min(amount, self.balance)  # never below zero
            if amount <= 0:
                return
            self.balance -= amount
        else:
            self.balance += amount
        branch = self.branch
        tx_id, self.last_ms = branch.stamp.text_at(day, self.last_ms)
        by_text = NULL if by is None else branch.texts[by]
        branch.lines["savings_transactions"].append(
            f"{tx_id}\t{branch.pid_text}\t{self.id_text}\t{kind}\t{day}\t{amount}\t"
            f"{self.balance}\t{by_text}\t{instant_text(self.last_ms)}{SAVINGS_TRANSACTION_TAIL}\n"
        )

    def close(self, day: date, by: uuid.UUID | None) -> None:
        self.post(SavingsTransactionKind.WITHDRAWAL, day, self.balance, by)
        self.closed_on = day

    def row(self) -> SavingsAccountRow:
        return SavingsAccountRow(
            self.id,
            self.branch.programme.id,
            self.member_id,
            self.kind,
            self.branch.programme.spec.currency,
            self.opened_on,
            self.closed_on,
            self.balance,
        )


class Branch:
    """Generates the rows of one branch into a Batch."""

    def __init__(
        self, programme: Programme, rng: random.Random, as_of: date, group_names: set[str]
    ) -> None:
        self.programme = programme
        self.spec = programme.spec
        self.rng = rng
        self.as_of = as_of
        self.group_names = group_names  # shared by the programme's branches: names are unique
        # Each group's name before numbering, in creation order, and for each group row the
        # index of its base: a branch generated apart (with its own name set) is renamed
        # against its programme's names afterwards, to the names generated in sequence.
        self.bases: list[str] = []
        self.group_naming: list[int] = []
        self.stamp = Stamper(rng)
        self.batch = Batch()
        self.lines: dict[str, list[str]] = {table: [] for table in AS_TEXT}
        self.texts = Texts()  # ids of parent rows, as text
        self.pid_text = str(programme.id)
        self.activities = Weighted(self.spec.activities)
        # Loans of the same product and principal have the same amounts due.
        self._amounts: dict[tuple[uuid.UUID, Decimal], Amounts] = {}

    def generate(self, members: int) -> Batch:
        groups = self._plan_groups(members)
        facilitators = self._assign_facilitators(groups)
        people = [member for group in groups for member in self._found(group)]
        for member in people:
            if member.trained and member.group.trained_on is not None:
                self._borrow(member, groups)
            elif member.group.trained_on is not None:
                left_on = member.group.trained_on + timedelta(days=self.rng.randint(15, 90))
                member.leave(left_on, self.as_of)
        closed = self._close(groups)
        for group in groups:
            self._later_sessions(group, closed.get(group.id))
        self._emit_groups(groups, closed, facilitators)
        return self.batch

    # -- groups and facilitators --------------------------------------------------------

    def _plan_groups(self, members: int) -> list[Group]:
        rng, start = self.rng, self.spec.started_on
        groups = []
        left = members
        while left > 0:
            size = min(left, round(rng.triangular(5, 30, 13)))
            if 0 < left - size < 5:
                size = left if left <= 30 else left - 5
            formed_on = start + timedelta(
                days=int((self.as_of - start).days * rng.random() ** FORMATION_SKEW)
            )
            dissolves_on = formed_on + timedelta(days=rng.randint(*GROUP_LIFESPAN))
            place = self._place(formed_on)
            meetings = (
                MeetingFrequency.TWICE_MONTHLY
                if rng.random() < self.spec.twice_monthly
                else MeetingFrequency.MONTHLY
            )
            groups.append(
                Group(
                    *self.stamp.id_at(formed_on),
                    self._group_name(place),
                    meetings,
                    place,
                    formed_on,
                    size,
                    dissolves_on if dissolves_on <= self.as_of else None,
                    naming=len(self.bases) - 1,
                )
            )
            left -= size
        groups.sort(key=lambda g: g.formed_on)
        return groups

    def _place(self, day: date) -> Place:
        rural = self.rng.random() < self.spec.rural
        open_ = [p for p in self.spec.places if p.since is None or p.since <= day]
        fitting = [p for p in open_ if p.rural == rural] or open_
        return self.rng.choice(fitting)

    def _group_name(self, place: Place) -> str:
        base = f"{self.rng.choice(self.spec.group_words)} {place.name}"
        self.bases.append(base)
        return unique_name(base, self.group_names)

    def _assign_facilitators(self, groups: list[Group]) -> list[FacilitatorRow]:
        """Hire as the branch grows (about one facilitator per 150 members); a new group goes
        to the facilitator with the fewest members."""
        rng, spec = self.rng, self.spec
        facilitators: list[FacilitatorRow] = []
        load: list[int] = []
        assigned = 0
        for group in groups:
            assigned += group.size
            if len(facilitators) * MEMBERS_PER_FACILITATOR < assigned:
                hired_on = max(
                    spec.started_on - timedelta(days=60),
                    group.formed_on - timedelta(days=rng.randint(14, 90)),
                )
                female = rng.random() < 0.6
                facilitators.append(
                    FacilitatorRow(
                        id=self.stamp.id(hired_on),
                        programme_id=self.programme.id,
                        first_name=rng.choice(spec.names.female if female else spec.names.male),
                        last_name=rng.choice(spec.names.family),
                        phone=phone_number(rng, spec.phone),
                        hired_on=hired_on,
                        active=True,
                    )
                )
                load.append(0)
            chosen = min(range(len(load)), key=lambda i: (load[i], rng.random()))
            load[chosen] += group.size
            group.facilitator_id = facilitators[chosen].id
        return facilitators

    # -- founding: members and the initial training --------------------------------------

    def _found(self, group: Group) -> list[Member]:
        rng, spec, pid = self.rng, self.spec, self.programme.id
        members = []
        for _ in range(group.size):
            member_id, created_at = self.stamp.id_at(group.formed_on)
            gender = Gender.FEMALE if rng.random() < spec.women else Gender.MALE
            activity = self.activities.pick(rng)
            poverty = (
                Decimal(f"{rng.triangular(3, 97, spec.poverty_mode):.2f}")
                if rng.random() < 0.7
                else None
            )
            self.batch.members.append(
                MemberRow(
                    id=member_id,
                    programme_id=pid,
                    first_name=rng.choice(
                        spec.names.female if gender is Gender.FEMALE else spec.names.male
                    ),
                    last_name=rng.choice(spec.names.family),
                    gender=gender,
                    birth_year=(
                        group.formed_on.year - round(rng.triangular(18, 65, 34))
                        if rng.random() < 0.92
                        else None
                    ),
                    phone=phone_number(rng, spec.phone) if rng.random() < 0.85 else None,
                    joined_on=group.formed_on,
                    activity=activity,
                    activity_description=rng.choice(ACTIVITY_DESCRIPTIONS[activity]),
                    rural=group.place.rural,
                    poverty_likelihood=poverty,
                    created_at=created_at,
                )
            )
            member = Member(
                member_id,
                activity,
                trained=rng.random() < TRAINED,
                reliability=RELIABILITY.pick(rng),
            )
            membership = Membership(
                self.stamp.id(group.formed_on), member_id, group, group.formed_on
            )
            member.memberships.append(membership)
            group.memberships.append(membership)
            members.append(member)
        self._initial_training(group, members)
        return members

    def _initial_training(self, group: Group, members: list[Member]) -> None:
        """The methodology's sessions, about a week apart; a member who misses one cannot
        borrow. The group is trained once the last one is held."""
        day = group.formed_on
        missed = {m.id: self.rng.randrange(INITIAL_SESSIONS) for m in members if not m.trained}
        for number, topic in enumerate(INITIAL_TOPICS[:INITIAL_SESSIONS]):
            if day > self.as_of:
                return
            session_id = self._session(group, day, TrainingKind.INITIAL, topic)
            self.batch.attendances.extend(
                AttendanceRow(session_id, m.id, self.programme.id)
                for m in members
                if missed.get(m.id) != number
            )
            last = day
            day += timedelta(days=self.rng.randint(6, 9))
        group.trained_on = last

    def _session(self, group: Group, day: date, kind: TrainingKind, topic: str) -> uuid.UUID:
        session_id = self.stamp.id(day)
        self.batch.training_sessions.append(
            TrainingSessionRow(
                session_id, self.programme.id, group.id, group.facilitator_id, day, kind, topic
            )
        )
        return session_id

    # -- loans and savings --------------------------------------------------------------

    def _borrow(self, member: Member, groups: list[Group]) -> None:
        """Her loan cycles, one at a time, each after the previous one is repaid, until she
        stops, defaults, or as_of; with her savings."""
        rng, spec, as_of = self.rng, self.spec, self.as_of
        group = member.group
        assert group.trained_on is not None
        low, high = (int(bound / spec.loan_step) for bound in spec.first_loan)
        size = spec.loan_step * rng.randint(low, high)  # in the programme's currency
        applied_on = max(group.formed_on, group.trained_on - timedelta(days=rng.randint(0, 6)))
        compulsory: Account | None = None
        will_move = rng.random() < MOVES
        cycle = 1
        while True:
            approved_on = applied_on + timedelta(days=rng.randint(1, 5))
            if cycle == 1:
                approved_on = max(approved_on, group.trained_on)
            disbursed_on = approved_on + timedelta(days=rng.randint(0, 6))
            product = self.programme.product_for(
                cycle=cycle,
                meetings=group.meetings,
                day=disbursed_on if disbursed_on <= as_of else applied_on,
            )
            principal = min(
                product.spec.max_principal,
                max(product.spec.min_principal, size * product.scale),
            )
            if disbursed_on > as_of:
                self._pending_loan(
                    member, group, product, cycle, principal, applied_on, approved_on
                )
                break
            conduct = CONDUCT[member.reliability].pick(rng)
            history = self._loan(
                member,
                group,
                product,
                cycle,
                principal,
                applied_on,
                approved_on,
                disbursed_on,
                conduct,
            )
            if compulsory is None:
                compulsory = Account(self, member.id, SavingsKind.COMPULSORY, disbursed_on)
            self._compulsory_savings(compulsory, size, disbursed_on, history, group)
            if history.status is LoanStatus.ACTIVE:
                break
            assert history.closed_on is not None
            ended_on = history.closed_on
            if history.status is LoanStatus.WRITTEN_OFF:
                member.leave(ended_on + timedelta(days=rng.randint(0, 60)), as_of)
                break
            keeps_on = rng.random() < spec.retention * CONTINUES[conduct]
            applied_on = ended_on + timedelta(days=self._gap())
            moved_to = None
            if (
                keeps_on
                and group.dissolves_on is not None
                and (group.dissolves_on <= min(applied_on, as_of))
            ):
                # Her group is breaking up: she joins another one, or stops.
                if rng.random() < 0.7:
                    moved_to = self._move(member, groups, max(ended_on, group.dissolves_on))
                keeps_on = moved_to is not None
            elif keeps_on and will_move and applied_on <= as_of:
                moved_to = self._move(member, groups, applied_on)
                will_move = False
            if not keeps_on:
                self._leave(member, compulsory, ended_on + timedelta(days=rng.randint(0, 60)))
                break
            if rng.random() < 0.25:
                share = Decimal(rng.randint(20, 60)) / 100
                compulsory.post(
                    SavingsTransactionKind.WITHDRAWAL,
                    ended_on,
                    round_down_to(compulsory.balance * share, spec.savings_step),
                    group.facilitator_id,
                )
            group = moved_to or group
            if applied_on > as_of:
                break
            cycle += 1
            size = self._next_size(size)
        if compulsory is not None:
            self._voluntary_savings(member, compulsory)
            self.batch.savings_accounts.append(compulsory.row())

    def _gap(self) -> int:
        """Days between repaying a loan and applying for the next one."""
        draw = self.rng.random()
        if draw < 0.7:
            return self.rng.randint(0, 21)
        if draw < 0.9:
            return self.rng.randint(22, 90)
        return self.rng.randint(91, 400)

    def _next_size(self, size: Decimal) -> Decimal:
        """Loans usually grow from one cycle to the next, within the programme's ceiling."""
        rng, spec = self.rng, self.spec
        factor = rng.uniform(0.8, 1.0) if rng.random() < 0.15 else rng.uniform(1.1, 1.45)
        grown = round_to(size * Decimal(f"{factor:.3f}"), spec.loan_step)
        return min(spec.max_loan, grown)

    def _move(self, member: Member, groups: list[Group], day: date) -> Group | None:
        """Move to another trained group of the branch that is not breaking up, if any."""
        current = member.group
        horizon = day + timedelta(days=365)
        candidates = [
            g
            for g in groups
            if g is not current
            and g.trained_on is not None
            and g.trained_on < day
            and (g.dissolves_on is None or g.dissolves_on > horizon)
        ]
        if not candidates:
            return None
        target = self.rng.choice(candidates)
        member.memberships[-1].left_on = day
        membership = Membership(self.stamp.id(day), member.id, target, day)
        member.memberships.append(membership)
        target.memberships.append(membership)
        return target

    def _leave(self, member: Member, compulsory: Account, day: date) -> None:
        """She stops borrowing and leaves her group; most take their savings with them."""
        member.leave(day, self.as_of)
        if day <= self.as_of and self.rng.random() < 0.6:
            compulsory.close(day, member.group.facilitator_id)

    def _pending_loan(
        self,
        member: Member,
        group: Group,
        product: Product,
        cycle: int,
        principal: Decimal,
        applied_on: date,
        approved_on: date,
    ) -> None:
        loan_id, created_at = self.stamp.id_at(applied_on)
        self.batch.loans.append(
            LoanRow(
                id=loan_id,
                programme_id=self.programme.id,
                member_id=member.id,
                group_id=group.id,
                product_id=product.id,
                currency_code=product.currency,
                cycle=cycle,
                principal=principal,
                purpose=self._purpose(member),
                interest_method=product.spec.method,
                period_rate_percent=product.spec.period_rate_percent,
                installment_frequency=product.spec.frequency,
                fee=round_money(principal * product.spec.fee_percent / 100, product.currency),
                status=LoanStatus.PENDING,
                applied_on=applied_on,
                approved_on=approved_on if approved_on <= self.as_of else None,
                disbursed_on=None,
                closed_on=None,
                written_off_principal=ZERO,
                principal_paid=ZERO,
                interest_paid=ZERO,
                oldest_unpaid_due_on=None,
                created_at=created_at,
            )
        )

    def _purpose(self, member: Member) -> Activity:
        return member.activity if self.rng.random() < 0.9 else self.activities.pick(self.rng)

    def _loan(
        self,
        member: Member,
        group: Group,
        product: Product,
        cycle: int,
        principal: Decimal,
        applied_on: date,
        approved_on: date,
        disbursed_on: date,
        conduct: Conduct,
    ) -> LoanHistory:
        """A disbursed loan: its schedule, repayments and derived state, as rows."""
        spec, pid = product.spec, self.programme.id
        principal_due, interest_due, principal_texts, interest_texts = self._schedule(
            product, principal, disbursed_on
        )
        count = len(principal_due)
        due_on = _due_dates(disbursed_on, spec.frequency, count)
        history = repay(
            self.rng,
            due_on,
            principal_due,
            interest_due,
            disbursed_on=disbursed_on,
            as_of=self.as_of,
            conduct=conduct,
        )
        minor = minor_units(product.currency)
        oldest = history.oldest_unpaid()
        loan_id, created_at = self.stamp.id_at(applied_on)
        self.batch.loans.append(
            LoanRow(
                id=loan_id,
                programme_id=pid,
                member_id=member.id,
                group_id=group.id,
                product_id=product.id,
                currency_code=product.currency,
                cycle=cycle,
                principal=principal,
                purpose=self._purpose(member),
                interest_method=spec.method,
                period_rate_percent=spec.period_rate_percent,
                installment_frequency=spec.frequency,
                fee=round_money(principal * spec.fee_percent / 100, product.currency),
                status=history.status,
                applied_on=applied_on,
                approved_on=approved_on,
                disbursed_on=disbursed_on,
                closed_on=history.closed_on,
                written_off_principal=Decimal(history.written_off_principal).scaleb(-minor),
                principal_paid=Decimal(sum(principal_due) - sum(history.principal_left)).scaleb(
                    -minor
                ),
                interest_paid=Decimal(sum(interest_due) - sum(history.interest_left)).scaleb(
                    -minor
                ),
                oldest_unpaid_due_on=None if oldest is None else due_on[oldest],
                created_at=created_at,
            )
        )
        # Ids follow the schedule's numbers and the ledger's order.
        money, stamp, pid_text, loan_text = (
            units_text(minor),
            self.stamp,
            self.pid_text,
            str(loan_id),
        )
        lines = self.lines["installments"]
        ids = stamp.texts_on(disbursed_on, count)
        for k, paid_on in enumerate(history.paid_on):
            # Most installments are paid in full, or not at all: their texts are the schedule's.
            p_due, p_left, p_text = principal_due[k], history.principal_left[k], principal_texts[k]
            i_due, i_left, i_text = interest_due[k], history.interest_left[k], interest_texts[k]
            p_paid = p_text if p_left == 0 else "0" if p_left == p_due else money(p_due - p_left)
            i_paid = i_text if i_left == 0 else "0" if i_left == i_due else money(i_due - i_left)
            lines.append(
                f"{ids[k]}\t{pid_text}\t{loan_text}\t{k + 1}\t{due_on[k]}\t{p_text}\t{i_text}\t"
                f"{p_paid}\t{i_paid}\t{NULL if paid_on is None else paid_on}{INSTALLMENT_TAIL}\n"
            )
        lines = self.lines["repayments"]
        collector = self.texts[group.facilitator_id]
        entry_ids: list[str] = []
        at = -1
        for entry in history.entries:
            entry_id, at = stamp.text_at(entry.paid_on, at)
            entry_ids.append(entry_id)
            reverses = NULL if entry.reverses is None else entry_ids[entry.reverses]
            lines.append(
                f"{entry_id}\t{pid_text}\t{loan_text}\t{entry.kind}\t{entry.paid_on}\t"
                f"{money(entry.amount)}\t{money(entry.principal)}\t{money(entry.interest)}\t"
                f"{collector}\t{reverses}\t{escape(entry.note)}\t{instant_text(at)}{REPAYMENT_TAIL}\n"
            )
        return history

    def _schedule(self, product: Product, principal: Decimal, disbursed_on: date) -> "Amounts":
        """The principal and interest due of each installment, in minor units and as text."""
        key = (product.id, principal)
        amounts = self._amounts.get(key)
        if amounts is None:
            spec, minor = product.spec, minor_units(product.currency)
            schedule = build_schedule(
                principal=principal,
                currency=product.currency,
                method=spec.method,
                period_rate_percent=spec.period_rate_percent,
                installments=spec.installments,
                frequency=spec.frequency,
                disbursed_on=disbursed_on,
            )
            principal_due = [int(s.principal_due.scaleb(minor)) for s in schedule]
            interest_due = [int(s.interest_due.scaleb(minor)) for s in schedule]
            money = units_text(minor)
            amounts = self._amounts[key] = (
                principal_due,
                interest_due,
                [money(units) for units in principal_due],
                [money(units) for units in interest_due],
            )
        return amounts

    def _compulsory_savings(
        self,
        account: Account,
        size: Decimal,
        disbursed_on: date,
        history: LoanHistory,
        group: Group,
    ) -> None:
        """A deposit at disbursement, then a small one every sixth repayment."""
        step, by = self.spec.savings_step, group.facilitator_id
        deposit = SavingsTransactionKind.DEPOSIT
        account.post(deposit, disbursed_on, round_to(size * Decimal("0.05"), step), by)
        reversed_ = {e.reverses for e in history.entries if e.reverses is not None}
        paid = [
            e.paid_on
            for index, e in enumerate(history.entries)
            if e.reverses is None and index not in reversed_
        ]
        for day in paid[5::6]:
            account.post(deposit, day, round_to(size * Decimal("0.01"), step), by)

    def _voluntary_savings(self, member: Member, compulsory: Account) -> None:
        """Some borrowers also save at will between meetings; interest is credited yearly."""
        rng, step = self.rng, self.spec.savings_step
        if rng.random() >= VOLUNTARY_SAVERS:
            return
        left_on = member.memberships[-1].left_on
        end = left_on or self.as_of
        day = compulsory.opened_on + timedelta(days=rng.randint(0, 120))
        if day >= end:
            return
        account = Account(self, member.id, SavingsKind.VOLUNTARY, day)
        # Each deposit is 0.5-3% of a first loan, her habit.
        deposit = round_to(self.spec.first_loan[0] * rng.randint(5, 30) / 1000, step)
        interest_on = date(day.year, 12, 31)
        while day <= end:
            while interest_on < day:
                interest = round_down_to(account.balance * VOLUNTARY_INTEREST, step)
                account.post(SavingsTransactionKind.INTEREST, interest_on, interest, None)
                interest_on = date(interest_on.year + 1, 12, 31)
            by = member.group_on(day).facilitator_id
            if rng.random() < 0.1:
                share = Decimal(rng.randint(30, 70)) / 100
                amount = round_down_to(account.balance * share, step)
                account.post(SavingsTransactionKind.WITHDRAWAL, day, amount, by)
            else:
                account.post(SavingsTransactionKind.DEPOSIT, day, deposit, by)
            day += timedelta(days=rng.randint(20, 75))
        if left_on is not None and compulsory.closed_on is not None:
            account.close(left_on, member.group.facilitator_id)
        self.batch.savings_accounts.append(account.row())

    # -- the groups' later life -----------------------------------------------------------

    def _close(self, groups: list[Group]) -> dict[uuid.UUID, date]:
        """A trained group closes once all its members have left."""
        closed = {}
        for group in groups:
            if group.trained_on is None:
                continue
            left = [m.left_on for m in group.memberships]
            if all(day is not None for day in left):
                last = max(day for day in left if day is not None)
                closed[group.id] = min(self.as_of, last + timedelta(days=self.rng.randint(0, 30)))
        return closed

    def _later_sessions(self, group: Group, closed_on: date | None) -> None:
        """Economic and social training at some meetings, for the members present."""
        if group.trained_on is None:
            return
        rng = self.rng
        end = closed_on or self.as_of
        day = group.trained_on + timedelta(days=rng.randint(45, 120))
        while day <= end:
            present = [m.member_id for m in group.memberships if m.covers(day)]
            if present:
                if rng.random() < 0.5:
                    kind, topic = TrainingKind.ECONOMIC, rng.choice(ECONOMIC_TOPICS)
                else:
                    kind, topic = TrainingKind.SOCIAL, rng.choice(SOCIAL_TOPICS)
                session_id = self._session(group, day, kind, topic)
                self.batch.attendances.extend(
                    AttendanceRow(session_id, member_id, self.programme.id)
                    for member_id in present
                    if rng.random() < 0.75
                )
            day += timedelta(days=rng.randint(90, 150))

    def _emit_groups(
        self,
        groups: list[Group],
        closed: dict[uuid.UUID, date],
        facilitators: list[FacilitatorRow],
    ) -> None:
        pid = self.programme.id
        open_facilitators = set()
        for group in groups:
            closed_on = closed.get(group.id)
            if group.trained_on is None:
                status = GroupStatus.IN_TRAINING
            elif closed_on is not None:
                status = GroupStatus.CLOSED
            else:
                status = GroupStatus.ACTIVE
            if closed_on is None:
                open_facilitators.add(group.facilitator_id)
            self.group_naming.append(group.naming)
            self.batch.groups.append(
                GroupRow(
                    group.id,
                    pid,
                    group.name,
                    group.facilitator_id,
                    group.meetings,
                    group.place.name,
                    group.formed_on,
                    status,
                    closed_on,
                    group.created_at,
                )
            )
            self.batch.group_memberships.extend(
                GroupMembershipRow(m.id, pid, m.member_id, group.id, m.joined_on, m.left_on)
                for m in group.memberships
            )
        # A facilitator whose groups have all closed has left the programme.
        self.batch.facilitators.extend(
            f._replace(active=f.id in open_facilitators) for f in facilitators
        )
