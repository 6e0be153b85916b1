"""Shared fixtures.

- The environment is cleaned before anything reads it: no AWS profile, credentials file,
  instance metadata or TOKEN_BROKER_* variable of the machine leaks into a test.
- Every token a real transport returns is registered as a secret, next to the canaries.
- Every test runs with the root logger at DEBUG (botocore and urllib3 included) and fails
  if any record holds a registered secret.
- ``local_broker`` runs the project's local broker once per session; its teardown fails
  the run if the broker or its DynamoDB Local outlive it, or if its output holds a token.
"""

from __future__ import annotations

import logging
import os
from typing import Iterator, List

import pytest

for _name in list(os.environ):
    if _name.startswith(("AWS_", "TOKEN_BROKER_")):
        del os.environ[_name]
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["AWS_CONFIG_FILE"] = "/nonexistent/a55-token-broker-tests/config"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/a55-token-broker-tests/credentials"

from a55_test_support.canaries import CANARY_ROTATED_TOKEN, CANARY_SECRET_KEY, CANARY_TOKEN  # noqa: E402
from a55_test_support.local_broker import LocalBroker  # noqa: E402
from a55_test_support.secrets import RecordingHandler, SecretRegistry, assert_secret_free  # noqa: E402

from a55_token_broker import InvokeTransport, UrlTransport  # noqa: E402


_registry = SecretRegistry()
for _value in (CANARY_TOKEN, CANARY_ROTATED_TOKEN, CANARY_SECRET_KEY):
    _registry.add(_value)


@pytest.fixture(scope="session")
def secrets() -> SecretRegistry:
    """The values no log record, exception or broker output may contain."""
    return _registry


@pytest.fixture(scope="session", autouse=True)
def _register_transport_tokens() -> Iterator[None]:
    """Registers every token the real transports return, whoever asked."""
    patch = pytest.MonkeyPatch()
    for transport in (UrlTransport, InvokeTransport):
        original = transport.fetch_token

        def recording(self, request, _original=original):  # type: ignore[no-untyped-def]
            token = _original(self, request)
            _registry.add(token.access_token)
            return token

        patch.setattr(transport, "fetch_token", recording)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def log_records() -> Iterator[RecordingHandler]:
    """Every log record of the test, at DEBUG; the test fails if one holds a secret."""
    root = logging.getLogger()
    handler = RecordingHandler()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    leaked = _registry.found_in("\n".join(handler.texts))
    assert not leaked, f"a log record holds a secret: {leaked}"


@pytest.fixture
def caught(secrets: SecretRegistry) -> Iterator[List[BaseException]]:
    """Errors a test caught; after the test, none may carry a secret, however printed."""
    errors: List[BaseException] = []
    yield errors
    assert_secret_free(secrets, errors)


@pytest.fixture(scope="session")
def local_broker() -> Iterator[LocalBroker]:
    """The project's local broker (embedded token server, DynamoDB Local), ready with a token."""
    broker = LocalBroker().start()
    try:
        yield broker
    finally:
        killed = broker.stop()
        output = broker.stdout() + broker.stderr()
        assert not killed, f"the local broker did not stop on SIGTERM; killed {killed}"
        leaked = _registry.found_in(output)
        assert not leaked, f"the local broker's output holds a token: {leaked}"
