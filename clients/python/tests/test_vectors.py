"""The Python signer against the shared vectors in tests/vectors/hmac.json."""
import hashlib

import pytest

from llm_pool import HmacSigner, canonical_message
from llm_pool.grpc_client import SERVICE, query_message


def test_vectors_are_loaded(vectors):
    assert len(vectors) >= 7


def test_signer_reproduces_every_vector(vectors):
    for vector in vectors:
        body = bytes.fromhex(vector["body_hex"])
        assert hashlib.sha256(body).hexdigest() == vector["body_sha256"], vector["name"]
        message = canonical_message(vector["method"], vector["path"], vector["timestamp"], vector["nonce"], body)
        assert message.decode() == vector["canonical"], vector["name"]
        headers = HmacSigner(vector["key_id"], vector["secret"]).headers(
            vector["method"], vector["path"], body, timestamp=vector["timestamp"], nonce=vector["nonce"]
        )
        assert headers == {
            "x-llm-pool-key-id": vector["key_id"],
            "x-llm-pool-timestamp": str(vector["timestamp"]),
            "x-llm-pool-nonce": vector["nonce"],
            "x-llm-pool-signature": vector["signature"],
        }, vector["name"]


def test_grpc_signing_body_is_the_deterministic_serialization(vectors):
    vector = next(v for v in vectors if v["path"].startswith(SERVICE))
    query = query_message(
        "expand_queries", "swift", deadline_ms=3000, metadata={"zeta": "1", "alpha": "2", "max_queries": "5"}
    )
    assert query.SerializeToString(deterministic=True).hex() == vector["body_hex"]
    assert vector["path"] == SERVICE + "Infer"


def test_a_wrong_secret_gives_another_signature(vectors):
    vector = vectors[1]
    body = bytes.fromhex(vector["body_hex"])
    other = HmacSigner(vector["key_id"], vector["secret"] + "x").signature(
        vector["method"], vector["path"], vector["timestamp"], vector["nonce"], body
    )
    assert other != vector["signature"]
    assert "secret" not in repr(HmacSigner("k", "s3cret")) and "s3cret" not in repr(HmacSigner("k", "s3cret"))


@pytest.mark.parametrize("field", ["method", "path", "timestamp", "nonce"])
def test_every_signed_part_changes_the_signature(vectors, field):
    vector = vectors[1]
    parts = {k: vector[k] for k in ("method", "path", "timestamp", "nonce")}
    parts[field] = {"method": "PUT", "path": "/v1/infer/stream", "timestamp": 1, "nonce": "other"}[field]
    body = bytes.fromhex(vector["body_hex"])
    changed = HmacSigner(vector["key_id"], vector["secret"]).signature(
        parts["method"], parts["path"], parts["timestamp"], parts["nonce"], body
    )
    assert changed != vector["signature"]
