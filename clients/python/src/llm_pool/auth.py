"""Credentials: llm-pool's HMAC request signatures and bearer JWTs.

The HMAC rules (README, "Authentication and rate limits"; vectors in `tests/vectors/hmac.json`):
`x-llm-pool-signature` is lower-case hex of HMAC-SHA256(secret, METHOD "\\n" PATH "\\n" TIMESTAMP
"\\n" NONCE "\\n" hex(SHA256(body))), METHOD upper-cased, PATH with its `?query`. Over gRPC the
method is `POST`, the path the RPC's (`/vvtv.llmpool.v1.LlmPool/Infer`) and the body the request
message serialized deterministically.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any, Dict, Mapping, Optional, Protocol, Union


class Auth(Protocol):
    """Something that adds credentials to a request. Called once per attempt, so a retried
    request gets a fresh nonce."""

    def headers(self, method: str, path: str, body: bytes) -> Dict[str, str]:
        """Header names (lower case) to values for this request."""
        ...


def canonical_message(method: str, path: str, timestamp: Union[int, str], nonce: str, body: bytes) -> bytes:
    """The signed text: `METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nhex(SHA256(body))`."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, str(timestamp), nonce, digest]).encode()


class HmacSigner:
    """Signs requests with one key id and its shared secret.

    >>> signer = HmacSigner("team-a", "s3cret")
    >>> sorted(signer.headers("POST", "/v1/infer", b"{}"))
    ['x-llm-pool-key-id', 'x-llm-pool-nonce', 'x-llm-pool-signature', 'x-llm-pool-timestamp']
    """

    def __init__(self, key_id: str, secret: Union[str, bytes]) -> None:
        self.key_id = key_id
        self._secret = secret.encode() if isinstance(secret, str) else bytes(secret)

    def __repr__(self) -> str:  # never shows the secret
        return f"HmacSigner(key_id={self.key_id!r})"

    def signature(self, method: str, path: str, timestamp: Union[int, str], nonce: str, body: bytes) -> str:
        """The lower-case hex signature of one request."""
        return hmac.new(self._secret, canonical_message(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()

    def headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        timestamp: Optional[int] = None,
        nonce: Optional[str] = None,
    ) -> Dict[str, str]:
        """The four `x-llm-pool-*` headers; the timestamp defaults to now and the nonce to 128
        random bits in hex."""
        stamp = int(time.time()) if timestamp is None else int(timestamp)
        once = secrets.token_hex(16) if nonce is None else nonce
        return {
            "x-llm-pool-key-id": self.key_id,
            "x-llm-pool-timestamp": str(stamp),
            "x-llm-pool-nonce": once,
            "x-llm-pool-signature": self.signature(method, path, stamp, once, body),
        }


class BearerToken:
    """`authorization: Bearer <token>`, for JWT-protected pools."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "BearerToken(<redacted>)"

    def headers(self, method: str, path: str, body: bytes) -> Dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_token(
    secret: Union[str, bytes],
    *,
    tenant: Optional[str] = None,
    ttl_seconds: int = 300,
    claims: Optional[Mapping[str, Any]] = None,
    tenant_claim: str = "tenant",
    now: Optional[int] = None,
) -> str:
    """An HS256 JWT for a pool whose `[security.jwt]` has `hmac_secret_env` (development and
    tests; production tokens come from an identity provider). `exp` is `now + ttl_seconds`."""
    issued = int(time.time()) if now is None else now
    payload: Dict[str, Any] = {"iat": issued, "exp": issued + ttl_seconds}
    if tenant is not None:
        payload[tenant_claim] = tenant
    payload.update(claims or {})
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    signature = _b64url(hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest())
    return f"{header}.{body}.{signature}"
