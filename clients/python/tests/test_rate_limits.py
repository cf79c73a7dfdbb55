"""Rate limits on the protected demo (tenant `limited-py`: one request a minute, used by the
priming request of conftest.py as the session started). Run last (conftest orders them)."""
import time

import pytest

from llm_pool import Client, GrpcClient, HmacSigner, RateLimitError, RetryPolicy
from llm_pool.retry import server_wait

from conftest import LIMITED


def test_retry_policy_reads_the_server_wait():
    assert server_wait({"Retry-After": "7"}) == 7.0
    assert server_wait({"x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "1.5s"}) == 1.5
    assert server_wait({"x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "9s"}) is None
    policy = RetryPolicy(max_retries=2, max_wait_seconds=30)
    assert policy.delay(0, 429, {"retry-after": "12"}) == 12.0
    assert policy.delay(0, 429, {"retry-after": "31"}) is None  # longer than we are willing to wait
    assert policy.delay(2, 429, {"retry-after": "1"}) is None  # out of attempts
    assert policy.delay(0, 400, {}) is None
    assert policy.delay(1, 503, {}) == 0.5


def test_over_the_limit_is_a_typed_429(auth_http_url, auth_grpc_target, hmac_keys, limited_tenant_primed):
    signer = HmacSigner(LIMITED, hmac_keys[LIMITED])
    primed_at, primed = limited_tenant_primed
    assert primed.rate_limit.limit_requests == 1 and primed.rate_limit.remaining_requests == 0
    with Client(auth_http_url, auth=signer, retry=RetryPolicy(max_retries=0)) as pool:
        with pytest.raises(RateLimitError) as caught:
            pool.infer("expand_queries", "over the limit")
    error = caught.value
    assert error.status == 429 and error.code == "resource_exhausted" and error.type == "rate_limit_error"
    assert error.retry_after is not None and 0 < error.retry_after <= 60
    assert "rate limit exceeded for tenant 'limited-py'" in error.message
    with GrpcClient(auth_grpc_target, auth=signer, retry=RetryPolicy(max_retries=0)) as pool:
        with pytest.raises(RateLimitError) as caught:
            pool.infer("expand_queries", "over the limit")
    assert caught.value.grpc_status == "RESOURCE_EXHAUSTED" and caught.value.code == "resource_exhausted"
    assert caught.value.retry_after is not None and caught.value.retry_after > 0


def test_a_429_is_retried_after_retry_after(auth_http_url, hmac_keys, limited_tenant_primed):
    signer = HmacSigner(LIMITED, hmac_keys[LIMITED])
    primed_at, _ = limited_tenant_primed
    started = time.monotonic()
    with Client(auth_http_url, auth=signer, retry=RetryPolicy(max_retries=2, max_wait_seconds=65)) as pool:
        answer = pool.infer("expand_queries", "after waiting", deadline_ms=10000)
    waited = time.monotonic() - started
    assert answer.text.strip()
    # The window opened by the priming request had to pass: the client waited for it, no longer.
    assert time.monotonic() - primed_at >= 58
    assert waited <= 62
    assert answer.rate_limit.limit_requests == 1
