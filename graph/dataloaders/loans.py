import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import loans
from db.engine import Database
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class LoanLoaders:
    schedule_by_loan: DataLoader[uuid.UUID, list[RowMapping]]


def build(db: Database, scope: Scope) -> LoanLoaders:
    async def schedules(loan_ids: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
        async with db.read() as session:
            found = await loans.schedules_by_loan(session, scope, loan_ids)
        return [found[loan_id] for loan_id in loan_ids]

    return LoanLoaders(schedule_by_loan=DataLoader(load_fn=schedules))
