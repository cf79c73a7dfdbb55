#!/usr/bin/env python3
"""Writes tests/vectors/hmac.json: llm-pool's HMAC request-signing rules as test vectors.

Computed from the rules as the README states them, with Python's hashlib/hmac only (no llm-pool
code), so the server's verifier and every SDK's signer are checked against an independent oracle:

    signature = hex(HMAC-SHA256(secret, METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" NONCE "\\n" hex(SHA256(body))))

METHOD is upper-cased; PATH keeps its `?query`; gRPC signs `POST`, the method path and the request
message serialized deterministically (the body here is that serialization, hex-encoded).

Run: python3 tests/vectors/generate_hmac.py   (needs `protobuf` and `grpcio-tools` for the gRPC case)
"""
import hashlib
import hmac
import json
import pathlib
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def grpc_query_bytes() -> bytes:
    """A Query with metadata (a map, so ordering matters), serialized deterministically."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="hmac-vectors-")
    code = protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", "vvtv/llmpool/v1/llmpool.proto"])
    assert code == 0, "protoc failed"
    sys.path.insert(0, out)
    from vvtv.llmpool.v1 import llmpool_pb2  # type: ignore[import-not-found]

    query = llmpool_pb2.Query(task="expand_queries", input="swift", deadline_ms=3000)
    query.metadata["zeta"] = "1"
    query.metadata["alpha"] = "2"
    query.metadata["max_queries"] = "5"
    return query.SerializeToString(deterministic=True)


def vector(name, secret, key_id, method, path, timestamp, nonce, body: bytes, note=""):
    body_hash = hashlib.sha256(body).hexdigest()
    canonical = "\n".join([method.upper(), path, str(timestamp), nonce, body_hash])
    signature = hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    entry = {
        "name": name,
        "secret": secret,
        "key_id": key_id,
        "method": method,
        "path": path,
        "timestamp": timestamp,
        "nonce": nonce,
        "body_hex": body.hex(),
        "body_sha256": body_hash,
        "canonical": canonical,
        "signature": signature,
    }
    if note:
        entry["note"] = note
    return entry


def main() -> None:
    infer = b'{"task":"expand_queries","input":"swift"}'
    vectors = [
        vector("GET with an empty body", "key", "id", "GET", "/healthz", 1700000000, "abc", b""),
        vector("POST /v1/infer", "s3cret", "team-a", "POST", "/v1/infer", 1750000000,
               "0123456789abcdef0123456789abcdef", infer),
        vector("lower-case method is signed upper-case", "s3cret", "team-a", "post", "/v1/infer/stream",
               1750000001, "n-2", b'{"task":"recovery_plan","input":"HTTP 429"}',
               "the signed text has POST; the request line says post"),
        vector("path with a query string", "s3cret", "team-a", "GET", "/v1/models?limit=2&x=%20y", 1750000002,
               "n-3", b""),
        vector("UTF-8 body and punctuation nonce", "päss wörd", "k:2", "POST", "/v1/chat/completions",
               1750000003, "!~#$%&'()*+,-./:;<=>?@[]^_`{|}",
               '{"model":"pool/judge","messages":[{"role":"user","content":"héllo — 世界"}]}'.encode()),
        vector("a 128-character nonce", "s3cret", "team-a", "POST", "/v1/infer", 1750000004, "n" * 128, infer),
        vector("gRPC Infer: the deterministic serialization of a Query", "s3cret", "team-a", "POST",
               "/vvtv.llmpool.v1.LlmPool/Infer", 1750000005, "grpc-1", grpc_query_bytes(),
               "Query{task: expand_queries, input: swift, deadline_ms: 3000, metadata: {zeta: 1, alpha: 2, "
               "max_queries: 5}} serialized with map entries ordered by key"),
    ]
    document = {
        "description": "llm-pool HMAC request signatures. signature = lower-case hex of HMAC-SHA256(secret, "
                       "canonical); canonical = METHOD (upper-cased) LF PATH (with ?query) LF TIMESTAMP "
                       "(unix seconds) LF NONCE LF hex(SHA256(body)). Headers: x-llm-pool-key-id, "
                       "x-llm-pool-timestamp, x-llm-pool-nonce, x-llm-pool-signature. A verifier whose clock "
                       "reads `timestamp` accepts each vector once (the nonce is then used).",
        "generator": "tests/vectors/generate_hmac.py",
        "max_skew_seconds": 300,
        "vectors": vectors,
    }
    (HERE / "hmac.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
