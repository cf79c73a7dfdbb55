"""Typed errors, mapped from the OpenAI-shaped error body (`{"error": {"message", "type", "param",
"code"}}`) over HTTP and from the status code and `llm-pool-error` trailer over gRPC."""
from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Type


class LLMPoolError(Exception):
    """Any failure of an llm-pool call.

    Attributes:
        message: The server's message (or the transport's).
        status: The HTTP status, when the error came over HTTP.
        code: llm-pool's error code (`invalid_argument`, `resource_exhausted`, ...), when known.
        type: The OpenAI error type (`invalid_request_error`, `rate_limit_error`, ...).
        param: The offending request field, when the server named one.
        request_id: The `X-Request-Id` of the failed request.
        retry_after: Seconds the server asked to wait (`Retry-After`), when it did.
        grpc_status: The gRPC status code's name (`INVALID_ARGUMENT`, ...) for gRPC calls.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        type: Optional[str] = None,
        param: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        grpc_status: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.grpc_status = grpc_status

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else (self.grpc_status or "llm-pool")
        return f"{where} {self.code or ''}: {self.message}".replace("  ", " ")


class APIConnectionError(LLMPoolError):
    """The server could not be reached, or the connection broke."""


class InvalidRequestError(LLMPoolError):
    """400 / INVALID_ARGUMENT: the request is malformed or breaks a limit; `param` names the field."""


class ContextLengthExceededError(InvalidRequestError):
    """400 `context_length_exceeded`: the prompt does not fit the model's context."""


class AuthenticationError(LLMPoolError):
    """401 / UNAUTHENTICATED: missing or bad credentials (signature mismatch, replayed nonce, ...)."""


class PermissionDeniedError(LLMPoolError):
    """403 / PERMISSION_DENIED."""


class NotFoundError(LLMPoolError):
    """404 / NOT_FOUND: unknown task, model or route."""


class MethodNotAllowedError(LLMPoolError):
    """405 / UNIMPLEMENTED."""


class PayloadTooLargeError(LLMPoolError):
    """413 (over gRPC RESOURCE_EXHAUSTED with code `payload_too_large`)."""


class NoConsensusError(LLMPoolError):
    """422 / ABORTED: the CONSENSUS strategy found no agreement."""


class RateLimitError(LLMPoolError):
    """429 / RESOURCE_EXHAUSTED: over the tenant's rate limit; `retry_after` says for how long."""


class InternalServerError(LLMPoolError):
    """500 / INTERNAL."""


class UpstreamError(LLMPoolError):
    """502 `upstream_failed`: a provider answered badly (over gRPC UNAVAILABLE with that code)."""


class UnavailableError(LLMPoolError):
    """503 / UNAVAILABLE: no provider could answer."""


class DeadlineExceededError(LLMPoolError):
    """504 / DEADLINE_EXCEEDED."""


class CancelledError(LLMPoolError):
    """499 / CANCELLED."""


_BY_CODE: Dict[str, Type[LLMPoolError]] = {
    "invalid_argument": InvalidRequestError,
    "context_length_exceeded": ContextLengthExceededError,
    "unauthenticated": AuthenticationError,
    "permission_denied": PermissionDeniedError,
    "not_found": NotFoundError,
    "method_not_allowed": MethodNotAllowedError,
    "payload_too_large": PayloadTooLargeError,
    "no_consensus": NoConsensusError,
    "resource_exhausted": RateLimitError,
    "internal": InternalServerError,
    "upstream_failed": UpstreamError,
    "unavailable": UnavailableError,
    "deadline_exceeded": DeadlineExceededError,
    "cancelled": CancelledError,
}

_BY_STATUS: Dict[int, Type[LLMPoolError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
    422: NoConsensusError,
    429: RateLimitError,
    499: CancelledError,
    500: InternalServerError,
    502: UpstreamError,
    503: UnavailableError,
    504: DeadlineExceededError,
}

_BY_GRPC: Dict[str, Type[LLMPoolError]] = {
    "INVALID_ARGUMENT": InvalidRequestError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "UNIMPLEMENTED": MethodNotAllowedError,
    "ABORTED": NoConsensusError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "INTERNAL": InternalServerError,
    "UNAVAILABLE": UnavailableError,
    "DEADLINE_EXCEEDED": DeadlineExceededError,
    "CANCELLED": CancelledError,
}


def error_from_body(
    body: Any,
    *,
    status: Optional[int] = None,
    request_id: Optional[str] = None,
    retry_after: Optional[float] = None,
) -> LLMPoolError:
    """The typed error for an error body (bytes, text or the decoded object) and HTTP status."""
    data: Any = body
    if isinstance(body, (bytes, bytearray, str)):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    inner = data.get("error") if isinstance(data, dict) else None
    error: Mapping[str, Any] = inner if isinstance(inner, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = error.get("message") or (body.decode(errors="replace") if isinstance(body, bytes) else str(body or ""))
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status or 0) or (
        InternalServerError if (status or 0) >= 500 else LLMPoolError
    )
    return cls(
        message or f"HTTP {status}",
        status=status,
        code=code,
        type=error.get("type"),
        param=error.get("param"),
        request_id=request_id,
        retry_after=retry_after,
    )


def error_from_grpc(
    status: str,
    message: str,
    trailers: Mapping[str, str],
    *,
    request_id: Optional[str] = None,
) -> LLMPoolError:
    """The typed error for a gRPC status name, details and trailing metadata."""
    code = trailers.get("llm-pool-error")
    retry = trailers.get("retry-after")
    cls = _BY_CODE.get(code or "") or _BY_GRPC.get(status) or LLMPoolError
    if cls is LLMPoolError and status == "UNAVAILABLE":  # the transport's own: nothing answered
        cls = APIConnectionError
    return cls(
        message,
        code=code,
        request_id=request_id or trailers.get("x-request-id"),
        retry_after=float(retry) if retry and retry.replace(".", "", 1).isdigit() else None,
        grpc_status=status,
    )
