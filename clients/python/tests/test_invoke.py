"""The Invoke transport: a real boto3 Lambda client (endpoint_url on 127.0.0.1, dummy
credentials) against a stand-in of the Lambda Invoke API that verifies each signature and
answers like Lambda: the function's result, ``X-Amz-Function-Error: Unhandled`` with an
``{"errorType", "errorMessage"}`` payload, or a service error. Function
``a55-token-broker-reader`` runs the real reader of the local broker."""

from __future__ import annotations

import socket
import threading
from typing import Any, Iterator, List

import pytest
from a55_test_support.aws_stand_ins import LambdaApi, function_error, reader_behind, result, service_error
from a55_test_support.canaries import CANARY_ROTATED_TOKEN, CANARY_SECRET_KEY, CANARY_TOKEN
from a55_test_support.local_broker import LocalBroker
from a55_test_support.servers import Answer, token_view
from a55_test_support.sigv4_verifier import SigningCredentials
from boto3.session import Session
from botocore.config import Config

from a55_token_broker import (
    BrokerAccessDenied,
    BrokerResponseInvalid,
    BrokerUnavailable,
    InvokeTransport,
    TokenBrokerClient,
    TokenRequest,
    TokenUnavailable,
    UnknownCredential,
    rejected_token_hash,
)

KEYS = SigningCredentials("AKIAINVOKETESTKEY", CANARY_SECRET_KEY)
READER = "a55-token-broker-reader"


def lambda_client(endpoint: str, secret: str = KEYS.secret_access_key) -> Any:
    session = Session(
        aws_access_key_id=KEYS.access_key_id, aws_secret_access_key=secret, region_name="us-east-1"
    )
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5)
    return session.client("lambda", endpoint_url=endpoint, config=config)


class Rotating:
    """A reader stand-in serving CANARY_TOKEN until told a rejectedTokenHash of it."""

    def __init__(self) -> None:
        self.payloads: List[Any] = []

    def __call__(self, payload: Any) -> Answer:
        self.payloads.append(payload)
        if payload.get("rejectedTokenHash") == rejected_token_hash(CANARY_TOKEN):
            return result(token_view(CANARY_ROTATED_TOKEN))
        return result(token_view(CANARY_TOKEN))


@pytest.fixture(scope="module")
def api(local_broker: LocalBroker) -> Iterator[LambdaApi]:
    functions = {
        READER: reader_behind(local_broker.url),
        "unavailable": lambda payload: function_error("TokenUnavailable", "no usable token for credential 'default': no token is stored yet"),
        "timeout": lambda payload: function_error("Sandbox.Timedout", "RequestId: 1 Error: Task timed out after 10.00 seconds"),
        "not-json": lambda payload: Answer(200, b"<html>", {"content-type": "application/json"}),
        "no-error-type": lambda payload: Answer(200, b'{"oops": true}', {"x-amz-function-error": "Unhandled"}),
        "bad-view": lambda payload: result({"accessToken": CANARY_TOKEN}),
        "denied": lambda payload: service_error(403, "AccessDeniedException", "User is not authorized to perform: lambda:InvokeFunction"),
        "throttled": lambda payload: service_error(429, "TooManyRequestsException", "Rate exceeded"),
        "rotating": Rotating(),
    }
    stand_in = LambdaApi(functions, credentials=[KEYS])
    yield stand_in
    stand_in.stop()


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    if "api" in request.fixturenames:
        request.getfixturevalue("api").clear()


