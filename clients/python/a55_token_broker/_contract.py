"""The broker's contract as the Python client needs it, mirrored from ``contract/`` of the
TypeScript package (the one source of truth): tests/test_contract.py reads those values
through Node and fails when one here differs, so a change there cannot go unnoticed.
"""

from __future__ import annotations

import re

#: A credential set name (contract/limits.ts ``CREDENTIAL_NAME_PATTERN``).
CREDENTIAL_NAME_PATTERN = re.compile(r"[a-z0-9-]{1,64}")

#: ``minValiditySeconds`` bounds and default (contract/limits.ts ``MIN_VALIDITY_SECONDS``):
#: at most half an A55 token's life, so no caller's demand can add more than one refresh
#: per half hour; the reader refuses more as BadRequest.
MIN_VALIDITY_SECONDS_MIN = 0
MIN_VALIDITY_SECONDS_MAX = 1800
MIN_VALIDITY_SECONDS_DEFAULT = 300

#: The ``Retry-After`` the reader sends with TokenUnavailable (contract/limits.ts
#: ``TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS``); an invoke carries no header, so the client
#: waits this long over Invoke.
TOKEN_UNAVAILABLE_RETRY_AFTER_SECONDS = 2

#: Hex characters of the SHA-256 that make up a ``rejectedTokenHash``
#: (contract/rejected-token.ts ``REJECTED_TOKEN_HASH_LENGTH``).
REJECTED_TOKEN_HASH_LENGTH = 16
