"""Errors of the token broker client.

The reader's errors keep the name it gave them (its ``errorType`` on invoke, its
``error`` field over HTTP), so ``except UnknownCredential`` and ``type(error).__name__``
are the same whichever transport carried the answer. No message, attribute or
``args`` entry ever holds a token: messages are built from names, statuses and the
reader's own (token-free) messages, clipped to a size a log line can carry.
"""

from __future__ import annotations

from typing import Optional

#: Longest text taken from a remote answer into a message.
MAX_REMOTE_TEXT = 500


def clip(text: str, limit: int = MAX_REMOTE_TEXT) -> str:
    """Cuts text from the other side to ``limit`` characters (plus an ellipsis)."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def describe_cause(error: BaseException) -> str:
    """A low-level failure in words: its type and message, and those of its cause."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    inner = error.__cause__
    if inner is not None and str(inner):
        text = f"{text}: {inner}"
    return clip(text, 300)


class TokenBrokerError(Exception):
    """Base class of every error of this package about getting a token.

    Attributes:
        broker: which broker answered, e.g. ``function a55-reader`` or
            ``https://abc.lambda-url.us-east-1.on.aws``; None for configuration errors.
        status: HTTP status of the answer when it came over a URL; None on invoke.
    """

    def __init__(self, message: str, *, broker: Optional[str] = None, status: Optional[int] = None) -> None:
        text = message if broker is None else f"{message} (broker: {broker})"
        super().__init__(text)
        self.message = text
        self.broker = broker
        self.status = status

    @property
    def name(self) -> str:
        """The error's name, as the TypeScript client's ``error.name``."""
        return type(self).__name__


class ClientConfigError(TokenBrokerError):
    """The options given to a client are wrong, or the environment names no broker."""


class BadRequest(TokenBrokerError):
    """The reader refused the request as malformed (bad credential name, minValiditySeconds out of range)."""


class UnknownCredential(TokenBrokerError):
    """The credential set asked for is not configured in this broker; the message lists those that are."""


class NotFound(TokenBrokerError):
    """The URL was not the reader's ``/token`` path (a wrong ``url`` option)."""


class MethodNotAllowed(TokenBrokerError):
    """The reader's URL was called with another method than GET."""


class TokenUnavailable(TokenBrokerError):
    """No token with enough validity is stored yet; the reader has asked the refresher for one.

    :meth:`TokenBrokerClient.get_token` retries this error until its deadline.

    Attributes:
        retry_after_seconds: seconds to wait before asking again: the reader's ``Retry-After``
            over a URL; over Invoke (no headers) the reader's contract value, 2.
    """

    def __init__(
        self,
        message: str,
        *,
        broker: Optional[str] = None,
        status: Optional[int] = None,
        retry_after_seconds: Optional[float] = None,
    ) -> None:
        super().__init__(message, broker=broker, status=status)
        self.retry_after_seconds = retry_after_seconds


class InternalError(TokenBrokerError):
    """The reader failed in a way it does not explain to callers; the detail is in its log."""


class BrokerAccessDenied(TokenBrokerError):
    """IAM refused the call: the caller's role lacks ``lambda:InvokeFunction`` (and, for URLs, ``lambda:InvokeFunctionUrl``)."""


class BrokerUnavailable(TokenBrokerError):
    """The broker could not be reached or answered outside its contract.

    Network failure, timeout, throttling, a missing function, a Lambda runtime error.

    Attributes:
        error_type: the runtime's or SDK's error name, e.g. ``Sandbox.Timedout`` or
            ``ResourceNotFoundException``; None when there is none.
    """

    def __init__(
        self,
        message: str,
        *,
        broker: Optional[str] = None,
        status: Optional[int] = None,
        error_type: Optional[str] = None,
    ) -> None:
        super().__init__(message, broker=broker, status=status)
        self.error_type = error_type


class BrokerResponseInvalid(TokenBrokerError):
    """The broker answered success with a body that is not a token view; the body is never quoted."""


#: The reader's error names (docs/design.md, Read Lambda), mapped to their classes.
READER_ERRORS = {
    cls.__name__: cls
    for cls in (BadRequest, UnknownCredential, NotFound, MethodNotAllowed, TokenUnavailable, InternalError)
}


def reader_error(
    error_type: str,
    message: str,
    *,
    broker: str,
    status: Optional[int] = None,
    retry_after_seconds: Optional[float] = None,
) -> TokenBrokerError:
    """The typed error for an error the reader answered with.

    Names outside its contract (Lambda runtime errors such as ``Sandbox.Timedout``)
    become :class:`BrokerUnavailable` with ``error_type`` set.
    """
    text = clip(message)
    if error_type == "TokenUnavailable":
        return TokenUnavailable(text, broker=broker, status=status, retry_after_seconds=retry_after_seconds)
    known = READER_ERRORS.get(error_type)
    if known is not None:
        return known(text, broker=broker, status=status)
    return BrokerUnavailable(
        f"the reader failed with {clip(error_type, 100)}: {text}",
        broker=broker,
        status=status,
        error_type=error_type,
    )
