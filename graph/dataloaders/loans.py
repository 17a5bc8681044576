import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import loans
from db.engine import Database
from db.pagination import Page
from db.scope import Scope

from .base import CountKey, PageKey, all_by, counts_by, pages_by, rows_by_id


@dataclass(frozen=True, slots=True)
class LoanLoaders:
    loan_product_by_id: DataLoader[uuid.UUID, RowMapping | None]
    loan_products_by_programme: DataLoader[uuid.UUID, list[RowMapping]]
    cycles_by_loan_product: DataLoader[uuid.UUID, list[RowMapping]]
    loan_by_id: DataLoader[uuid.UUID, RowMapping | None]
    loans_page_by_programme: DataLoader[PageKey, Page]
    loans_count_by_programme: DataLoader[CountKey, int]
    loans_page_by_member: DataLoader[PageKey, Page]
    loans_count_by_member: DataLoader[CountKey, int]
    loans_page_by_group: DataLoader[PageKey, Page]
    loans_count_by_group: DataLoader[CountKey, int]
    schedule_by_loan: DataLoader[uuid.UUID, list[RowMapping]]
    repayment_by_id: DataLoader[uuid.UUID, RowMapping | None]
    repayments_page_by_loan: DataLoader[PageKey, Page]
    repayments_count_by_loan: DataLoader[CountKey, int]
    # A repayment has at most one reversal (reverses_id is unique): a list of zero or one.
    reversals_by_repayment: DataLoader[uuid.UUID, list[RowMapping]]
    # A loan's state at the end of a past day, from the ledger as it stood then; None when
    # it was not outstanding that day.
    loan_state_by_loan_day: DataLoader[tuple[uuid.UUID, date], loans.LoanStateOn | None]


def build(db: Database, scope: Scope) -> LoanLoaders:
    async def schedules(loan_ids: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
        async with db.read() as session:
            found = await loans.schedules_by_loan(session, scope, loan_ids)
        return [found[loan_id] for loan_id in loan_ids]

    async def states(
        keys: Sequence[tuple[uuid.UUID, date]],
    ) -> list[loans.LoanStateOn | None]:
        async with db.read() as session:
            found = await loans.loan_states_on(session, scope, keys)
        return [found.get(key) for key in keys]

    c = loans.loans.c
    r = loans.repayments.c
    return LoanLoaders(
        loan_product_by_id=rows_by_id(db, scope, loans.LOAN_PRODUCTS),
        loan_products_by_programme=all_by(
            db, scope, loans.LOAN_PRODUCTS, loans.products.c.programme_id
        ),
        cycles_by_loan_product=all_by(db, scope, loans.PRODUCT_CYCLES, loans.cycles.c.product_id),
        loan_by_id=rows_by_id(db, scope, loans.LOANS),
        loans_page_by_programme=pages_by(db, scope, loans.LOANS, c.programme_id),
        loans_count_by_programme=counts_by(db, scope, loans.LOANS, c.programme_id),
        loans_page_by_member=pages_by(db, scope, loans.LOANS, c.member_id),
        loans_count_by_member=counts_by(db, scope, loans.LOANS, c.member_id),
        loans_page_by_group=pages_by(db, scope, loans.LOANS, c.group_id),
        loans_count_by_group=counts_by(db, scope, loans.LOANS, c.group_id),
        schedule_by_loan=DataLoader(load_fn=schedules),
        repayment_by_id=rows_by_id(db, scope, loans.REPAYMENTS),
        repayments_page_by_loan=pages_by(db, scope, loans.REPAYMENTS, r.loan_id),
        repayments_count_by_loan=counts_by(db, scope, loans.REPAYMENTS, r.loan_id),
        reversals_by_repayment=all_by(db, scope, loans.REPAYMENTS, r.reverses_id),
        loan_state_by_loan_day=DataLoader(load_fn=states),
    )
