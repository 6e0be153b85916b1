"""Time for the token client: reading it and waiting on it come from one object, so a
test's fake clock moves the retry deadline and the cache expiry together.

The client measures only durations (cache expiry, retry deadline), so the clock is
monotonic: a wall-clock jump (NTP, a VM resumed) neither expires nor prolongs a token.
"""

from __future__ import annotations

import time

try:  # Python 3.8+: typing.Protocol
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]


class Clock(Protocol):
    """A monotonic time source that can also wait."""

    def now(self) -> float:
        """Seconds on a monotonic scale (only differences mean anything)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Returns after ``seconds`` of this clock's time."""
        ...


class SystemClock:
    """The process's monotonic clock and ``time.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


#: The clock every client uses unless given another.
SYSTEM_CLOCK = SystemClock()
