"""Factories: rows inserted with unique names, so tests never depend on each other's data."""

import secrets


def unique(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(3).upper()}"
