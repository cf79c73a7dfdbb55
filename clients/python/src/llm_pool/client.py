"""HTTP clients of the native JSON API and the OpenAI-compatible API: `Client` (sync) and
`AsyncClient` (asyncio), both on httpx."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Sequence
from urllib.parse import urlsplit

import httpx
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from ._sse import SSEEvent, SSEParser
from .auth import Auth
from .errors import APIConnectionError, LLMPoolError, error_from_body
from .retry import RetryPolicy, server_wait
from .types import Answer, PoolHealth, RateLimitInfo, StreamEvent, query_json, stream_event_from_json

DEFAULT_BASE_URL = "http://127.0.0.1:7071"


class _Shared:
    """Request preparation and response interpretation common to both clients."""

    def __init__(
        self,
        base_url: str,
        auth: Optional[Auth],
        retry: Optional[RetryPolicy],
        tenant: Optional[str],
        headers: Optional[Mapping[str, str]],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry or RetryPolicy(max_retries=0)
        self.tenant = tenant
        self.headers = dict(headers or {})

    def prepare(self, method: str, path: str, body: Optional[bytes]) -> "tuple[str, Dict[str, str]]":
        url = self.base_url + path
        headers = {"accept": "application/json", **self.headers}
        if body is not None:
            headers["content-type"] = "application/json"
        if self.tenant:
            headers["x-llm-pool-tenant"] = self.tenant
        if self.auth is not None:
            parts = urlsplit(url)
            # The signature covers the path the server sees, prefix and query included.
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            headers.update(self.auth.headers(method, target, body or b""))
        return url, headers

    @staticmethod
    def error(response: httpx.Response) -> LLMPoolError:
        return error_from_body(
            response.content,
            status=response.status_code,
            request_id=response.headers.get("x-request-id"),
            retry_after=server_wait(response.headers),
        )

    @staticmethod
    def encode(body: Mapping[str, Any]) -> bytes:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    @staticmethod
    def stream_event(event: SSEEvent, request_id: Optional[str]) -> Optional[StreamEvent]:
        if event.event == "error":
            raise error_from_body(event.data, request_id=request_id)
        if event.data == "[DONE]":
            return None
        return stream_event_from_json(json.loads(event.data))

    @staticmethod
    def chat_chunk(event: SSEEvent, request_id: Optional[str]) -> Optional[ChatCompletionChunk]:
        if event.data == "[DONE]":
            return None
        data = json.loads(event.data)
        if event.event == "error" or "error" in data:
            raise error_from_body(data, request_id=request_id)
        return ChatCompletionChunk.model_validate(data)

    @staticmethod
    def chat_body(model: str, messages: Sequence[Mapping[str, Any]], stream: bool, params: Dict[str, Any]) -> bytes:
        body: Dict[str, Any] = {"model": model, "messages": list(messages), **params}
        if stream:
            body["stream"] = True
        return _Shared.encode(body)


class Client:
    """A synchronous client of llm-pool's HTTP API.

    ```python
    from llm_pool import Client, HmacSigner
    with Client("http://127.0.0.1:7071", auth=HmacSigner("team-a", "s3cret")) as pool:
        print(pool.infer("expand_queries", "swift server frameworks").text)
    ```

    Args:
        base_url: The server's HTTP address.
        auth: An `HmacSigner`, a `BearerToken`, or `None` for an open pool.
        retry: When to retry (429 and 503 honouring `Retry-After`, connection failures);
            `RetryPolicy(max_retries=0)` turns retries off.
        timeout: Seconds for connecting and for each read.
        tenant: Sent as `x-llm-pool-tenant` (pools without credentials).
        headers: Extra headers on every request.
        http_client: An `httpx.Client` to use instead of the client's own.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        auth: Optional[Auth] = None,
        retry: Optional[RetryPolicy] = RetryPolicy(),
        timeout: float = 30.0,
        tenant: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.Client] = None,
    ) -> None:
        self._shared = _Shared(base_url, auth, retry, tenant, headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, body: Optional[bytes] = None, *, stream: bool = False) -> httpx.Response:
        attempt = 0
        while True:
            url, headers = self._shared.prepare(method, path, body)
            request = self._http.build_request(method, url, content=body, headers=headers)
            try:
                response = self._http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                delay = self._shared.retry.delay(attempt, None, {})
                if delay is None:
                    raise APIConnectionError(f"cannot reach {url}: {error}") from error
            except httpx.HTTPError as error:
                raise APIConnectionError(f"{method} {url}: {error}") from error
            else:
                if response.status_code < 400 or (path == "/readyz" and response.status_code == 503):
                    return response
                if stream:
                    response.read()
                    response.close()
                delay = self._shared.retry.delay(attempt, response.status_code, response.headers)
                if delay is None:
                    raise self._shared.error(response)
            time.sleep(delay)
            attempt += 1

    def infer(self, task: str, input: str, **options: Any) -> Answer:
        """Answers a query (`POST /v1/infer`).

        Args:
            task: A configured task, such as `expand_queries`.
            input: The text rendered into the task's prompt.
            **options: `strategy`, `max_tokens`, `temperature`, `deadline_ms`, `tenant`,
                `metadata` (template variables), `request_id`.
        Raises:
            LLMPoolError: a subclass naming what failed (`InvalidRequestError`, `RateLimitError`, ...).
        """
        response = self._send("POST", "/v1/infer", self._shared.encode(query_json(task, input, **options)))
        return Answer.from_json(response.json(), RateLimitInfo.from_headers(response.headers))

    def infer_stream(self, task: str, input: str, **options: Any) -> Iterator[StreamEvent]:
        """Streams an answer (`POST /v1/infer/stream`): a `StreamStarted`, `StreamDelta`s, then a
        `StreamFinal`. A failure after the stream began raises from the iterator. Breaking out of
        the loop closes the connection, which cancels the upstream call."""
        body = self._shared.encode(query_json(task, input, **options))
        response = self._send("POST", "/v1/infer/stream", body, stream=True)
        request_id = response.headers.get("x-request-id")
        parser = SSEParser()
        try:
            for line in response.iter_lines():
                event = parser.feed(line)
                if event is not None:
                    item = self._shared.stream_event(event, request_id)
                    if item is not None:
                        yield item
            tail = parser.finish()
            if tail is not None:
                item = self._shared.stream_event(tail, request_id)
                if item is not None:
                    yield item
        except httpx.HTTPError as error:
            raise APIConnectionError(f"stream broke: {error}", request_id=request_id) from error
        finally:
            response.close()

    def health(self) -> PoolHealth:
        """The pool's readiness (`GET /readyz`); not ready is a value, not an error."""
        return PoolHealth.from_readyz(self._send("GET", "/readyz").json())

    def alive(self) -> bool:
        """Whether the process answers `GET /healthz`."""
        return self._send("GET", "/healthz").json().get("status") == "ok"

    def models(self) -> List[Model]:
        """`GET /v1/models`: configured models and `pool/<task>` entries."""
        return [Model.model_validate(item) for item in self._send("GET", "/v1/models").json()["data"]]

    def chat(self, model: str, messages: Sequence[Mapping[str, Any]], **params: Any) -> ChatCompletion:
        """`POST /v1/chat/completions`, returned as the OpenAI SDK's `ChatCompletion`.

        `model` is a configured model or `pool/<task>`; `params` are any OpenAI request fields."""
        response = self._send("POST", "/v1/chat/completions", self._shared.chat_body(model, messages, False, params))
        return ChatCompletion.model_validate(response.json())

    def chat_stream(
        self, model: str, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> Iterator[ChatCompletionChunk]:
        """`POST /v1/chat/completions` with `stream: true`, as OpenAI `ChatCompletionChunk`s."""
        body = self._shared.chat_body(model, messages, True, params)
        response = self._send("POST", "/v1/chat/completions", body, stream=True)
        request_id = response.headers.get("x-request-id")
        parser = SSEParser()
        try:
            for line in response.iter_lines():
                event = parser.feed(line)
                if event is not None:
                    chunk = self._shared.chat_chunk(event, request_id)
                    if chunk is not None:
                        yield chunk
            tail = parser.finish()
            if tail is not None:
                chunk = self._shared.chat_chunk(tail, request_id)
                if chunk is not None:
                    yield chunk
        finally:
            response.close()


class AsyncClient:
    """The asyncio twin of `Client`: the same arguments and operations, awaited.

    ```python
    async with AsyncClient("http://127.0.0.1:7071") as pool:
        async for event in pool.infer_stream("recovery_plan", "HTTP 429 from example.org"):
            print(event)
    ```
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        auth: Optional[Auth] = None,
        retry: Optional[RetryPolicy] = RetryPolicy(),
        timeout: float = 30.0,
        tenant: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.AsyncClient] = None,
    ) -> None:
        self._shared = _Shared(base_url, auth, retry, tenant, headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(
        self, method: str, path: str, body: Optional[bytes] = None, *, stream: bool = False
    ) -> httpx.Response:
        attempt = 0
        while True:
            url, headers = self._shared.prepare(method, path, body)
            request = self._http.build_request(method, url, content=body, headers=headers)
            try:
                response = await self._http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                delay = self._shared.retry.delay(attempt, None, {})
                if delay is None:
                    raise APIConnectionError(f"cannot reach {url}: {error}") from error
            except httpx.HTTPError as error:
                raise APIConnectionError(f"{method} {url}: {error}") from error
            else:
                if response.status_code < 400 or (path == "/readyz" and response.status_code == 503):
                    return response
                if stream:
                    await response.aread()
                    await response.aclose()
                delay = self._shared.retry.delay(attempt, response.status_code, response.headers)
                if delay is None:
                    raise self._shared.error(response)
            await asyncio.sleep(delay)
            attempt += 1

    async def infer(self, task: str, input: str, **options: Any) -> Answer:
        """See `Client.infer`."""
        response = await self._send("POST", "/v1/infer", self._shared.encode(query_json(task, input, **options)))
        return Answer.from_json(response.json(), RateLimitInfo.from_headers(response.headers))

    async def infer_stream(self, task: str, input: str, **options: Any) -> AsyncIterator[StreamEvent]:
        """See `Client.infer_stream`."""
        body = self._shared.encode(query_json(task, input, **options))
        response = await self._send("POST", "/v1/infer/stream", body, stream=True)
        request_id = response.headers.get("x-request-id")
        parser = SSEParser()
        try:
            async for line in response.aiter_lines():
                event = parser.feed(line)
                if event is not None:
                    item = self._shared.stream_event(event, request_id)
                    if item is not None:
                        yield item
            tail = parser.finish()
            if tail is not None:
                item = self._shared.stream_event(tail, request_id)
                if item is not None:
                    yield item
        except httpx.HTTPError as error:
            raise APIConnectionError(f"stream broke: {error}", request_id=request_id) from error
        finally:
            await response.aclose()

    async def health(self) -> PoolHealth:
        """See `Client.health`."""
        return PoolHealth.from_readyz((await self._send("GET", "/readyz")).json())

    async def alive(self) -> bool:
        """See `Client.alive`."""
        return (await self._send("GET", "/healthz")).json().get("status") == "ok"

    async def models(self) -> List[Model]:
        """See `Client.models`."""
        return [Model.model_validate(item) for item in (await self._send("GET", "/v1/models")).json()["data"]]

    async def chat(self, model: str, messages: Sequence[Mapping[str, Any]], **params: Any) -> ChatCompletion:
        """See `Client.chat`."""
        body = self._shared.chat_body(model, messages, False, params)
        return ChatCompletion.model_validate((await self._send("POST", "/v1/chat/completions", body)).json())

    async def chat_stream(
        self, model: str, messages: Sequence[Mapping[str, Any]], **params: Any
    ) -> AsyncIterator[ChatCompletionChunk]:
        """See `Client.chat_stream`."""
        body = self._shared.chat_body(model, messages, True, params)
        response = await self._send("POST", "/v1/chat/completions", body, stream=True)
        request_id = response.headers.get("x-request-id")
        parser = SSEParser()
        try:
            async for line in response.aiter_lines():
                event = parser.feed(line)
                if event is not None:
                    chunk = self._shared.chat_chunk(event, request_id)
                    if chunk is not None:
                        yield chunk
            tail = parser.finish()
            if tail is not None:
                chunk = self._shared.chat_chunk(tail, request_id)
                if chunk is not None:
                    yield chunk
        finally:
            await response.aclose()
