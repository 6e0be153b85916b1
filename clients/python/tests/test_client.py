"""TokenBrokerClient on its own: options and environment, the cache, TokenUnavailable
retries, single-flight across threads, and invalidate / rejectedTokenHash. In memory
(scripted transports, a fake clock), so every timing is exact."""

from __future__ import annotations

import threading
import time
from typing import List

import pytest
from a55_test_support.canaries import CANARY_ROTATED_TOKEN, CANARY_TOKEN
from a55_test_support.fakes import CountingTransport, FakeClock, ScriptedTransport, token

from a55_token_broker import (
    BadRequest,
    BrokerToken,
    BrokerResponseInvalid,
    BrokerUnavailable,
    ClientConfigError,
    InvokeTransport,
    TokenBrokerClient,
    TokenBrokerError,
    TokenRequest,
    TokenUnavailable,
    UnknownCredential,
    UrlTransport,
    rejected_token_hash,
)

EMPTY_ENV: dict = {}


def unavailable(retry_after: float = None) -> TokenUnavailable:  # type: ignore[assignment]
    return TokenUnavailable("no usable token for credential 'default'", broker="scripted broker", status=503, retry_after_seconds=retry_after)


def client_with(transport, clock: FakeClock = None, **options) -> TokenBrokerClient:  # type: ignore[no-untyped-def,assignment]
    return TokenBrokerClient(transport=transport, clock=clock or FakeClock(), environ=EMPTY_ENV, **options)


