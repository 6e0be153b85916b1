"""UrlTransport over real HTTP to a scripted loopback broker: the request it sends, how
each answer maps to a typed error, Retry-After with the real clock, redirects, timeouts,
and which URLs it accepts."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Iterator, List

import pytest
from a55_test_support.canaries import CANARY_TOKEN
from a55_test_support.servers import Answer, Script, StandIn, json_answer, token_view

from a55_token_broker import (
    BadRequest,
    BrokerAccessDenied,
    BrokerResponseInvalid,
    BrokerUnavailable,
    ClientConfigError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    TokenBrokerClient,
    TokenRequest,
    TokenUnavailable,
    UnknownCredential,
    UrlTransport,
)
from a55_token_broker.transports.url import parse_retry_after, token_endpoint

UNAVAILABLE = {"error": "TokenUnavailable", "message": "no usable token for credential 'default': no token is stored yet"}


@pytest.fixture
def broker() -> Iterator[StandIn]:
    server = StandIn(Script(json_answer(200, token_view(CANARY_TOKEN))))
    yield server
    server.stop()


def request(credential: str = "default", rejected: str = None) -> TokenRequest:  # type: ignore[assignment]
    return TokenRequest(credential, 300, rejected)


class TestRequest:
    def test_sends_get_token_with_the_query_unsigned(self, broker: StandIn) -> None:
        view = UrlTransport(broker.url).fetch_token(request("sandbox-2", "0123456789abcdef"))
        assert view.access_token == CANARY_TOKEN
        [sent] = broker.requests
        assert (sent.method, sent.raw_path) == ("GET", "/token")
        assert sent.raw_query == "credential=sandbox-2&minValiditySeconds=300&rejectedTokenHash=0123456789abcdef"
        assert "authorization" not in sent.headers
        assert sent.headers["accept"] == "application/json"
        assert sent.headers["host"] == f"127.0.0.1:{broker.port}"

    def test_leaves_the_credential_out_for_the_default_set(self, broker: StandIn) -> None:
        UrlTransport(broker.url).fetch_token(TokenRequest(None, 0))
        assert broker.requests[0].raw_query == "minValiditySeconds=0"

    @pytest.mark.parametrize("suffix", ["", "/", "/token", "/token/"])
    def test_accepts_the_base_url_in_any_form(self, broker: StandIn, suffix: str) -> None:
        UrlTransport(broker.url + suffix).fetch_token(request())
        assert broker.requests[0].raw_path == "/token"


class TestAnswers:
    @pytest.mark.parametrize(
        "status, body, error_type",
        [
            (400, {"error": "BadRequest", "message": "credential must be 1-64 characters"}, BadRequest),
            (404, {"error": "UnknownCredential", "message": "unknown credential 'x': this broker serves 'default'"}, UnknownCredential),
            (404, {"error": "NotFound", "message": "no such path '/tokens'"}, NotFound),
            (405, {"error": "MethodNotAllowed", "message": "method POST is not allowed: use GET"}, MethodNotAllowed),
            (500, {"error": "InternalError", "message": "internal error; see the reader logs"}, InternalError),
        ],
    )
    def test_maps_reader_errors_to_their_classes(self, status: int, body: dict, error_type: type, caught: List[BaseException]) -> None:
        with StandIn(Script(json_answer(status, body))) as server:
            with pytest.raises(error_type) as error:
                UrlTransport(server.url).fetch_token(request())
        caught.append(error.value)
        assert error.value.status == status
        assert error.value.broker == server.url
        assert str(error.value) == f"{body['message']} (broker: {server.url})"

    def test_token_unavailable_carries_retry_after(self, caught: List[BaseException]) -> None:
        with StandIn(Script(json_answer(503, UNAVAILABLE, {"retry-after": "2"}))) as server:
            with pytest.raises(TokenUnavailable) as error:
                UrlTransport(server.url).fetch_token(request())
        caught.append(error.value)
        assert (error.value.status, error.value.retry_after_seconds) == (503, 2)

    def test_an_unknown_error_name_is_broker_unavailable(self) -> None:
        with StandIn(Script(json_answer(502, {"error": "Sandbox.Timedout", "message": "Task timed out"}))) as server:
            with pytest.raises(BrokerUnavailable) as error:
                UrlTransport(server.url).fetch_token(request())
        assert error.value.error_type == "Sandbox.Timedout"
        assert "the reader failed with Sandbox.Timedout: Task timed out" in str(error.value)

    def test_a_403_without_a_reader_body_is_access_denied(self) -> None:
        with StandIn(Script(json_answer(403, {"Message": "Forbidden"}))) as server:
            with pytest.raises(BrokerAccessDenied, match="grant lambda:InvokeFunctionUrl") as error:
                UrlTransport(server.url).fetch_token(request())
        assert error.value.status == 403

    def test_another_status_without_a_reader_body_is_broker_unavailable(self) -> None:
        with StandIn(Script(json_answer(502, {"Message": "Internal Server Error"}))) as server:
            with pytest.raises(BrokerUnavailable, match="answered HTTP 502") as error:
                UrlTransport(server.url).fetch_token(request())
        assert error.value.status == 502

    @pytest.mark.parametrize(
        "body, problem",
        [
            (b"<html>ok</html>", "answered 200 with a body that is not JSON"),
            ([CANARY_TOKEN], "not a JSON object"),
            ({**token_view(CANARY_TOKEN), "accessToken": ""}, "accessToken is missing"),
            ({**token_view(CANARY_TOKEN), "tokenType": "bearer"}, "tokenType is not Bearer"),
            ({**token_view(CANARY_TOKEN), "expiresAt": "tomorrow"}, "expiresAt is not an ISO-8601 date"),
            ({**token_view(CANARY_TOKEN), "expiresIn": "3600"}, "expiresIn is not a number"),
            ({**token_view(CANARY_TOKEN), "expiresIn": True}, "expiresIn is not a number"),
            ({**token_view(CANARY_TOKEN), "credential": None}, "credential is not a string"),
            ({**token_view(f"{CANARY_TOKEN}\r\nX-Evil: 1")}, "accessToken has characters an Authorization header cannot carry"),
        ],
    )
    def test_refuses_a_malformed_success_without_quoting_it(self, body: object, problem: str, caught: List[BaseException]) -> None:
        answer = Answer(200, body if isinstance(body, bytes) else __import__("json").dumps(body), {"content-type": "application/json"})
        with StandIn(Script(answer)) as server:
            with pytest.raises(BrokerResponseInvalid, match=problem) as error:
                UrlTransport(server.url).fetch_token(request())
        caught.append(error.value)

    def test_does_not_follow_redirects(self) -> None:
        with StandIn(Script(json_answer(200, token_view(CANARY_TOKEN)))) as elsewhere:
            redirect = Answer(302, b"", {"location": f"{elsewhere.url}/token"})
            with StandIn(Script(redirect)) as server:
                with pytest.raises(BrokerUnavailable, match="answered HTTP 302") as error:
                    UrlTransport(server.url).fetch_token(request())
            assert elsewhere.requests == []
        assert error.value.status == 302

    def test_gives_up_after_the_timeout(self) -> None:
        with StandIn(Script(Answer(200, b"{}", delay=2))) as server:
            started = time.monotonic()
            with pytest.raises(BrokerUnavailable, match=r"no answer within 0.3 s"):
                UrlTransport(server.url, timeout_seconds=0.3).fetch_token(request())
            assert time.monotonic() - started < 1.5

    def test_a_refused_connection_is_broker_unavailable(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(BrokerUnavailable, match="request failed: ConnectionRefusedError"):
            UrlTransport(f"http://127.0.0.1:{port}").fetch_token(request())

    def test_refuses_an_oversized_answer(self) -> None:
        with StandIn(Script(Answer(200, b"x" * 200_000))) as server:
            with pytest.raises(BrokerUnavailable, match="larger than 65536 bytes"):
                UrlTransport(server.url).fetch_token(request())


class TestRetryAfterOverHttp:
    def test_waits_what_retry_after_asks_then_serves(self) -> None:
        script = Script(json_answer(503, UNAVAILABLE, {"retry-after": "1"}), json_answer(200, token_view(CANARY_TOKEN)))
        with StandIn(script) as server:
            client = TokenBrokerClient(url=server.url, environ={})
            started = time.monotonic()
            assert client.get_token() == CANARY_TOKEN
            elapsed = time.monotonic() - started
        assert len(server.requests) == 2
        assert 1.0 <= elapsed < 1.9

    def test_gives_up_at_once_when_retry_after_is_past_the_deadline(self) -> None:
        with StandIn(Script(json_answer(503, UNAVAILABLE, {"retry-after": "2"}))) as server:
            client = TokenBrokerClient(url=server.url, retry_deadline_seconds=1, environ={})
            started = time.monotonic()
            with pytest.raises(TokenUnavailable):
                client.get_token()
            assert time.monotonic() - started < 0.5
        assert len(server.requests) == 1

    def test_parses_both_forms_of_retry_after(self) -> None:
        now = datetime(2026, 12, 1, 8, 0, 0, tzinfo=timezone.utc)
        assert parse_retry_after("3", now) == 3
        assert parse_retry_after(" 0 ", now) == 0
        assert parse_retry_after(format_datetime(now + timedelta(seconds=4.2), usegmt=True), now) == 4
        assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
        for unusable in (None, "-5", "1.5", "soon", "Xyz, 99 Foo 2026"):
            assert parse_retry_after(unusable, now) is None


class TestUrls:
    @pytest.mark.parametrize(
        "url, endpoint",
        [
            ("https://abc123.lambda-url.us-east-1.on.aws/", "https://abc123.lambda-url.us-east-1.on.aws/token"),
            ("https://broker.example.com/base/token/?x=1#f", "https://broker.example.com/base/token"),
            ("http://localhost:8787", "http://localhost:8787/token"),
            ("http://127.0.0.2:8787/", "http://127.0.0.2:8787/token"),
            ("http://[::1]:8787/", "http://[::1]:8787/token"),
            ("HTTP://LOCALHOST:8787", "http://localhost:8787/token"),
        ],
    )
    def test_accepts(self, url: str, endpoint: str) -> None:
        assert token_endpoint(url).geturl() == endpoint

    @pytest.mark.parametrize(
        "url, message",
        [
            ("http://10.0.0.5:8787", "plain http to a remote host"),
            ("http://broker.example.com", "plain http to a remote host"),
            ("http://127.0.0.1.example.com", "plain http to a remote host"),
            ("ftp://127.0.0.1/", "must use https"),
            ("not a url", "must use https"),
            ("https://127.0.0.1:99999/", "is not a valid URL"),
            ("https://user:hunter2@broker.example.com/", "must not contain user info"),
        ],
    )
    def test_refuses(self, url: str, message: str) -> None:
        with pytest.raises(ClientConfigError, match=message) as error:
            UrlTransport(url, region="us-east-1")
        assert "hunter2" not in str(error.value)

    def test_refuses_an_unknown_signing_mode(self) -> None:
        with pytest.raises(ClientConfigError, match="signing must be 'sigv4' or 'none'"):
            UrlTransport("http://127.0.0.1:1", signing="SigV4")

    @pytest.mark.parametrize("timeout", [0, -1, float("nan"), "5", True])
    def test_refuses_a_bad_timeout(self, timeout: object) -> None:
        with pytest.raises(ClientConfigError, match="request_timeout_seconds must be a positive number"):
            UrlTransport("http://127.0.0.1:1", timeout_seconds=timeout)  # type: ignore[arg-type]
