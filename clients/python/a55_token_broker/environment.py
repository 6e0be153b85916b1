"""The environment variables a :class:`TokenBrokerClient` built without a target reads.

The CDK side (``broker.connectLambda(fn, ...)``, formerly ``connectConsumer``) sets them,
so consumer code needs no configuration. The names are those of the TypeScript client.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

#: The reader's function name or ARN: the Lambda Invoke transport.
FUNCTION_NAME_ENV = "TOKEN_BROKER_FUNCTION"
#: The reader's Function URL (SigV4) or the local broker's URL (plain HTTP).
URL_ENV = "TOKEN_BROKER_URL"
#: The credential set to ask for; unset, the broker's default (first) set.
CREDENTIAL_ENV = "TOKEN_BROKER_CREDENTIAL"


@dataclass(frozen=True)
class EnvironmentTarget:
    """What the environment names; blank values count as unset."""

    function_name: Optional[str] = None
    url: Optional[str] = None
    credential: Optional[str] = None


def read_environment(environ: Optional[Mapping[str, str]] = None) -> EnvironmentTarget:
    """Reads the three variables from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ

    def read(name: str) -> Optional[str]:
        value = env.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    return EnvironmentTarget(
        function_name=read(FUNCTION_NAME_ENV),
        url=read(URL_ENV),
        credential=read(CREDENTIAL_ENV),
    )
