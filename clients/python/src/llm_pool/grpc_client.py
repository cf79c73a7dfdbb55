"""gRPC clients of `vvtv.llmpool.v1.LlmPool`: `GrpcClient` (sync) and `AsyncGrpcClient`
(grpc.aio), on stubs generated from `proto/` when the package is built."""
from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import grpc
from google.protobuf import json_format

from ._proto import llmpool_pb2, llmpool_pb2_grpc
from .auth import Auth
from .errors import APIConnectionError, LLMPoolError, RateLimitError, UnavailableError, error_from_grpc
from .retry import RetryPolicy
from .types import (
    STRATEGIES,
    Answer,
    PoolHealth,
    ProviderHealth,
    RateLimitInfo,
    StreamDelta,
    StreamEvent,
    StreamFinal,
    StreamStarted,
)

SERVICE = "/vvtv.llmpool.v1.LlmPool/"
Metadata = Sequence[Tuple[str, str]]


def query_message(
    task: str,
    input: str,
    *,
    strategy: Optional[str] = None,
    max_tokens: Optional[int] = None,
    temperature: Optional[float] = None,
    deadline_ms: Optional[int] = None,
    tenant: Optional[str] = None,
    metadata: Optional[Mapping[str, str]] = None,
    request_id: Optional[str] = None,
) -> Any:
    """A `vvtv.llmpool.v1.Query` message with the same options as the HTTP clients."""
    if strategy is not None and strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    query = llmpool_pb2.Query(task=task, input=input)
    if strategy is not None:
        query.strategy = llmpool_pb2.Strategy.Value(strategy)
    if max_tokens is not None:
        query.max_tokens = max_tokens
    if temperature is not None:
        query.temperature = temperature
    if deadline_ms is not None:
        query.deadline_ms = deadline_ms
    if tenant is not None:
        query.tenant = tenant
    if request_id is not None:
        query.request_id = request_id
    for key, value in (metadata or {}).items():
        query.metadata[key] = value
    return query


def answer_from_message(message: Any, rate_limit: Optional[RateLimitInfo] = None) -> Answer:
    """A proto `Answer` as the shared `Answer` type (through its proto3 JSON mapping)."""
    return Answer.from_json(json_format.MessageToDict(message), rate_limit)


def _event(chunk: Any) -> StreamEvent:
    kind = chunk.WhichOneof("event")
    if kind == "started":
        return StreamStarted(provider=chunk.started.provider, model=chunk.started.model)
    if kind == "delta":
        return StreamDelta(text=chunk.delta)
    return StreamFinal(answer=answer_from_message(chunk.final))


def _health(message: Any) -> PoolHealth:
    status = llmpool_pb2.PoolHealth.Status.Name(message.status)
    return PoolHealth(
        ready=status in ("SERVING", "DEGRADED"),
        status=status,
        providers=[
            ProviderHealth(
                name=p.name,
                model=p.model,
                healthy=p.healthy,
                breaker_state=p.breaker_state,
                detail=p.detail,
                p95_latency_ms=p.p95_latency_ms,
            )
            for p in message.providers
        ],
        unserved_tasks=list(message.unserved_tasks),
    )


def _text_metadata(metadata: Optional[Sequence[Any]]) -> Dict[str, str]:
    return {item[0]: item[1] for item in metadata or () if isinstance(item[1], str)}


class _Shared:
    def __init__(self, auth: Optional[Auth], retry: Optional[RetryPolicy], tenant: Optional[str]) -> None:
        self.auth = auth
        self.retry = retry or RetryPolicy(max_retries=0)
        self.tenant = tenant

    def metadata(self, method: str, request: Any, request_id: Optional[str]) -> List[Tuple[str, str]]:
        items: List[Tuple[str, str]] = []
        if request_id:
            items.append(("x-request-id", request_id))
        if self.tenant:
            items.append(("x-llm-pool-tenant", self.tenant))
        if self.auth is not None:
            # Signed as the server checks it: POST, the method path, the deterministic serialization.
            body = request.SerializeToString(deterministic=True)
            items.extend(self.auth.headers("POST", SERVICE + method, body).items())
        return items

    @staticmethod
    def error(error: grpc.RpcError) -> LLMPoolError:
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        trailers = _text_metadata(error.trailing_metadata() if hasattr(error, "trailing_metadata") else None)
        return error_from_grpc(code.name, details or code.name, trailers)

    def delay(self, attempt: int, error: LLMPoolError) -> Optional[float]:
        if isinstance(error, RateLimitError):
            status: Optional[int] = 429
        elif isinstance(error, UnavailableError) and error.code == "unavailable":
            status = 503
        elif isinstance(error, APIConnectionError):
            status = None
        else:
            return None
        headers = {"retry-after": str(error.retry_after)} if error.retry_after is not None else {}
        return self.retry.delay(attempt, status, headers)


