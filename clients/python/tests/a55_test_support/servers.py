"""Loopback HTTP stand-ins for the tests: each request is recorded and answered by a
handler. Only 127.0.0.1; one thread per connection; stopped (listener and threads) by
:meth:`StandIn.stop`.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Union
from urllib.parse import urlsplit

from .sigv4_verifier import ReceivedRequest


@dataclass
class Answer:
    """What a stand-in answers; ``delay`` seconds pass before the headers go out."""

    status: int = 200
    body: Union[bytes, str, Any] = b""
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


def json_answer(status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> Answer:
    return Answer(status=status, body=body, headers={"content-type": "application/json", **(headers or {})})


Handler = Callable[[ReceivedRequest], Answer]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Not reused: a test server must never answer on a port another process still holds.
    allow_reuse_address = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a refused TLS handshake is what some tests want; no traceback on stderr


class StandIn:
    """An HTTP server on 127.0.0.1 whose answers come from ``handler``; HTTPS with ``tls``."""

    def __init__(self, handler: Handler, tls: Optional[ssl.SSLContext] = None) -> None:
        self.handler = handler
        self.requests: List[ReceivedRequest] = []
        self._lock = threading.Lock()
        stand_in = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def _handle(self) -> None:
                target = self.path
                path, _, query = target.partition("?")
                headers: Dict[str, str] = {}
                for name in self.headers.keys():
                    headers[name.lower()] = ",".join(self.headers.get_all(name) or [])
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                received = ReceivedRequest(self.command, path, query, headers, body)
                with stand_in._lock:
                    stand_in.requests.append(received)
                try:
                    answer = stand_in.handler(received)
                except Exception as error:  # a broken handler must show, not hang the client
                    answer = json_answer(599, {"standInError": repr(error)})
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.encoded()
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
                pass

        self._server = _Server(("127.0.0.1", 0), RequestHandler)
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"stand-in-{self.port}", daemon=True
        )
        self._thread.start()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "StandIn":
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()


class Script:
    """Answers from a list, in order; the last one repeats."""

    def __init__(self, *answers: Union[Answer, Callable[[ReceivedRequest], Answer]]) -> None:
        self._answers = list(answers)
        self._lock = threading.Lock()

    def __call__(self, request: ReceivedRequest) -> Answer:
        with self._lock:
            answer = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
        return answer(request) if callable(answer) else answer


def token_view(token: str, credential: str = "default", expires_in: int = 3600) -> Dict[str, Any]:
    """A reader success body."""
    expires_at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + expires_in))
    return {
        "credential": credential,
        "accessToken": token,
        "tokenType": "Bearer",
        "expiresAt": expires_at,
        "expiresIn": expires_in,
    }


def forward(upstream: str, request: ReceivedRequest, timeout: float = 10) -> Answer:
    """Relays ``request`` to ``upstream`` (``http://127.0.0.1:PORT``) and returns its answer."""
    parts = urlsplit(upstream)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        target = request.raw_path + (f"?{request.raw_query}" if request.raw_query else "")
        connection.request(request.method, target, body=request.body or None, headers={"accept": "application/json"})
        response = connection.getresponse()
        body = response.read()
        headers = {
            name.lower(): value
            for name, value in response.getheaders()
            if name.lower() in ("content-type", "retry-after", "cache-control", "allow")
        }
        return Answer(status=response.status, body=body, headers=headers)
    finally:
        connection.close()
