"""Time-ordered UUIDs (version 7): keys sort by creation, so keyset pages follow history."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = 0


def uuid7(unix_ms: int | None = None, rand: int | None = None) -> uuid.UUID:
    """A UUIDv7 from a millisecond timestamp and 74 random bits (both injectable for seeds).

    Generated ones (no arguments) are strictly increasing within the process, as RFC 9562
    method 3 allows, so rows written in the same millisecond still list in creation order.
    """
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    bits = int.from_bytes(os.urandom(10)) if rand is None else rand
    value = _compose(ms, bits)
    if unix_ms is None and rand is None:
        global _last
        with _lock:
            value = max(value, _last + 1)
            _last = value
    return uuid.UUID(int=value)


def _compose(ms: int, bits: int) -> int:
    bits &= (1 << 74) - 1
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (bits >> 62) << 64  # rand_a: 12 bits
    value |= 0b10 << 62  # variant
    value |= bits & ((1 << 62) - 1)  # rand_b: 62 bits
    return value
