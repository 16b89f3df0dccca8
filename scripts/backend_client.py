"""A region's system, as SMART backend services has it, in a few lines: make its key pair,
sign an assertion with it, and ask Stegvis for a token (README, "Connect an app").

    python scripts/backend_client.py keys system-key.json system-jwks.json
    python scripts/backend_client.py token CLIENT_ID system-key.json http://127.0.0.1:8000

`keys` writes a private key (keep it) and the public JWKS to register with
`stegvis smart_app … --kind system --jwks-file`; `token` prints the token response.
"""

import json
import secrets
import sys
import time
from pathlib import Path

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def make_keys(private_path: str, jwks_path: str) -> None:
    key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig"})
    Path(private_path).write_text(json.dumps(key.as_dict(private=True)))
    Path(jwks_path).write_text(json.dumps({"keys": [key.as_dict(private=False)]}))


def assertion(client_id: str, key: RSAKey, token_endpoint: str) -> str:
    """Signed RS384, the client as issuer and subject, the token endpoint as audience,
    living four minutes (SMART allows five), with a fresh jti."""
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": token_endpoint, "iat": now,
              "exp": now + 240, "jti": secrets.token_urlsafe(16)}  # fmt: skip
    return jwt.encode({"alg": "RS384", "kid": key.kid}, claims, key, algorithms=["RS384"])


def token(client_id: str, private_path: str, server: str, scope: str = "system/*.rs") -> dict:
    key = RSAKey.import_key(json.loads(Path(private_path).read_text()))
    endpoint = requests.get(f"{server}/fhir/.well-known/smart-configuration", timeout=10).json()[
        "token_endpoint"
    ]
    answer = requests.post(endpoint, timeout=10, data={
        "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion(client_id, key, endpoint),
    })  # fmt: skip
    return answer.json()


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["keys", private_path, jwks_path]:
            make_keys(private_path, jwks_path)
        case ["token", client_id, private_path, server, *scope]:
            print(json.dumps(token(client_id, private_path, server.rstrip("/"), *scope)))
        case _:
            sys.exit(__doc__)
