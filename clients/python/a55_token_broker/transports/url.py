"""The reader over HTTP: ``GET <url>/token?credential=NAME&minValiditySeconds=N``.

Signed with SigV4 for the Function URL (callers outside Lambda: ECS, EC2), unsigned for
the local broker. Errors come back as the status and ``{"error", "message"}``; a 403
without that body is IAM refusing the signature before the reader ran.
"""

from __future__ import annotations

import http.client
import ipaddress
import math
import os
import re
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Dict, Optional
from urllib.parse import SplitResult, quote, urlsplit

from botocore.exceptions import BotoCoreError

from .. import _http
from ..errors import (
    BrokerAccessDenied,
    BrokerResponseInvalid,
    BrokerUnavailable,
    ClientConfigError,
    TokenBrokerError,
    clip,
    describe_cause,
    reader_error,
)
from .base import NOT_JSON, BrokerToken, TokenRequest, parse_broker_token, parse_json
from .sigv4 import CredentialsSource, NoAwsCredentials, SigV4Signer

_FUNCTION_URL_HOST = re.compile(r"[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws")
#: The reader's answers are a few hundred bytes; anything far larger is not the reader.
_MAX_BODY = 64 * 1024


class UrlTransport:
    """Calls the reader through its URL.

    Args:
        url: the reader's Function URL (the stack's ``ReaderUrl`` output) or the local
            broker's base URL; with or without a trailing slash or ``/token``.
        signing: ``sigv4`` signs every request (service ``lambda``); ``none`` sends it as
            is. Default: ``sigv4`` for https, ``none`` for http (the local broker).
        region: region to sign for. Default: parsed from a
            ``<id>.lambda-url.<region>.on.aws`` host, else AWS_REGION / AWS_DEFAULT_REGION.
        credentials: credentials to sign with; default: botocore's default chain.
        timeout_seconds: give up on a call that has not answered (headers and body) by then.

    Raises:
        ClientConfigError: a malformed URL, plain http to a non-loopback host, or no
            region to sign for.

    Example::

        transport = UrlTransport("https://abc123.lambda-url.us-east-1.on.aws/")
        local = UrlTransport("http://127.0.0.1:8787")
    """

    def __init__(
        self,
        url: str,
        *,
        signing: Optional[str] = None,
        region: Optional[str] = None,
        credentials: Optional[CredentialsSource] = None,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._endpoint = token_endpoint(url)
        self.description = origin(self._endpoint)
        if isinstance(timeout_seconds, bool) or not isinstance(timeout_seconds, (int, float)) or not (
            math.isfinite(timeout_seconds) and timeout_seconds > 0
        ):
            raise ClientConfigError(f"request_timeout_seconds must be a positive number, got {timeout_seconds!r}")
        self._timeout = float(timeout_seconds)
        chosen = signing if signing is not None else ("sigv4" if self._endpoint.scheme == "https" else "none")
        if chosen not in ("sigv4", "none"):
            raise ClientConfigError(f"signing must be 'sigv4' or 'none', got {clip(str(chosen), 40)!r}")
        self._signer: Optional[SigV4Signer] = None
        if chosen == "sigv4":
            self._signer = SigV4Signer(signing_region(self._endpoint, region), credentials)

    @property
    def region(self) -> Optional[str]:
        """The region requests are signed for; None when unsigned."""
        return self._signer.region if self._signer else None

    def fetch_token(self, request: TokenRequest) -> BrokerToken:
        """One ``GET /token``; see :class:`~a55_token_broker.transports.base.TokenTransport`."""
        url = self._request_url(request)
        headers = {"Host": _http.host_header(url), "Accept": "application/json", **self._sign(url)}
        try:
            answer = _http.exchange("GET", url, headers=headers, body=None, timeout=self._timeout, max_body=_MAX_BODY)
        except _http.HttpTimeout as error:
            raise BrokerUnavailable(
                f"could not reach the reader URL (no answer within {self._timeout:g} s)", broker=self.description
            ) from error
        except (OSError, http.client.HTTPException, _http.BodyTooLarge, ValueError) as error:
            # The request carries no token (only the signature), so its error may be quoted.
            raise BrokerUnavailable(
                f"could not reach the reader URL (request failed: {describe_cause(error)})", broker=self.description
            ) from error
        text = answer.body.decode("utf-8", errors="replace")
        if answer.status == 200:
            body = parse_json(text)
            if body is NOT_JSON:
                raise BrokerResponseInvalid(
                    "the reader URL answered 200 with a body that is not JSON", broker=self.description, status=200
                )
            return parse_broker_token(body, self.description)
        raise self._error_answer(answer.status, text, answer.headers.get("retry-after"))

    def _request_url(self, request: TokenRequest) -> SplitResult:
        # RFC 3986 encoding (quote with safe=''): the canonical query SigV4 computes is the one sent.
        query = []
        if request.credential is not None:
            query.append(f"credential={quote(request.credential, safe='')}")
        query.append(f"minValiditySeconds={request.min_validity_seconds}")
        if request.rejected_token_hash is not None:
            query.append(f"rejectedTokenHash={quote(request.rejected_token_hash, safe='')}")
        return self._endpoint._replace(query="&".join(query))

    def _sign(self, url: SplitResult) -> Dict[str, str]:
        if self._signer is None:
            return {}
        try:
            signed = self._signer.sign("GET", url.geturl(), _http.host_header(url))
        except (NoAwsCredentials, BotoCoreError) as error:
            raise BrokerUnavailable(
                f"could not sign the request: {clip(str(error), 300)}; "
                "check that the caller has AWS credentials (task role, instance profile, environment)",
                broker=self.description,
                error_type=type(error).__name__,
            ) from error
        return {name: value for name, value in signed.items() if name.lower() != "host"}

    def _error_answer(self, status: int, text: str, retry_after: Optional[str]) -> TokenBrokerError:
        body = parse_json(text)
        fields = body if isinstance(body, dict) else {}
        error, message = fields.get("error"), fields.get("message")
        if isinstance(error, str):
            return reader_error(
                error,
                message if isinstance(message, str) else "",
                broker=self.description,
                status=status,
                retry_after_seconds=parse_retry_after(retry_after),
            )
        if status == 403:
            return BrokerAccessDenied(
                "the Function URL refused the signed request (HTTP 403): grant lambda:InvokeFunctionUrl and "
                "lambda:InvokeFunction on the reader (broker.grantRead in CDK), and check the region and the clock",
                broker=self.description,
                status=status,
            )
        return BrokerUnavailable(
            f"the reader URL answered HTTP {status}: {clip(text, 200)}", broker=self.description, status=status
        )


def token_endpoint(raw: str) -> SplitResult:
    """``<url>/token``, accepting the base URL with or without a trailing slash or ``/token``.

    Raises:
        ClientConfigError: not an http(s) URL, user info in it, or plain http to a remote host.
    """
    if not isinstance(raw, str):
        raise ClientConfigError(f"token broker url must be a string, got {type(raw).__name__}")
    try:
        url = urlsplit(raw.strip())
        url.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        raise ClientConfigError(f"token broker url '{clip(raw, 200)}' is not a valid URL") from None
    if "@" in url.netloc:
        # Not echoed: the user info may be a password.
        raise ClientConfigError("token broker url must not contain user info (user:password@)")
    if url.scheme not in ("https", "http") or not url.hostname:
        raise ClientConfigError(f"token broker url '{clip(raw, 200)}' must use https (or http to the local broker)")
    if url.scheme == "http" and not is_loopback(url.hostname):
        raise ClientConfigError(
            f"token broker url '{origin(url)}' uses plain http to a remote host: "
            "tokens would travel unencrypted; use https"
        )
    base = url.path.rstrip("/")
    if base.endswith("/token"):
        base = base[: -len("/token")]
    return SplitResult(url.scheme, url.netloc.lower(), f"{base}/token", "", "")


def origin(url: SplitResult) -> str:
    """``scheme://host[:port]``, the default port left out."""
    return f"{url.scheme}://{_http.host_header(url)}"


def is_loopback(hostname: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def signing_region(url: SplitResult, explicit: Optional[str]) -> str:
    """The region option, else the URL's own (a Function URL answers only for its own
    region, wherever the caller runs), else the caller's environment.

    Raises:
        ClientConfigError: none of them names a region.
    """
    match = _FUNCTION_URL_HOST.fullmatch(url.hostname or "")
    region = (
        explicit
        or (match.group(1) if match else None)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not region:
        raise ClientConfigError(
            f"no region to sign requests to '{origin(url)}' for: pass the region option or set AWS_REGION"
        )
    return region


def parse_retry_after(header: Optional[str], now: Optional[datetime] = None) -> Optional[float]:
    """``Retry-After`` (delta seconds or an HTTP date) in seconds from ``now``; None when
    absent or unparseable."""
    if header is None:
        return None
    value = header.strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(int(value))
    # Only an HTTP date (it starts with a day name).
    if not re.match(r"[A-Za-z]{3}", value):
        return None
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if date is None:
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return float(max(0, math.ceil((date - current).total_seconds())))
