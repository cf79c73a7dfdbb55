"""llm-pool's Python client: the native HTTP API, gRPC, and OpenAI-typed chat helpers.

```python
from llm_pool import Client
with Client("http://127.0.0.1:7071") as pool:
    print(pool.infer("expand_queries", "swift server frameworks").text)
```
"""
from .auth import Auth, BearerToken, HmacSigner, canonical_message, hs256_token
from .client import AsyncClient, Client
from .errors import (
    APIConnectionError,
    AuthenticationError,
    CancelledError,
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
)
from .grpc_client import AsyncGrpcClient, GrpcClient
from .retry import RetryPolicy
from .types import (
    Answer,
    Candidate,
    EnsembleDecision,
    PoolHealth,
    ProviderHealth,
    RateLimitInfo,
    StreamDelta,
    StreamEvent,
    StreamFinal,
    StreamStarted,
    Usage,
)

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError", "Answer", "AsyncClient", "AsyncGrpcClient", "Auth", "AuthenticationError", "BearerToken",
    "CancelledError", "Candidate", "Client", "ContextLengthExceededError", "DeadlineExceededError",
    "EnsembleDecision", "GrpcClient", "HmacSigner", "InternalServerError", "InvalidRequestError", "LLMPoolError",
    "MethodNotAllowedError", "NoConsensusError", "NotFoundError", "PayloadTooLargeError", "PermissionDeniedError",
    "PoolHealth", "ProviderHealth", "RateLimitError", "RateLimitInfo", "RetryPolicy", "StreamDelta", "StreamEvent",
    "StreamFinal", "StreamStarted", "UnavailableError", "UpstreamError", "Usage", "canonical_message",
    "hs256_token",
]
