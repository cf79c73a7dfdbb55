"""The native JSON API and the health endpoints over real HTTP, with `requests`."""
import json
import os
import uuid

import pytest
import requests

TASKS = ["expand_queries", "enrich_metadata", "recovery_plan", "judge", "rerank_candidates", "site_tactics"]


@pytest.mark.parametrize("task", TASKS)
def test_infer_every_task(base_url, task):
    r = requests.post(f"{base_url}/v1/infer", json={"task": task, "input": "example.org product pages", "deadlineMs": 20000}, timeout=30)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["text"].strip()
    assert answer["model"] in ("phi3:mini", "llama3.1:8b", "gemma2:9b")
    assert answer["decision"]["winner"] == answer["provider"]
    assert answer["usage"]["outputTokens"] > 0
    assert r.headers["x-request-id"] == answer["requestId"]


def test_infer_stream_sse(base_url):
    r = requests.post(f"{base_url}/v1/infer/stream", json={"task": "expand_queries", "input": "vector databases"}, stream=True, timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    chunks = [json.loads(line[6:]) for line in r.iter_lines(decode_unicode=True) if line.startswith("data: ")]
    assert "started" in chunks[0]
    deltas = "".join(c.get("delta", "") for c in chunks)
    assert chunks[-1]["final"]["text"] == deltas


def test_cache_serves_deterministic_repeat(base_url):
    # A fresh input each run, so the test holds against a demo that already served it.
    body = {"task": "enrich_metadata", "input": f"https://example.org/cache-check/{uuid.uuid4()}", "temperature": 0}
    first = requests.post(f"{base_url}/v1/infer", json=body, timeout=30).json()
    second = requests.post(f"{base_url}/v1/infer", json=body, timeout=30).json()
    assert not first.get("cached", False)
    assert second["cached"] is True and second["text"] == first["text"]


@pytest.mark.parametrize("body,status", [
    ({"task": "nope", "input": "x"}, 404),
    ({"task": "expand_queries", "input": ""}, 400),
    ({"task": "expand_queries", "input": "x", "strategy": "RANDOM"}, 400),
    ({"task": "expand_queries", "input": "x" * 40000}, 413),
    ({"task": "expand_queries", "input": "x", "deadlineMs": 999999}, 400),
])
def test_bad_requests(base_url, body, status):
    r = requests.post(f"{base_url}/v1/infer", json=body, timeout=30)
    assert r.status_code == status
    assert r.json()["error"]["message"]


def test_health_and_readiness(base_url):
    assert requests.get(f"{base_url}/healthz", timeout=5).json()["status"] == "ok"
    ready = requests.get(f"{base_url}/readyz", timeout=5)
    assert ready.status_code == 200
    assert {p["model"] for p in ready.json()["providers"]} == {"phi3:mini", "llama3.1:8b", "gemma2:9b"}


def test_json_request_logs(base_url):
    requests.post(f"{base_url}/v1/infer", json={"task": "judge", "input": "a or b"}, headers={"X-Request-Id": "log-check-1"}, timeout=30)
    path = os.environ.get("LLMPOOL_DEMO_LOG")
    if not path:
        pytest.fail("LLMPOOL_DEMO_LOG is not set")
    lines = [json.loads(l) for l in open(path) if l.startswith("{")]
    entry = next(l for l in lines if l.get("request_id") == "log-check-1")
    assert entry["task"] == "judge" and entry["status"] == 200
    assert entry["model"] and entry["strategy"] and entry["latency_ms"] >= 0
