"""Errors of :class:`~a55_token_broker.A55Client`.

They name the method and path (never the query string, which may carry customer data)
and never the Bearer token: a response body that echoes it has it replaced before it is kept.
"""

from __future__ import annotations


class A55Error(Exception):
    """Base class of the A55 client's errors.

    Attributes:
        method: HTTP method of the failed request.
        path: URL path of the failed request (the base URL's path included), without the query.
    """

    def __init__(self, message: str, method: str, path: str) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path

    @property
    def name(self) -> str:
        """The error's name, as the TypeScript client's ``error.name``."""
        return type(self).__name__


class A55ApiError(A55Error):
    """The A55 API answered with a status outside 2xx (or a 2xx whose body is not JSON).

    Attributes:
        status: HTTP status of the answer.
        body: the response body, cut to a few kilobytes, the token (if echoed) redacted.
    """

    def __init__(self, message: str, *, method: str, path: str, status: int, body: str) -> None:
        super().__init__(message, method, path)
        self.status = status
        self.body = body


class A55TimeoutError(A55Error):
    """The A55 API did not answer (headers and body) within the client's timeout."""

    def __init__(self, method: str, path: str, timeout_seconds: float) -> None:
        super().__init__(f"A55 API {method} {path} did not answer within {timeout_seconds:g} s", method, path)
        self.timeout_seconds = timeout_seconds


class A55RequestError(A55Error):
    """The request could not be sent or its answer not read (DNS, connection reset, TLS)."""

    def __init__(self, method: str, path: str, detail: str) -> None:
        super().__init__(f"A55 API {method} {path} failed: {detail}", method, path)
