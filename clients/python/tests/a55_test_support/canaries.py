"""Canary values: tokens and AWS secrets the stand-ins hand out. None may ever be seen in a
log record, an exception or the broker's output."""

CANARY_TOKEN = "canary-token-7f3a9c1e5b"
CANARY_ROTATED_TOKEN = "canary-rotated-token-2d8e4b6a0c"
CANARY_SECRET_KEY = "canary-aws-secret-key-91b5d3f7e2"
CANARY_SESSION_TOKEN = "canary-aws-session-token-c4e8a2f6b0"
