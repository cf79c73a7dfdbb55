"""The synchronous HTTP client against an open demo: every operation, streaming, typed errors."""
import pytest
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from llm_pool import (
    Answer,
    APIConnectionError,
    Client,
    InvalidRequestError,
    NotFoundError,
    RetryPolicy,
    StreamDelta,
    StreamFinal,
    StreamStarted,
)


@pytest.fixture(scope="module")
def pool(http_url):
    with Client(http_url, timeout=20) as client:
        yield client


def test_infer(pool):
    answer = pool.infer("expand_queries", "swift server frameworks", deadline_ms=10000, request_id="py-sdk-1",
                        metadata={"max_queries": "3"})
    assert isinstance(answer, Answer)
    assert answer.request_id == "py-sdk-1"
    assert answer.text.strip()
    assert answer.strategy == "FASTEST"
    assert answer.model in {"phi3:mini", "gemma2:9b"}
    assert answer.decision is not None and answer.decision.winner == answer.provider
    assert any(c.outcome == "WON" and c.provider == answer.provider for c in answer.decision.candidates)
    assert answer.usage.input_tokens > 0 and answer.usage.output_tokens > 0
    assert answer.latency_ms > 0
    assert answer.rate_limit is None  # the open demo has no rate limits


def test_infer_with_a_strategy(pool):
    answer = pool.infer("expand_queries", "vector databases", strategy="VOTING", deadline_ms=15000)
    assert answer.strategy == "VOTING"
    assert answer.decision.strategy == "VOTING"
    assert len(answer.decision.candidates) >= 2


def test_deterministic_requests_are_cached(pool):
    first = pool.infer("expand_queries", "cache me please", temperature=0.0, deadline_ms=10000)
    second = pool.infer("expand_queries", "cache me please", temperature=0.0, deadline_ms=10000)
    assert second.cached and second.text == first.text


def test_infer_stream(pool):
    events = list(pool.infer_stream("recovery_plan", "HTTP 429 from example.org", metadata={"error": "429"},
                                    deadline_ms=10000))
    assert isinstance(events[0], StreamStarted) and events[0].type == "started"
    assert isinstance(events[-1], StreamFinal) and events[-1].type == "final"
    deltas = [e for e in events[1:-1] if isinstance(e, StreamDelta)]
    assert len(deltas) == len(events) - 2 and deltas
    final = events[-1].answer
    assert "".join(d.text for d in deltas) == final.text
    assert final.provider == events[0].provider and final.model == events[0].model
    assert final.usage.output_tokens > 0


def test_breaking_out_of_a_stream_closes_it(pool):
    stream = pool.infer_stream("judge", "is the sky blue?", deadline_ms=15000)
    first = next(stream)
    assert isinstance(first, StreamStarted)
    stream.close()
    # The client is still usable afterwards.
    assert pool.alive()


def test_health(pool):
    health = pool.health()
    assert health.ready and health.status == "ready"
    assert health.unserved_tasks == []
    names = {p.name for p in health.providers}
    assert {"phi3-mini", "llama31-8b", "gemma2-9b"} <= names
    assert all(p.healthy and p.breaker_state == "closed" for p in health.providers)
    assert pool.alive() is True


def test_models(pool):
    models = pool.models()
    assert all(isinstance(m, Model) for m in models)
    ids = {m.id for m in models}
    assert {"phi3:mini", "pool/expand_queries", "pool/judge"} <= ids


def test_chat_returns_the_openai_type(pool):
    completion = pool.chat("pool/expand_queries", [{"role": "user", "content": "vector databases"}])
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    assert completion.usage is not None and completion.usage.total_tokens > 0
    # llm-pool's own member survives the OpenAI type (extra fields are kept).
    assert completion.model_extra["llm_pool"]["strategy"] == "FASTEST"


def test_chat_stream(pool):
    chunks = list(pool.chat_stream("llama3.1:8b", [{"role": "user", "content": "hello"}], max_tokens=32))
    assert chunks and all(isinstance(c, ChatCompletionChunk) for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)


def test_unknown_task_is_not_found(pool):
    with pytest.raises(NotFoundError) as caught:
        pool.infer("no_such_task", "x")
    error = caught.value
    assert error.status == 404 and error.code == "not_found"
    assert "unknown task 'no_such_task'" in error.message
    assert error.request_id


def test_unknown_task_in_a_stream_raises_before_any_event(pool):
    with pytest.raises(NotFoundError):
        next(iter(pool.infer_stream("no_such_task", "x")))


def test_bad_input_names_the_limit(pool):
    with pytest.raises(InvalidRequestError) as caught:
        pool.infer("expand_queries", "x", max_tokens=999999)
    assert caught.value.status == 400 and caught.value.code == "invalid_argument"
    assert "max_tokens" in caught.value.message
    with pytest.raises(InvalidRequestError, match="input must not be empty"):
        pool.infer("expand_queries", "")


def test_unknown_chat_model(pool):
    with pytest.raises(NotFoundError, match="unknown model"):
        pool.chat("no-such-model", [{"role": "user", "content": "x"}])


def test_an_unknown_strategy_is_refused_before_sending(pool):
    with pytest.raises(ValueError, match="strategy must be one of"):
        pool.infer("expand_queries", "x", strategy="RANDOM")


def test_connection_refused_is_a_connection_error():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}", retry=RetryPolicy(max_retries=1, backoff_seconds=0.01)) as client:
        with pytest.raises(APIConnectionError):
            client.alive()