class GrpcClient:
    """A synchronous client of llm-pool's gRPC API.

    ```python
    from llm_pool import GrpcClient
    with GrpcClient("127.0.0.1:7070") as pool:
        print(pool.infer("expand_queries", "swift grpc").text)
    ```

    Args:
        target: `host:port` of the gRPC server.
        auth: An `HmacSigner` (signs each message), a `BearerToken`, or `None`.
        retry: As for the HTTP client: RESOURCE_EXHAUSTED (rate limited, honouring the
            `retry-after` trailer), UNAVAILABLE and connection failures are retried.
        timeout: Seconds for each call (the gRPC deadline).
        tenant: Sent as `x-llm-pool-tenant` metadata.
        channel: A channel to use instead of an insecure one to `target`.
    """

    def __init__(
        self,
        target: str = "127.0.0.1:7070",
        *,
        auth: Optional[Auth] = None,
        retry: Optional[RetryPolicy] = RetryPolicy(),
        timeout: float = 30.0,
        tenant: Optional[str] = None,
        channel: Optional[grpc.Channel] = None,
    ) -> None:
        self._shared = _Shared(auth, retry, tenant)
        self._owns_channel = channel is None
        self._channel = channel or grpc.insecure_channel(target)
        self._stub = llmpool_pb2_grpc.LlmPoolStub(self._channel)
        self.timeout = timeout

    def close(self) -> None:
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> "GrpcClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def infer(self, task: str, input: str, **options: Any) -> Answer:
        """`Infer`; the options are those of `Client.infer`. Raises the same typed errors."""
        query = query_message(task, input, **options)
        attempt = 0
        while True:
            try:
                answer, call = self._stub.Infer.with_call(
                    query, metadata=self._shared.metadata("Infer", query, query.request_id), timeout=self.timeout
                )
                headers = _text_metadata(call.initial_metadata())
                return answer_from_message(answer, RateLimitInfo.from_headers(headers))
            except grpc.RpcError as raw:
                error = self._shared.error(raw)
                delay = self._shared.delay(attempt, error)
                if delay is None:
                    raise error from None
            time.sleep(delay)
            attempt += 1

    def infer_stream(self, task: str, input: str, **options: Any) -> Iterator[StreamEvent]:
        """`InferStream`: `StreamStarted`, `StreamDelta`s, then `StreamFinal`. Retried only
        before its first event; breaking out of the loop cancels the RPC."""
        query = query_message(task, input, **options)
        attempt = 0
        while True:
            call = self._stub.InferStream(
                query, metadata=self._shared.metadata("InferStream", query, query.request_id), timeout=self.timeout
            )
            started = False
            try:
                for chunk in call:
                    started = True
                    yield _event(chunk)
                return
            except grpc.RpcError as raw:
                error = self._shared.error(raw)
                delay = None if started else self._shared.delay(attempt, error)
                if delay is None:
                    raise error from None
            finally:
                call.cancel()
            time.sleep(delay)
            attempt += 1

    def health(self) -> PoolHealth:
        """`Health`: every provider's state and the unserved tasks."""
        request = llmpool_pb2.HealthRequest()
        try:
            return _health(
                self._stub.Health(request, metadata=self._shared.metadata("Health", request, None), timeout=self.timeout)
            )
        except grpc.RpcError as raw:
            raise self._shared.error(raw) from None


class AsyncGrpcClient:
    """The grpc.aio twin of `GrpcClient`; create it inside a running event loop."""

    def __init__(
        self,
        target: str = "127.0.0.1:7070",
        *,
        auth: Optional[Auth] = None,
        retry: Optional[RetryPolicy] = RetryPolicy(),
        timeout: float = 30.0,
        tenant: Optional[str] = None,
        channel: Optional[grpc.aio.Channel] = None,
    ) -> None:
        self._shared = _Shared(auth, retry, tenant)
        self._owns_channel = channel is None
        self._channel = channel or grpc.aio.insecure_channel(target)
        self._stub = llmpool_pb2_grpc.LlmPoolStub(self._channel)
        self.timeout = timeout

    async def aclose(self) -> None:
        if self._owns_channel:
            await self._channel.close()

    async def __aenter__(self) -> "AsyncGrpcClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def infer(self, task: str, input: str, **options: Any) -> Answer:
        """See `GrpcClient.infer`."""
        query = query_message(task, input, **options)
        attempt = 0
        while True:
            try:
                call = self._stub.Infer(
                    query, metadata=self._shared.metadata("Infer", query, query.request_id), timeout=self.timeout
                )
                answer = await call
                headers = _text_metadata(await call.initial_metadata())
                return answer_from_message(answer, RateLimitInfo.from_headers(headers))
            except grpc.RpcError as raw:
                error = self._shared.error(raw)
                delay = self._shared.delay(attempt, error)
                if delay is None:
                    raise error from None
            await asyncio.sleep(delay)
            attempt += 1

    async def infer_stream(self, task: str, input: str, **options: Any) -> AsyncIterator[StreamEvent]:
        """See `GrpcClient.infer_stream`."""
        query = query_message(task, input, **options)
        attempt = 0
        while True:
            call = self._stub.InferStream(
                query, metadata=self._shared.metadata("InferStream", query, query.request_id), timeout=self.timeout
            )
            started = False
            try:
                async for chunk in call:
                    started = True
                    yield _event(chunk)
                return
            except grpc.RpcError as raw:
                error = self._shared.error(raw)
                delay = None if started else self._shared.delay(attempt, error)
                if delay is None:
                    raise error from None
            finally:
                call.cancel()
            await asyncio.sleep(delay)
            attempt += 1

    async def health(self) -> PoolHealth:
        """See `GrpcClient.health`."""
        request = llmpool_pb2.HealthRequest()
        try:
            return _health(
                await self._stub.Health(
                    request, metadata=self._shared.metadata("Health", request, None), timeout=self.timeout
                )
            )
        except grpc.RpcError as raw:
            raise self._shared.error(raw) from None
