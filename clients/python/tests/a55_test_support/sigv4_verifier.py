"""Checks a SigV4-signed request the way AWS does before a Function URL with
``AuthType: AWS_IAM`` runs its function: rebuild the canonical request from what was
received, derive the signing key from the secret, compare signatures.

A port of the project's test/integration/client/sigv4-verifier.ts, written from the SigV4
specification with hashlib and hmac alone, independent of botocore (the signer under
test), so a signer bug cannot hide behind the same bug here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
    r"SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})"
)


@dataclass(frozen=True)
class ReceivedRequest:
    """What the server received."""

    method: str
    #: The path as sent, still percent-encoded, without the query.
    raw_path: str
    #: The query as sent, without ``?``.
    raw_query: str
    #: Lowercase names; repeated headers joined with ``,``.
    headers: Dict[str, str]
    body: bytes


@dataclass(frozen=True)
class SigningCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None


@dataclass(frozen=True)
class Verification:
    """The outcome; ``reason`` says which check failed."""

    valid: bool
    reason: Optional[str] = None
    access_key_id: Optional[str] = None
    signed_headers: Tuple[str, ...] = ()


def verify_sigv4(
    request: ReceivedRequest,
    *,
    credentials: Sequence[SigningCredentials],
    region: str,
    service: str,
    now: datetime,
    max_skew_seconds: float = 300,
) -> Verification:
    """Verifies the ``Authorization`` header of ``request``."""

    def fail(reason: str) -> Verification:
        return Verification(valid=False, reason=reason)

    authorization = request.headers.get("authorization")
    match = _AUTHORIZATION.fullmatch(authorization) if authorization is not None else None
    if not match:
        return fail("no AWS4-HMAC-SHA256 Authorization header")
    access_key_id, scope_date, signed_region, signed_service, signed_list, signature = match.groups()
    known = next((c for c in credentials if c.access_key_id == access_key_id), None)
    if known is None:
        return fail(f"unknown access key {access_key_id}")
    if signed_region != region:
        return fail(f"signed for region {signed_region}, not {region}")
    if signed_service != service:
        return fail(f"signed for service {signed_service}, not {service}")

    amz_date = request.headers.get("x-amz-date")
    if amz_date is None or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        return fail("no valid x-amz-date")
    if amz_date[:8] != scope_date:
        return fail("x-amz-date and the credential scope disagree")
    signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    if abs((now - signed_at).total_seconds()) > max_skew_seconds:
        return fail("signed more than 5 minutes away from now")

    signed_headers = signed_list.split(";")
    if signed_headers != sorted(signed_headers):
        return fail("SignedHeaders is not sorted")
    if "host" not in signed_headers:
        return fail("host is not signed")
    if known.session_token is not None and request.headers.get("x-amz-security-token") != known.session_token:
        return fail("x-amz-security-token is missing or does not belong to the access key")
    canonical_headers: List[str] = []
    for name in signed_headers:
        value = request.headers.get(name)
        if value is None:
            return fail(f"signed header {name} was not received")
        collapsed = re.sub(r"\s+", " ", value.strip())
        canonical_headers.append(f"{name}:{collapsed}\n")

    payload_hash = hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256")
    if declared is not None and declared != payload_hash:
        return fail("x-amz-content-sha256 does not match the body")

    canonical_request = "\n".join(
        [
            request.method.upper(),
            _canonical_path(request.raw_path),
            _canonical_query(request.raw_query),
            "".join(canonical_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )
    scope = f"{scope_date}/{signed_region}/{signed_service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(f"AWS4{known.secret_access_key}".encode(), scope_date)
    for part in (signed_region, signed_service, "aws4_request"):
        key = _hmac(key, part)
    expected = _hmac(key, string_to_sign)
    if not hmac.compare_digest(expected, bytes.fromhex(signature)):
        return fail("signature does not match")
    return Verification(valid=True, access_key_id=access_key_id, signed_headers=tuple(signed_headers))


def _canonical_path(raw_path: str) -> str:
    """Every service but S3 encodes each (already encoded) path segment once more."""
    return "/".join(_encode(segment) for segment in raw_path.split("/"))


def _canonical_query(raw: str) -> str:
    """Decoded, re-encoded the RFC 3986 way, sorted by name then value."""
    if raw == "":
        return ""
    pairs = []
    for pair in raw.split("&"):
        if pair == "":
            continue
        name, _, value = pair.partition("=")
        pairs.append((_encode(unquote(name)), _encode(unquote(value))))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _encode(text: str) -> str:
    """RFC 3986: everything but ``A-Z a-z 0-9 - _ . ~`` percent-encoded (UTF-8)."""
    return quote(text, safe="-_.~")


def _hmac(key: bytes, data: str) -> bytes:
    return hmac.new(key, data.encode("utf-8"), hashlib.sha256).digest()
