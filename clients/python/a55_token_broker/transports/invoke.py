"""The default transport inside AWS: a synchronous ``lambda:InvokeFunction`` of the reader.

The reader raises its errors; Lambda hands them back as a ``FunctionError`` with a payload
``{"errorType", "errorMessage", "trace"}``, which becomes the typed error of that name.
The response payload is a streaming body for botocore, so its DEBUG logging never
prints the token.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from boto3.session import Session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from urllib3.exceptions import HTTPError as Urllib3Error

from .._contract import TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS
from ..errors import (
    BrokerAccessDenied,
    BrokerResponseInvalid,
    BrokerUnavailable,
    ClientConfigError,
    TokenBrokerError,
    clip,
    reader_error,
)
from .base import NOT_JSON, BrokerToken, TokenRequest, parse_broker_token, parse_json

#: Without a read timeout a hung connection would hold the caller until its own timeout.
DEFAULT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


class InvokeTransport:
    """Invokes the reader function.

    Args:
        function_name: the reader's name or ARN (``broker.reader.functionName`` in CDK).
        lambda_client: the boto3 Lambda client to invoke with; pass one to share it or to
            set region, credentials or an endpoint. Default: a client of a new boto3
            session with 2 s connect / 5 s read timeouts and 3 attempts.
        region: region of the default client. Default: botocore's (AWS_REGION).

    Raises:
        ClientConfigError: no region for the default client.

    Example::

        transport = InvokeTransport("a55-token-broker-reader")
        client = TokenBrokerClient(transport=transport, credential="production")
    """

    def __init__(self, function_name: str, *, lambda_client: Any = None, region: Optional[str] = None) -> None:
        self._function_name = function_name
        self.description = f"function {function_name}"
        if lambda_client is None:
            try:
                lambda_client = Session().client("lambda", region_name=region, config=DEFAULT_CONFIG)
            except NoRegionError:
                raise ClientConfigError(
                    "no region to invoke the reader in: pass region or set AWS_REGION (Lambda sets it)"
                ) from None
        self._lambda = lambda_client

    def fetch_token(self, request: TokenRequest) -> BrokerToken:
        """One invoke; see :class:`~a55_token_broker.transports.base.TokenTransport`."""
        payload: dict = {}
        if request.credential is not None:
            payload["credential"] = request.credential
        payload["minValiditySeconds"] = request.min_validity_seconds
        if request.rejected_token_hash is not None:
            payload["rejectedTokenHash"] = request.rejected_token_hash
        try:
            output = self._lambda.invoke(FunctionName=self._function_name, Payload=json.dumps(payload).encode())
            stream = output.get("Payload")
            text = stream.read().decode("utf-8", errors="replace") if stream is not None else ""
        except (ClientError, BotoCoreError, Urllib3Error, OSError) as error:
            raise self._sdk_error(error) from error
        if output.get("FunctionError") is not None:
            raise self._function_error(text)
        body = parse_json(text)
        if body is NOT_JSON:
            raise BrokerResponseInvalid("the reader returned a payload that is not JSON", broker=self.description)
        return parse_broker_token(body, self.description)

    def _function_error(self, text: str) -> TokenBrokerError:
        """The reader's raised error, or the runtime's (timeout, crash), from the error payload."""
        body = parse_json(text)
        fields = body if isinstance(body, dict) else {}
        error_type, message = fields.get("errorType"), fields.get("errorMessage")
        if not isinstance(error_type, str):
            return BrokerUnavailable(
                "the reader failed with an error payload that names no errorType", broker=self.description
            )
        return reader_error(
            error_type,
            message if isinstance(message, str) else "",
            broker=self.description,
            # An invoke carries no Retry-After header; the reader's contract says how long to wait.
            retry_after_seconds=TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS if error_type == "TokenUnavailable" else None,
        )

    def _sdk_error(self, error: Exception) -> TokenBrokerError:
        """The Lambda service refused or failed the call itself; the function did not run."""
        status: Optional[int] = None
        if isinstance(error, ClientError):
            details = error.response.get("Error", {})
            name = str(details.get("Code") or "ClientError")
            message = str(details.get("Message") or "")
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        else:
            name, message = type(error).__name__, str(error)
        detail = clip(f"{name}: {message}", 300)
        if status == 403 or name == "AccessDeniedException":
            return BrokerAccessDenied(
                f"not allowed to invoke the reader; grant lambda:InvokeFunction on it (broker.grantRead in CDK): {detail}",
                broker=self.description,
            )
        if name == "ResourceNotFoundException":
            advice = "check the function name (TOKEN_BROKER_FUNCTION) and region"
        elif isinstance(error, NoCredentialsError):
            advice = "the caller has no AWS credentials"
        else:
            advice = "try again later"
        return BrokerUnavailable(
            f"could not invoke the reader ({advice}): {detail}", broker=self.description, error_type=name
        )
