import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import loans
from db.engine import Database
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class LoanLoaders:
    schedule_by_loan: DataLoader[uuid.UUID, list[RowMapping]]
    # A loan's state at the end of a past day, from the ledger as it stood then; None when
    # it was not outstanding that day.
    loan_state_by_loan_day: DataLoader[tuple[uuid.UUID, date], loans.LoanStateOn | None]


def build(db: Database, scope: Scope) -> LoanLoaders:
    async def schedules(loan_ids: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
        async with db.read() as session:
            found = await loans.schedules_by_loan(session, scope, loan_ids)
        return [found[loan_id] for loan_id in loan_ids]

    async def states(keys: Sequence[tuple[uuid.UUID, date]]) -> list[loans.LoanStateOn | None]:
        async with db.read() as session:
            found = await loans.loan_states_on(session, scope, keys)
        return [found.get(key) for key in keys]

    return LoanLoaders(
        schedule_by_loan=DataLoader(load_fn=schedules),
        loan_state_by_loan_day=DataLoader(load_fn=states),
    )
