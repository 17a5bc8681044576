"""The whole seed as batches: reference data and missions, then each programme a branch at a
time, each branch small enough to hold in memory and generated on its own (in a worker
process), so branches are generated in parallel while earlier ones load."""

import gc
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .draw import child
from .load import Chunk, encode_batch
from .missions import missions_batch
from .network import Programme, members_per_programme, network_batch
from .portfolio import AS_TEXT, BRANCH_MEMBERS, Branch
from .reference import EARLIEST_AS_OF, PROGRAMMES
from .rows import Batch, GroupRow


@dataclass(frozen=True)
class BranchJob:
    stage: str
    programme: Programme
    rng_seed: int  # the branch's generator: child() of its programme's, drawn in order
    as_of: date
    members: int


@dataclass(frozen=True)
class Generated:
    """A branch's rows, encoded for COPY, but for its groups: their names are settled in
    order, against the programme's earlier branches (portfolio.renamed)."""

    job: BranchJob
    chunks: list[Chunk]
    groups: list[GroupRow]
    bases: list[str]
    naming: list[int]


@dataclass(frozen=True)
class Plan:
    reference: list[tuple[str, Batch]]  # (stage, batch): network, then missions
    branches: list[BranchJob]


def plan(members: int, as_of: date, rng_seed: int) -> Plan:
    """Reference data, missions, then each programme's branches.

    Each part draws from its own generator, derived in a fixed order from rng_seed, so the
    rows depend only on (members, as_of, rng_seed), not on which process generates them.
    """
    if as_of < EARLIEST_AS_OF:
        raise ValueError(f"as_of must be on or after {EARLIEST_AS_OF}")
    shares = members_per_programme(members, PROGRAMMES)
    rng = random.Random(rng_seed)
    network, programmes = network_batch(child(rng), as_of, PROGRAMMES)
    missions_rng = child(rng)
    programme_rngs = [child(rng) for _ in programmes]
    reference = [
        ("reference data", network),
        ("missions", missions_batch(missions_rng, programmes, as_of)),
    ]
    jobs = []
    for programme, share, programme_rng in zip(programmes, shares, programme_rngs, strict=True):
        branches = -(-share // BRANCH_MEMBERS)
        for index in range(branches):
            count = share // branches + (1 if index < share % branches else 0)
            # child(programme_rng), as a seed that travels to a worker.
            seed = programme_rng.getrandbits(64)
            jobs.append(
                BranchJob(f"programme {programme.spec.code}", programme, seed, as_of, count)
            )
    return Plan(reference, jobs)


def quiet_collector() -> None:
    """Generating allocates millions of short-lived objects: at the default thresholds the
    cyclic collector spends a sixth of the run rescanning them."""
    gc.set_threshold(100_000, 50, 100)


def generate_branch(job: BranchJob) -> Generated:
    """One branch's rows (run in a worker process)."""
    branch = Branch(job.programme, random.Random(job.rng_seed), job.as_of, set())
    batch = branch.generate(job.members)
    groups, batch.groups = batch.groups, []
    chunks = encode_batch(batch.tables())
    for table, lines in branch.lines.items():
        if lines:
            chunks.append(Chunk(table, AS_TEXT[table], "".join(lines).encode(), len(lines)))
    return Generated(job, chunks, groups, branch.bases, branch.group_naming)


def in_sequence(jobs: list[BranchJob]) -> Iterator[Generated]:
    """The branches generated in this process, one after another."""
    for job in jobs:
        yield generate_branch(job)
