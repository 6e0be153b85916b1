"""The token client consumers keep one of per process (module scope in a Lambda).

It holds the token in memory, shares one broker call among concurrent threads, and rides
out a short ``TokenUnavailable`` while the refresher catches up: about one broker call per
token lifetime per process, whatever the call rate; during an outage, at most one per
``Retry-After`` (every caller of the client shares that one wait).
"""

from __future__ import annotations

import logging
import math
import os
import random
import threading
import weakref
from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional

from ._contract import (
    CREDENTIAL_NAME_PATTERN,
    MIN_VALIDITY_SECONDS_DEFAULT,
    MIN_VALIDITY_SECONDS_MAX,
    MIN_VALIDITY_SECONDS_MIN,
)
from .clock import SYSTEM_CLOCK, Clock
from .errors import BadRequest, BrokerResponseInvalid, BrokerUnavailable, ClientConfigError, TokenUnavailable
from .transports.base import BrokerToken, TokenRequest, TokenTransport, rejected_token_hash
from .transports.factory import create_transport
from .transports.sigv4 import CredentialsSource

logger = logging.getLogger("a55_token_broker")

_BACKOFF_BASE, _BACKOFF_MAX = 0.2, 1.0

#: Every client, so a forked child can reset them (see :func:`_after_fork_in_child`).
_CLIENTS: "weakref.WeakSet[TokenBrokerClient]" = weakref.WeakSet()


@dataclass(frozen=True)
class _Cached:
    """A token and when, by this process's monotonic clock, it expires."""

    token: BrokerToken
    #: Local time the request was sent plus ``expires_in``: immune to clock skew with the broker.
    expires_at: float


class _Flight:
    """One broker call and everyone waiting for it; its outcome is set exactly once."""

    def __init__(self, rejected_hash: Optional[str]) -> None:
        #: The ``rejectedTokenHash`` this call sends, if any.
        self.rejected_hash = rejected_hash
        self.done = threading.Event()
        #: Callers that chose to wait for this call instead of making their own (under the client's lock).
        self.followers = 0
        self.entry: Optional[_Cached] = None
        self.error: Optional[BaseException] = None


