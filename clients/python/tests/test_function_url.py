"""The Function URL transport: requests signed with botocore's SigV4Auth, checked by an
independent verifier (a port of test/integration/client/sigv4-verifier.ts) in a loopback
stand-in of a Function URL with AuthType AWS_IAM, which then hands them to the real
local broker's reader."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest
from a55_test_support.aws_stand_ins import FunctionUrl, forward_to
from a55_test_support.canaries import CANARY_SECRET_KEY, CANARY_SESSION_TOKEN, CANARY_TOKEN
from a55_test_support.local_broker import LocalBroker
from a55_test_support.servers import Script, json_answer, token_view
from a55_test_support.sigv4_verifier import ReceivedRequest, SigningCredentials, verify_sigv4
from botocore.credentials import Credentials

from a55_token_broker import (
    BrokerAccessDenied,
    BrokerUnavailable,
    ClientConfigError,
    SigV4Signer,
    TokenBrokerClient,
    TokenRequest,
    UnknownCredential,
    UrlTransport,
)

#: Temporary credentials of a caller's role; the stand-in knows them.
ROLE = SigningCredentials("ASIACONSUMERROLE", CANARY_SECRET_KEY, CANARY_SESSION_TOKEN)
ROLE_CREDENTIALS = Credentials(ROLE.access_key_id, ROLE.secret_access_key, ROLE.session_token)
#: Long-term keys, as the default chain finds them in the environment.
ENV_KEYS = SigningCredentials("AKIAENVIRONMENTKEY", CANARY_SECRET_KEY + "-env")


@pytest.fixture(scope="module")
def function_url(local_broker: LocalBroker) -> Iterator[FunctionUrl]:
    stand_in = FunctionUrl(forward_to(local_broker.url), credentials=[ROLE, ENV_KEYS], region="us-east-1")
    yield stand_in
    stand_in.stop()


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest, secrets) -> None:  # type: ignore[no-untyped-def]
    secrets.add(ENV_KEYS.secret_access_key)
    if "function_url" in request.fixturenames:
        request.getfixturevalue("function_url").clear()


def signed_client(url: str, **options) -> TokenBrokerClient:  # type: ignore[no-untyped-def]
    return TokenBrokerClient(url=url, signing="sigv4", region="us-east-1", environ={}, **options)


def test_100_threads_get_the_token_with_one_signed_request(function_url: FunctionUrl) -> None:
    client = signed_client(function_url.url, credentials=ROLE_CREDENTIALS, credential="default")
    tokens: List[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(client.get_token())) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(tokens) == 100 and len(set(tokens)) == 1
    assert tokens[0].count(".") == 2
    [sent] = function_url.requests
    assert (sent.method, sent.raw_path, sent.raw_query) == ("GET", "/token", "credential=default&minValiditySeconds=300")
    [verification] = function_url.verifications
    assert verification.valid, verification.reason
    assert verification.access_key_id == ROLE.access_key_id
    assert verification.signed_headers == ("host", "x-amz-date", "x-amz-security-token")


def test_signs_with_the_default_credential_chain(function_url: FunctionUrl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ENV_KEYS.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ENV_KEYS.secret_access_key)
    details = signed_client(function_url.url).get_token_details()
    assert details.credential == "default"
    [verification] = function_url.verifications
    assert (verification.valid, verification.access_key_id) == (True, ENV_KEYS.access_key_id)
    assert verification.signed_headers == ("host", "x-amz-date")


def test_a_signature_with_the_wrong_secret_is_access_denied(function_url: FunctionUrl, caught: List[BaseException]) -> None:
    wrong = Credentials(ROLE.access_key_id, "not-the-secret", ROLE.session_token)
    with pytest.raises(BrokerAccessDenied) as error:
        signed_client(function_url.url, credentials=wrong).get_token()
    caught.append(error.value)
    assert error.value.status == 403
    assert [v.reason for v in function_url.verifications] == ["signature does not match"]


def test_the_readers_errors_come_through_the_signed_url(function_url: FunctionUrl, caught: List[BaseException]) -> None:
    with pytest.raises(UnknownCredential) as error:
        signed_client(function_url.url, credentials=ROLE_CREDENTIALS, credential="staging").get_token()
    caught.append(error.value)
    assert error.value.status == 404
    assert function_url.verifications[0].valid


def test_signs_the_rejected_token_hash_in_the_query(secrets) -> None:  # type: ignore[no-untyped-def]
    stand_in = FunctionUrl(Script(json_answer(200, token_view(CANARY_TOKEN))), credentials=[ROLE])
    try:
        transport = UrlTransport(stand_in.url, signing="sigv4", region="us-east-1", credentials=ROLE_CREDENTIALS)
        transport.fetch_token(TokenRequest("sandbox", 600, "0123456789abcdef"))
    finally:
        stand_in.stop()
    [sent] = stand_in.requests
    assert sent.raw_query == "credential=sandbox&minValiditySeconds=600&rejectedTokenHash=0123456789abcdef"
    assert stand_in.verifications[0].valid, stand_in.verifications[0].reason


def test_credentials_may_come_from_a_callable(secrets) -> None:  # type: ignore[no-untyped-def]
    stand_in = FunctionUrl(Script(json_answer(200, token_view(CANARY_TOKEN))), credentials=[ROLE])
    calls: List[int] = []

    def provider() -> Credentials:
        calls.append(1)
        return ROLE_CREDENTIALS

    try:
        client = signed_client(stand_in.url, credentials=provider)
        assert client.get_token() == CANARY_TOKEN
    finally:
        stand_in.stop()
    assert calls == [1] and stand_in.verifications[0].valid


class TestRegion:
    def test_comes_from_the_function_url_host(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        transport = UrlTransport("https://abc123xyz.lambda-url.eu-west-1.on.aws/", credentials=ROLE_CREDENTIALS)
        assert transport.region == "eu-west-1"

    def test_a_signature_for_a_real_function_url_host_verifies(self) -> None:
        url = "https://abc123xyz.lambda-url.eu-west-1.on.aws/token?credential=production&minValiditySeconds=300"
        host = urlsplit(url).hostname or ""
        transport = UrlTransport(url, credentials=ROLE_CREDENTIALS)
        headers = SigV4Signer(transport.region or "", ROLE_CREDENTIALS).sign("GET", url, host)
        received = ReceivedRequest(
            "GET", "/token", urlsplit(url).query, {name.lower(): value for name, value in headers.items()}, b""
        )
        verification = verify_sigv4(
            received, credentials=[ROLE], region="eu-west-1", service="lambda", now=datetime.now(timezone.utc)
        )
        assert verification.valid, verification.reason
        assert "/eu-west-1/lambda/aws4_request" in headers["Authorization"]

    def test_an_explicit_region_wins(self) -> None:
        transport = UrlTransport("https://abc.lambda-url.eu-west-1.on.aws/", region="sa-east-1", credentials=ROLE_CREDENTIALS)
        assert transport.region == "sa-east-1"

    def test_another_host_takes_aws_region(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
        assert UrlTransport("https://broker.example.com/", credentials=ROLE_CREDENTIALS).region == "ap-south-1"
        monkeypatch.setenv("AWS_REGION", "us-west-2")
        assert UrlTransport("https://broker.example.com/", credentials=ROLE_CREDENTIALS).region == "us-west-2"

    def test_no_region_is_a_config_error(self) -> None:
        with pytest.raises(ClientConfigError, match="no region to sign requests to 'https://broker.example.com' for"):
            UrlTransport("https://broker.example.com/")

    def test_plain_http_is_unsigned_by_default(self) -> None:
        assert UrlTransport("http://127.0.0.1:8787").region is None


def test_without_credentials_the_call_fails_before_sending(caught: List[BaseException]) -> None:
    stand_in = FunctionUrl(Script(json_answer(200, token_view(CANARY_TOKEN))), credentials=[ROLE])
    try:
        with pytest.raises(BrokerUnavailable, match="could not sign the request: no AWS credentials were found") as error:
            signed_client(stand_in.url).get_token()
    finally:
        stand_in.stop()
    caught.append(error.value)
    assert error.value.error_type == "NoAwsCredentials"
    assert stand_in.requests == []
