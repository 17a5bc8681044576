"""The whole seed as a stream of batches, each small enough to hold in memory."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .draw import child
from .missions import missions_batch
from .network import members_per_programme, network_batch
from .portfolio import BRANCH_MEMBERS, Branch
from .reference import EARLIEST_AS_OF, PROGRAMMES
from .rows import Batch


@dataclass(frozen=True)
class Step:
    stage: str
    members: int  # members in this batch
    batch: Batch


def generate(members: int, as_of: date, rng_seed: int) -> Iterator[Step]:
    """Reference data, missions, then each programme a branch at a time.

    Each part draws from its own generator, derived in a fixed order from rng_seed, so the
    rows depend only on (members, as_of, rng_seed).
    """
    if as_of < EARLIEST_AS_OF:
        raise ValueError(f"as_of must be on or after {EARLIEST_AS_OF}")
    shares = members_per_programme(members, PROGRAMMES)
    return _steps(shares, as_of, random.Random(rng_seed))


def _steps(shares: list[int], as_of: date, rng: random.Random) -> Iterator[Step]:
    network, programmes = network_batch(child(rng), as_of, PROGRAMMES)
    missions_rng = child(rng)
    programme_rngs = [child(rng) for _ in programmes]
    yield Step("reference data", 0, network)
    yield Step("missions", 0, missions_batch(missions_rng, programmes, as_of))
    for programme, share, programme_rng in zip(programmes, shares, programme_rngs, strict=True):
        group_names: set[str] = set()
        branches = -(-share // BRANCH_MEMBERS)
        for index in range(branches):
            count = share // branches + (1 if index < share % branches else 0)
            branch = Branch(programme, child(programme_rng), as_of, group_names)
            yield Step(f"programme {programme.spec.code}", count, branch.generate(count))
