// The HTTP client of llm-pool's native JSON API and OpenAI-compatible API, on fetch.

import { APIConnectionError, LLMPoolError, errorFromBody } from './errors.js';
import { RetryPolicy, parseDuration, serverWait } from './retry.js';
import { readEvents } from './sse.js';

const STRATEGIES = ['FASTEST', 'VOTING', 'WEIGHTED', 'CONSENSUS', 'JUDGE'];
const encoder = new TextEncoder();

/** A `Query` in the proto3 JSON mapping; unset options are left out. */
export function queryJSON(task, input, options = {}) {
  const { strategy, maxTokens, temperature, deadlineMs, tenant, metadata, requestId } = options;
  if (strategy !== undefined && !STRATEGIES.includes(strategy)) {
    throw new RangeError(`strategy must be one of ${STRATEGIES.join(', ')}, got ${strategy}`);
  }
  const body = { task, input };
  const optional = { requestId, strategy, maxTokens, temperature, deadlineMs, tenant, metadata };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) body[key] = value;
  return body;
}

/** The `x-ratelimit-*` headers as numbers (resets in seconds); `null` when none were sent. */
export function rateLimitInfo(headers) {
  const info = {};
  for (const dimension of ['Requests', 'Tokens']) {
    const lower = dimension.toLowerCase();
    const limit = headers.get(`x-ratelimit-limit-${lower}`);
    const remaining = headers.get(`x-ratelimit-remaining-${lower}`);
    const reset = headers.get(`x-ratelimit-reset-${lower}`);
    if (limit !== null) info[`limit${dimension}`] = Number(limit);
    if (remaining !== null) info[`remaining${dimension}`] = Number(remaining);
    if (reset !== null) info[`reset${dimension}`] = parseDuration(reset);
  }
  return Object.keys(info).length ? info : null;
}

