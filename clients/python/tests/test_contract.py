"""The Python client's copy of the contract equals the TypeScript ``contract/`` (the one
source of truth): the values are read by evaluating ``contract/index.ts`` with Node, so a
bound changed there fails here until the Python client follows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any, Dict

import pytest
from a55_test_support.fakes import ScriptedTransport, token
from a55_test_support.local_broker import REPO_ROOT

from a55_token_broker import ClientConfigError, TokenBrokerClient, _contract, rejected_token_hash

_SCRIPT = """
const c = await import('./contract/index.ts');
console.log(JSON.stringify({
  credentialNamePattern: c.CREDENTIAL_NAME_PATTERN.source,
  minValiditySeconds: c.MIN_VALIDITY_SECONDS,
  tokenUnavailableRetryAfterSeconds: c.TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS,
  rejectedTokenHashLength: c.REJECTED_TOKEN_HASH_LENGTH,
  rejectedTokenHashPattern: c.REJECTED_TOKEN_HASH_PATTERN.source,
}));
"""


@pytest.fixture(scope="module")
def contract() -> Dict[str, Any]:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH: the contract cannot be read"
    done = subprocess.run(
        [node, "--import", "tsx", "--input-type=module", "-e", _SCRIPT],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_min_validity_seconds_bounds_and_default_are_the_contracts(contract: Dict[str, Any]) -> None:
    assert {
        "min": _contract.MIN_VALIDITY_SECONDS_MIN,
        "max": _contract.MIN_VALIDITY_SECONDS_MAX,
        "default": _contract.MIN_VALIDITY_SECONDS_DEFAULT,
    } == contract["minValiditySeconds"]


def test_the_token_unavailable_retry_after_is_the_contracts(contract: Dict[str, Any]) -> None:
    assert _contract.TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS == contract["tokenUnavailableRetryAfterSeconds"]


def test_the_credential_name_pattern_is_the_contracts(contract: Dict[str, Any]) -> None:
    assert f"^{_contract.CREDENTIAL_NAME_PATTERN.pattern}$" == contract["credentialNamePattern"]


def test_the_rejected_token_hash_has_the_contracts_shape(contract: Dict[str, Any]) -> None:
    assert _contract.REJECTED_TOKEN_HASH_LENGTH == contract["rejectedTokenHashLength"]
    assert re.fullmatch(contract["rejectedTokenHashPattern"].strip("^$"), rejected_token_hash("any token"))


def test_the_client_enforces_the_contracts_bounds(contract: Dict[str, Any]) -> None:
    bounds = contract["minValiditySeconds"]
    transport = ScriptedTransport(token("t"))
    assert TokenBrokerClient(transport=transport, environ={}).min_validity_seconds == bounds["default"]
    for accepted in (bounds["min"], bounds["max"]):
        assert TokenBrokerClient(transport=transport, min_validity_seconds=accepted, environ={})
    for refused in (bounds["min"] - 1, bounds["max"] + 1):
        with pytest.raises(ClientConfigError, match=f"from {bounds['min']} to {bounds['max']}, got {refused}"):
            TokenBrokerClient(transport=transport, min_validity_seconds=refused, environ={})
