"""Python consumer library of the A55 token broker: the same contract as the TypeScript
client (``a55-token-broker/client``).

Example::

    from a55_token_broker import A55Client, TokenBrokerClient

    broker = TokenBrokerClient()      # reads TOKEN_BROKER_FUNCTION / _URL / _CREDENTIAL
    a55 = A55Client(broker)           # https://core-manager.a55.tech/api/v1
    wallets = a55.request("GET", "/wallets")
"""

import logging as _logging

from .a55_client import A55_API_BASE_URL, A55Client, TokenSource
from .a55_errors import A55ApiError, A55Error, A55RequestError, A55TimeoutError
from .client import TokenBrokerClient
from .clock import SYSTEM_CLOCK, Clock, SystemClock
from .environment import CREDENTIAL_ENV, FUNCTION_NAME_ENV, URL_ENV, EnvironmentTarget, read_environment
from .errors import (
    BadRequest,
    BrokerAccessDenied,
    BrokerResponseInvalid,
    BrokerUnavailable,
    ClientConfigError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    TokenBrokerError,
    TokenUnavailable,
    UnknownCredential,
)
from .transports import (
    BrokerToken,
    InvokeTransport,
    SigV4Signer,
    TokenRequest,
    TokenTransport,
    UrlTransport,
    rejected_token_hash,
)

__version__ = "0.1.0"

# A library's records go where the application sends them; none printed by default.
_logging.getLogger("a55_token_broker").addHandler(_logging.NullHandler())

__all__ = [
    "A55_API_BASE_URL",
    "A55ApiError",
    "A55Client",
    "A55Error",
    "A55RequestError",
    "A55TimeoutError",
    "BadRequest",
    "BrokerAccessDenied",
    "BrokerResponseInvalid",
    "BrokerToken",
    "BrokerUnavailable",
    "CREDENTIAL_ENV",
    "ClientConfigError",
    "Clock",
    "EnvironmentTarget",
    "FUNCTION_NAME_ENV",
    "InternalError",
    "InvokeTransport",
    "MethodNotAllowed",
    "NotFound",
    "SYSTEM_CLOCK",
    "SigV4Signer",
    "SystemClock",
    "TokenBrokerClient",
    "TokenBrokerError",
    "TokenRequest",
    "TokenSource",
    "TokenTransport",
    "TokenUnavailable",
    "URL_ENV",
    "UnknownCredential",
    "UrlTransport",
    "read_environment",
    "rejected_token_hash",
]
