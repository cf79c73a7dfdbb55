import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';

import {
  APIConnectionError,
  InvalidRequestError,
  LLMPoolClient,
  LLMPoolError,
  NotFoundError,
  RetryPolicy,
} from '../src/index.js';
import { env } from '../testing/env.js';

const pool = () => new LLMPoolClient({ baseURL: env('LLMPOOL_HTTP'), timeoutMs: 20000 });

describe('against an open demo', () => {
  test('infer', async () => {
    const answer = await pool().infer('expand_queries', 'swift server frameworks', {
      deadlineMs: 10000,
      requestId: 'js-sdk-1',
      metadata: { max_queries: '3' },
    });
    assert.equal(answer.requestId, 'js-sdk-1');
    assert.ok(answer.text.trim());
    assert.equal(answer.strategy, 'FASTEST');
    assert.equal(answer.decision.winner, answer.provider);
    assert.ok(answer.decision.candidates.some((c) => c.outcome === 'WON' && c.provider === answer.provider));
    assert.ok(answer.usage.inputTokens > 0 && answer.usage.outputTokens > 0);
    assert.equal(answer.rateLimit, null);
  });

  test('infer with a strategy', async () => {
    const answer = await pool().infer('expand_queries', 'vector databases', { strategy: 'VOTING', deadlineMs: 15000 });
    assert.equal(answer.strategy, 'VOTING');
    assert.ok(answer.decision.candidates.length >= 2);
  });

  test('inferStream yields started, deltas, final', async () => {
    const events = [];
    for await (const event of pool().inferStream('recovery_plan', 'HTTP 429 from example.org', {
      metadata: { error: '429' },
    })) {
      events.push(event);
    }
    assert.equal(events[0].type, 'started');
    assert.equal(events.at(-1).type, 'final');
    const deltas = events.slice(1, -1);
    assert.ok(deltas.length > 0 && deltas.every((e) => e.type === 'delta'));
    assert.equal(deltas.map((e) => e.text).join(''), events.at(-1).answer.text);
    assert.equal(events.at(-1).answer.provider, events[0].provider);
  });

  test('breaking out of a stream aborts it and the client stays usable', async () => {
    const client = pool();
    for await (const event of client.inferStream('judge', 'is the sky blue?', { deadlineMs: 15000 })) {
      assert.equal(event.type, 'started');
      break;
    }
    assert.equal(await client.alive(), true);
  });

  test('health, alive and models', async () => {
    const health = await pool().health();
    assert.equal(health.ready, true);
    assert.deepEqual(health.unservedTasks, []);
    const names = health.providers.map((p) => p.name);
    for (const name of ['phi3-mini', 'llama31-8b', 'gemma2-9b']) assert.ok(names.includes(name));
    assert.ok(health.providers.every((p) => p.healthy && p.breakerState === 'closed'));
    assert.equal(await pool().alive(), true);
    const ids = (await pool().models()).map((m) => m.id);
    assert.ok(ids.includes('pool/expand_queries') && ids.includes('phi3:mini'));
  });

  test('chat and chatStream speak the OpenAI shapes', async () => {
    const completion = await pool().chat('pool/expand_queries', [{ role: 'user', content: 'vector databases' }]);
    assert.equal(completion.object, 'chat.completion');
    assert.ok(completion.choices[0].message.content);
    assert.equal(completion.llm_pool.strategy, 'FASTEST');
    let text = '';
    let chunks = 0;
    for await (const chunk of pool().chatStream('llama3.1:8b', [{ role: 'user', content: 'hello' }], { max_tokens: 32 })) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta?.content ?? '';
      chunks++;
    }
    assert.ok(chunks > 1 && text.trim());
  });

  test('errors are typed from the error body', async () => {
    await assert.rejects(pool().infer('no_such_task', 'x'), (error) => {
      assert.ok(error instanceof NotFoundError && error instanceof LLMPoolError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'not_found');
      assert.match(error.message, /unknown task 'no_such_task'/);
      assert.ok(error.requestId);
      return true;
    });
    await assert.rejects(pool().infer('expand_queries', 'x', { maxTokens: 999999 }), (error) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.equal(error.code, 'invalid_argument');
      assert.match(error.message, /max_tokens/);
      return true;
    });
    await assert.rejects(async () => {
      for await (const _ of pool().inferStream('no_such_task', 'x')) assert.fail('no event expected');
    }, NotFoundError);
    await assert.rejects(pool().chat('no-such-model', [{ role: 'user', content: 'x' }]), NotFoundError);
    await assert.rejects(pool().infer('expand_queries', 'x', { strategy: 'RANDOM' }), RangeError);
  });

  test('an unreachable server is a connection error after the retries', async () => {
    const port = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address();
        server.close(() => resolve(port));
      });
    });
    const client = new LLMPoolClient({
      baseURL: `http://127.0.0.1:${port}`,
      retry: new RetryPolicy({ maxRetries: 1, backoffSeconds: 0.01 }),
    });
    await assert.rejects(client.alive(), APIConnectionError);
  });
});
