"""Writes sigv4-known-answers.json: the SigV4 headers botocore (an implementation
independent of @smithy/signature-v4) computes for the requests the URL transport signs.

Run once and commit the output; sigv4-known-answers.test.ts holds the client's signer to it:

    /usr/bin/python3 test/unit/client/transports/sigv4-known-answers.py

Debian's python3-botocore (1.29 here). The credentials are AWS's documented examples.
"""

import datetime
import json
import pathlib
from unittest import mock

import botocore
from botocore.auth import EMPTY_SHA256_HASH, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY_ID = "AKIDEXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////SessionToken+/="

# (name, method, url as the transport sends it (query RFC 3986-encoded), region, date, session token?)
CASES = [
    ("function URL, long-term credentials", "GET",
     "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/token?credential=production&minValiditySeconds=300",
     "eu-west-1", "2026-12-01T11:15:00Z", False),
    ("function URL, a role's temporary credentials", "GET",
     "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/token?credential=production&minValiditySeconds=300",
     "eu-west-1", "2026-12-01T11:15:00Z", True),
    ("rejectedTokenHash, keys out of order", "GET",
     "https://zyxwvutsrqponmlkjihgfedcba543210.lambda-url.us-east-1.on.aws/token?minValiditySeconds=0&credential=a-b&rejectedTokenHash=0123456789abcdef0123456789abcdef",
     "us-east-1", "2027-02-28T23:59:59Z", True),
    ("characters RFC 3986 reserves, a path below the root", "GET",
     "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-2.on.aws/broker/token?note=a%20b%2A%27%28%29%21%2B%3D&z=&credential=x",
     "ap-southeast-2", "2026-01-01T00:00:00Z", False),
    ("plain http to a loopback port (signed when told to)", "GET",
     "http://127.0.0.1:8787/token?credential=local&minValiditySeconds=1800",
     "us-east-1", "2026-12-01T11:15:00Z", False),
    ("a query key without a value, and a value with '='", "GET",
     "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-west-2.on.aws/token?flag&b=x%3Dy&a=1",
     "us-west-2", "2026-12-01T11:15:00Z", False),
    ("no query", "GET",
     "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/token",
     "eu-central-1", "2026-06-15T12:00:00Z", False),
]


def sign(method, url, region, date, with_session_token):
    credentials = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN if with_session_token else None)
    # The client's signer (@smithy/signature-v4) signs x-amz-content-sha256 too; botocore signs
    # every header the request carries, so the request carries it.
    request = AWSRequest(method=method, url=url, headers={"X-Amz-Content-SHA256": EMPTY_SHA256_HASH})
    now = datetime.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ")
    auth = SigV4Auth(credentials, "lambda", region)
    seen = []
    canonical_request = auth.canonical_request
    auth.canonical_request = lambda req: seen.append(canonical_request(req)) or seen[-1]
    with mock.patch("botocore.auth.datetime") as clock:
        clock.datetime.utcnow.return_value = now
        auth.add_auth(request)
    (canonical,) = seen
    headers = {name.lower(): value for name, value in request.headers.items()}
    return headers, canonical


def main():
    cases = []
    for name, method, url, region, date, with_session_token in CASES:
        headers, canonical = sign(method, url, region, date, with_session_token)
        cases.append({
            "name": name,
            "method": method,
            "url": url,
            "region": region,
            "date": date,
            "sessionToken": with_session_token,
            "canonicalRequest": canonical,
            "headers": headers,
        })
    fixture = {
        "generatedBy": f"test/unit/client/transports/sigv4-known-answers.py, botocore {botocore.__version__}",
        "service": "lambda",
        "accessKeyId": ACCESS_KEY_ID,
        "secretAccessKey": SECRET_ACCESS_KEY,
        "sessionToken": SESSION_TOKEN,
        "cases": cases,
    }
    out = pathlib.Path(__file__).with_name("sigv4-known-answers.json")
    out.write_text(json.dumps(fixture, indent=2) + "\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
