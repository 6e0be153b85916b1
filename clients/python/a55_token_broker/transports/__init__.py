"""Ways to reach the broker: Lambda Invoke (boto3), the Function URL (SigV4 with
botocore), plain HTTP to the local broker, or any object with ``description`` and
``fetch_token``."""

from .base import BrokerToken, TokenRequest, TokenTransport, parse_broker_token, rejected_token_hash
from .factory import create_transport
from .invoke import InvokeTransport
from .sigv4 import CredentialsSource, SigV4Signer
from .url import UrlTransport, parse_retry_after

__all__ = [
    "BrokerToken",
    "CredentialsSource",
    "InvokeTransport",
    "SigV4Signer",
    "TokenRequest",
    "TokenTransport",
    "UrlTransport",
    "create_transport",
    "parse_broker_token",
    "parse_retry_after",
    "rejected_token_hash",
]
