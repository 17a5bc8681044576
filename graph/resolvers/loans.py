"""STUB: to be replaced by the loans domain."""

from typing import Any


async def programme_loans(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError


programme_loan_products = programme_loans
