// Hand-written types of llm-pool's JavaScript client; they follow docs/openapi.yaml.

/** How a request is spread over the pool's providers. */
export type Strategy = 'FASTEST' | 'VOTING' | 'WEIGHTED' | 'CONSENSUS' | 'JUDGE';

/** Options of a `Query` besides its task and input. */
export interface QueryOptions {
  strategy?: Strategy;
  /** Most tokens to generate (1 to `qos.max_tokens`). */
  maxTokens?: number;
  /** Sampling temperature in [0, 2]. */
  temperature?: number;
  /** Time allowed for the whole request, in milliseconds. */
  deadlineMs?: number;
  tenant?: string;
  /** Template variables of the task's prompt. */
  metadata?: Record<string, string>;
  requestId?: string;
}

/** A `Query` in the proto3 JSON mapping. */
export interface Query extends QueryOptions {
  task: string;
  input: string;
}

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

export type CandidateOutcome = 'WON' | 'LOST' | 'CANCELLED' | 'FAILED' | 'TIMED_OUT' | 'SKIPPED';

export interface Candidate {
  provider: string;
  model: string;
  latencyMs?: number;
  outcome: CandidateOutcome;
  error?: string;
}

export interface EnsembleDecision {
  strategy: Strategy;
  candidates: Candidate[];
  winner: string;
  reason: string;
  hedgesFired?: number;
}

/** The `x-ratelimit-*` headers of an answer; resets in seconds. */
export interface RateLimitInfo {
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  resetRequests?: number | null;
  resetTokens?: number | null;
}

/** An `Answer` (proto3 JSON: fields at their default value are left out). */
export interface Answer {
  requestId: string;
  text?: string;
  model: string;
  provider: string;
  strategy: Strategy;
  usage?: Usage;
  cached?: boolean;
  latencyMs?: number;
  decision?: EnsembleDecision;
  finishReason?: string;
}

export interface AnswerWithRateLimit extends Answer {
  /** `null` when the pool has no rate limits. */
  rateLimit: RateLimitInfo | null;
}

export type StreamEvent =
  | { type: 'started'; provider: string; model: string }
  | { type: 'delta'; text: string }
  | { type: 'final'; answer: Answer };

export interface ProviderHealth {
  name: string;
  model: string;
  healthy: boolean;
  /** `closed`, `open` or `half_open`. */
  breakerState: string;
  detail: string;
}

export interface PoolHealth {
  ready: boolean;
  status: 'ready' | 'not_ready';
  providers: ProviderHealth[];
  unservedTasks: string[];
}

/** An OpenAI chat message (the subset llm-pool reads; every other member is passed through). */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: string | null | Array<Record<string, unknown>>;
  [member: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string | null; [member: string]: unknown };
    finish_reason: string | null;
    [member: string]: unknown;
  }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; [member: string]: unknown };
  /** llm-pool's own: provider, strategy, cache, decision. */
  llm_pool?: Record<string, unknown>;
  [member: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: string; content?: string | null; [member: string]: unknown };
    finish_reason: string | null;
    [member: string]: unknown;
  }>;
  [member: string]: unknown;
}

export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** Adds credentials to a request; called once per attempt. */
export interface Auth {
  headers(method: string, path: string, body: Uint8Array | undefined): Promise<Record<string, string>>;
}

export class HmacSigner implements Auth {
  constructor(keyId: string, secret: string | Uint8Array);
  readonly keyId: string;
  signature(method: string, path: string, timestamp: number | string, nonce: string, body?: string | Uint8Array): Promise<string>;
  headers(
    method: string,
    path: string,
    body?: string | Uint8Array,
    options?: { timestamp?: number; nonce?: string },
  ): Promise<Record<string, string>>;
}

export class BearerToken implements Auth {
  constructor(token: string);
  headers(): Promise<Record<string, string>>;
}

export function canonicalMessage(
  method: string,
  path: string,
  timestamp: number | string,
  nonce: string,
  body?: string | Uint8Array,
): Promise<string>;
export function sha256Hex(body?: string | Uint8Array): Promise<string>;
export function randomNonce(): string;

export interface RetryOptions {
  /** Attempts after the first (default 2); 0 turns retries off. */
  maxRetries?: number;
  backoffSeconds?: number;
  maxBackoffSeconds?: number;
  /** The longest server-requested wait honoured (default 60 s); longer raises at once. */
  maxWaitSeconds?: number;
  retryStatuses?: number[];
}

export class RetryPolicy {
  constructor(options?: RetryOptions);
  readonly maxRetries: number;
  delay(attempt: number, status: number | null, headers: Headers | Record<string, string>): number | null;
}

export function serverWait(headers: Headers | Record<string, string>, now?: number): number | null;
export function parseDuration(text: string | null | undefined): number | null;

export interface ClientOptions {
  baseURL?: string;
  auth?: Auth;
  /** `null` turns retries off. */
  retry?: RetryPolicy | null;
  timeoutMs?: number;
  /** Sent as `x-llm-pool-tenant`. */
  tenant?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export class LLMPoolClient {
  constructor(options?: ClientOptions);
  infer(task: string, input: string, options?: QueryOptions): Promise<AnswerWithRateLimit>;
  inferStream(task: string, input: string, options?: QueryOptions): AsyncGenerator<StreamEvent, void, undefined>;
  health(): Promise<PoolHealth>;
  alive(): Promise<boolean>;
  models(): Promise<Model[]>;
  chat(model: string, messages: ChatMessage[], params?: Record<string, unknown>): Promise<ChatCompletion>;
  chatStream(
    model: string,
    messages: ChatMessage[],
    params?: Record<string, unknown>,
  ): AsyncGenerator<ChatCompletionChunk, void, undefined>;
}

export function queryJSON(task: string, input: string, options?: QueryOptions): Query;
export function rateLimitInfo(headers: Headers): RateLimitInfo | null;
export function readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }>;

export interface ErrorInfo {
  status?: number;
  code?: string;
  type?: string;
  param?: string | null;
  requestId?: string | null;
  retryAfter?: number | null;
  cause?: unknown;
}

export class LLMPoolError extends Error {
  constructor(message: string, info?: ErrorInfo);
  /** The HTTP status; `null` for errors inside a stream or of the transport. */
  readonly status: number | null;
  /** llm-pool's code: `invalid_argument`, `not_found`, `resource_exhausted`, ... */
  readonly code: string | null;
  /** The OpenAI error type. */
  readonly type: string | null;
  readonly param: string | null;
  readonly requestId: string | null;
  /** Seconds the server asked to wait. */
  readonly retryAfter: number | null;
}
export class APIConnectionError extends LLMPoolError {}
export class InvalidRequestError extends LLMPoolError {}
export class ContextLengthExceededError extends InvalidRequestError {}
export class AuthenticationError extends LLMPoolError {}
export class PermissionDeniedError extends LLMPoolError {}
export class NotFoundError extends LLMPoolError {}
export class MethodNotAllowedError extends LLMPoolError {}
export class PayloadTooLargeError extends LLMPoolError {}
export class NoConsensusError extends LLMPoolError {}
export class RateLimitError extends LLMPoolError {}
export class InternalServerError extends LLMPoolError {}
export class UpstreamError extends LLMPoolError {}
export class UnavailableError extends LLMPoolError {}
export class DeadlineExceededError extends LLMPoolError {}

export function errorFromBody(
  body: string | object,
  info?: { status?: number; requestId?: string | null; retryAfter?: number | null },
): LLMPoolError;
