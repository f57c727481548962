"""Recording calls made from many threads: when each was sent and acknowledged.

Clocks are time.monotonic_ns() of this process. "Sent" is taken just before the
client method is entered and "acknowledged" just after it returned, so the real
send and commit of a call lie inside [sent, acked].
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    key: Any  # what the call was about (a video id, a quality id)
    value: Any  # what it asked for (a quality id, a status)
    sent: int
    acked: int
    ok: bool  # False: it raised
    error: BaseException | None = None
    result: Any = None


def timed(key: Any, value: Any, fn: Callable[[], T]) -> Call:
    """Run fn and record it; an exception is recorded, not raised."""
    sent = time.monotonic_ns()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001  (recorded; the test asserts on it)
        return Call(key, value, sent, time.monotonic_ns(), False, exc)
    return Call(key, value, sent, time.monotonic_ns(), True, None, result)


def last_acknowledged(calls: Iterable[Call]) -> list[Call]:
    """The calls that may have been the last to commit, among the successful ones.

    Calls that lock the same row commit one after another. A call sent after
    another was acknowledged must commit after it, so the call that committed
    last is one that no successful call was *sent* after it was acknowledged:
    the maximal elements of the happened-before order. Overlapping calls at the
    end cannot be ordered from the outside (the server answers them in commit
    order, but on different connections), so this is a set, usually of one to
    a few calls. The final state must be the effect of one of them.
    """
    done = [c for c in calls if c.ok]
    if not done:
        return []
    latest_send = max(c.sent for c in done)
    return [c for c in done if c.acked >= latest_send]


def by_key(calls: Sequence[Call]) -> dict[Any, list[Call]]:
    grouped: dict[Any, list[Call]] = {}
    for c in calls:
        grouped.setdefault(c.key, []).append(c)
    return grouped
