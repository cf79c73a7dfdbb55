import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { AuthenticationError, HmacSigner, LLMPoolClient, RateLimitError, RetryPolicy } from '../src/index.js';
import { env, hmacKeys } from '../testing/env.js';

const LIMITED = 'limited-js';

class FixedNonce {
  constructor(signer, nonce) {
    Object.assign(this, { signer, nonce });
  }
  headers(method, path, body) {
    return this.signer.headers(method, path, body, { nonce: this.nonce });
  }
}

describe('against an HMAC-protected demo', () => {
  const signer = () => new HmacSigner('team-a', hmacKeys()['team-a']);
  const client = (options) => new LLMPoolClient({ baseURL: env('LLMPOOL_AUTH_HTTP'), timeoutMs: 20000, ...options });

  test('signed requests are accepted: infer, stream, chat, a signed GET', async () => {
    const pool = client({ auth: signer() });
    assert.ok((await pool.infer('expand_queries', 'signed from js', { deadlineMs: 10000 })).text);
    const types = [];
    for await (const event of pool.inferStream('expand_queries', 'signed js stream')) types.push(event.type);
    assert.equal(types.at(-1), 'final');
    assert.ok((await pool.chat('pool/expand_queries', [{ role: 'user', content: 'signed chat' }])).choices.length);
    assert.ok((await pool.models()).some((m) => m.id === 'pool/judge'));
  });

  test('no credentials, a wrong secret, a replayed nonce: typed 401s', async () => {
    await assert.rejects(client().infer('expand_queries', 'x'), (error) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, 401);
      assert.equal(error.type, 'authentication_error');
      return true;
    });
    await assert.rejects(
      client({ auth: new HmacSigner('team-a', 'not the secret') }).infer('expand_queries', 'x'),
      (error) => error instanceof AuthenticationError && /signature mismatch/.test(error.message),
    );
    const replaying = client({ auth: new FixedNonce(signer(), randomBytes(8).toString('hex')) });
    assert.ok((await replaying.infer('expand_queries', 'once only', { deadlineMs: 10000 })).text);
    await assert.rejects(
      replaying.infer('expand_queries', 'once only'),
      (error) => error instanceof AuthenticationError && error.message === 'nonce already used',
    );
    assert.equal((await client().health()).ready, true); // health stays open
  });
});

describe('rate limits (tenant limited-js: one request a minute)', () => {
  const limited = (retry) =>
    new LLMPoolClient({
      baseURL: env('LLMPOOL_AUTH_HTTP'),
      auth: new HmacSigner(LIMITED, hmacKeys()[LIMITED]),
      retry,
      timeoutMs: 20000,
    });
  let primedAt;

  before(async () => {
    const answer = await limited(null).infer('expand_queries', 'prime the limit', { deadlineMs: 10000 });
    primedAt = Date.now();
    assert.equal(answer.rateLimit.limitRequests, 1);
    assert.equal(answer.rateLimit.remainingRequests, 0);
  });

  test('over the limit is a RateLimitError with retryAfter', async () => {
    await assert.rejects(limited(new RetryPolicy({ maxRetries: 0 })).infer('expand_queries', 'over'), (error) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.status, 429);
      assert.equal(error.code, 'resource_exhausted');
      assert.ok(error.retryAfter > 0 && error.retryAfter <= 60);
      return true;
    });
  });

  test('a 429 is retried after Retry-After', { timeout: 90000 }, async () => {
    const started = Date.now();
    const answer = await limited(new RetryPolicy({ maxRetries: 2, maxWaitSeconds: 65 })).infer(
      'expand_queries',
      'after waiting',
      { deadlineMs: 10000 },
    );
    assert.ok(answer.text);
    assert.ok(Date.now() - primedAt >= 58000, 'waited for the window');
    assert.ok(Date.now() - started <= 62000, 'no longer than asked');
  });

  after(() => {});
});
