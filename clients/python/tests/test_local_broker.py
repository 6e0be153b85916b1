"""The Python client against the project's real local broker (``bin/local-broker.ts``):
the reader's own code over plain HTTP, DynamoDB Local, the embedded token server.
Broker calls are counted by wrapping the real UrlTransport."""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Iterator, List

import pytest
from a55_test_support.fakes import CountingTransport
from a55_test_support.local_broker import LocalBroker
from a55_test_support.servers import Answer, StandIn, json_answer
from a55_test_support.sigv4_verifier import ReceivedRequest

from a55_token_broker import (
    TokenBrokerClient,
    TokenBrokerError,
    TokenUnavailable,
    UnknownCredential,
    UrlTransport,
    rejected_token_hash,
)


def counted(broker: LocalBroker, hold: threading.Event = None) -> CountingTransport:  # type: ignore[assignment]
    return CountingTransport(UrlTransport(broker.url), hold=hold)


def test_serves_a_token_from_token_broker_url(local_broker: LocalBroker, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_BROKER_URL", local_broker.url)
    monkeypatch.setenv("TOKEN_BROKER_CREDENTIAL", "default")
    client = TokenBrokerClient()

    details = client.get_token_details()

    assert (details.credential, details.token_type) == ("default", "Bearer")
    assert details.access_token.count(".") == 2, "the embedded server issues JWT access tokens"
    assert 3000 < details.expires_in <= 3600
    assert client.get_token() == details.access_token


def test_serves_from_the_cache_without_a_broker_call(local_broker: LocalBroker) -> None:
    transport = counted(local_broker)
    client = TokenBrokerClient(transport=transport)

    tokens = {client.get_token() for _ in range(200)}

    assert len(tokens) == 1
    assert transport.calls == 1


def test_50_threads_share_one_broker_call(local_broker: LocalBroker) -> None:
    hold = threading.Event()
    transport = counted(local_broker, hold)
    client = TokenBrokerClient(transport=transport)
    start = threading.Barrier(50)
    tokens: List[str] = []
    lock = threading.Lock()

    def call() -> None:
        start.wait(5)
        token = client.get_token()
        with lock:
            tokens.append(token)

    threads = [threading.Thread(target=call, daemon=True) for _ in range(50)]
    for thread in threads:
        thread.start()
    assert transport.entered.wait(5)
    time.sleep(0.2)  # the other 49 reach the flight (had one not, it would hit the cache: still one call)
    hold.set()
    for thread in threads:
        thread.join(10)

    assert len(tokens) == 50 and len(set(tokens)) == 1
    assert transport.calls == 1


def test_unknown_credential_is_shared_by_the_waiting_threads_and_not_cached(
    local_broker: LocalBroker, caught: List[BaseException]
) -> None:
    hold = threading.Event()
    transport = counted(local_broker, hold)
    client = TokenBrokerClient(transport=transport, credential="staging")
    errors: List[BaseException] = []

    def call() -> None:
        try:
            client.get_token()
        except TokenBrokerError as error:
            errors.append(error)

    threads = [threading.Thread(target=call, daemon=True) for _ in range(10)]
    for thread in threads:
        thread.start()
    assert transport.entered.wait(5)
    time.sleep(0.2)
    hold.set()
    for thread in threads:
        thread.join(10)
    caught.extend(errors)

    assert len(errors) == 10 and all(isinstance(error, UnknownCredential) for error in errors)
    assert transport.calls == 1
    error = errors[0]
    assert isinstance(error, UnknownCredential) and error.status == 404
    assert str(error) == (
        "credential 'staging' is not served by this reader: it serves 'default' only; grant access to "
        f"'staging' with broker.grantRead(grantee, 'staging') (broker: {local_broker.url})"
    )
    with pytest.raises(UnknownCredential):
        client.get_token()
    assert transport.calls == 2


def test_after_invalidate_the_reader_replaces_the_rejected_token(local_broker: LocalBroker, caught: List[BaseException]) -> None:
    """invalidate(token) makes the next call send rejectedTokenHash; the reader must skip its
    cache and answer with another token, which then is the one everybody gets."""
    mark = local_broker.mark()
    transport = counted(local_broker)
    client = TokenBrokerClient(transport=transport, retry_deadline_seconds=15)
    rejected = client.get_token()
    # Without the hash, the reader serves that same token (from its cache or the store).
    assert TokenBrokerClient(url=local_broker.url).get_token() == rejected

    assert client.invalidate(rejected)
    try:
        replacement = client.get_token()
    except TokenBrokerError as error:
        caught.append(error)
        raise
    finally:
        local_broker.settle(mark)

    assert transport.requests[1].rejected_token_hash == rejected_token_hash(rejected)
    assert replacement != rejected
    assert TokenBrokerClient(url=local_broker.url).get_token() == replacement


@pytest.fixture(scope="module")
def short_token_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A local broker whose token endpoint issues 10-minute tokens: a caller asking for
    1800 s of validity gets TokenUnavailable (Retry-After: 2) for as long as it asks."""
    issued = iter(range(1_000_000))

    def token_endpoint(_request: ReceivedRequest) -> Answer:
        body = {"access_token": f"short-{next(issued)}-{os.getpid()}", "token_type": "Bearer", "expires_in": 600}
        return json_answer(200, body)

    endpoint = StandIn(token_endpoint)
    directory = tmp_path_factory.mktemp("short-token-broker")
    credentials = directory / "credentials.json"
    entry = {"name": "default", "tokenUrl": f"{endpoint.url}/token", "clientId": "short-id", "clientSecret": "short-secret"}
    credentials.write_text(json.dumps({"credentials": [entry]}))
    credentials.chmod(0o600)
    broker = LocalBroker(extra_args=["--credentials", str(credentials)]).start()
    try:
        yield broker
    finally:
        broker.stop()
        endpoint.stop()


def test_token_unavailable_is_retried_after_retry_after_until_the_deadline(
    short_token_broker: LocalBroker, caught: List[BaseException]
) -> None:
    """A 10-minute token never has more than 1800 s left: the reader answers 503 Retry-After: 2."""
    transport = counted(short_token_broker)
    client = TokenBrokerClient(transport=transport, min_validity_seconds=1800, retry_deadline_seconds=2.5)

    started = time.monotonic()
    with pytest.raises(TokenUnavailable) as error:
        client.get_token()
    elapsed = time.monotonic() - started
    caught.append(error.value)

    # Attempt 1, Retry-After: 2 (within 2.5 s), attempt 2, Retry-After: 2 (past it): raised.
    assert transport.calls == 2
    assert 2.0 <= elapsed < 4.0
    assert (error.value.status, error.value.retry_after_seconds) == (503, 2)
    assert "no usable token for credential 'default'" in str(error.value)


def test_token_unavailable_without_retries(short_token_broker: LocalBroker) -> None:
    transport = counted(short_token_broker)
    client = TokenBrokerClient(transport=transport, min_validity_seconds=1800, retry_deadline_seconds=0)
    with pytest.raises(TokenUnavailable):
        client.get_token()
    assert transport.calls == 1


def test_50_threads_over_5_s_of_token_unavailable_share_one_wait(short_token_broker: LocalBroker) -> None:
    """During an outage the threads of a process ask the broker once per Retry-After, not
    each on its own: at most ceil(5/2) + 1 calls in 5 s, never two within 2 s."""
    transport = TimedCounting(UrlTransport(short_token_broker.url))
    client = TokenBrokerClient(transport=transport, min_validity_seconds=1800)

    def call() -> None:
        try:
            client.get_token()
        except TokenUnavailable:
            pass

    started = time.monotonic()
    threads = []
    for _ in range(50):
        thread = threading.Thread(target=call, daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(0.1)
    for thread in threads:
        thread.join(15)
        assert not thread.is_alive()

    within = [at for at in transport.called_at if at - started < 5]
    gaps = [later - earlier for earlier, later in zip(transport.called_at, transport.called_at[1:])]
    assert 1 <= len(within) <= 4
    assert min(gaps) >= 1.99


class TimedCounting(CountingTransport):
    """Counts the broker calls and notes when (monotonic seconds) each came."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        super().__init__(inner)
        self.called_at: List[float] = []

    def fetch_token(self, request):  # type: ignore[no-untyped-def]
        self.called_at.append(time.monotonic())
        return super().fetch_token(request)
