"""Picks the transport a :class:`~a55_token_broker.TokenBrokerClient` talks through, from
its options or, when they name no broker, from the environment the CDK wiring sets.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..environment import CREDENTIAL_ENV, FUNCTION_NAME_ENV, URL_ENV, read_environment
from ..errors import ClientConfigError
from .base import TokenTransport
from .invoke import InvokeTransport
from .sigv4 import CredentialsSource
from .url import UrlTransport


def create_transport(
    *,
    function_name: Optional[str] = None,
    url: Optional[str] = None,
    transport: Optional[TokenTransport] = None,
    lambda_client: Any = None,
    region: Optional[str] = None,
    signing: Optional[str] = None,
    credentials: Optional[CredentialsSource] = None,
    request_timeout_seconds: float = 5.0,
    environ: Optional[Mapping[str, str]] = None,
) -> "tuple[TokenTransport, Optional[str]]":
    """The transport for the options, and the credential the environment names (if any).

    Give at most one of ``function_name``, ``url`` and ``transport``; with none, the
    environment's TOKEN_BROKER_FUNCTION or TOKEN_BROKER_URL (not both) decides.

    Raises:
        ClientConfigError: no broker named, two named, or an invalid value.
    """
    from_env = read_environment(environ)
    given = [value for value in (function_name, url, transport) if value is not None]
    if len(given) > 1:
        raise ClientConfigError("give only one of function_name, url and transport")
    if transport is not None:
        return transport, from_env.credential

    use_env = not given
    if use_env and from_env.function_name is not None and from_env.url is not None:
        raise ClientConfigError(f"both {FUNCTION_NAME_ENV} and {URL_ENV} are set; set only one")
    name = from_env.function_name if use_env else function_name
    target_url = from_env.url if use_env else url
    if name is not None:
        if not isinstance(name, str) or name.strip() == "":
            raise ClientConfigError("function_name is empty")
        return InvokeTransport(name, lambda_client=lambda_client, region=region), from_env.credential
    if target_url is not None:
        return (
            UrlTransport(
                target_url,
                signing=signing,
                region=region,
                credentials=credentials,
                timeout_seconds=request_timeout_seconds,
            ),
            from_env.credential,
        )
    raise ClientConfigError(
        f"no token broker given: pass function_name or url, or set {FUNCTION_NAME_ENV} "
        f"(Lambda consumers) or {URL_ENV} (ECS/EC2, local broker); "
        f"broker.connectLambda(fn) in CDK sets them (and {CREDENTIAL_ENV})"
    )