class TestOptions:
    @pytest.mark.parametrize(
        "options, message",
        [
            ({"credential": "Production"}, "credential 'Production' is not a credential set name"),
            ({"credential": "x" * 65}, "is not a credential set name"),
            ({"credential": "prod\n"}, "is not a credential set name"),
            ({"min_validity_seconds": 3601}, "min_validity_seconds must be an integer from 0 to 1800, got 3601"),
            ({"min_validity_seconds": 1801}, "min_validity_seconds must be an integer from 0 to 1800, got 1801"),
            ({"min_validity_seconds": -1}, "got -1"),
            ({"min_validity_seconds": 1.5}, "got 1.5"),
            ({"min_validity_seconds": True}, "got True"),
            ({"retry_deadline_seconds": -0.1}, "retry_deadline_seconds must be 0 or more, got -0.1"),
            ({"retry_deadline_seconds": float("nan")}, "got nan"),
            ({"retry_deadline_seconds": float("inf")}, "got inf"),
        ],
    )
    def test_refuses_invalid_options(self, options: dict, message: str) -> None:
        with pytest.raises(ClientConfigError, match=message.replace("(", r"\(")) as caught:
            client_with(ScriptedTransport(token("t")), **options)
        assert isinstance(caught.value, TokenBrokerError)

    def test_accepts_the_bounds(self) -> None:
        assert client_with(ScriptedTransport(token("t")), min_validity_seconds=0).min_validity_seconds == 0
        assert client_with(ScriptedTransport(token("t")), min_validity_seconds=1800, retry_deadline_seconds=0)

    def test_refuses_two_targets(self) -> None:
        with pytest.raises(ClientConfigError, match="give only one of function_name, url and transport"):
            TokenBrokerClient(function_name="reader", url="https://x.lambda-url.us-east-1.on.aws/", environ=EMPTY_ENV)

    def test_names_the_variables_when_no_broker_is_given(self) -> None:
        with pytest.raises(ClientConfigError) as caught:
            TokenBrokerClient(environ=EMPTY_ENV)
        assert "TOKEN_BROKER_FUNCTION" in str(caught.value) and "TOKEN_BROKER_URL" in str(caught.value)

    def test_refuses_both_variables(self) -> None:
        env = {"TOKEN_BROKER_FUNCTION": "reader", "TOKEN_BROKER_URL": "http://127.0.0.1:1"}
        with pytest.raises(ClientConfigError, match="both TOKEN_BROKER_FUNCTION and TOKEN_BROKER_URL are set"):
            TokenBrokerClient(environ=env)

    def test_an_explicit_target_wins_over_the_environment(self) -> None:
        env = {"TOKEN_BROKER_FUNCTION": "reader", "TOKEN_BROKER_URL": "http://127.0.0.1:1"}
        client = TokenBrokerClient(url="http://127.0.0.1:2", environ=env)
        assert client.broker == "http://127.0.0.1:2"

    def test_reads_the_url_and_credential_from_the_environment_blank_as_unset(self) -> None:
        env = {"TOKEN_BROKER_FUNCTION": "  ", "TOKEN_BROKER_URL": " http://127.0.0.1:8787/ ", "TOKEN_BROKER_CREDENTIAL": "sandbox"}
        client = TokenBrokerClient(environ=env)
        assert (client.broker, client.credential) == ("http://127.0.0.1:8787", "sandbox")

    def test_reads_the_function_from_the_environment(self) -> None:
        env = {"TOKEN_BROKER_FUNCTION": "a55-reader", "TOKEN_BROKER_CREDENTIAL": "production"}
        client = TokenBrokerClient(region="us-east-1", environ=env)
        assert (client.broker, client.credential) == ("function a55-reader", "production")

    def test_the_credential_option_wins_over_the_environment(self) -> None:
        env = {"TOKEN_BROKER_CREDENTIAL": "production"}
        assert client_with(ScriptedTransport(token("t")), credential="sandbox").credential == "sandbox"
        assert TokenBrokerClient(transport=ScriptedTransport(token("t")), environ=env).credential == "production"

    def test_refuses_an_invalid_credential_from_the_environment(self) -> None:
        with pytest.raises(ClientConfigError, match="'Prod' is not a credential set name"):
            TokenBrokerClient(url="http://127.0.0.1:1", environ={"TOKEN_BROKER_CREDENTIAL": "Prod"})

    def test_refuses_an_empty_function_name(self) -> None:
        with pytest.raises(ClientConfigError, match="function_name is empty"):
            TokenBrokerClient(function_name=" ", environ=EMPTY_ENV)

    def test_invoke_without_a_region_is_a_config_error(self) -> None:
        with pytest.raises(ClientConfigError, match="no region to invoke the reader in"):
            InvokeTransport("reader")

    def test_reads_os_environ_by_default(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOKEN_BROKER_URL", "http://localhost:8787")
        assert TokenBrokerClient().broker == "http://localhost:8787"

    def test_repr_names_the_broker_and_credential(self) -> None:
        client = client_with(ScriptedTransport(token(CANARY_TOKEN, credential="sandbox")), credential="sandbox")
        client.get_token()
        assert repr(client) == "TokenBrokerClient(broker='scripted broker', credential='sandbox')"


class TestCache:
    def test_serves_the_cached_token_until_min_validity_is_left(self) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(token(CANARY_TOKEN, expires_in=3600), token(CANARY_ROTATED_TOKEN))
        client = client_with(transport, clock)

        assert client.get_token() == CANARY_TOKEN
        clock.advance(3299)  # 301 s left, more than the 300 asked for
        assert client.get_token() == CANARY_TOKEN
        assert transport.calls == 1
        clock.advance(1)  # 300 s left: not more than 300
        assert client.get_token() == CANARY_ROTATED_TOKEN
        assert transport.calls == 2

    def test_counts_expiry_from_when_the_request_was_sent(self) -> None:
        clock = FakeClock()

        def slow(request):  # type: ignore[no-untyped-def]
            clock.advance(10)  # the call took 10 s
            return token(CANARY_TOKEN, expires_in=3600)

        client = client_with(ScriptedTransport(slow), clock)
        details = client.get_token_details()
        assert details.expires_in == 3590

    def test_details_count_expires_in_down(self) -> None:
        clock = FakeClock()
        client = client_with(ScriptedTransport(token(CANARY_TOKEN, expires_in=3600)), clock)
        client.get_token()
        clock.advance(100.5)
        details = client.get_token_details()
        assert (details.credential, details.token_type, details.expires_in) == ("default", "Bearer", 3499)
        assert CANARY_TOKEN not in repr(details)

    def test_refuses_a_token_of_another_credential(self, caught: List[BaseException]) -> None:
        client = client_with(ScriptedTransport(token(CANARY_TOKEN, credential="production")), credential="sandbox")
        with pytest.raises(BrokerResponseInvalid, match="asked for credential 'sandbox', the broker answered for 'production'") as error:
            client.get_token()
        caught.append(error.value)

    def test_sends_the_credential_and_min_validity(self) -> None:
        transport = ScriptedTransport(token("t", credential="sandbox"))
        client_with(transport, credential="sandbox", min_validity_seconds=600).get_token()
        assert transport.requests[0].credential == "sandbox"
        assert transport.requests[0].min_validity_seconds == 600
        assert transport.requests[0].rejected_token_hash is None


class TestRetries:
    def test_retries_token_unavailable_honouring_retry_after(self) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(unavailable(1), unavailable(2), token(CANARY_TOKEN))
        client = client_with(transport, clock)
        assert client.get_token() == CANARY_TOKEN
        assert clock.sleeps == [1.0, 2.0]
        assert transport.calls == 3

    def test_backs_off_with_jitter_without_retry_after(self) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(unavailable(), unavailable(), unavailable(), unavailable(), token("t"))
        client_with(transport, clock).get_token()
        ceilings = [0.2, 0.4, 0.8, 1.0]
        assert len(clock.sleeps) == 4
        for slept, ceiling in zip(clock.sleeps, ceilings):
            assert ceiling / 2 <= slept <= ceiling

    def test_gives_up_at_once_when_retry_after_reaches_past_the_deadline(self, caught: List[BaseException]) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(unavailable(10), token("t"))
        with pytest.raises(TokenUnavailable) as error:
            client_with(transport, clock, retry_deadline_seconds=5).get_token()
        caught.append(error.value)
        assert (transport.calls, clock.sleeps) == (1, [])
        assert error.value.retry_after_seconds == 10

    def test_raises_the_last_token_unavailable_at_the_deadline(self) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(unavailable(2))
        with pytest.raises(TokenUnavailable):
            client_with(transport, clock, retry_deadline_seconds=5).get_token()
        assert (transport.calls, clock.sleeps) == (3, [2.0, 2.0])

    def test_a_deadline_of_0_never_retries(self) -> None:
        transport = ScriptedTransport(unavailable(1))
        with pytest.raises(TokenUnavailable):
            client_with(transport, retry_deadline_seconds=0).get_token()
        assert transport.calls == 1

    @pytest.mark.parametrize(
        "error",
        [
            BadRequest("bad", broker="b", status=400),
            UnknownCredential("unknown credential 'x'", broker="b", status=404),
            BrokerUnavailable("down", broker="b"),
        ],
    )
    def test_does_not_retry_other_errors(self, error: TokenBrokerError) -> None:
        transport = ScriptedTransport(error, token("t"))
        with pytest.raises(type(error)):
            client_with(transport).get_token()
        assert transport.calls == 1

    def test_a_failure_is_not_cached(self) -> None:
        transport = ScriptedTransport(BrokerUnavailable("down", broker="b"), token(CANARY_TOKEN))
        client = client_with(transport)
        with pytest.raises(BrokerUnavailable):
            client.get_token()
        assert client.get_token() == CANARY_TOKEN
        assert transport.calls == 2


class TestOutage:
    """While the broker answers TokenUnavailable, every caller of a client shares one wait."""

    def test_a_process_serving_requests_back_to_back_for_a_minute_asks_at_most_31_times(self) -> None:
        # One request after another (50 ms apart), each asking for a token, as a busy worker does.
        clock = FakeClock()
        transport = ScriptedTransport(unavailable(2))
        client = client_with(transport, clock)
        start = clock.now()
        while clock.now() - start < 60:
            with pytest.raises(TokenUnavailable):
                client.get_token()
            clock.advance(0.05)
        assert transport.calls <= 60 // 2 + 1

    def test_invoke_without_a_header_waits_the_readers_contract_retry_after(self) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(InvokeStub.unavailable_error())
        client = client_with(transport, clock)
        start = clock.now()
        while clock.now() - start < 60:
            with pytest.raises(TokenUnavailable):
                client.get_token()
            clock.advance(0.05)
        assert transport.calls <= 60 // 2 + 1

    def test_a_caller_during_the_wait_fails_at_once_when_it_outlasts_its_deadline_then_asks_after_it(
        self, caught: List[BaseException]
    ) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(unavailable(2), token(CANARY_TOKEN))
        client = client_with(transport, clock, retry_deadline_seconds=0)
        with pytest.raises(TokenUnavailable):
            client.get_token()
        with pytest.raises(TokenUnavailable, match="Retry-After") as during:
            client.get_token()
        caught.append(during.value)
        assert during.value.retry_after_seconds == 2
        assert transport.calls == 1
        clock.advance(2)
        assert client.get_token() == CANARY_TOKEN
        assert transport.calls == 2

    def test_50_threads_over_5_s_make_at_most_4_calls_none_within_retry_after(self) -> None:
        # Real time: 50 threads start 0.1 s apart and each asks once (deadline 5 s).
        transport = TimedTransport(unavailable(2))
        client = TokenBrokerClient(transport=transport, environ=EMPTY_ENV)

        def call() -> None:
            try:
                client.get_token()
            except TokenUnavailable:
                pass

        started = time.monotonic()
        threads = []
        for _ in range(50):
            threads.append(run_threads(1, call)[0])
            time.sleep(0.1)
        for thread in threads:
            thread.join(15)
        within = [at for at in transport.called_at if at - started < 5]
        gaps = [b - a for a, b in zip(transport.called_at, transport.called_at[1:])]
        assert len(within) <= 5 // 2 + 2  # ceil(5/2) + 1
        assert min(gaps) >= 1.99


class InvokeStub:
    """What InvokeTransport raises for the reader's TokenUnavailable function error."""

    @staticmethod
    def unavailable_error() -> TokenUnavailable:
        class Payload:
            def read(self) -> bytes:
                return b'{"errorType": "TokenUnavailable", "errorMessage": "no token is stored yet"}'

        class Lambda:
            def invoke(self, **_: object) -> dict:
                return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": Payload()}

        try:
            InvokeTransport("a55-reader", lambda_client=Lambda()).fetch_token(TokenRequest(None, 300))
        except TokenUnavailable as error:
            assert error.retry_after_seconds == 2
            return error
        raise AssertionError("the invoke transport did not raise TokenUnavailable")


class TimedTransport(ScriptedTransport):
    """A scripted transport that notes when (monotonic seconds) each call came."""

    def __init__(self, *steps) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*steps)
        self.called_at: List[float] = []

    def fetch_token(self, request: TokenRequest) -> BrokerToken:
        self.called_at.append(time.monotonic())
        return super().fetch_token(request)


