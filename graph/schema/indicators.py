"""Head-office indicators (issue 5): being built."""

import strawberry


@strawberry.type
class IndicatorQuery:
    """The indicators domain's queries (composed into Query in graph/api.py)."""
