"""Errors whose message is meant for the client; anything else is masked (see graph/api.py)."""


class PublicError(Exception):
    """A mistake in the request, explained to the client as is."""


class InvalidArgument(PublicError):
    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"Invalid `{argument}`: {message}")
        self.argument = argument
