"""TLS: the certificate of an https broker URL or A55 base URL is verified against the
trust store (the system's, or SSL_CERT_FILE), host name included; a server it does not
vouch for gets no request at all."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path
from typing import Iterator, List

import pytest
from a55_test_support.canaries import CANARY_TOKEN
from a55_test_support.fakes import ScriptedTransport, token
from a55_test_support.servers import Script, StandIn, json_answer, token_view

from a55_token_broker import A55Client, A55RequestError, BrokerUnavailable, TokenBrokerClient, TokenRequest, UrlTransport, _http


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for 127.0.0.1 (its own CA), made with openssl."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return folder


@pytest.fixture
def https_broker(certificate: Path) -> Iterator[StandIn]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    server = StandIn(Script(json_answer(200, token_view(CANARY_TOKEN))), tls=context)
    yield server
    server.stop()


@pytest.fixture
def trust_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh process-wide TLS context for the test (it is built once and kept)."""
    monkeypatch.setattr(_http, "_ssl_context", None)
    yield
    _http._ssl_context = None


def test_an_unverifiable_broker_certificate_is_refused(https_broker: StandIn, trust_store: None, caught: List[BaseException]) -> None:
    with pytest.raises(BrokerUnavailable, match="CERTIFICATE_VERIFY_FAILED") as error:
        TokenBrokerClient(url=https_broker.url, signing="none", environ={}).get_token()
    caught.append(error.value)
    assert https_broker.requests == []


def test_an_unverifiable_a55_certificate_is_refused(https_broker: StandIn, trust_store: None, caught: List[BaseException]) -> None:
    broker = TokenBrokerClient(transport=ScriptedTransport(token(CANARY_TOKEN)), environ={})
    with pytest.raises(A55RequestError, match="CERTIFICATE_VERIFY_FAILED") as error:
        A55Client(broker, base_url=https_broker.url).request("GET", "/wallets")
    caught.append(error.value)
    assert https_broker.requests == []


def test_a_trusted_certificate_serves(https_broker: StandIn, certificate: Path, trust_store: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    view = UrlTransport(https_broker.url, signing="none").fetch_token(TokenRequest(None, 300))
    assert view.access_token == CANARY_TOKEN
    assert https_broker.requests[0].headers["host"] == f"127.0.0.1:{https_broker.port}"


def test_the_host_name_is_checked(https_broker: StandIn, certificate: Path, trust_store: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate names 127.0.0.1; reached as localhost, it is refused."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    with pytest.raises(BrokerUnavailable, match="CERTIFICATE_VERIFY_FAILED|match"):
        TokenBrokerClient(url=f"https://localhost:{https_broker.port}", signing="none", environ={}).get_token()
