"""SigV4 for the reader's Function URL (``AuthType: AWS_IAM``) with botocore's signer:
service ``lambda``, the caller's credentials from botocore's default chain (environment,
shared files, SSO, web identity, ECS task role, EC2 instance profile) unless given.
Refreshable credentials refresh themselves; each signature uses a frozen snapshot.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional, Union

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, ReadOnlyCredentials

#: Credentials to sign with, or something that returns them on each call.
CredentialsSource = Union[Credentials, ReadOnlyCredentials, Callable[[], Any]]


class NoAwsCredentials(Exception):
    """The default chain (or the given provider) found no credentials."""


class SigV4Signer:
    """Signs requests to a Function URL.

    Args:
        region: region of the Function URL.
        credentials: botocore ``Credentials`` (or ``ReadOnlyCredentials``), or a callable
            returning them; default: botocore's default credential chain, resolved on the
            first signature.
        service: the signing name; ``lambda`` for Function URLs.
    """

    def __init__(self, region: str, credentials: Optional[CredentialsSource] = None, service: str = "lambda") -> None:
        self.region = region
        self.service = service
        self._source = credentials
        self._resolved: Optional[Credentials] = None
        self._lock = threading.Lock()

    def sign(self, method: str, url: str, host: str) -> Dict[str, str]:
        """The headers that authorize ``method url`` (``host`` included, as signed).

        ``url``'s query must be RFC 3986-encoded already: botocore canonicalizes the
        query as given, so what is signed is what is sent.

        Raises:
            NoAwsCredentials: no credentials to sign with.
            botocore.exceptions.BotoCoreError: the credential chain failed.
        """
        credentials = self._credentials()
        request = AWSRequest(method=method, url=url, headers={"host": host})
        SigV4Auth(credentials, self.service, self.region).add_auth(request)
        return dict(request.headers.items())

    def _credentials(self) -> ReadOnlyCredentials:
        source = self._source
        if source is None:
            with self._lock:
                if self._resolved is None:
                    self._resolved = botocore.session.get_session().get_credentials()
                found: Any = self._resolved
        elif callable(source) and not isinstance(source, (Credentials, ReadOnlyCredentials)):
            found = source()
        else:
            found = source
        if found is None:
            raise NoAwsCredentials("no AWS credentials were found")
        if hasattr(found, "get_frozen_credentials"):
            found = found.get_frozen_credentials()
        if not getattr(found, "access_key", None) or not getattr(found, "secret_key", None):
            raise NoAwsCredentials("the AWS credentials have no access key or secret key")
        return found
