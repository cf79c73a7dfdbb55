"""Fixtures for the SDK tests against live `llm-pool demo`s (scripts/test-clients.sh starts them).

Environment:
    LLMPOOL_HTTP, LLMPOOL_GRPC            an open demo
    LLMPOOL_AUTH_HTTP, LLMPOOL_AUTH_GRPC  a demo with [security] mode "any" (HMAC and HS256 JWT)
                                          and a one-request-a-minute limit for tenant `limited-py`
    LLMPOOL_HMAC_KEYS                     its `keyid:secret,...` (the demo's LLM_POOL_HMAC_KEYS)
    LLMPOOL_JWT_SECRET                    its HS256 secret
"""
import os
import pathlib
import time
from typing import Dict

import pytest

from llm_pool import HmacSigner

ROOT = pathlib.Path(__file__).resolve().parents[3]
LIMITED = "limited-py"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/test-clients.sh")
    return value


@pytest.fixture(scope="session")
def http_url() -> str:
    return _env("LLMPOOL_HTTP").rstrip("/")


@pytest.fixture(scope="session")
def grpc_target() -> str:
    return _env("LLMPOOL_GRPC")


@pytest.fixture(scope="session")
def auth_http_url() -> str:
    return _env("LLMPOOL_AUTH_HTTP").rstrip("/")


@pytest.fixture(scope="session")
def auth_grpc_target() -> str:
    return _env("LLMPOOL_AUTH_GRPC")


@pytest.fixture(scope="session")
def hmac_keys() -> Dict[str, str]:
    return dict(item.split(":", 1) for item in _env("LLMPOOL_HMAC_KEYS").split(","))


@pytest.fixture(scope="session")
def signer(hmac_keys) -> HmacSigner:
    return HmacSigner("team-a", hmac_keys["team-a"])


@pytest.fixture(scope="session")
def jwt_secret() -> str:
    return _env("LLMPOOL_JWT_SECRET")


@pytest.fixture(scope="session", autouse=True)
def limited_tenant_primed(request):
    """Uses tenant `limited-py`'s one request of the minute as the session starts, so that the
    rate-limit tests (run last) meet a 429 whose `Retry-After` has mostly elapsed by then."""
    if not os.environ.get("LLMPOOL_AUTH_HTTP"):
        return None
    from llm_pool import Client, HmacSigner as Signer

    keys = dict(item.split(":", 1) for item in _env("LLMPOOL_HMAC_KEYS").split(","))
    with Client(_env("LLMPOOL_AUTH_HTTP"), auth=Signer(LIMITED, keys[LIMITED]), retry=None) as pool:
        answer = pool.infer("expand_queries", "prime the limit", deadline_ms=10000)
    return time.monotonic(), answer


def pytest_collection_modifyitems(items):
    # The rate-limit tests wait out the window the priming request opened: run them last.
    items.sort(key=lambda item: item.fspath.basename == "test_rate_limits.py")


@pytest.fixture(scope="session")
def vectors():
    import json

    return json.loads((ROOT / "tests/vectors/hmac.json").read_text())["vectors"]
