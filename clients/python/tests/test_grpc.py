"""The synchronous gRPC client against an open demo."""
import pytest

from llm_pool import GrpcClient, InvalidRequestError, NotFoundError, StreamDelta, StreamFinal, StreamStarted


@pytest.fixture(scope="module")
def pool(grpc_target):
    with GrpcClient(grpc_target, timeout=20) as client:
        yield client


def test_infer(pool):
    answer = pool.infer("expand_queries", "swift grpc", deadline_ms=10000, request_id="py-sdk-grpc-1")
    assert answer.request_id == "py-sdk-grpc-1"
    assert answer.text.strip()
    assert answer.strategy == "FASTEST"
    assert answer.decision.winner == answer.provider
    assert answer.usage.input_tokens > 0


def test_infer_stream(pool):
    events = list(pool.infer_stream("recovery_plan", "timeout from example.org", metadata={"error": "timeout"}))
    assert isinstance(events[0], StreamStarted)
    assert isinstance(events[-1], StreamFinal)
    deltas = [e.text for e in events if isinstance(e, StreamDelta)]
    assert deltas and "".join(deltas) == events[-1].answer.text


def test_health(pool):
    health = pool.health()
    assert health.ready and health.status == "SERVING"
    assert {p.name for p in health.providers} >= {"phi3-mini", "llama31-8b", "gemma2-9b"}
    assert all(p.breaker_state == "closed" for p in health.providers)


def test_errors_are_typed_from_status_and_trailer(pool):
    with pytest.raises(NotFoundError) as caught:
        pool.infer("no_such_task", "x")
    assert caught.value.grpc_status == "NOT_FOUND" and caught.value.code == "not_found"
    with pytest.raises(InvalidRequestError) as caught:
        pool.infer("expand_queries", "")
    assert caught.value.grpc_status == "INVALID_ARGUMENT" and caught.value.code == "invalid_argument"
    with pytest.raises(NotFoundError):
        list(pool.infer_stream("no_such_task", "x"))
