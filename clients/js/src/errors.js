// Typed errors mapped from llm-pool's OpenAI-shaped error body:
// {"error": {"message", "type", "param", "code"}}.

/** Any failure of an llm-pool call. */
export class LLMPoolError extends Error {
  constructor(message, { status, code, type, param, requestId, retryAfter, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.status = status ?? null;
    this.code = code ?? null;
    this.type = type ?? null;
    this.param = param ?? null;
    this.requestId = requestId ?? null;
    this.retryAfter = retryAfter ?? null;
  }
}

/** The server could not be reached, the connection broke, or the call timed out on the client. */
export class APIConnectionError extends LLMPoolError {}
/** 400: malformed request or a broken limit; `param` names the field. */
export class InvalidRequestError extends LLMPoolError {}
/** 400 `context_length_exceeded`. */
export class ContextLengthExceededError extends InvalidRequestError {}
/** 401: missing or bad credentials. */
export class AuthenticationError extends LLMPoolError {}
/** 403. */
export class PermissionDeniedError extends LLMPoolError {}
/** 404: unknown task, model or route. */
export class NotFoundError extends LLMPoolError {}
/** 405. */
export class MethodNotAllowedError extends LLMPoolError {}
/** 413. */
export class PayloadTooLargeError extends LLMPoolError {}
/** 422: CONSENSUS found no agreement. */
export class NoConsensusError extends LLMPoolError {}
/** 429: over the tenant's rate limit; `retryAfter` in seconds. */
export class RateLimitError extends LLMPoolError {}
/** 500. */
export class InternalServerError extends LLMPoolError {}
/** 502: a provider answered badly. */
export class UpstreamError extends LLMPoolError {}
/** 503: no provider could answer. */
export class UnavailableError extends LLMPoolError {}
/** 504. */
export class DeadlineExceededError extends LLMPoolError {}

const byCode = {
  invalid_argument: InvalidRequestError,
  context_length_exceeded: ContextLengthExceededError,
  unauthenticated: AuthenticationError,
  permission_denied: PermissionDeniedError,
  not_found: NotFoundError,
  method_not_allowed: MethodNotAllowedError,
  payload_too_large: PayloadTooLargeError,
  no_consensus: NoConsensusError,
  resource_exhausted: RateLimitError,
  internal: InternalServerError,
  upstream_failed: UpstreamError,
  unavailable: UnavailableError,
  deadline_exceeded: DeadlineExceededError,
};

const byStatus = {
  400: InvalidRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  413: PayloadTooLargeError,
  422: NoConsensusError,
  429: RateLimitError,
  500: InternalServerError,
  502: UpstreamError,
  503: UnavailableError,
  504: DeadlineExceededError,
};

/**
 * The typed error for an error body (text or decoded object).
 * @param {string | object} body
 * @param {{status?: number, requestId?: string, retryAfter?: number}} [info]
 */
export function errorFromBody(body, { status, requestId, retryAfter } = {}) {
  let data = body;
  if (typeof body === 'string') {
    try {
      data = JSON.parse(body);
    } catch {
      data = null;
    }
  }
  const error = data && typeof data.error === 'object' && data.error !== null ? data.error : {};
  const code = typeof error.code === 'string' ? error.code : undefined;
  const Type =
    byCode[code] ?? byStatus[status] ?? (status >= 500 ? InternalServerError : LLMPoolError);
  const message = error.message || (typeof body === 'string' && body) || `HTTP ${status}`;
  return new Type(message, { status, code, type: error.type, param: error.param, requestId, retryAfter });
}