def test_a_connected_consumer_needs_no_options(api: LambdaApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN_BROKER_FUNCTION", READER)
    monkeypatch.setenv("TOKEN_BROKER_CREDENTIAL", "default")
    client = TokenBrokerClient(lambda_client=lambda_client(api.url))
    tokens: List[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(client.get_token())) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(tokens) == 50 and len(set(tokens)) == 1 and tokens[0].count(".") == 2
    assert api.invocations == [(READER, {"credential": "default", "minValiditySeconds": 300})]
    assert all(v.valid for v in api.verifications), [v.reason for v in api.verifications]
    assert client.broker == f"function {READER}"


def test_the_readers_unknown_credential_comes_back_as_its_error_type(api: LambdaApi, caught: List[BaseException]) -> None:
    client = TokenBrokerClient(function_name=READER, credential="staging", lambda_client=lambda_client(api.url))
    with pytest.raises(UnknownCredential) as error:
        client.get_token()
    caught.append(error.value)
    assert (error.value.broker, error.value.status) == (f"function {READER}", None)
    assert str(error.value) == (
        "credential 'staging' is not served by this reader: it serves 'default' only; grant access to "
        f"'staging' with broker.grantRead(grantee, 'staging') (broker: function {READER})"
    )


def test_token_unavailable_is_retried_after_the_contracts_retry_after_then_raised(
    api: LambdaApi, caught: List[BaseException]
) -> None:
    """An invoke has no Retry-After header: the client waits the reader's contract value, 2 s."""
    client = TokenBrokerClient(function_name="unavailable", retry_deadline_seconds=2.5, lambda_client=lambda_client(api.url))
    with pytest.raises(TokenUnavailable) as error:
        client.get_token()
    caught.append(error.value)
    assert error.value.retry_after_seconds == 2
    assert api.invoke_count("unavailable") == 2


def test_the_rejected_token_hash_goes_in_the_payload(api: LambdaApi) -> None:
    client = TokenBrokerClient(function_name="rotating", lambda_client=lambda_client(api.url))
    first = client.get_token()
    assert client.invalidate(first)
    assert client.get_token() == CANARY_ROTATED_TOKEN
    payloads = [payload for name, payload in api.invocations]
    assert payloads == [
        {"minValiditySeconds": 300},
        {"minValiditySeconds": 300, "rejectedTokenHash": rejected_token_hash(CANARY_TOKEN)},
    ]


@pytest.mark.parametrize(
    "function, error_type, match, attribute",
    [
        ("timeout", BrokerUnavailable, "the reader failed with Sandbox.Timedout: RequestId: 1", "Sandbox.Timedout"),
        ("no-error-type", BrokerUnavailable, "an error payload that names no errorType", None),
        ("not-json", BrokerResponseInvalid, "the reader returned a payload that is not JSON", None),
        ("bad-view", BrokerResponseInvalid, "malformed token view: credential is not a string", None),
        ("denied", BrokerAccessDenied, "grant lambda:InvokeFunction on it", None),
        ("throttled", BrokerUnavailable, r"could not invoke the reader \(try again later\): TooManyRequestsException", "TooManyRequestsException"),
        ("missing", BrokerUnavailable, r"check the function name \(TOKEN_BROKER_FUNCTION\) and region", "ResourceNotFoundException"),
    ],
)
def test_maps_function_and_service_errors(
    api: LambdaApi, function: str, error_type: type, match: str, attribute: Any, caught: List[BaseException]
) -> None:
    transport = InvokeTransport(function, lambda_client=lambda_client(api.url))
    with pytest.raises(error_type, match=match) as error:
        transport.fetch_token(TokenRequest(None, 300))
    caught.append(error.value)
    assert error.value.broker == f"function {function}"
    if attribute is not None:
        assert error.value.error_type == attribute


def test_a_bad_signature_is_access_denied(api: LambdaApi, caught: List[BaseException]) -> None:
    transport = InvokeTransport(READER, lambda_client=lambda_client(api.url, secret="not-the-secret"))
    with pytest.raises(BrokerAccessDenied, match="InvalidSignatureException") as error:
        transport.fetch_token(TokenRequest(None, 300))
    caught.append(error.value)
    assert api.verifications[0].reason == "signature does not match"
    assert api.invocations == []


def test_an_unreachable_endpoint_is_broker_unavailable(caught: List[BaseException]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = InvokeTransport(READER, lambda_client=lambda_client(f"http://127.0.0.1:{port}"))
    with pytest.raises(BrokerUnavailable, match="could not invoke the reader") as error:
        transport.fetch_token(TokenRequest(None, 300))
    caught.append(error.value)
    assert error.value.error_type == "EndpointConnectionError"


def test_the_default_client_has_timeouts_and_the_region() -> None:
    transport = InvokeTransport(READER, region="sa-east-1")
    client = transport._lambda
    assert client.meta.region_name == "sa-east-1"
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (2, 5)
