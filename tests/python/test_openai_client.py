"""The official `openai` Python package, an independent client, against llm-pool's
OpenAI-compatible API."""
import openai
import pytest
from openai import OpenAI


@pytest.fixture(scope="module")
def client(base_url):
    return OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=30)


def test_models_lists_models_and_tasks(client):
    ids = {m.id for m in client.models.list()}
    assert {"phi3:mini", "llama3.1:8b", "gemma2:9b"} <= ids
    assert "pool/expand_queries" in ids and "pool/judge" in ids


@pytest.mark.parametrize("model", ["pool/expand_queries", "phi3:mini", "llama3.1:8b"])
def test_chat_completion(client, model):
    completion = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "swift server frameworks"}], temperature=0
    )
    assert completion.object == "chat.completion"
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert completion.usage.total_tokens > 0
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert completion.usage.completion_tokens > 0


def test_streaming_matches_non_streaming(client):
    messages = [{"role": "user", "content": "rust async runtimes compared"}]
    whole = client.chat.completions.create(model="gemma2:9b", messages=messages, temperature=0)
    stream = client.chat.completions.create(
        model="gemma2:9b", messages=messages, temperature=0, stream=True,
        stream_options={"include_usage": True},
    )
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
    assert len(pieces) >= 2
    assert "".join(pieces) == whole.choices[0].message.content
    assert finish in ("stop", "length")
    assert usage is not None and usage.completion_tokens == whole.usage.completion_tokens


def test_streaming_a_task(client):
    stream = client.chat.completions.create(
        model="pool/recovery_plan", messages=[{"role": "user", "content": "HTTP 429 from example.org"}], stream=True
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.strip()


def test_unknown_model_is_404(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-nope", messages=[{"role": "user", "content": "hi"}])
    assert "unknown model" in str(info.value)


def test_empty_messages_is_400(client):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="pool/expand_queries", messages=[])


def test_request_id_is_echoed(client):
    raw = client.chat.completions.with_raw_response.create(
        model="phi3:mini", messages=[{"role": "user", "content": "hi"}],
        extra_headers={"X-Request-Id": "py-openai-1"},
    )
    assert raw.headers["x-request-id"] == "py-openai-1"
    assert raw.parse().id == "chatcmpl-py-openai-1"


def test_request_id_is_generated(client):
    raw = client.chat.completions.with_raw_response.create(
        model="phi3:mini", messages=[{"role": "user", "content": "hi"}]
    )
    request_id = raw.headers.get("x-request-id")
    assert request_id
    assert raw.parse().id == f"chatcmpl-{request_id}"