function streamEvent(chunk) {
  if ('started' in chunk) return { type: 'started', provider: chunk.started.provider, model: chunk.started.model };
  if ('delta' in chunk) return { type: 'delta', text: chunk.delta };
  if ('final' in chunk) return { type: 'final', answer: chunk.final };
  throw new TypeError(`not an AnswerChunk: ${Object.keys(chunk)}`);
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** A client of llm-pool's HTTP API. See index.d.ts for the types. */
export class LLMPoolClient {
  constructor({
    baseURL = 'http://127.0.0.1:7071',
    auth,
    retry = new RetryPolicy(),
    timeoutMs = 30000,
    tenant,
    headers = {},
    fetch: fetchImpl = globalThis.fetch,
  } = {}) {
    this.baseURL = baseURL.replace(/\/+$/, '');
    this.auth = auth ?? null;
    this.retry = retry ?? new RetryPolicy({ maxRetries: 0 });
    this.timeoutMs = timeoutMs;
    this.tenant = tenant ?? null;
    this.headers = headers;
    this.fetch = fetchImpl;
  }

  async #prepare(method, path, body) {
    const url = new URL(this.baseURL + path);
    const headers = { accept: 'application/json', ...this.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.tenant) headers['x-llm-pool-tenant'] = this.tenant;
    if (this.auth) Object.assign(headers, await this.auth.headers(method, url.pathname + url.search, body));
    return { url, headers };
  }

  /** Sends with retries; resolves to a response with status < 400 (or /readyz's 503). */
  async #send(method, path, body, { stream = false } = {}) {
    for (let attempt = 0; ; attempt++) {
      // Signed afresh for every attempt: a retry carries a new nonce.
      const { url, headers } = await this.#prepare(method, path, body);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      let response;
      let delay;
      try {
        response = await this.fetch(url, { method, headers, body, signal: controller.signal });
      } catch (cause) {
        clearTimeout(timer);
        delay = controller.signal.aborted ? null : this.retry.delay(attempt, null, {});
        if (delay === null) throw new APIConnectionError(`${method} ${url}: ${cause.message}`, { cause });
      }
      if (response) {
        if (response.status < 400 || (path === '/readyz' && response.status === 503)) {
          if (stream) {
            clearTimeout(timer); // the stream runs as long as the server's deadline allows
            return { response, controller };
          }
          try {
            const data = await response.json();
            return { response, data };
          } catch (cause) {
            throw new APIConnectionError(`${method} ${url}: ${cause.message}`, { cause });
          } finally {
            clearTimeout(timer);
          }
        }
        const text = await response.text().finally(() => clearTimeout(timer));
        delay = this.retry.delay(attempt, response.status, response.headers);
        if (delay === null) {
          throw errorFromBody(text, {
            status: response.status,
            requestId: response.headers.get('x-request-id'),
            retryAfter: serverWait(response.headers),
          });
        }
      }
      await sleep(delay);
    }
  }

  /** `POST /v1/infer`: the answer (proto3 JSON, camelCase) plus its `rateLimit` headers. */
  async infer(task, input, options = {}) {
    const body = encoder.encode(JSON.stringify(queryJSON(task, input, options)));
    const { response, data } = await this.#send('POST', '/v1/infer', body);
    return { ...data, rateLimit: rateLimitInfo(response.headers) };
  }

  /** `POST /v1/infer/stream`: `started`, `delta`s, then `final`; breaking out aborts the request. */
  async *inferStream(task, input, options = {}) {
    const body = encoder.encode(JSON.stringify(queryJSON(task, input, options)));
    const { response, controller } = await this.#send('POST', '/v1/infer/stream', body, { stream: true });
    const requestId = response.headers.get('x-request-id');
    let finished = false;
    try {
      for await (const { event, data } of readEvents(response.body)) {
        if (event === 'error') throw errorFromBody(data, { requestId });
        if (data === '[DONE]') continue;
        const item = streamEvent(JSON.parse(data));
        if (item.type === 'final') finished = true;
        yield item;
      }
    } catch (error) {
      if (error instanceof LLMPoolError) throw error;
      throw new APIConnectionError(`stream broke: ${error.message}`, { cause: error, requestId });
    } finally {
      if (!finished) controller.abort();
    }
  }

  /** `GET /readyz` as `{ready, status, providers, unservedTasks}`; not ready is a value. */
  async health() {
    const { data } = await this.#send('GET', '/readyz');
    return {
      ready: data.status === 'ready',
      status: data.status,
      providers: data.providers.map((p) => ({
        name: p.name,
        model: p.model,
        healthy: p.healthy,
        breakerState: p.breaker,
        detail: p.detail,
      })),
      unservedTasks: data.unserved_tasks,
    };
  }

  /** Whether `GET /healthz` answers `{"status": "ok"}`. */
  async alive() {
    const { data } = await this.#send('GET', '/healthz');
    return data.status === 'ok';
  }

  /** `GET /v1/models`: the OpenAI model list's `data`. */
  async models() {
    return (await this.#send('GET', '/v1/models')).data.data;
  }

  /** `POST /v1/chat/completions`: an OpenAI `chat.completion` object. */
  async chat(model, messages, params = {}) {
    const body = encoder.encode(JSON.stringify({ model, messages, ...params, stream: false }));
    return (await this.#send('POST', '/v1/chat/completions', body)).data;
  }

  /** `POST /v1/chat/completions` with `stream: true`: OpenAI `chat.completion.chunk` objects. */
  async *chatStream(model, messages, params = {}) {
    const body = encoder.encode(JSON.stringify({ model, messages, ...params, stream: true }));
    const { response, controller } = await this.#send('POST', '/v1/chat/completions', body, { stream: true });
    const requestId = response.headers.get('x-request-id');
    let finished = false;
    try {
      for await (const { event, data } of readEvents(response.body)) {
        if (data === '[DONE]') {
          finished = true;
          break;
        }
        const chunk = JSON.parse(data);
        if (event === 'error' || chunk.error) throw errorFromBody(chunk, { requestId });
        yield chunk;
      }
    } finally {
      if (!finished) controller.abort();
    }
  }
}