def run_threads(count: int, target) -> List[threading.Thread]:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def join_all(threads: List[threading.Thread]) -> None:
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive(), "a caller is still waiting"


class TestSingleFlight:
    def test_concurrent_callers_share_one_broker_call(self) -> None:
        hold = threading.Event()
        transport = CountingTransport(ScriptedTransport(token(CANARY_TOKEN)), hold=hold)
        client = TokenBrokerClient(transport=transport, environ=EMPTY_ENV)
        results: List[str] = []
        lock = threading.Lock()

        def call() -> None:
            value = client.get_token()
            with lock:
                results.append(value)

        threads = run_threads(50, call)
        assert transport.entered.wait(5)
        waiting = _wait_for_waiters(client, 49)
        hold.set()
        join_all(threads)
        assert waiting == 49, "not every caller joined the flight"
        assert results == [CANARY_TOKEN] * 50
        assert transport.calls == 1

    def test_a_failure_reaches_every_waiter_of_that_call_and_is_not_cached(self, caught: List[BaseException]) -> None:
        hold = threading.Event()
        failure = UnknownCredential("unknown credential 'staging'", broker="scripted broker", status=404)
        transport = CountingTransport(ScriptedTransport(failure, token(CANARY_TOKEN)), hold=hold)
        client = TokenBrokerClient(transport=transport, credential="default", environ=EMPTY_ENV)
        errors: List[BaseException] = []
        lock = threading.Lock()

        def call() -> None:
            try:
                client.get_token()
            except TokenBrokerError as error:
                with lock:
                    errors.append(error)

        threads = run_threads(20, call)
        assert transport.entered.wait(5)
        _wait_for_waiters(client, 19)
        hold.set()
        join_all(threads)
        caught.extend(errors)
        assert len(errors) == 20 and all(error is failure for error in errors)
        assert transport.calls == 1
        assert client.get_token() == CANARY_TOKEN  # the failure was not cached
        assert transport.calls == 2

    def test_an_interrupted_leader_fails_its_waiters_with_broker_unavailable(self) -> None:
        hold = threading.Event()
        transport = CountingTransport(ScriptedTransport(KeyboardInterrupt(), token("t")), hold=hold)
        client = TokenBrokerClient(transport=transport, environ=EMPTY_ENV)
        outcomes: List[BaseException] = []

        def call() -> None:
            try:
                client.get_token()
            except BaseException as error:  # noqa: B036 - the interrupt is what is tested
                outcomes.append(error)

        threads = run_threads(3, call)
        assert transport.entered.wait(5)
        _wait_for_waiters(client, 2)
        hold.set()
        join_all(threads)
        assert sorted(type(error).__name__ for error in outcomes) == ["BrokerUnavailable", "BrokerUnavailable", "KeyboardInterrupt"]
        assert client.get_token() == "t"


