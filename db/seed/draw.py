"""Drawing from the seed's one random generator: ids, dates and small choices.

Every random value comes from a `random.Random` seeded from the caller's rng_seed, never from
the global generator or the clock, so a seed is reproducible.
"""

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from itertools import accumulate
from typing import Generic, TypeVar

from domain.ids import _compose, uuid7

from .reference import PhonePlan

T = TypeVar("T")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MILLISECOND = timedelta(milliseconds=1)
DAY_MS = 86_400_000
# Rows are stamped within working hours (UTC) of their business date.
WORKDAY_START_MS = 7 * 3_600_000
WORKDAY_MS = 11 * 3_600_000
RAND_BITS = 74


def child(rng: random.Random) -> random.Random:
    """An independent generator for one part of the seed, so parts do not shift each other."""
    return random.Random(rng.getrandbits(64))


class Stamper:
    """UUIDv7 ids whose timestamp is the row's business date: keys sort by history."""

    __slots__ = ("_bits",)

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits

    def _ms(self, day: date) -> tuple[int, int]:
        bits = self._bits(RAND_BITS + 32)
        ms = (day.toordinal() - EPOCH_ORDINAL) * DAY_MS + WORKDAY_START_MS
        return ms + (bits >> RAND_BITS) % WORKDAY_MS, bits

    def id(self, day: date) -> uuid.UUID:
        ms, bits = self._ms(day)
        return uuid7(ms, bits)

    def text_at(self, day: date, after: int = -1) -> tuple[str, int]:
        """As `id_at` (the same draws, the same id) with the id as COPY text (PostgreSQL reads
        32 hex digits as a uuid) and the instant in ms since the epoch (`instant_text`)."""
        bits = self._bits(RAND_BITS + 32)
        ms = (day.toordinal() - EPOCH_ORDINAL) * DAY_MS + WORKDAY_START_MS
        ms += (bits >> RAND_BITS) % WORKDAY_MS
        if ms <= after:
            ms = after + 1
        return f"{_compose(ms, bits):032x}", ms

    def texts_on(self, day: date, count: int) -> list[str]:
        """`count` ids of one day as text, each later than the one before: the ids that as
        many `text_at` calls chained by their instants give."""
        draw, start = self._bits, (day.toordinal() - EPOCH_ORDINAL) * DAY_MS + WORKDAY_START_MS
        texts, last = [], -1
        for _ in range(count):
            bits = draw(RAND_BITS + 32)
            ms = start + (bits >> RAND_BITS) % WORKDAY_MS
            last = ms if ms > last else last + 1
            texts.append(f"{_compose(last, bits):032x}")
        return texts

    def id_at(self, day: date, after: datetime | None = None) -> tuple[uuid.UUID, datetime]:
        """An id and the instant it encodes (for created_at / recorded_at columns); later than
        `after` when given, so same-day entries of a ledger keep their order."""
        ms, bits = self._ms(day)
        at = EPOCH + timedelta(milliseconds=ms)
        if after is not None and at <= after:
            at = after + MILLISECOND
            ms = (at - EPOCH) // MILLISECOND
        return uuid7(ms, bits), at


class _DayTexts(dict[int, str]):
    """Days since the epoch as ISO dates, each formatted once."""

    def __missing__(self, days: int) -> str:
        text = self[days] = date.fromordinal(EPOCH_ORDINAL + days).isoformat()
        return text


_DAYS = _DayTexts()


_CLOCK = [f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60)]  # by minute of the day
_SECONDS = [f"{s // 1000:02d}.{s % 1000:03d}" for s in range(60_000)]  # by ms of the minute


def instant_text(ms: int) -> str:
    """Milliseconds since the epoch as a timestamptz in COPY text (UTC)."""
    days, rest = divmod(ms, DAY_MS)
    minute, milli = divmod(rest, 60_000)
    return f"{_DAYS[days]} {_CLOCK[minute]}{_SECONDS[milli]}+00"


def instant_ms(at: datetime) -> int:
    return (at - EPOCH) // MILLISECOND


class Weighted(Generic[T]):
    """A reusable weighted choice (cumulative weights computed once)."""

    __slots__ = ("_items", "_cumulative")

    def __init__(self, pairs: Sequence[tuple[T, int | float]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cumulative = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self._items, cum_weights=self._cumulative, k=1)[0]


def between(rng: random.Random, start: date, end: date) -> date:
    """A day in [start, end], uniformly."""
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def round_to(amount: Decimal, step: Decimal) -> Decimal:
    """The nearest multiple of step (at least one step)."""
    return max(step, (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def round_down_to(amount: Decimal, step: Decimal) -> Decimal:
    return (amount / step).quantize(Decimal(1), rounding=ROUND_FLOOR) * step


def phone_number(rng: random.Random, plan: PhonePlan) -> str:
    digits = [str(rng.randrange(10**size)).zfill(size) for size in plan.groups]
    return " ".join([plan.country, rng.choice(plan.operators), *digits])
