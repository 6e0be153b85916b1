"""The test verifier itself, on cases of the AWS SigV4 test suite (as the TypeScript
verifier's own test): a verifier that accepted anything would prove nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from a55_test_support.sigv4_verifier import ReceivedRequest, SigningCredentials, verify_sigv4

SUITE_CREDENTIALS = [SigningCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")]
SUITE_NOW = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
VANILLA = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
QUERY_ORDER = "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"


def suite_request(raw_query: str, signature: str) -> ReceivedRequest:
    """A request of the suite, ``GET /?<query>`` to example.amazonaws.com."""
    return ReceivedRequest(
        "GET",
        "/",
        raw_query,
        {
            "host": "example.amazonaws.com",
            "x-amz-date": "20150830T123600Z",
            "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={signature}",
        },
        b"",
    )


def verify(request: ReceivedRequest, region: str = "us-east-1", now: datetime = SUITE_NOW):  # type: ignore[no-untyped-def]
    return verify_sigv4(request, credentials=SUITE_CREDENTIALS, region=region, service="service", now=now)


@pytest.mark.parametrize(
    "query, signature", [("", VANILLA), ("Param2=value2&Param1=value1", QUERY_ORDER)], ids=["get-vanilla", "get-vanilla-query-order-key-case"]
)
def test_accepts_the_aws_test_suite_cases(query: str, signature: str) -> None:
    assert verify(suite_request(query, signature)).valid


def test_rejects_a_changed_query() -> None:
    assert verify(suite_request("Param2=value2&Param1=value0", QUERY_ORDER)).reason == "signature does not match"


def test_rejects_another_region() -> None:
    assert "region" in (verify(suite_request("", VANILLA), region="eu-west-1").reason or "")


def test_rejects_a_request_signed_too_long_ago() -> None:
    later = datetime(2015, 8, 30, 12, 42, tzinfo=timezone.utc)
    assert "5 minutes" in (verify(suite_request("", VANILLA), now=later).reason or "")


def test_rejects_a_changed_host_and_an_unknown_key() -> None:
    request = suite_request("", VANILLA)
    moved = replace(request, headers={**request.headers, "host": "example.amazonaws.com.evil"})
    assert verify(moved).reason == "signature does not match"
    stranger = replace(request, headers={**request.headers, "authorization": request.headers["authorization"].replace("AKIDEXAMPLE", "AKIDOTHER")})
    assert verify(stranger).reason == "unknown access key AKIDOTHER"
