// Retries that honour the server: Retry-After, then the x-ratelimit-reset-* of the exhausted
// dimension, then capped exponential backoff.

/** Seconds in `1.5s`, `250ms`, `1m`, or a bare number of seconds; `null` when unreadable. */
export function parseDuration(text) {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)?\s*$/.exec(text ?? '');
  if (!match) return null;
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? 's'];
}

function header(headers, name) {
  if (typeof headers?.get === 'function') return headers.get(name);
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return null;
}

/** The wait (seconds) the server asked for, or `null`. */
export function serverWait(headers, now = Date.now()) {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(retryAfter)) return Number(retryAfter);
    const when = Date.parse(retryAfter);
    if (!Number.isNaN(when)) return Math.max(0, (when - now) / 1000);
  }
  for (const dimension of ['requests', 'tokens']) {
    if (header(headers, `x-ratelimit-remaining-${dimension}`) === '0') {
      const reset = parseDuration(header(headers, `x-ratelimit-reset-${dimension}`));
      if (reset !== null) return reset;
    }
  }
  return null;
}

/** When and how long to wait before trying again. 429 and 503 and connection failures retry. */
export class RetryPolicy {
  constructor({
    maxRetries = 2,
    backoffSeconds = 0.25,
    maxBackoffSeconds = 8,
    maxWaitSeconds = 60,
    retryStatuses = [429, 503],
  } = {}) {
    Object.assign(this, { maxRetries, backoffSeconds, maxBackoffSeconds, maxWaitSeconds });
    this.retryStatuses = new Set(retryStatuses);
  }

  /**
   * Seconds before attempt `attempt + 1` (from 0), or `null` to give up. `status` is `null` for a
   * connection failure.
   */
  delay(attempt, status, headers) {
    if (attempt >= this.maxRetries) return null;
    if (status !== null && !this.retryStatuses.has(status)) return null;
    const requested = serverWait(headers);
    if (requested !== null) return requested <= this.maxWaitSeconds ? requested : null;
    return Math.min(this.maxBackoffSeconds, this.backoffSeconds * 2 ** attempt);
  }
}
