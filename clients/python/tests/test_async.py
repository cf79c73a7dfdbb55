"""The asyncio clients (HTTP and gRPC) against an open demo."""
import asyncio

import pytest
from openai.types.chat import ChatCompletion

from llm_pool import AsyncClient, AsyncGrpcClient, NotFoundError, StreamDelta, StreamFinal, StreamStarted


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=60))


def test_async_http_operations(http_url):
    async def scenario():
        async with AsyncClient(http_url, timeout=20) as pool:
            answers = await asyncio.gather(
                pool.infer("expand_queries", "async one", deadline_ms=10000),
                pool.infer("enrich_metadata", "async two", deadline_ms=10000),
            )
            events = [e async for e in pool.infer_stream("recovery_plan", "HTTP 503", metadata={"error": "503"})]
            health = await pool.health()
            completion = await pool.chat("pool/judge", [{"role": "user", "content": "which is better?"}])
            chunks = [c async for c in pool.chat_stream("phi3:mini", [{"role": "user", "content": "hi"}])]
            with pytest.raises(NotFoundError):
                await pool.infer("no_such_task", "x")
            return answers, events, health, completion, chunks

    answers, events, health, completion, chunks = run(scenario())
    assert all(a.text.strip() for a in answers)
    assert isinstance(events[0], StreamStarted) and isinstance(events[-1], StreamFinal)
    assert "".join(e.text for e in events if isinstance(e, StreamDelta)) == events[-1].answer.text
    assert health.ready
    assert isinstance(completion, ChatCompletion) and completion.choices[0].message.content
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()


def test_async_grpc_operations(grpc_target):
    async def scenario():
        async with AsyncGrpcClient(grpc_target, timeout=20) as pool:
            answer = await pool.infer("expand_queries", "async grpc", request_id="py-aio-1")
            events = [e async for e in pool.infer_stream("expand_queries", "async grpc stream")]
            health = await pool.health()
            with pytest.raises(NotFoundError) as caught:
                await pool.infer("no_such_task", "x")
            return answer, events, health, caught.value

    answer, events, health, error = run(scenario())
    assert answer.request_id == "py-aio-1" and answer.text.strip()
    assert isinstance(events[0], StreamStarted) and isinstance(events[-1], StreamFinal)
    assert health.status == "SERVING"
    assert error.grpc_status == "NOT_FOUND"
