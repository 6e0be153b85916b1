"""A thin client for the A55 API: Bearer token from the broker, JSON in and out, one retry
with a different token on 401 (a token revoked or rotated before its expiry), a timeout
per attempt, no redirects, and errors that never carry the token.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import logging
import math
import re
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union
from urllib.parse import SplitResult, quote, urlencode, urljoin, urlsplit

from . import _http
from .a55_errors import A55ApiError, A55RequestError, A55TimeoutError
from .errors import ClientConfigError, clip, describe_cause
from .transports.url import is_loopback

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]

logger = logging.getLogger("a55_token_broker")

#: The production API.
A55_API_BASE_URL = "https://core-manager.a55.tech/api/v1"
#: Longest response body kept in an :class:`A55ApiError`.
MAX_ERROR_BODY = 4096
#: Characters of an HTTP method (RFC 9110 token, upper case by convention).
_METHOD = re.compile(r"[A-Z]{1,20}")
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")

Scalar = Union[str, int, float, bool]
QueryValue = Union[Scalar, None, Iterable[Scalar]]


class TokenSource(Protocol):
    """Where tokens come from: a :class:`~a55_token_broker.TokenBrokerClient`, or anything shaped like one."""

    def get_token(self) -> str:
        ...

    def invalidate(self, token: str) -> object:
        """Drops ``token`` if it is the cached one."""
        ...


class A55Client:
    """Calls the A55 API with a broker token. Thread-safe.

    Args:
        broker: gives the Bearer token (a :class:`~a55_token_broker.TokenBrokerClient`).
        base_url: the API's base URL; https, or http to a loopback stand-in only.
        timeout_seconds: give up on an attempt that has not answered (headers and body) by then.
        max_response_bytes: refuse larger answers (A55RequestError).

    Raises:
        ClientConfigError: a malformed base URL or plain http to a remote host.

    Example::

        a55 = A55Client(TokenBrokerClient())
        wallets = a55.request("GET", "/wallets", query={"page": 1})
    """

    def __init__(
        self,
        broker: TokenSource,
        base_url: str = A55_API_BASE_URL,
        *,
        timeout_seconds: float = 30.0,
        max_response_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        self._broker = broker
        self._base = _base_url(base_url)
        if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, (int, float)) or not (
            math.isfinite(timeout_seconds) and timeout_seconds > 0
        ):
            raise ClientConfigError(f"timeout_seconds must be a positive number, got {timeout_seconds!r}")
        self._timeout = float(timeout_seconds)
        self._max_body = max_response_bytes

    @property
    def base_url(self) -> str:
        """The base URL, with one trailing slash."""
        return self._base.geturl()

    def request(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, QueryValue]] = None,
        json: Any = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """Sends ``method path`` and returns the parsed JSON answer (None for an empty body).

        On 401 it drops the token, gets another from the broker and tries once more.

        Args:
            method: ``GET``, ``POST``...
            path: below the base URL, e.g. ``/wallets`` or ``wallets/123``.
            query: query parameters; a list repeats the key, None leaves it out.
            json: the body, sent as JSON; None sends no body.
            headers: extra headers; ``Authorization`` is always the client's own.

        Raises:
            A55ApiError: a status outside 2xx, or a 2xx body that is not JSON.
            A55TimeoutError, A55RequestError: no complete answer.
            TokenBrokerError: from the broker.
            ClientConfigError: ``path`` leaves the base URL, or ``method`` is not a method.

        Example::

            charge = a55.request("POST", "/charges", json={"amount": 1000})
        """
        verb = method.upper() if isinstance(method, str) else ""
        if not _METHOD.fullmatch(verb):
            raise ClientConfigError(f"method {clip(str(method), 20)!r} is not an HTTP method")
        url = self._url(path, query)
        shown_path = url.path
        body = None if json is None else jsonlib.dumps(json).encode("utf-8")

        token = self._broker.get_token()
        tried = [token]
        status, text = self._attempt(verb, url, token, body, headers)
        if status == 401:
            self._broker.invalidate(token)
            token = self._broker.get_token()
            if token not in tried:
                tried.append(token)
                logger.info("A55 API %s %s answered 401; retrying once with another token", verb, shown_path)
                status, text = self._attempt(verb, url, token, body, headers)

        text = _redact(text, tried)
        if status < 200 or status > 299:
            if status == 401:
                advice = (
                    " (a fresh token was rejected too: check the credential set)"
                    if len(tried) > 1
                    else " (the broker had no other token: check the credential set and the refresher)"
                )
            else:
                advice = ""
            raise A55ApiError(
                f"A55 API {verb} {shown_path} answered HTTP {status}{advice}: {text[:200]}",
                method=verb,
                path=shown_path,
                status=status,
                body=text[:MAX_ERROR_BODY],
            )
        if text.strip() == "":
            return None
        try:
            return jsonlib.loads(text)
        except ValueError:
            raise A55ApiError(
                f"A55 API {verb} {shown_path} answered HTTP {status} with a body that is not JSON",
                method=verb,
                path=shown_path,
                status=status,
                body=text[:MAX_ERROR_BODY],
            ) from None

    def _attempt(
        self,
        method: str,
        url: SplitResult,
        token: str,
        body: Optional[bytes],
        extra: Optional[Mapping[str, str]],
    ) -> Tuple[int, str]:
        """One exchange under the timeout; the status and the body text."""
        if not isinstance(token, str) or not _HEADER_SAFE.fullmatch(token):
            # Never handed to http.client: its error would quote the header value.
            raise A55RequestError(method, url.path, "the token is not a value an Authorization header can carry")
        headers = {name: value for name, value in (extra or {}).items() if name.lower() not in ("authorization", "host")}
        present = {name.lower() for name in headers}
        headers["Host"] = _http.host_header(url)
        headers["Authorization"] = f"Bearer {token}"
        if "content-type" not in present:
            headers["Content-Type"] = "application/json"
        if "accept" not in present:
            headers["Accept"] = "application/json"
        try:
            answer = _http.exchange(method, url, headers=headers, body=body, timeout=self._timeout, max_body=self._max_body)
        except _http.HttpTimeout:
            raise A55TimeoutError(method, url.path, self._timeout) from None
        except (OSError, http.client.HTTPException, _http.BodyTooLarge) as error:
            # Before ValueError: a certificate failure (ssl.SSLCertVerificationError) is both.
            raise A55RequestError(method, url.path, describe_cause(error)) from error
        except ValueError:
            # http.client refuses bad header values with a message quoting them, the token's included.
            raise A55RequestError(method, url.path, "a header value is not valid HTTP") from None
        return answer.status, answer.body.decode("utf-8", errors="replace")

    def _url(self, path: str, query: Optional[Mapping[str, QueryValue]]) -> SplitResult:
        """``path`` below the base, on the base's origin whatever ``path`` holds."""
        if not isinstance(path, str):
            raise ClientConfigError(f"path must be a string, got {type(path).__name__}")
        base = self._base
        # "./" keeps a first segment with a colon ("v2:x") a path, not a scheme.
        relative = "./" + quote(path.lstrip("/\\"), safe="/%:@!$&'()*+,;=-._~?#")
        joined = urlsplit(urljoin(base.geturl(), relative))
        if (joined.scheme, joined.netloc) != (base.scheme, base.netloc):
            raise ClientConfigError(f"path '{path[:100]}' leaves the A55 API base URL")
        pairs: List[Tuple[str, str]] = []
        for key, value in (query or {}).items():
            if value is None:
                continue
            values = [value] if isinstance(value, (str, int, float, bool)) else list(value)
            pairs.extend((key, _query_text(item)) for item in values)
        parts = [part for part in (joined.query, urlencode(pairs, quote_via=quote)) if part]
        return SplitResult(joined.scheme, joined.netloc, joined.path, "&".join(parts), "")


def _query_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _base_url(raw: str) -> SplitResult:
    """The base URL with one trailing slash, checked for https."""
    try:
        url = urlsplit(raw)
        url.port  # noqa: B018 - raises ValueError for a bad port
    except (ValueError, AttributeError, TypeError):
        raise ClientConfigError(f"A55 base_url '{str(raw)[:200]}' is not a valid URL") from None
    if "@" in url.netloc:
        raise ClientConfigError("A55 base_url must not contain user info (user:password@)")
    if not url.hostname or url.scheme not in ("https", "http"):
        raise ClientConfigError(f"A55 base_url '{raw[:200]}' is not an http(s) URL")
    if url.scheme != "https" and not is_loopback(url.hostname):
        raise ClientConfigError(
            f"A55 base_url '{url.scheme}://{url.netloc}' must use https: the Bearer token must not travel unencrypted"
        )
    path = url.path if url.path.endswith("/") else f"{url.path}/"
    return SplitResult(url.scheme, url.netloc.lower(), path, "", "")


def _redact(text: str, tokens: List[str]) -> str:
    """Replaces the tokens wherever a response body echoes them."""
    for token in tokens:
        if token:
            text = text.replace(token, "[token redacted]")
    return text
