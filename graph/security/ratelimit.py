"""Per-credential rate limit: a token bucket per subject, in this process's memory."""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`burst` requests at once, refilled at `per_minute`; `take` answers the wait, if any.

    Buckets live in memory: each process counts on its own, so with N workers a credential
    gets up to N times the rate (README "Security").
    """

    MAX_BUCKETS = 10_000

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, count: int = 1) -> float:
        """Spend `count` of `key`'s bucket (a batch spends one per operation) all at once: 0
        if allowed, else the seconds to wait and nothing spent."""
        bucket = self._refilled(key)
        if bucket.tokens >= count:
            bucket.tokens -= count
            return 0.0
        return (count - bucket.tokens) / self.rate

    def waiting(self, key: str) -> float:
        """The seconds before `key` may spend one (0: now), without spending."""
        if key not in self._buckets:
            return 0.0
        tokens = self._refilled(key).tokens
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def _refilled(self, key: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_BUCKETS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """A bucket that has refilled is the same as no bucket: drop those."""
        refill = self.burst / self.rate
        self._buckets = {key: b for key, b in self._buckets.items() if now - b.updated < refill}


def retry_after(wait: float) -> str:
    return str(max(1, math.ceil(wait)))
