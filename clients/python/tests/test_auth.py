"""An HMAC- and JWT-protected demo: valid credentials pass over HTTP and gRPC, replays and bad
signatures are refused with typed errors."""
import pytest

from llm_pool import (
    AuthenticationError,
    BearerToken,
    Client,
    GrpcClient,
    HmacSigner,
    PermissionDeniedError,
    StreamFinal,
    hs256_token,
)


class FixedNonce:
    """Signs every request with the same nonce: the second use is a replay."""

    def __init__(self, signer: HmacSigner, nonce: str) -> None:
        self.signer, self.nonce = signer, nonce

    def headers(self, method, path, body):
        return self.signer.headers(method, path, body, nonce=self.nonce)


def test_signed_http_requests_are_accepted(auth_http_url, signer):
    with Client(auth_http_url, auth=signer) as pool:
        answer = pool.infer("expand_queries", "signed request", deadline_ms=10000)
        assert answer.text.strip()
        events = list(pool.infer_stream("expand_queries", "signed stream"))
        assert isinstance(events[-1], StreamFinal)
        assert pool.chat("pool/expand_queries", [{"role": "user", "content": "signed chat"}]).choices
        assert any(m.id == "pool/judge" for m in pool.models())  # a signed GET


def test_signed_grpc_requests_are_accepted(auth_grpc_target, signer):
    with GrpcClient(auth_grpc_target, auth=signer) as pool:
        assert pool.infer("expand_queries", "signed grpc", metadata={"max_queries": "2"}).text.strip()
        assert isinstance(list(pool.infer_stream("expand_queries", "signed grpc stream"))[-1], StreamFinal)


def test_missing_credentials(auth_http_url, auth_grpc_target):
    with Client(auth_http_url) as pool:
        with pytest.raises(AuthenticationError) as caught:
            pool.infer("expand_queries", "x")
        assert caught.value.status == 401 and caught.value.type == "authentication_error"
        assert "missing credentials" in caught.value.message
        assert pool.health().ready  # health stays open
    with GrpcClient(auth_grpc_target) as pool:
        with pytest.raises(AuthenticationError) as caught:
            pool.infer("expand_queries", "x")
        assert caught.value.grpc_status == "UNAUTHENTICATED"


def test_a_replayed_nonce_is_refused_over_http(auth_http_url, signer):
    import secrets

    with Client(auth_http_url, auth=FixedNonce(signer, secrets.token_hex(8))) as pool:
        assert pool.infer("expand_queries", "first use", deadline_ms=10000).text
        with pytest.raises(AuthenticationError, match="nonce already used") as caught:
            pool.infer("expand_queries", "first use", deadline_ms=10000)
        assert caught.value.code == "unauthenticated"


def test_a_replayed_nonce_is_refused_over_grpc(auth_grpc_target, signer):
    import secrets

    with GrpcClient(auth_grpc_target, auth=FixedNonce(signer, secrets.token_hex(8))) as pool:
        assert pool.infer("expand_queries", "first grpc use").text
        with pytest.raises(AuthenticationError, match="nonce already used"):
            pool.infer("expand_queries", "first grpc use")


def test_a_wrong_secret_is_a_signature_mismatch(auth_http_url, auth_grpc_target):
    wrong = HmacSigner("team-a", "not the secret")
    with Client(auth_http_url, auth=wrong) as pool:
        with pytest.raises(AuthenticationError, match="signature mismatch"):
            pool.infer("expand_queries", "x")
    with GrpcClient(auth_grpc_target, auth=wrong) as pool:
        with pytest.raises(AuthenticationError, match="signature mismatch"):
            pool.infer("expand_queries", "x")


def test_jwt_bearer_tokens(auth_http_url, auth_grpc_target, jwt_secret):
    token = hs256_token(jwt_secret, tenant="jwt-team")
    with Client(auth_http_url, auth=BearerToken(token)) as pool:
        assert pool.infer("expand_queries", "jwt request", deadline_ms=10000).text
    with GrpcClient(auth_grpc_target, auth=BearerToken(token)) as pool:
        assert pool.infer("expand_queries", "jwt grpc request").text
    expired = hs256_token(jwt_secret, tenant="jwt-team", ttl_seconds=-600)
    with Client(auth_http_url, auth=BearerToken(expired)) as pool:
        with pytest.raises(AuthenticationError, match="expired"):
            pool.infer("expand_queries", "x")
    forged = hs256_token("another secret that is long enough!", tenant="jwt-team")
    with Client(auth_http_url, auth=BearerToken(forged)) as pool:
        with pytest.raises(AuthenticationError):
            pool.infer("expand_queries", "x")


def test_a_tenant_header_naming_another_tenant_is_forbidden(auth_http_url, signer):
    with Client(auth_http_url, auth=signer, tenant="someone-else") as pool:
        with pytest.raises(PermissionDeniedError) as caught:
            pool.infer("expand_queries", "x")
        assert caught.value.status == 403 and caught.value.type == "permission_error"
