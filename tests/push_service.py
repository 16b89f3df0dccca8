"""A local push service on loopback, in the role of the browsers' own (FCM, Mozilla's).

It hands out subscriptions as a browser would (an endpoint, the device's P-256 public key
and an auth secret), keeps each device's private key, and for every message it receives
checks the VAPID token (RFC 8292: ES256 signed with the key in `k`, the audience its own
origin, an expiry at most 24 hours ahead), decrypts the body (RFC 8291, aes128gcm) with
http-ece as the device would, and keeps what it read. A device can be made gone (410), or
the service made to fail (500).
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt
from joserfc.jwk import ECKey


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    status: int = 201


@dataclass
class Received:
    token: str
    message: dict
    claims: dict
    headers: dict


@dataclass
class PushService:
    origin: str = ""
    devices: dict = field(default_factory=dict)
    received: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    def subscribe(self) -> dict:
        """A new device's subscription, as PushSubscription.toJSON() gives it."""
        token = b64(os.urandom(12))
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.devices[token] = Device(token, key, auth)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "keys": {"p256dh": b64(public), "auth": b64(auth)},
        }

    def receive(self, token: str, headers: dict, body: bytes) -> int:
        device = self.devices.get(token)
        if device is None:
            return 404
        if device.status != 201:
            return device.status
        try:
            claims = self._check_vapid(headers.get("authorization", ""))
            message = json.loads(
                http_ece.decrypt(
                    body,
                    private_key=device.private_key,
                    auth_secret=device.auth,
                    version="aes128gcm",
                )
            )
        except Exception as error:  # what a real push service would refuse
            self.refused.append(repr(error))
            return 400
        self.received.append(Received(token, message, claims, headers))
        return 201

    def _check_vapid(self, authorization: str) -> dict:
        scheme, _, rest = authorization.partition(" ")
        assert scheme.lower() == "vapid", authorization
        parts = dict(part.strip().split("=", 1) for part in rest.split(","))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(parts["k"]))
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        token = jwt.decode(parts["t"], ECKey.import_key(pem), algorithms=["ES256"])
        claims = token.claims
        assert claims["aud"] == self.origin, claims
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims
        assert claims["sub"].startswith(("mailto:", "https:")), claims
        claims["k"] = parts["k"]
        return claims


def start() -> tuple[PushService, ThreadingHTTPServer]:
    service = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            token = self.path.rsplit("/", 1)[-1]
            self.send_response(service.receive(token, headers, body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.origin = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service, server
