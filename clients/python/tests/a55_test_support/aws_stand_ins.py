"""Stand-ins for the two AWS faces of the reader, on 127.0.0.1:

- :class:`FunctionUrl`: a Function URL with ``AuthType: AWS_IAM``: it verifies the SigV4
  signature with the independent verifier and answers 403 ``{"Message":"Forbidden"}``
  (AWS's answer) when it does not hold; otherwise the request goes to ``upstream`` (the
  real local broker, or a script).
- :class:`LambdaApi`: the Lambda Invoke REST API (``POST /2015-03-31/functions/NAME/
  invocations``) for a boto3 client with ``endpoint_url``; it verifies the signature too,
  and answers like Lambda: the function's result, or ``X-Amz-Function-Error: Unhandled``
  with ``{"errorType", "errorMessage", "trace"}``, or a service error.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import quote, unquote

from .servers import Answer, StandIn, forward, json_answer
from .sigv4_verifier import ReceivedRequest, SigningCredentials, Verification, verify_sigv4

#: The Lambda API's invoke path prefix.
INVOKE_PREFIX = "/2015-03-31/functions/"


class FunctionUrl:
    """A verifying Function URL in front of ``upstream``."""

    def __init__(
        self,
        upstream: Callable[[ReceivedRequest], Answer],
        *,
        credentials: Sequence[SigningCredentials],
        region: str = "us-east-1",
    ) -> None:
        self.verifications: List[Verification] = []
        self._lock = threading.Lock()

        def handle(request: ReceivedRequest) -> Answer:
            verification = verify_sigv4(
                request,
                credentials=credentials,
                region=region,
                service="lambda",
                now=datetime.now(timezone.utc),
            )
            with self._lock:
                self.verifications.append(verification)
            if not verification.valid:
                return json_answer(403, {"Message": "Forbidden"})
            return upstream(request)

        self.server = StandIn(handle)
        #: Like a Function URL, with its trailing slash.
        self.url = f"{self.server.url}/"

    @property
    def requests(self) -> List[ReceivedRequest]:
        return self.server.requests

    def clear(self) -> None:
        self.server.clear()
        with self._lock:
            self.verifications.clear()

    def stop(self) -> None:
        self.server.stop()


def forward_to(upstream_url: str) -> Callable[[ReceivedRequest], Answer]:
    """An upstream that relays to the local broker."""
    return lambda request: forward(upstream_url, request)


#: A function of the stand-in: the invoke payload in, an :class:`Answer` out.
Function = Callable[[Any], Answer]


def result(value: Any) -> Answer:
    """A successful invoke."""
    return Answer(200, json.dumps(value), {"content-type": "application/json", "x-amz-executed-version": "$LATEST"})


def function_error(error_type: str, message: str) -> Answer:
    """What Lambda answers when the handler raised (or the runtime failed)."""
    payload = {"errorType": error_type, "errorMessage": message, "trace": [f"{error_type}: {message}", "    at handler"]}
    return Answer(
        200,
        json.dumps(payload),
        {"content-type": "application/json", "x-amz-function-error": "Unhandled", "x-amz-executed-version": "$LATEST"},
    )


def service_error(status: int, code: str, message: str) -> Answer:
    """An error of the Lambda service itself (the function did not run)."""
    return Answer(
        status,
        json.dumps({"Type": "User", "message": message}),
        {"content-type": "application/json", "x-amzn-errortype": code},
    )


def reader_behind(broker_url: str) -> Function:
    """A function that runs the real reader: the payload becomes the local broker's query,
    and its HTTP error answer becomes the error the reader raises on invoke."""

    def run(payload: Any) -> Answer:
        fields = payload if isinstance(payload, dict) else {}
        query = "&".join(f"{quote(str(key), safe='')}={quote(str(value), safe='')}" for key, value in fields.items())
        answer = forward(broker_url, ReceivedRequest("GET", "/token", query, {}, b""))
        body = json.loads(answer.encoded())
        if answer.status == 200:
            return result(body)
        return function_error(body.get("error", "InternalError"), body.get("message", ""))

    return run


class LambdaApi:
    """The Lambda Invoke API for ``functions`` (by name), verifying every signature."""

    def __init__(
        self,
        functions: Dict[str, Function],
        *,
        credentials: Sequence[SigningCredentials],
        region: str = "us-east-1",
    ) -> None:
        self.functions = functions
        self.verifications: List[Verification] = []
        #: (function name, decoded payload) per invoke that reached a function.
        self.invocations: List[tuple] = []
        self._lock = threading.Lock()

        def handle(request: ReceivedRequest) -> Answer:
            verification = verify_sigv4(
                request, credentials=credentials, region=region, service="lambda", now=datetime.now(timezone.utc)
            )
            with self._lock:
                self.verifications.append(verification)
            if not verification.valid:
                return service_error(403, "InvalidSignatureException", "The request signature we calculated does not match")
            if request.method != "POST" or not request.raw_path.startswith(INVOKE_PREFIX):
                return service_error(404, "UnknownOperationException", "Unknown operation")
            name = unquote(request.raw_path[len(INVOKE_PREFIX) :].split("/")[0])
            function = self.functions.get(name)
            if function is None:
                return service_error(404, "ResourceNotFoundException", f"Function not found: {name}")
            payload = json.loads(request.body) if request.body else None
            with self._lock:
                self.invocations.append((name, payload))
            return function(payload)

        self.server = StandIn(handle)
        self.url = self.server.url

    def invoke_count(self, name: Optional[str] = None) -> int:
        with self._lock:
            return sum(1 for invoked, _ in self.invocations if name is None or invoked == name)

    def clear(self) -> None:
        with self._lock:
            self.invocations.clear()
            self.verifications.clear()
        self.server.clear()

    def stop(self) -> None:
        self.server.stop()
