"""One HTTP exchange with the standard library, as both the broker URL transport and the
A55 client need it: a total deadline for connect, headers and body (not per socket read),
a cap on the body size, TLS verified against the system's trust store, and no redirects
(``http.client`` never follows them: a 3xx is returned as it is).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Dict, Mapping, Optional
from urllib.parse import SplitResult

_ssl_context: Optional[ssl.SSLContext] = None
_ssl_lock = threading.Lock()


class HttpTimeout(Exception):
    """No complete answer (headers and body) arrived before the deadline."""


class BodyTooLarge(Exception):
    """The answer's body is larger than the caller accepts."""


@dataclass(frozen=True)
class HttpAnswer:
    """A complete answer. Header names are lowercase; a repeated header keeps its last value."""

    status: int
    headers: Dict[str, str]
    body: bytes


def default_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (building one reads the trust store)."""
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = ssl.create_default_context()
        return _ssl_context


def host_header(url: SplitResult) -> str:
    """The ``Host`` value for ``url``: lowercase host, the port only when not the default."""
    host = url.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if url.scheme == "https" else 80
    return host if url.port in (None, default) else f"{host}:{url.port}"


def exchange(
    method: str,
    url: SplitResult,
    *,
    headers: Mapping[str, str],
    body: Optional[bytes],
    timeout: float,
    max_body: int,
) -> HttpAnswer:
    """Sends one request on a new connection and reads the whole answer.

    ``headers`` must carry ``Host`` (see :func:`host_header`) so that what a signature
    covered is what is sent.

    Raises:
        HttpTimeout: the deadline passed.
        BodyTooLarge: the body exceeds ``max_body`` bytes.
        OSError, http.client.HTTPException: the connection failed or the answer was not HTTP.
    """
    deadline = time.monotonic() + timeout
    host = url.hostname or ""
    connection: http.client.HTTPConnection
    if url.scheme == "https":
        connection = http.client.HTTPSConnection(host, url.port, timeout=timeout, context=default_ssl_context())
    else:
        connection = http.client.HTTPConnection(host, url.port, timeout=timeout)
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        _remaining(connection, deadline)
        response = connection.getresponse()
        chunks = []
        size = 0
        while True:
            _remaining(connection, deadline)
            chunk = response.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > max_body:
                raise BodyTooLarge(f"the answer's body is larger than {max_body} bytes")
            chunks.append(chunk)
        return HttpAnswer(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            body=b"".join(chunks),
        )
    except (socket.timeout, TimeoutError) as error:
        raise HttpTimeout(f"no answer within {timeout:g} s") from error
    finally:
        connection.close()


def _remaining(connection: http.client.HTTPConnection, deadline: float) -> None:
    """Gives the next socket operation only what is left of the total deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise HttpTimeout("deadline passed")
    if connection.sock is not None:
        connection.sock.settimeout(left)