class TokenBrokerClient:
    """Gets A55 Bearer tokens from the token broker. Thread-safe; keep one per process.

    Args:
        function_name: the reader's function name or ARN (Lambda Invoke).
        url: the reader's Function URL (SigV4) or the local broker's URL (plain http,
            loopback only).
        credential: credential set to ask for (``[a-z0-9-]{1,64}``). Default:
            TOKEN_BROKER_CREDENTIAL, else the broker's default (first) set.
        min_validity_seconds: a token is served only while it has more than this many
            seconds left; the broker is asked for one with at least as much. 0 to 1800 (the
            contract's bound: half an A55 token's life; the reader refuses more).
        retry_deadline_seconds: how long :meth:`get_token` keeps retrying
            ``TokenUnavailable`` (with backoff, honouring ``Retry-After``) before it
            raises it. 0 disables retries.
        transport: any other way to reach a broker (a fake or a counting wrapper in tests).
        lambda_client: Invoke only: the boto3 Lambda client to use.
        region: region of the default Lambda client and of URL signing. Default: from the
            URL host, else AWS_REGION.
        signing: URL only: ``sigv4`` or ``none``. Default: ``sigv4`` for https, ``none`` for http.
        credentials: URL only: botocore credentials (or a callable returning them) to sign with.
        request_timeout_seconds: URL only: give up on a broker call after this long.
        clock: monotonic time source, injected by tests.
        environ: where TOKEN_BROKER_* are read from. Default: ``os.environ``.

    With none of ``function_name``, ``url`` and ``transport``, TOKEN_BROKER_FUNCTION or
    TOKEN_BROKER_URL names the broker (the CDK wiring sets them).

    A broker call runs in the thread of the first caller; the others wait for it. The
    wait is bounded by the transport's timeouts (5 s per URL call; 2 s connect and 5 s
    read per invoke attempt) plus ``retry_deadline_seconds``.

    Raises:
        ClientConfigError: the options (or the environment) name no broker, name two, or
            hold an invalid value.

    Example::

        broker = TokenBrokerClient()  # in a Lambda wired by broker.connectLambda(fn)
        def handler(event, context):
            token = broker.get_token()
    """

    def __init__(
        self,
        function_name: Optional[str] = None,
        url: Optional[str] = None,
        credential: Optional[str] = None,
        min_validity_seconds: int = MIN_VALIDITY_SECONDS_DEFAULT,
        retry_deadline_seconds: float = 5,
        *,
        transport: Optional[TokenTransport] = None,
        lambda_client: Any = None,
        region: Optional[str] = None,
        signing: Optional[str] = None,
        credentials: Optional[CredentialsSource] = None,
        request_timeout_seconds: float = 5.0,
        clock: Optional[Clock] = None,
        environ: Optional[Mapping[str, str]] = None,
    ) -> None:
        self._transport, env_credential = create_transport(
            function_name=function_name,
            url=url,
            transport=transport,
            lambda_client=lambda_client,
            region=region,
            signing=signing,
            credentials=credentials,
            request_timeout_seconds=request_timeout_seconds,
            environ=environ,
        )
        chosen = credential if credential is not None else env_credential
        if chosen is not None and (not isinstance(chosen, str) or not CREDENTIAL_NAME_PATTERN.fullmatch(chosen)):
            raise ClientConfigError(
                f"credential '{str(chosen)[:70]}' is not a credential set name: 1-64 characters of a-z, 0-9 and -"
            )
        #: The credential set asked for; None means the broker's default.
        self.credential: Optional[str] = chosen
        low, high = MIN_VALIDITY_SECONDS_MIN, MIN_VALIDITY_SECONDS_MAX
        if (
            isinstance(min_validity_seconds, bool)
            or not isinstance(min_validity_seconds, int)
            or not low <= min_validity_seconds <= high
        ):
            raise ClientConfigError(
                f"min_validity_seconds must be an integer from {low} to {high}, got {min_validity_seconds!r}"
            )
        #: Seconds of validity a served token has at least.
        self.min_validity_seconds: int = min_validity_seconds
        if (
            isinstance(retry_deadline_seconds, bool)
            or not isinstance(retry_deadline_seconds, (int, float))
            or not math.isfinite(retry_deadline_seconds)
            or retry_deadline_seconds < 0
        ):
            raise ClientConfigError(f"retry_deadline_seconds must be 0 or more, got {retry_deadline_seconds!r}")
        self._retry_deadline = float(retry_deadline_seconds)
        self._clock: Clock = clock or SYSTEM_CLOCK
        self._lock = threading.Lock()
        self._cached: Optional[_Cached] = None
        self._flight: Optional[_Flight] = None
        #: Hash of the last invalidated token, until the broker has answered with a token again.
        self._rejected_hash: Optional[str] = None
        #: No broker call before this (monotonic) time: the wait the last TokenUnavailable asked
        #: for (Retry-After, at least the back-off). Shared by every thread, so an outage costs
        #: one call per wait, not one per caller; it is a wait, never a cached failure.
        self._not_before = -math.inf
        _CLIENTS.add(self)

    @property
    def broker(self) -> str:
        """Which broker this client asks, e.g. ``function a55-reader``."""
        return self._transport.description

    def __repr__(self) -> str:
        return f"TokenBrokerClient(broker={self.broker!r}, credential={self.credential!r})"

    def get_token(self) -> str:
        """A Bearer token with more than ``min_validity_seconds`` left.

        The cached one, or a fresh one from the broker: one call shared by every thread
        asking at the same time.

        Raises:
            TokenBrokerError: ``TokenUnavailable`` once the retry deadline has passed, the
                reader's other errors at once, transport failures at once. Every thread
                that waited for the failed call gets the same error; a failure is never
                cached: the next call asks the broker again.
        """
        with self._lock:
            cached = self._cached
            if cached is not None and self._has_validity_left(cached):
                return cached.token.access_token  # the hot path: no view to build
        return self.get_token_details().access_token

    def get_token_details(self) -> BrokerToken:
        """Like :meth:`get_token`, with the whole view; ``expires_in`` is counted down to now."""
        while True:
            with self._lock:
                cached = self._cached
                if cached is not None and self._has_validity_left(cached):
                    return self._view(cached)
                flight = self._flight
                pending = self._rejected_hash
                # A call started before a token was rejected may answer with that very token:
                # wait for it, then take what it cached or ask again saying "not this token".
                stale = flight is not None and pending is not None and flight.rejected_hash != pending
                leader = flight is None
                if flight is None:
                    flight = self._flight = _Flight(pending)
                elif not stale:
                    flight.followers += 1
            if stale:
                flight.done.wait()
                continue
            if leader:
                self._fly(flight)
            else:
                flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.entry is not None
            return self._view(flight.entry)

    def invalidate(self, token: str) -> bool:
        """Forgets ``token`` if it is the cached one, so the next :meth:`get_token` asks the broker.

        Call it when the A55 API rejected the token (HTTP 401). The next broker call then
        says "not this token" (``rejectedTokenHash``): the reader skips its own cache and
        replaces that token if it is the stored one. Returns whether it was dropped.
        """
        with self._lock:
            cached = self._cached
            if cached is None or cached.token.access_token != token:
                return False
            self._cached = None
            self._rejected_hash = rejected_token_hash(token)
        logger.info("token of credential %s invalidated; the next broker call asks for another", self._shown_credential)
        return True

    @property
    def _shown_credential(self) -> str:
        return repr(self.credential) if self.credential is not None else "(broker default)"

    def _fly(self, flight: _Flight) -> None:
        """Runs ``flight`` in this (the first caller's) thread and hands its outcome to all."""
        try:
            flight.entry = self._load(flight.rejected_hash)
        except BaseException as error:
            # Waiters get the same error; an interrupt (KeyboardInterrupt...) stays this thread's own.
            flight.error = (
                error
                if isinstance(error, Exception)
                else BrokerUnavailable("the thread asking the broker was interrupted", broker=self.broker)
            )
            raise
        finally:
            # One critical section: the outcome is stored and the flight closed together, so no
            # caller can join a finished flight or miss the cache it filled.
            with self._lock:
                if flight.entry is not None:
                    self._store(flight, flight.entry)
                elif isinstance(flight.error, BadRequest):
                    self._forget_refused_hash(flight)
                elif flight.error is None:  # pragma: no cover - defensive
                    flight.error = BrokerUnavailable("the broker call ended without an outcome", broker=self.broker)
                if self._flight is flight:  # after a fork the child may have dropped it already
                    self._flight = None
            flight.done.set()

    def _forget_refused_hash(self, flight: _Flight) -> None:
        """A reader that does not know ``rejectedTokenHash`` answers BadRequest; resending the
        hash would fail every later call, so it is dropped. Lock held."""
        if flight.rejected_hash is not None and self._rejected_hash == flight.rejected_hash:
            self._rejected_hash = None
            logger.warning("the broker refused the request carrying rejectedTokenHash; it is not sent again")

    def _store(self, flight: _Flight, entry: _Cached) -> None:
        """Caches what a flight brought, unless it is a token rejected meanwhile. Lock held."""
        got = rejected_token_hash(entry.token.access_token)
        pending = self._rejected_hash
        if pending is not None and got == pending and flight.rejected_hash != pending:
            # Invalidated while this call was under way: the next call asks for another.
            return
        if flight.rejected_hash is not None and got == flight.rejected_hash:
            logger.warning("the broker answered with the token reported as rejected")
        self._rejected_hash = None
        self._cached = entry

    def _load(self, rejected_hash: Optional[str]) -> _Cached:
        """Asks the broker, retrying ``TokenUnavailable`` until the deadline."""
        clock = self._clock
        deadline = clock.now() + self._retry_deadline
        request = TokenRequest(self.credential, self.min_validity_seconds, rejected_hash)
        attempt = 0
        while True:
            attempt += 1
            self._shared_wait(deadline)
            sent_at = clock.now()
            logger.debug("asking %s for a token of credential %s (attempt %d)", self.broker, self._shown_credential, attempt)
            try:
                token = self._transport.fetch_token(request)
                if self.credential is not None and token.credential != self.credential:
                    raise BrokerResponseInvalid(
                        f"asked for credential '{self.credential}', the broker answered for '{token.credential[:70]}'",
                        broker=self.broker,
                    )
                # Counted from when the request was sent: conservative by the call's latency.
                return _Cached(token, sent_at + token.expires_in)
            except TokenUnavailable as error:
                delay = max(_backoff(attempt), error.retry_after_seconds or 0.0)
                with self._lock:
                    self._not_before = max(self._not_before, clock.now() + delay)
                # Waiting past the deadline (a long Retry-After included) would only delay the same answer.
                if clock.now() + delay > deadline:
                    raise
                logger.info(
                    "no usable token of credential %s yet (TokenUnavailable); retrying in %.2f s",
                    self._shown_credential,
                    delay,
                )

    def _shared_wait(self, deadline: float) -> None:
        """Waits until the broker may be asked again, or raises at once if that is past ``deadline``."""
        with self._lock:
            not_before = self._not_before
        now = self._clock.now()
        wait = not_before - now
        if wait <= 0:
            return
        if now + wait > deadline:
            seconds = math.ceil(wait)
            raise TokenUnavailable(
                f"no usable token for credential {self._shown_credential} yet: the broker answered "
                f"TokenUnavailable and is not asked again for {seconds} s (Retry-After), past this "
                "call's retry deadline",
                broker=self.broker,
                retry_after_seconds=seconds,
            )
        self._clock.sleep(wait)

    def _has_validity_left(self, entry: _Cached) -> bool:
        return entry.expires_at - self._clock.now() > self.min_validity_seconds

    def _view(self, entry: _Cached) -> BrokerToken:
        left = max(0, math.floor(entry.expires_at - self._clock.now()))
        return replace(entry.token, expires_in=left)


def _after_fork_in_child() -> None:
    """A forked child (gunicorn, multiprocessing) has only the forking thread: a broker call
    another thread had under way would never end there, and the lock may be held. Each
    client gets a new lock and no call in flight; the cached token stays valid."""
    for client in list(_CLIENTS):
        client._lock = threading.Lock()
        client._flight = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _backoff(attempt: int) -> float:
    """Capped exponential backoff with equal jitter: never a near-zero wait, never in lockstep."""
    ceiling = min(_BACKOFF_MAX, _BACKOFF_BASE * 2 ** (attempt - 1))
    return ceiling / 2 + random.random() * ceiling / 2
