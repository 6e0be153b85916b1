"""What every transport shares: the request it sends, the token view it returns, and the
strict check of that view (a malformed answer must never be cached as a token).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from .._contract import REJECTED_TOKEN_HASH_LENGTH
from ..errors import BrokerResponseInvalid

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]

#: Characters a token may have to fit in an ``Authorization`` header: visible ASCII.
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class TokenRequest:
    """One read request, as both reader faces accept it.

    Attributes:
        credential: credential set; None, the reader serves its default (first) set.
        min_validity_seconds: the token must have more than this many seconds left.
        rejected_token_hash: "not this token": the first 16 hex characters of the SHA-256
            of a token the API refused; the reader bypasses its cache and replaces that
            token if it is the stored one.
    """

    credential: Optional[str]
    min_validity_seconds: int
    rejected_token_hash: Optional[str] = None


@dataclass(frozen=True)
class BrokerToken:
    """The reader's success body. ``access_token`` is left out of ``repr``: never log it.

    Attributes:
        credential: the credential set the token belongs to.
        access_token: the Bearer token.
        token_type: always ``Bearer``.
        expires_at: ISO-8601, by the broker's clock.
        expires_in: seconds of validity left when the view was made.
    """

    credential: str
    access_token: str = field(repr=False)
    token_type: str
    expires_at: str
    expires_in: int


class TokenTransport(Protocol):
    """Fetches one token view from the broker: one call, no retries, no cache.

    The :class:`~a55_token_broker.TokenBrokerClient` does retries and caching. Implement
    this to reach a broker some other way (or to count calls in a test).
    """

    #: Names the broker in error messages, e.g. ``function a55-reader``.
    description: str

    def fetch_token(self, request: TokenRequest) -> BrokerToken:
        """One broker call.

        Raises:
            TokenBrokerError: the reader's own error (same name) or a transport failure
                (BrokerAccessDenied, BrokerUnavailable, BrokerResponseInvalid).
        """
        ...


def rejected_token_hash(token: str) -> str:
    """The ``rejectedTokenHash`` of ``token``: the first 16 lowercase hex characters of its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:REJECTED_TOKEN_HASH_LENGTH]


class _NotJson:
    """Marker for text that is not JSON (``None`` is valid JSON: ``null``)."""


NOT_JSON: Any = _NotJson()


def parse_json(text: str) -> Any:
    """Parses JSON text; :data:`NOT_JSON` when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return NOT_JSON


def parse_broker_token(body: Any, broker: str) -> BrokerToken:
    """Checks that ``body`` is a token view.

    The message names the faulty field but never quotes the body: it may hold a token.

    Raises:
        BrokerResponseInvalid: when a field is missing or of the wrong type.
    """

    def invalid(problem: str) -> BrokerResponseInvalid:
        return BrokerResponseInvalid(
            f"the broker answered success with a malformed token view: {problem}", broker=broker
        )

    if not isinstance(body, dict):
        raise invalid("not a JSON object")
    credential = body.get("credential")
    access_token = body.get("accessToken")
    token_type = body.get("tokenType")
    expires_at = body.get("expiresAt")
    expires_in = body.get("expiresIn")
    if not isinstance(credential, str):
        raise invalid("credential is not a string")
    if not isinstance(access_token, str) or access_token == "":
        raise invalid("accessToken is missing")
    if not _HEADER_SAFE.fullmatch(access_token):
        raise invalid("accessToken has characters an Authorization header cannot carry")
    if token_type != "Bearer":
        raise invalid("tokenType is not Bearer")
    if not isinstance(expires_at, str) or not _is_iso_date(expires_at):
        raise invalid("expiresAt is not an ISO-8601 date")
    if (
        isinstance(expires_in, bool)
        or not isinstance(expires_in, (int, float))
        or not math.isfinite(expires_in)
    ):
        raise invalid("expiresIn is not a number")
    return BrokerToken(
        credential=credential,
        access_token=access_token,
        token_type="Bearer",
        expires_at=expires_at,
        expires_in=int(expires_in),
    )


def _is_iso_date(text: str) -> bool:
    # fromisoformat before 3.11 does not take a trailing Z.
    candidate = f"{text[:-1]}+00:00" if text.endswith("Z") else text
    try:
        datetime.fromisoformat(candidate)
    except ValueError:
        return False
    return True
