"""In-memory test doubles: a fake clock, a transport that counts (and can hold) the calls
of another, and a transport that answers from a script."""

from __future__ import annotations

import threading
from typing import Callable, List, Optional, Union

from a55_token_broker import BrokerToken, TokenRequest, TokenTransport


class FakeClock:
    """A monotonic clock that moves only when told to, or when slept on (instantly)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self.sleeps: List[float] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class CountingTransport:
    """Counts the broker calls made through ``inner``.

    With ``hold``, every call waits until the event is set: the test decides when the
    broker answers, so concurrent callers are sure to overlap.
    """

    def __init__(self, inner: TokenTransport, hold: Optional[threading.Event] = None) -> None:
        self.inner = inner
        self.description = inner.description
        self.requests: List[TokenRequest] = []
        self.entered = threading.Event()
        self._hold = hold
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def fetch_token(self, request: TokenRequest) -> BrokerToken:
        with self._lock:
            self.requests.append(request)
        self.entered.set()
        if self._hold is not None:
            self._hold.wait(30)
        return self.inner.fetch_token(request)


Step = Union[BrokerToken, BaseException, Callable[[TokenRequest], BrokerToken]]


class ScriptedTransport:
    """Answers from a list of tokens, errors or callables, in order; the last one repeats."""

    description = "scripted broker"

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: List[TokenRequest] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def fetch_token(self, request: TokenRequest) -> BrokerToken:
        with self._lock:
            self.requests.append(request)
            step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            return step(request)
        return step


def token(value: str, credential: str = "default", expires_in: int = 3600) -> BrokerToken:
    """A token view as a transport returns it."""
    return BrokerToken(
        credential=credential,
        access_token=value,
        token_type="Bearer",
        expires_at="2030-01-01T00:00:00.000Z",
        expires_in=expires_in,
    )