def _wait_for_waiters(client: TokenBrokerClient, count: int, timeout: float = 5) -> int:
    """How many callers joined the client's current flight, once ``count`` have (or at the timeout)."""
    import time

    deadline = time.monotonic() + timeout
    flight = client._flight  # white box: the flight's own count of callers waiting for it
    assert flight is not None
    while time.monotonic() < deadline:
        if flight.followers >= count:
            return flight.followers
        time.sleep(0.005)
    return flight.followers


class TestInvalidate:
    def test_drops_only_the_cached_token(self) -> None:
        transport = ScriptedTransport(token(CANARY_TOKEN), token(CANARY_ROTATED_TOKEN))
        client = client_with(transport)
        first = client.get_token()
        assert client.invalidate("another token") is False
        assert client.get_token() == first and transport.calls == 1
        assert client.invalidate(first) is True
        assert client.invalidate(first) is False
        assert client.get_token() == CANARY_ROTATED_TOKEN

    def test_the_next_call_says_not_this_token_once(self) -> None:
        transport = ScriptedTransport(token(CANARY_TOKEN), token(CANARY_ROTATED_TOKEN), token("third"))
        client = client_with(transport)
        client.invalidate(client.get_token())
        client.get_token()
        client.invalidate(CANARY_ROTATED_TOKEN)
        client.get_token()
        hashes = [request.rejected_token_hash for request in transport.requests]
        assert hashes == [None, rejected_token_hash(CANARY_TOKEN), rejected_token_hash(CANARY_ROTATED_TOKEN)]

    def test_the_hash_is_the_first_16_hex_of_sha256(self) -> None:
        assert rejected_token_hash("abc") == "ba7816bf8f01cfea"

    def test_the_hash_survives_token_unavailable_retries_and_failures(self) -> None:
        clock = FakeClock()
        transport = ScriptedTransport(
            token(CANARY_TOKEN), unavailable(1), BrokerUnavailable("down", broker="b"), token(CANARY_ROTATED_TOKEN), token("later")
        )
        client = client_with(transport, clock)
        client.invalidate(client.get_token())
        with pytest.raises(BrokerUnavailable):
            client.get_token()
        assert client.get_token() == CANARY_ROTATED_TOKEN
        expected = rejected_token_hash(CANARY_TOKEN)
        assert [r.rejected_token_hash for r in transport.requests] == [None, expected, expected, expected]
        client.invalidate(CANARY_ROTATED_TOKEN)
        client.get_token()
        assert transport.requests[-1].rejected_token_hash == rejected_token_hash(CANARY_ROTATED_TOKEN)

    def test_a_bad_request_drops_the_hash(self, log_records) -> None:  # type: ignore[no-untyped-def]
        refused = BadRequest("unknown field 'rejectedTokenHash'", broker="b", status=400)
        transport = ScriptedTransport(token(CANARY_TOKEN), refused, token(CANARY_ROTATED_TOKEN))
        client = client_with(transport)
        client.invalidate(client.get_token())
        with pytest.raises(BadRequest):
            client.get_token()
        assert client.get_token() == CANARY_ROTATED_TOKEN
        assert transport.requests[-1].rejected_token_hash is None
        assert any("refused the request carrying rejectedTokenHash" in text for text in log_records.texts)

    def test_a_token_invalidated_while_fetched_is_not_cached(self) -> None:
        clock = FakeClock()
        client: TokenBrokerClient

        def rotate_meanwhile(request):  # type: ignore[no-untyped-def]
            # Another thread got a 401 for the (expired) cached token while this call ran.
            assert client.invalidate(CANARY_TOKEN)
            return token(CANARY_TOKEN)

        transport = ScriptedTransport(token(CANARY_TOKEN, expires_in=400), rotate_meanwhile, token(CANARY_ROTATED_TOKEN))
        client = client_with(transport, clock)
        client.get_token()
        clock.advance(200)  # 200 s left: expired for a client asking for 300
        assert client.get_token() == CANARY_TOKEN  # the callers of that call get its answer...
        assert client.get_token() == CANARY_ROTATED_TOKEN  # ...but it was not cached
        assert transport.requests[2].rejected_token_hash == rejected_token_hash(CANARY_TOKEN)

    def test_a_caller_after_invalidate_does_not_take_the_answer_of_a_call_started_before(self) -> None:
        clock = FakeClock()
        hold = threading.Event()
        inner = ScriptedTransport(token(CANARY_TOKEN, expires_in=400), token(CANARY_TOKEN), token(CANARY_ROTATED_TOKEN))
        transport = CountingTransport(inner)
        client = client_with(transport, clock)
        client.get_token()
        clock.advance(200)  # 200 s left: expired for a client asking for 300
        transport._hold = hold  # the next call waits until released
        before: List[str] = []
        asking = run_threads(1, lambda: before.append(client.get_token()))
        assert transport.entered.wait(5)
        assert client.invalidate(CANARY_TOKEN)  # the A55 API refused it meanwhile
        after: List[str] = []
        late = run_threads(1, lambda: after.append(client.get_token()))
        time.sleep(0.05)
        hold.set()
        join_all(asking + late)
        assert before == [CANARY_TOKEN] and after == [CANARY_ROTATED_TOKEN]
        assert [r.rejected_token_hash for r in transport.requests] == [None, None, rejected_token_hash(CANARY_TOKEN)]

    def test_invalidate_is_safe_from_many_threads(self) -> None:
        transport = ScriptedTransport(token(CANARY_TOKEN), token(CANARY_ROTATED_TOKEN))
        client = TokenBrokerClient(transport=transport, environ=EMPTY_ENV)
        first = client.get_token()
        dropped: List[bool] = []
        threads = run_threads(20, lambda: dropped.append(client.invalidate(first)))
        join_all(threads)
        assert dropped.count(True) == 1
        assert client.get_token() == CANARY_ROTATED_TOKEN


def test_url_transport_is_built_for_a_url() -> None:
    client = TokenBrokerClient(url="http://127.0.0.1:8787/", environ=EMPTY_ENV)
    assert isinstance(client._transport, UrlTransport)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_does_not_wait_for_the_parents_broker_call() -> None:
    import os
    import time

    hold = threading.Event()
    transport = CountingTransport(ScriptedTransport(token(CANARY_TOKEN)), hold=hold)
    client = TokenBrokerClient(transport=transport, environ=EMPTY_ENV)
    leader = threading.Thread(target=client.get_token, daemon=True)
    leader.start()
    assert transport.entered.wait(5)  # a broker call is under way in another thread
    pid = os.fork()
    if pid == 0:  # the child: that call's thread does not exist here
        try:
            client._transport = ScriptedTransport(token("child-token"))
            os._exit(0 if client.get_token() == "child-token" else 1)
        finally:
            os._exit(2)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on the parent's broker call")
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        hold.set()
        leader.join(5)
    assert client.get_token() == CANARY_TOKEN
