// llm-pool's JavaScript client: ESM, no dependencies, fetch and Web Crypto (Node 20+, browsers).
export { LLMPoolClient, queryJSON, rateLimitInfo } from './client.js';
export { BearerToken, HmacSigner, canonicalMessage, randomNonce, sha256Hex } from './auth.js';
export { RetryPolicy, parseDuration, serverWait } from './retry.js';
export { readEvents } from './sse.js';
export {
  APIConnectionError,
  AuthenticationError,
  ContextLengthExceededError,
  DeadlineExceededError,
  InternalServerError,
  InvalidRequestError,
  LLMPoolError,
  MethodNotAllowedError,
  NoConsensusError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnavailableError,
  UpstreamError,
  errorFromBody,
} from './errors.js';
