"""What every mutation shares: user errors as data, and the idempotency key."""

import strawberry

from domain.errors import ErrorCode

strawberry.enum(ErrorCode, name="UserErrorCode", description="What kind of mistake it is.")


@strawberry.type(description="A mistake in a mutation's input, reported as data.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault, e.g. ['input', 'amount']; "
        "null when the whole request is at fault."
    )
    message: str = strawberry.field(description="What is wrong, for a person to read.")
    code: ErrorCode = strawberry.field(description="What is wrong, for a program to test.")


IDEMPOTENCY_KEY_DESCRIPTION = (
    "A key the client generates once per intended write (a UUID, say) and sends again on "
    "every retry: the same key with the same input returns the first result and changes "
    "nothing; with a different input it is refused (IDEMPOTENCY_KEY_REUSED)."
)
