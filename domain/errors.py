"""A broken rule, reported to the client as data (a user error naming the field)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    NOT_POSITIVE = "NOT_POSITIVE"
    TOO_MANY_DECIMALS = "TOO_MANY_DECIMALS"
    WRONG_CURRENCY = "WRONG_CURRENCY"
    IN_FUTURE = "IN_FUTURE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    DATES_OUT_OF_ORDER = "DATES_OUT_OF_ORDER"
    INVALID_STATE = "INVALID_STATE"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    OTHER_PROGRAMME = "OTHER_PROGRAMME"
    GROUP_CLOSED = "GROUP_CLOSED"
    TRAINING_INCOMPLETE = "TRAINING_INCOMPLETE"
    ACTIVE_LOAN_EXISTS = "ACTIVE_LOAN_EXISTS"
    PREVIOUS_LOAN_NOT_REPAID = "PREVIOUS_LOAN_NOT_REPAID"
    CYCLE_NOT_ELIGIBLE = "CYCLE_NOT_ELIGIBLE"
    NEXT_LOAN_EXISTS = "NEXT_LOAN_EXISTS"
    OVERPAYMENT = "OVERPAYMENT"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    BELOW_COMPULSORY_MINIMUM = "BELOW_COMPULSORY_MINIMUM"
    ALREADY_REVERSED = "ALREADY_REVERSED"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    REASON_REQUIRED = "REASON_REQUIRED"
    ALREADY_POSTED = "ALREADY_POSTED"
    BALANCE_NOT_ZERO = "BALANCE_NOT_ZERO"
    LOAN_ELIGIBILITY_USED = "LOAN_ELIGIBILITY_USED"
    STILL_ASSIGNED = "STILL_ASSIGNED"
    REPAYMENTS_RECORDED = "REPAYMENTS_RECORDED"
    NOT_IN_ARREARS = "NOT_IN_ARREARS"
    WRONG_AMOUNT = "WRONG_AMOUNT"


class RuleViolation(Exception):
    """Raised by a rule or a write; the mutation rolls back and returns it as a user error."""

    def __init__(self, field: str | tuple[str, ...], code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.field = (field,) if isinstance(field, str) else field
        self.code = code
        self.message = message
