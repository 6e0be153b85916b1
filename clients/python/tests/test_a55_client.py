"""A55Client against a loopback stand-in of the A55 API: GET /api/v1/wallets for an
accepted Bearer token, 401 ``{"message":"Unauthorized"}`` for any other (like the API
Gateway in front of A55), plus endpoints that redirect, stall and echo."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Iterator, List, Set
from urllib.parse import parse_qsl

import pytest
from a55_test_support.canaries import CANARY_ROTATED_TOKEN, CANARY_TOKEN
from a55_test_support.fakes import CountingTransport, ScriptedTransport, token
from a55_test_support.local_broker import LocalBroker
from a55_test_support.servers import Answer, StandIn, json_answer
from a55_test_support.sigv4_verifier import ReceivedRequest

from a55_token_broker import (
    A55_API_BASE_URL,
    A55ApiError,
    A55Client,
    A55RequestError,
    A55TimeoutError,
    ClientConfigError,
    TokenBrokerClient,
    UnknownCredential,
    UrlTransport,
    rejected_token_hash,
)

WALLETS = [{"id": "wallet-1", "currency": "BRL", "balance": 1000}]


class A55StandIn:
    """The stand-in; ``accepted`` are the tokens the API takes."""

    def __init__(self) -> None:
        self.accepted: Set[str] = set()
        self.server = StandIn(self._answer)
        self.base_url = f"{self.server.url}/api/v1"
        self.elsewhere = StandIn(lambda request: json_answer(200, {"stolen": True}))

    @property
    def calls(self) -> List[ReceivedRequest]:
        return self.server.requests

    def authorizations(self) -> List[str]:
        return [call.headers.get("authorization", "") for call in self.calls]

    def _answer(self, request: ReceivedRequest) -> Answer:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or authorization[len("Bearer ") :] not in self.accepted:
            return json_answer(401, {"message": "Unauthorized"})
        path = request.raw_path
        if path == "/api/v1/wallets" and request.method == "GET":
            return json_answer(200, WALLETS)
        if path == "/api/v1/echo":
            return json_answer(200, {"method": request.method, "query": parse_qsl(request.raw_query), "body": json.loads(request.body or b"null")})
        if path == "/api/v1/echo-token":
            return json_answer(400, {"message": f"bad token {authorization}"})
        if path == "/api/v1/redirect":
            return Answer(302, b"", {"location": f"{self.elsewhere.url}/steal"})
        if path == "/api/v1/slow":
            return Answer(200, b"[]", {"content-type": "application/json"}, delay=2)
        if path == "/api/v1/html":
            return Answer(200, b"<html>maintenance</html>", {"content-type": "text/html"})
        if path == "/api/v1/empty":
            return Answer(204, b"")
        return json_answer(404, {"message": "Not Found", "path": path})

    def stop(self) -> None:
        self.server.stop()
        self.elsewhere.stop()


@pytest.fixture
def a55() -> Iterator[A55StandIn]:
    stand_in = A55StandIn()
    stand_in.accepted.add(CANARY_TOKEN)
    yield stand_in
    stand_in.stop()


def broker_of(*steps) -> tuple:  # type: ignore[no-untyped-def]
    transport = ScriptedTransport(*steps)
    return TokenBrokerClient(transport=transport, environ={}), transport


class Test401:
    def test_drops_the_token_asks_the_broker_for_another_and_retries_once(self, a55: A55StandIn) -> None:
        broker, transport = broker_of(token(CANARY_TOKEN), token(CANARY_ROTATED_TOKEN))
        client = A55Client(broker, base_url=a55.base_url)
        assert client.request("GET", "/wallets") == WALLETS
        # A55 revokes the token; the refresher has a new one.
        a55.accepted.discard(CANARY_TOKEN)
        a55.accepted.add(CANARY_ROTATED_TOKEN)

        assert client.request("GET", "/wallets") == WALLETS

        assert [(call.headers["authorization"], call.raw_path) for call in a55.calls] == [
            (f"Bearer {CANARY_TOKEN}", "/api/v1/wallets"),
            (f"Bearer {CANARY_TOKEN}", "/api/v1/wallets"),
            (f"Bearer {CANARY_ROTATED_TOKEN}", "/api/v1/wallets"),
        ]
        assert [request.rejected_token_hash for request in transport.requests] == [None, rejected_token_hash(CANARY_TOKEN)]

    def test_raises_401_without_the_token_when_the_new_token_is_refused_too(self, a55: A55StandIn, caught: List[BaseException]) -> None:
        broker, transport = broker_of(token(CANARY_TOKEN), token(CANARY_ROTATED_TOKEN))
        a55.accepted.clear()
        with pytest.raises(A55ApiError, match="a fresh token was rejected too") as error:
            A55Client(broker, base_url=a55.base_url).request("GET", "/wallets")
        caught.append(error.value)
        assert (error.value.status, error.value.body) == (401, '{"message": "Unauthorized"}')
        assert (error.value.method, error.value.path) == ("GET", "/api/v1/wallets")
        assert len(a55.calls) == 2 and transport.calls == 2

    def test_does_not_retry_with_the_same_token(self, a55: A55StandIn, caught: List[BaseException]) -> None:
        broker, transport = broker_of(token(CANARY_TOKEN))
        a55.accepted.clear()
        with pytest.raises(A55ApiError, match="the broker had no other token") as error:
            A55Client(broker, base_url=a55.base_url).request("GET", "/wallets")
        caught.append(error.value)
        assert len(a55.calls) == 1 and transport.calls == 2

    def test_a_broker_error_on_the_second_token_is_raised(self, a55: A55StandIn, caught: List[BaseException]) -> None:
        broker, _ = broker_of(token(CANARY_TOKEN), UnknownCredential("unknown credential 'x'", broker="b", status=404))
        a55.accepted.clear()
        with pytest.raises(UnknownCredential) as error:
            A55Client(broker, base_url=a55.base_url).request("GET", "/wallets")
        caught.append(error.value)


class TestRequest:
    def test_sends_json_query_and_headers(self, a55: A55StandIn) -> None:
        broker, _ = broker_of(token(CANARY_TOKEN))
        client = A55Client(broker, base_url=a55.base_url + "/")
        answer = client.request(
            "post",
            "echo",
            query={"page": 2, "tag": ["a", "b c"], "active": True, "skip": None},
            json={"amount": 1000},
            headers={"Authorization": "Bearer forged", "X-Request-Id": "r-1"},
        )
        assert answer == {"method": "POST", "query": [["page", "2"], ["tag", "a"], ["tag", "b c"], ["active", "true"]], "body": {"amount": 1000}}
        [call] = a55.calls
        assert call.headers["authorization"] == f"Bearer {CANARY_TOKEN}"
        assert (call.headers["content-type"], call.headers["accept"], call.headers["x-request-id"]) == ("application/json", "application/json", "r-1")

    def test_an_empty_body_is_none(self, a55: A55StandIn) -> None:
        assert A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url).request("DELETE", "/empty") is None

    def test_a_path_cannot_leave_the_base_url(self, a55: A55StandIn) -> None:
        client = A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url)
        for path in ("//evil.example/x", "http://evil.example/x", "\\\\evil.example\\x"):
            with pytest.raises(A55ApiError) as error:
                client.request("GET", path)
            assert error.value.status == 404
        assert all(call.headers["host"] == f"127.0.0.1:{a55.server.port}" for call in a55.calls)
        assert a55.elsewhere.requests == []

    def test_does_not_follow_redirects(self, a55: A55StandIn, caught: List[BaseException]) -> None:
        with pytest.raises(A55ApiError) as error:
            A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url).request("GET", "/redirect")
        caught.append(error.value)
        assert error.value.status == 302
        assert a55.elsewhere.requests == []

    def test_redacts_the_token_an_error_body_echoes(self, a55: A55StandIn, caught: List[BaseException]) -> None:
        with pytest.raises(A55ApiError) as error:
            A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url).request("GET", "/echo-token")
        caught.append(error.value)
        assert error.value.body == '{"message": "bad token Bearer [token redacted]"}'

    def test_a_body_that_is_not_json_is_an_api_error(self, a55: A55StandIn) -> None:
        with pytest.raises(A55ApiError, match="answered HTTP 200 with a body that is not JSON") as error:
            A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url).request("GET", "/html")
        assert error.value.body == "<html>maintenance</html>"

    def test_times_out(self, a55: A55StandIn) -> None:
        client = A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url, timeout_seconds=0.3)
        started = time.monotonic()
        with pytest.raises(A55TimeoutError, match=r"A55 API GET /api/v1/slow did not answer within 0.3 s"):
            client.request("GET", "/slow")
        assert time.monotonic() - started < 1.5

    def test_a_refused_connection_is_a_request_error(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=f"http://127.0.0.1:{port}/api/v1")
        with pytest.raises(A55RequestError, match="A55 API GET /api/v1/wallets failed: ConnectionRefusedError"):
            client.request("GET", "/wallets", query={"customer": "do-not-log"})

    def test_the_query_is_not_in_error_messages(self, a55: A55StandIn) -> None:
        with pytest.raises(A55ApiError) as error:
            A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url).request("GET", "/nothing", query={"cpf": "12345678900"})
        assert "12345678900" not in str(error.value) and error.value.path == "/api/v1/nothing"

    def test_refuses_a_bad_method(self, a55: A55StandIn) -> None:
        with pytest.raises(ClientConfigError, match="is not an HTTP method"):
            A55Client(broker_of(token(CANARY_TOKEN))[0], base_url=a55.base_url).request("GET /x HTTP/1.1\r\n", "/")


class TestBaseUrl:
    def test_defaults_to_production(self) -> None:
        assert A55Client(broker_of(token("t"))[0]).base_url == A55_API_BASE_URL + "/"

    @pytest.mark.parametrize("url", ["http://core-manager.a55.tech/api/v1", "ftp://127.0.0.1/", "not a url", "https://u:p@a55.tech/"])
    def test_refuses(self, url: str) -> None:
        with pytest.raises(ClientConfigError):
            A55Client(broker_of(token("t"))[0], base_url=url)

    def test_accepts_loopback_http(self) -> None:
        assert A55Client(broker_of(token("t"))[0], base_url="http://localhost:9000/api").base_url == "http://localhost:9000/api/"


def test_20_requests_share_one_broker_call_with_the_local_broker(local_broker: LocalBroker, a55: A55StandIn) -> None:
    transport = CountingTransport(UrlTransport(local_broker.url))
    broker = TokenBrokerClient(transport=transport)
    a55.accepted.add(broker.get_token())
    client = A55Client(broker, base_url=a55.base_url)
    answers: List[object] = []
    threads = [threading.Thread(target=lambda: answers.append(client.request("GET", "/wallets"))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert answers == [WALLETS] * 20
    assert transport.calls == 1 and len(a55.calls) == 20
