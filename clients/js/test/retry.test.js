import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RetryPolicy, errorFromBody, parseDuration, serverWait, RateLimitError, UpstreamError, LLMPoolError } from '../src/index.js';

test('the server wait: Retry-After, then the exhausted dimension\'s reset', () => {
  assert.equal(serverWait(new Headers({ 'retry-after': '7' })), 7);
  assert.equal(serverWait({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1.5s' }), 1.5);
  assert.equal(serverWait({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '9s' }), null);
  const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
  assert.ok(Math.abs(serverWait({ 'Retry-After': inTwoSeconds }) - 2) <= 1);
  assert.equal(parseDuration('250ms'), 0.25);
});

test('the policy retries 429 and 503 within its limits', () => {
  const policy = new RetryPolicy({ maxRetries: 2, maxWaitSeconds: 30 });
  assert.equal(policy.delay(0, 429, { 'retry-after': '12' }), 12);
  assert.equal(policy.delay(0, 429, { 'retry-after': '31' }), null);
  assert.equal(policy.delay(2, 429, { 'retry-after': '1' }), null);
  assert.equal(policy.delay(0, 400, {}), null);
  assert.equal(policy.delay(1, 503, {}), 0.5);
  assert.equal(policy.delay(0, null, {}), 0.25);
});

test('error bodies map by code, then by status', () => {
  const body = '{"error":{"code":"resource_exhausted","message":"slow down","param":null,"type":"rate_limit_error"}}';
  const error = errorFromBody(body, { status: 429, retryAfter: 3 });
  assert.ok(error instanceof RateLimitError);
  assert.equal(error.retryAfter, 3);
  assert.ok(errorFromBody('bad gateway', { status: 502 }) instanceof UpstreamError);
  assert.equal(errorFromBody('teapot', { status: 418 }).constructor, LLMPoolError);
});
