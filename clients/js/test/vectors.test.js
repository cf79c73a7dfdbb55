import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HmacSigner, canonicalMessage, sha256Hex } from '../src/index.js';
import { vectors } from '../testing/env.js';

const bodyOf = (vector) => Uint8Array.from(Buffer.from(vector.body_hex, 'hex'));

test('tests/vectors/hmac.json has the HTTP and gRPC vectors', () => {
  assert.ok(vectors().length >= 7);
  assert.ok(vectors().some((v) => v.path.startsWith('/vvtv.llmpool.v1.LlmPool/')));
});

test('the signer reproduces every vector', async () => {
  for (const vector of vectors()) {
    const body = bodyOf(vector);
    assert.equal(await sha256Hex(body), vector.body_sha256, vector.name);
    assert.equal(
      await canonicalMessage(vector.method, vector.path, vector.timestamp, vector.nonce, body),
      vector.canonical,
      vector.name,
    );
    const headers = await new HmacSigner(vector.key_id, vector.secret).headers(vector.method, vector.path, body, {
      timestamp: vector.timestamp,
      nonce: vector.nonce,
    });
    assert.deepEqual(
      headers,
      {
        'x-llm-pool-key-id': vector.key_id,
        'x-llm-pool-timestamp': String(vector.timestamp),
        'x-llm-pool-nonce': vector.nonce,
        'x-llm-pool-signature': vector.signature,
      },
      vector.name,
    );
  }
});

test('a string body signs as its UTF-8 bytes', async () => {
  const vector = vectors().find((v) => v.name.startsWith('UTF-8'));
  const text = Buffer.from(vector.body_hex, 'hex').toString('utf8');
  const signer = new HmacSigner(vector.key_id, vector.secret);
  assert.equal(await signer.signature(vector.method, vector.path, vector.timestamp, vector.nonce, text), vector.signature);
});

test('a wrong secret or a changed part gives another signature, and the secret never shows', async () => {
  const vector = vectors()[1];
  const body = bodyOf(vector);
  const right = new HmacSigner(vector.key_id, vector.secret);
  const wrong = new HmacSigner(vector.key_id, `${vector.secret}x`);
  assert.notEqual(await wrong.signature(vector.method, vector.path, vector.timestamp, vector.nonce, body), vector.signature);
  assert.notEqual(await right.signature(vector.method, vector.path, vector.timestamp + 1, vector.nonce, body), vector.signature);
  assert.notEqual(await right.signature(vector.method, `${vector.path}?a=1`, vector.timestamp, vector.nonce, body), vector.signature);
  assert.ok(!JSON.stringify(right).includes(vector.secret));
});
