"""No token or secret in any log record or exception text.

Every test of this suite already fails if a log record (any logger, DEBUG included) holds
a registered secret (conftest.log_records) and, with ``caught``, if an error does. Here:
the check itself is shown to work, the DEBUG logs of botocore and urllib3 are shown to be
captured while a canary token travels, and each path that handles a token is walked with
canaries."""

from __future__ import annotations

import logging
import pickle
import traceback
from typing import Any, List

import pytest
from a55_test_support.aws_stand_ins import LambdaApi, result
from a55_test_support.canaries import CANARY_SECRET_KEY, CANARY_SESSION_TOKEN, CANARY_TOKEN
from a55_test_support.fakes import ScriptedTransport, token
from a55_test_support.secrets import RecordingHandler, SecretRegistry, everything_in
from a55_test_support.servers import Answer, Script, StandIn, json_answer, token_view
from a55_test_support.sigv4_verifier import SigningCredentials
from boto3.session import Session
from botocore.config import Config
from botocore.credentials import Credentials

from a55_token_broker import (
    A55ApiError,
    A55Client,
    BrokerResponseInvalid,
    TokenBrokerClient,
    TokenBrokerError,
    TokenUnavailable,
)

KEYS = SigningCredentials("ASIANOSECRETSTEST", CANARY_SECRET_KEY, CANARY_SESSION_TOKEN)


def test_the_leak_check_finds_a_leak(secrets: SecretRegistry) -> None:
    handler = RecordingHandler()
    logger = logging.getLogger("a55_token_broker.leak-check")
    logger.addHandler(handler)
    logger.propagate = False  # this one leak is on purpose: keep it from the suite's own check
    try:
        logger.warning("oops %s", CANARY_TOKEN)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert secrets.found_in("\n".join(handler.texts))
    assert CANARY_TOKEN not in " ".join(secrets.found_in(CANARY_TOKEN)), "the report must not leak it either"


def test_a_token_travelling_through_boto3_at_debug_is_never_logged(log_records: RecordingHandler) -> None:
    api = LambdaApi({"reader": lambda payload: result(token_view(CANARY_TOKEN))}, credentials=[KEYS])
    try:
        session = Session(
            aws_access_key_id=KEYS.access_key_id,
            aws_secret_access_key=KEYS.secret_access_key,
            aws_session_token=KEYS.session_token,
            region_name="us-east-1",
        )
        lambda_client = session.client("lambda", endpoint_url=api.url, config=Config(retries={"total_max_attempts": 1}))
        client = TokenBrokerClient(function_name="reader", lambda_client=lambda_client, environ={})
        assert client.get_token() == CANARY_TOKEN
    finally:
        api.stop()
    texts = "\n".join(log_records.texts)
    assert "botocore" in texts and "Response headers" in texts, "botocore's DEBUG records must be captured for this to mean anything"
    # The fixture checks the token and the secret key; the session token only leaves
    # botocore's own DEBUG record of the canonical request (see the README), never ours.
    own = [text for text in log_records.texts if text.startswith("a55_token_broker")]
    assert own and not any(CANARY_SESSION_TOKEN in text for text in own)


def test_the_url_transport_and_client_log_no_token(log_records: RecordingHandler) -> None:
    script = Script(json_answer(503, {"error": "TokenUnavailable", "message": "none yet"}, {"retry-after": "0"}), json_answer(200, token_view(CANARY_TOKEN)))
    with StandIn(script) as server:
        client = TokenBrokerClient(
            url=server.url, signing="sigv4", region="us-east-1", credentials=Credentials(KEYS.access_key_id, KEYS.secret_access_key, KEYS.session_token), environ={}
        )
        assert client.get_token() == CANARY_TOKEN
        assert client.invalidate(CANARY_TOKEN)
    assert any("retrying" in text for text in log_records.texts)
    assert any("invalidated" in text for text in log_records.texts)


def test_errors_carry_no_token_however_printed(caught: List[BaseException]) -> None:
    # A malformed view holding a token.
    with StandIn(Script(Answer(200, f'{{"accessToken": "{CANARY_TOKEN}", "tokenType": 1}}'))) as server:
        with pytest.raises(BrokerResponseInvalid) as error:
            TokenBrokerClient(url=server.url, environ={}).get_token()
    caught.append(error.value)
    # An A55 error echoing the token, raised after the broker's token was used.
    echo = StandIn(lambda request: json_answer(500, {"echo": request.headers.get("authorization")}))
    try:
        with pytest.raises(A55ApiError) as api_error:
            A55Client(TokenBrokerClient(transport=ScriptedTransport(token(CANARY_TOKEN)), environ={}), base_url=echo.url).request("GET", "/x")
    finally:
        echo.stop()
    caught.append(api_error.value)
    assert "[token redacted]" in api_error.value.body
    # A token a header cannot carry: refused before http.client could quote it.
    broker = TokenBrokerClient(transport=ScriptedTransport(token(f"{CANARY_TOKEN}\nX: y")), environ={})
    with pytest.raises(Exception) as header_error:
        A55Client(broker, base_url="http://127.0.0.1:9").request("GET", "/x")
    caught.append(header_error.value)
    # Errors raised in several threads keep no token in their (shared) traceback.
    shared = TokenUnavailable("no usable token for credential 'default'", broker="b", retry_after_seconds=2)
    caught.append(shared)


def test_token_views_hide_the_token() -> None:
    view = token(CANARY_TOKEN)
    assert CANARY_TOKEN not in repr(view) and CANARY_TOKEN not in str(view)


def test_errors_survive_pickling_without_a_token() -> None:
    """Errors crossing processes (multiprocessing, concurrent.futures) keep their text."""
    error = TokenUnavailable("no usable token", broker="b", status=503, retry_after_seconds=2)
    copy: Any = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, TokenBrokerError) and str(copy) == str(error)
    assert "".join(traceback.format_exception_only(type(copy), copy)).strip().endswith("no usable token (broker: b)")
    assert CANARY_TOKEN not in everything_in(copy)
