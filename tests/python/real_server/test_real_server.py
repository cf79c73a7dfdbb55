"""llm-pool in front of a real llama.cpp server (llama-cpp-python's OpenAI-compatible server, a
tiny random-weight GGUF under the aliases tiny-a and tiny-b), driven by the official `openai`
client, `requests` and grpcio.

Provider llama-a talks to llama.cpp directly; llama-b goes through a recording proxy, so the
tests can assert what reached llama.cpp. Answers at temperature 0 are greedy and so
deterministic: what llm-pool returns is compared with what the same request gets from llama.cpp
directly. Every input carries a fresh id, so no answer comes from llm-pool's cache.

The last two tests kill llama.cpp (mid-stream, then while idle) and restart it; keep them last.
"""
from __future__ import annotations

import importlib
import json
import pathlib
import sys
import tempfile
import threading
import time
import uuid

import grpc
import openai
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

ROOT = pathlib.Path(__file__).resolve().parents[3]
ALIASES = {"tiny-a": "llama-a", "tiny-b": "llama-b"}


def fresh(text: str) -> str:
    return f"{text} [{uuid.uuid4().hex[:10]}]"


def tokens_total(pool) -> dict[tuple[str, str], float]:
    """llm_pool_tokens_total by (provider, type)."""
    text = requests.get(f"{pool.http}/metrics", timeout=10).text
    out: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "llm_pool_tokens_total":
                key = (sample.labels.get("provider", ""), sample.labels.get("type", ""))
                out[key] = out.get(key, 0.0) + sample.value
    return out


# --- health and the model list -------------------------------------------------------------


def test_readyz_sees_both_providers_healthy(pool):
    r = requests.get(f"{pool.http}/readyz", timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert {p["name"]: p["healthy"] for p in body["providers"]} == {
        "llama-a": True, "llama-b": True, "llama-embed": True}
    assert requests.get(f"{pool.http}/healthz", timeout=10).status_code == 200


def test_models_lists_both_models_and_the_tasks(client, direct):
    upstream = {m.id for m in direct.models.list()}
    assert upstream == {"tiny-a", "tiny-b", "tiny-embed"}
    listed = {m.id: m for m in client.models.list()}
    assert {"tiny-a", "tiny-b", "tiny-embed", "pool/chat_fast", "pool/chat_vote", "pool/chat_b"} <= set(listed)
    assert listed["tiny-a"].owned_by == "llm-pool/llama-a"
    assert listed["tiny-b"].owned_by == "llm-pool/llama-b"


# --- OpenAI-compatible chat completions ------------------------------------------------------


@pytest.mark.parametrize("model", ["tiny-a", "tiny-b"])
def test_chat_completion_naming_the_model_matches_llama_cpp(client, direct, model):
    messages = [{"role": "system", "content": "You are terse."},
                {"role": "user", "content": fresh("name three rivers")}]
    raw = client.chat.completions.with_raw_response.create(model=model, messages=messages, max_tokens=12,
                                                           temperature=0)
    completion = raw.parse()
    expected = direct.chat.completions.create(model=model, messages=messages, max_tokens=12, temperature=0)
    assert completion.object == "chat.completion"
    assert completion.model == model
    choice = completion.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == expected.choices[0].message.content
    assert choice.message.content.strip()
    assert choice.finish_reason == expected.choices[0].finish_reason == "length"
    # upstream_streaming (the default for kind "openai") streams the call from llama.cpp, whose
    # streams carry no usage: the output is counted (one delta per token, exact), the prompt
    # estimated as bytes / 4 (llama.cpp's chat template adds tokens the estimate cannot see).
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens == expected.usage.completion_tokens == 12
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert raw.headers["x-llm-pool-provider"] == ALIASES[model]
    assert raw.headers["x-llm-pool-model"] == model
    assert raw.headers["x-llm-pool-cache"] == "miss"


def test_upstream_gets_the_messages_and_parameters_as_sent(client, proxy):
    proxy.clear()
    messages = [{"role": "system", "content": "Answer in French."},
                {"role": "user", "content": fresh("hello")},
                {"role": "assistant", "content": "bonjour"},
                {"role": "user", "content": "again"}]
    completion = client.chat.completions.create(model="tiny-b", messages=messages, max_tokens=7, temperature=0.5)
    assert completion.choices[0].message.content
    calls = proxy.completions()
    assert len(calls) == 1, [c["json"] for c in calls]
    sent = calls[0]["json"]
    assert calls[0]["path"] == "/v1/chat/completions"
    assert sent["model"] == "tiny-b"
    assert [{"role": m["role"], "content": m["content"]} for m in sent["messages"]] == messages
    assert sent["max_tokens"] == 7
    assert sent["temperature"] == pytest.approx(0.5)
    # A plain request is streamed upstream (upstream_streaming), so that a cancelled call stops
    # llama.cpp's generation; llm-pool assembles the answer.
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert calls[0]["status"] == 200


def test_chat_completion_of_a_fastest_task(client):
    raw = client.chat.completions.with_raw_response.create(
        model="pool/chat_fast", messages=[{"role": "user", "content": fresh("list some colours")}])
    completion = raw.parse()
    assert completion.choices[0].message.content.strip()
    assert completion.choices[0].finish_reason == "length"  # the task's max_tokens = 16
    assert completion.usage.completion_tokens == 16
    assert completion.usage.prompt_tokens > 0
    assert raw.headers["x-llm-pool-strategy"] == "FASTEST"
    assert raw.headers["x-llm-pool-task"] == "chat_fast"
    assert raw.headers["x-llm-pool-provider"] in ("llama-a", "llama-b")
    assert completion.model in ("tiny-a", "tiny-b")


def test_task_renders_the_prompt_upstream_and_relays_the_answer(client, direct, proxy):
    """chat_b has the one provider behind the proxy: the upstream body is the rendered template."""
    proxy.clear()
    question = fresh("what is a tiny model")
    completion = client.chat.completions.create(model="pool/chat_b", messages=[{"role": "user", "content": question}])
    calls = proxy.completions()
    assert len(calls) == 1
    sent = calls[0]["json"]
    assert sent["model"] == "tiny-b"
    assert sent["max_tokens"] == 12
    assert sent["temperature"] == 0
    assert sent["messages"][-1] == {"role": "user", "content": f"{question}\n"}
    expected = direct.chat.completions.create(model="tiny-b", messages=sent["messages"], max_tokens=12, temperature=0)
    assert completion.choices[0].message.content == expected.choices[0].message.content
    # Streamed upstream (upstream_streaming), where llama.cpp reports no usage: output counted, prompt estimated.
    assert completion.usage.completion_tokens == expected.usage.completion_tokens
    assert completion.usage.prompt_tokens > 0


def test_chat_completion_of_a_voting_task(client):
    # Both aliases serve the same weights and temperature 0 is greedy: the two answers agree.
    raw = client.chat.completions.with_raw_response.create(
        model="pool/chat_vote", messages=[{"role": "user", "content": fresh("vote on this")}])
    completion = raw.parse()
    assert raw.headers["x-llm-pool-strategy"] == "VOTING"
    assert completion.choices[0].message.content.strip()
    assert completion.usage.completion_tokens == 8
    reason = completion.model_extra.get("llm_pool", {}).get("reason", "")
    assert "2 of 2" in reason, completion.model_extra


# --- streaming ------------------------------------------------------------------------------


def _read_stream(stream):
    pieces, finish, roles = [], None, []
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.role:
                roles.append(choice.delta.role)
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish = choice.finish_reason or finish
    return pieces, finish, roles


@pytest.mark.parametrize("model", ["tiny-a", "tiny-b"])
def test_streaming_yields_the_same_text_as_llama_cpp(client, direct, proxy, model):
    proxy.clear()
    messages = [{"role": "user", "content": fresh("stream me something")}]
    pieces, finish, roles = _read_stream(
        client.chat.completions.create(model=model, messages=messages, max_tokens=20, temperature=0, stream=True))
    expected = direct.chat.completions.create(model=model, messages=messages, max_tokens=20, temperature=0)
    assert len(pieces) >= 2
    assert "".join(pieces) == expected.choices[0].message.content
    assert finish == "length"
    assert roles[:1] == ["assistant"]
    if model == "tiny-b":
        streamed = [c for c in proxy.completions() if (c["json"] or {}).get("stream")]
        assert len(streamed) == 1
        assert streamed[0]["json"]["max_tokens"] == 20
        assert b"data: [DONE]" in streamed[0]["response"]


def test_streaming_a_task(client):
    pieces, finish, _ = _read_stream(client.chat.completions.create(
        model="pool/chat_fast", messages=[{"role": "user", "content": fresh("stream a task")}], stream=True))
    assert len(pieces) >= 2 and "".join(pieces).strip()
    assert finish == "length"


# --- the native JSON API --------------------------------------------------------------------


def test_native_infer(pool, direct):
    question = fresh("native infer")
    r = requests.post(f"{pool.http}/v1/infer", json={"task": "chat_fast", "input": question, "deadlineMs": 20000},
                      timeout=30)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["strategy"] == "FASTEST"
    assert answer["provider"] in ("llama-a", "llama-b")
    assert answer["model"] == {"llama-a": "tiny-a", "llama-b": "tiny-b"}[answer["provider"]]
    assert answer["decision"]["winner"] == answer["provider"]
    assert answer["usage"]["inputTokens"] > 0
    assert answer["usage"]["outputTokens"] == 16
    assert answer["finishReason"] == "length"
    expected = direct.chat.completions.create(model=answer["model"], messages=[{"role": "user", "content": f"{question}\n"}],
                                              max_tokens=16, temperature=0)
    assert answer["text"] == expected.choices[0].message.content
    # The prompt count is estimated (bytes / 4): llama.cpp's streams, used for every call, carry no usage.
    assert answer["usage"]["inputTokens"] > 0


def test_native_infer_stream(pool, direct):
    question = fresh("native stream")
    r = requests.post(f"{pool.http}/v1/infer/stream", json={"task": "chat_b", "input": question},
                      stream=True, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    # Server-sent events are UTF-8 whatever the content type says (requests would guess Latin-1).
    lines = [line.decode("utf-8") for line in r.iter_lines()]
    chunks = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert chunks, "no events"
    assert chunks[0]["started"] == {"provider": "llama-b", "model": "tiny-b"}
    deltas = [c["delta"] for c in chunks if "delta" in c]
    assert len(deltas) >= 2
    final = chunks[-1]["final"]
    assert final["text"] == "".join(deltas)
    assert final["provider"] == "llama-b"
    assert final["finishReason"] == "length"
    expected = direct.chat.completions.create(model="tiny-b", messages=[{"role": "user", "content": f"{question}\n"}],
                                              max_tokens=12, temperature=0)
    assert final["text"] == expected.choices[0].message.content


def test_native_deadline_gives_504_quickly(pool):
    # 450 tokens take llama.cpp about a second; the deadline is 150 ms.
    t = time.monotonic()
    r = requests.post(f"{pool.http}/v1/infer", timeout=30, json={
        "task": "chat_fast", "input": fresh("too slow"), "deadlineMs": 150, "maxTokens": 450})
    took = time.monotonic() - t
    assert r.status_code == 504, r.text
    assert r.json()["error"]["code"] == "deadline_exceeded"
    assert took < 5, f"504 after {took:.1f} s"


def test_deterministic_repeat_is_served_from_the_cache(client, proxy):
    proxy.clear()
    messages = [{"role": "user", "content": fresh("cache me")}]
    first = client.chat.completions.with_raw_response.create(model="tiny-b", messages=messages, max_tokens=5,
                                                             temperature=0)
    second = client.chat.completions.with_raw_response.create(model="tiny-b", messages=messages, max_tokens=5,
                                                              temperature=0)
    assert first.headers["x-llm-pool-cache"] == "miss"
    assert second.headers["x-llm-pool-cache"] == "hit"
    assert len(proxy.completions()) == 1, "the repeat reached llama.cpp"
    a, b = first.parse(), second.parse()
    assert b.choices[0].message.content == a.choices[0].message.content
    assert b.usage.completion_tokens == a.usage.completion_tokens == 5
    assert b.usage.prompt_tokens == a.usage.prompt_tokens > 0


# --- every field reaches llama.cpp and comes back (issue 12) ----------------------------------

WEATHER_TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
FORCE_WEATHER = {"type": "function", "function": {"name": "get_weather"}}


def only_upstream_body(proxy) -> dict:
    calls = proxy.completions()
    assert len(calls) == 1, [c["json"] for c in calls]
    return calls[0]["json"]


def test_tools_reach_llama_cpp_and_the_tool_call_comes_back(client, direct, proxy):
    proxy.clear()
    kw = dict(model="tiny-b", messages=[{"role": "user", "content": fresh("weather in Paris")}], max_tokens=40,
              temperature=0, tools=WEATHER_TOOLS, tool_choice=FORCE_WEATHER)
    completion = client.chat.completions.create(**kw)
    sent = only_upstream_body(proxy)
    assert sent["tools"] == WEATHER_TOOLS
    assert sent["tool_choice"] == FORCE_WEATHER
    expected = direct.chat.completions.create(**kw)
    choice, want = completion.choices[0], expected.choices[0]
    assert choice.finish_reason == want.finish_reason == "tool_calls"
    assert choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert call.function.arguments.startswith('{"city":"')
    assert call.function.arguments == want.message.tool_calls[0].function.arguments
    assert call.id


def test_streamed_tool_call_deltas_and_finish_reason(client, direct):
    kw = dict(model="tiny-b", messages=[{"role": "user", "content": fresh("weather in Rome")}], max_tokens=30,
              temperature=0, tools=WEATHER_TOOLS, tool_choice=FORCE_WEATHER, stream=True)

    def read(stream):
        names, arguments, finish = [], "", None
        for chunk in stream:
            for choice in chunk.choices:
                for fragment in choice.delta.tool_calls or []:
                    assert fragment.index == 0
                    if fragment.function and fragment.function.name:
                        names.append(fragment.function.name)
                    arguments += (fragment.function.arguments or "") if fragment.function else ""
                finish = choice.finish_reason or finish
        return names, arguments, finish

    names, arguments, finish = read(client.chat.completions.create(**kw))
    want_names, want_arguments, want_finish = read(direct.chat.completions.create(**kw))
    assert finish == want_finish == "tool_calls"
    assert names and set(names) == {"get_weather"}
    assert arguments == want_arguments
    assert arguments.startswith('{"city":"')


def test_tool_conversation_round_trips(client, direct, proxy):
    """The assistant's tool call and the tool's result (with its tool_call_id) reach llama.cpp whole.
    (llama-cpp-python 0.3.16 wants the assistant's `content` as a string, not null: "" here.)"""
    question = {"role": "user", "content": fresh("weather in Oslo")}
    first = client.chat.completions.create(model="tiny-b", messages=[question], max_tokens=20, temperature=0,
                                           tools=WEATHER_TOOLS, tool_choice=FORCE_WEATHER)
    call = first.choices[0].message.tool_calls[0]
    messages = [question,
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": call.id, "type": "function",
                     "function": {"name": call.function.name, "arguments": call.function.arguments}}]},
                {"role": "tool", "tool_call_id": call.id, "content": "18 C and sunny"}]
    proxy.clear()
    answer = client.chat.completions.create(model="tiny-b", messages=messages, max_tokens=8, temperature=0,
                                            tools=WEATHER_TOOLS)
    sent = only_upstream_body(proxy)
    assert sent["messages"] == messages
    expected = direct.chat.completions.create(model="tiny-b", messages=messages, max_tokens=8, temperature=0,
                                              tools=WEATHER_TOOLS)
    assert answer.choices[0].message.content == expected.choices[0].message.content
    assert answer.choices[0].finish_reason == expected.choices[0].finish_reason


def test_tools_through_a_fastest_task(client, proxy):
    proxy.clear()
    completion = client.chat.completions.create(model="pool/chat_b", messages=[
        {"role": "user", "content": fresh("weather in Lima")}], tools=WEATHER_TOOLS, tool_choice=FORCE_WEATHER)
    sent = only_upstream_body(proxy)
    assert sent["tools"] == WEATHER_TOOLS and sent["tool_choice"] == FORCE_WEATHER
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_several_choices_of_a_task_are_refused(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="pool/chat_b", n=2, messages=[{"role": "user", "content": fresh("n")}])
    assert refused.value.param == "n"


def test_response_format_json_object(client, direct, proxy):
    proxy.clear()
    kw = dict(model="tiny-b", max_tokens=20, temperature=0, messages=[{"role": "user", "content": fresh("hi")}],
              response_format={"type": "json_object"})
    completion = client.chat.completions.create(**kw)
    assert only_upstream_body(proxy)["response_format"] == {"type": "json_object"}
    expected = direct.chat.completions.create(**kw)
    assert completion.choices[0].message.content == expected.choices[0].message.content
    assert completion.choices[0].message.content.startswith('{"')


def test_response_format_with_a_pydantic_schema(client, direct, proxy):
    """llama-cpp-python's own schema extension (`json_object` + `schema`) is forwarded as is: the answer
    follows the Pydantic model's schema."""
    from pydantic import BaseModel

    class Reading(BaseModel):
        celsius: int
        raining: bool

    proxy.clear()
    kw = dict(model="tiny-b", max_tokens=40, temperature=0, messages=[{"role": "user", "content": fresh("now")}],
              response_format={"type": "json_object", "schema": Reading.model_json_schema()})
    completion = client.chat.completions.create(**kw)
    assert only_upstream_body(proxy)["response_format"] == kw["response_format"]
    content = completion.choices[0].message.content
    assert content == direct.chat.completions.create(**kw).choices[0].message.content
    assert isinstance(Reading.model_validate_json(content), Reading)


def test_sdk_parse_sends_its_json_schema_unchanged(client, direct, proxy):
    """`chat.completions.parse` sends `response_format: {"type": "json_schema", ...}`: llm-pool forwards it
    unchanged. llama-cpp-python 0.3.16 refuses that type (HTTP 500, "Input should be 'text' or
    'json_object'"), directly and through llm-pool alike."""
    from openai.lib._parsing._completions import type_to_response_format_param
    from pydantic import BaseModel

    class Reading(BaseModel):
        celsius: int
        raining: bool

    def parse(on):
        parser = getattr(on.chat.completions, "parse", None) or on.beta.chat.completions.parse
        return parser(model="tiny-b", max_tokens=40, temperature=0, response_format=Reading,
                      messages=[{"role": "user", "content": fresh("parse")}])

    proxy.clear()
    with pytest.raises(openai.APIStatusError) as through_pool:
        parse(client)
    assert only_upstream_body(proxy)["response_format"] == type_to_response_format_param(Reading)
    assert "json_schema" in str(through_pool.value)
    with pytest.raises(openai.APIStatusError):
        parse(direct)


def test_stop_reaches_llama_cpp_plain_and_streamed(client, direct, proxy):
    proxy.clear()
    kw = dict(model="tiny-b", max_tokens=20, temperature=0, messages=[{"role": "user", "content": fresh("hi")}],
              stop=["e"])
    completion = client.chat.completions.create(**kw)
    assert only_upstream_body(proxy)["stop"] == ["e"]
    expected = direct.chat.completions.create(**kw)
    content = completion.choices[0].message.content
    assert content == expected.choices[0].message.content
    assert "e" not in content
    assert completion.choices[0].finish_reason == expected.choices[0].finish_reason == "stop"
    pieces, finish, _ = _read_stream(client.chat.completions.create(**kw, stream=True))
    assert "".join(pieces) == content
    assert finish == "stop"


def test_stop_is_part_of_the_cache_key(client, proxy):
    proxy.clear()
    messages = [{"role": "user", "content": fresh("cache with stop")}]
    create = client.chat.completions.with_raw_response.create
    plain = create(model="tiny-b", messages=messages, max_tokens=20, temperature=0)
    stopped = create(model="tiny-b", messages=messages, max_tokens=20, temperature=0, stop=["e"])
    again = create(model="tiny-b", messages=messages, max_tokens=20, temperature=0, stop=["e"])
    assert [r.headers["x-llm-pool-cache"] for r in (plain, stopped, again)] == ["miss", "miss", "hit"]
    assert len(proxy.completions()) == 2
    assert "e" in plain.parse().choices[0].message.content
    assert "e" not in stopped.parse().choices[0].message.content
    assert again.parse().choices[0].message.content == stopped.parse().choices[0].message.content


def test_seed_makes_sampling_repeatable_and_cacheable(client, direct, proxy):
    proxy.clear()
    messages = [{"role": "user", "content": fresh("hi")}]
    create = client.chat.completions.with_raw_response.create
    kw = dict(model="tiny-b", messages=messages, max_tokens=8, temperature=1.0)
    first, second, other = create(**kw, seed=42), create(**kw, seed=42), create(**kw, seed=43)
    text = first.parse().choices[0].message.content
    assert second.parse().choices[0].message.content == text
    assert text == direct.chat.completions.create(**kw, seed=42).choices[0].message.content
    assert other.parse().choices[0].message.content != text
    # A seed fixes the draw, so the repeat is served from the cache even at temperature 1.
    assert [r.headers["x-llm-pool-cache"] for r in (first, second, other)] == ["miss", "hit", "miss"]
    assert [c["json"]["seed"] for c in proxy.completions()] == [42, 43]


def test_sampling_parameters_and_logprobs_are_forwarded(client, direct, proxy):
    proxy.clear()
    messages = [{"role": "user", "content": fresh("sample")}]
    extra = dict(top_p=0.0001, presence_penalty=0.25, frequency_penalty=0.5, logprobs=True, top_logprobs=2, n=1,
                 user="someone", logit_bias={"13": -100})
    completion = client.chat.completions.create(model="tiny-b", messages=messages, max_tokens=6, temperature=1.0,
                                                extra_body={"top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1},
                                                **extra)
    sent = only_upstream_body(proxy)
    for name, value in {**extra, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1}.items():
        assert sent[name] == value, name
    expected = direct.chat.completions.create(model="tiny-b", messages=messages, max_tokens=6, temperature=1.0,
                                              extra_body={"top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1},
                                              **extra)
    assert completion.choices[0].message.content == expected.choices[0].message.content
    tokens = [t.token for t in completion.choices[0].logprobs.content]
    assert tokens == [t.token for t in expected.choices[0].logprobs.content]
    assert len(completion.choices[0].logprobs.content[0].top_logprobs) == 2
    # top_p that small leaves one candidate: the greedy answer.
    greedy = direct.chat.completions.create(model="tiny-b", messages=messages, max_tokens=6, temperature=0)
    nucleus = client.chat.completions.create(model="tiny-b", messages=messages, max_tokens=6, temperature=1.0,
                                             top_p=0.0001)
    assert nucleus.choices[0].message.content == greedy.choices[0].message.content


# --- gRPC -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stubs():
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="llmpool-real-grpc-")
    code = protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", f"--grpc_python_out={out}",
                        "vvtv/llmpool/v1/llmpool.proto"])
    assert code == 0, "protoc failed for llmpool.proto"
    sys.path.insert(0, out)
    return (importlib.import_module("vvtv.llmpool.v1.llmpool_pb2"),
            importlib.import_module("vvtv.llmpool.v1.llmpool_pb2_grpc"))


@pytest.fixture(scope="module")
def stub(pool, stubs):
    _, pool_grpc = stubs
    with grpc.insecure_channel(pool.grpc) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        yield pool_grpc.LlmPoolStub(channel)


def test_grpc_infer_voting(stubs, stub):
    pool_pb2, _ = stubs
    answer, call = stub.Infer.with_call(
        pool_pb2.Query(task="chat_vote", input=fresh("grpc vote"), deadline_ms=20000),
        metadata=[("x-request-id", "real-grpc-1")], timeout=30)
    assert answer.request_id == "real-grpc-1"
    assert answer.strategy == pool_pb2.VOTING
    assert answer.text.strip()
    assert answer.usage.input_tokens > 0 and answer.usage.output_tokens == 8
    assert answer.decision.winner == answer.provider
    assert {c.provider for c in answer.decision.candidates} == {"llama-a", "llama-b"}
    assert answer.finish_reason == "length"


def test_grpc_infer_stream(stubs, stub):
    pool_pb2, _ = stubs
    chunks = list(stub.InferStream(pool_pb2.Query(task="chat_fast", input=fresh("grpc stream"), max_tokens=10),
                                   timeout=30))
    assert chunks[0].WhichOneof("event") == "started"
    assert chunks[-1].WhichOneof("event") == "final"
    deltas = [c.delta for c in chunks if c.WhichOneof("event") == "delta"]
    assert len(deltas) >= 2
    assert "".join(deltas) == chunks[-1].final.text
    assert chunks[-1].final.provider == chunks[0].started.provider


# --- usage and metrics ----------------------------------------------------------------------


def test_usage_moves_llm_pool_tokens_total(client, pool):
    before = tokens_total(pool)
    completion = client.chat.completions.create(model="tiny-a", messages=[{"role": "user", "content": fresh("count")}],
                                                max_tokens=9, temperature=0)
    assert completion.usage.completion_tokens == 9
    assert completion.usage.prompt_tokens > 0
    after = tokens_total(pool)
    moved = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert moved.get(("llama-a", "output")) == 9, moved
    assert moved.get(("llama-a", "input")) == completion.usage.prompt_tokens, moved


def stream_usage(client, **kwargs):
    """Streams a chat completion with include_usage; returns (content deltas, the usage reported)."""
    deltas, usage = [], None
    for chunk in client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kwargs):
        if chunk.choices and chunk.choices[0].delta.content:
            deltas.append(chunk.choices[0].delta.content)
        if chunk.usage is not None:
            usage = chunk.usage
    return deltas, usage


def test_stream_usage_is_counted_when_llama_cpp_omits_it(client, direct, pool):
    """llama-cpp-python ignores include_usage; llm-pool counts the deltas and estimates the prompt."""
    messages = [{"role": "user", "content": fresh("m")}]
    _, upstream = stream_usage(direct, model="tiny-b", messages=messages, max_tokens=6, temperature=0)
    assert upstream is None, "llama.cpp now reports stream usage: this check no longer proves anything"
    before = tokens_total(pool)
    deltas, usage = stream_usage(client, model="tiny-b", messages=messages, max_tokens=6, temperature=0)
    assert usage is not None
    assert usage.completion_tokens == len(deltas) == 6
    assert usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    after = tokens_total(pool)
    assert after.get(("llama-b", "output"), 0) - before.get(("llama-b", "output"), 0) == 6
    # The cached answer of the stream serves a plain repeat with the same counts, not zeros.
    repeat = client.chat.completions.with_raw_response.create(model="tiny-b", messages=messages, max_tokens=6,
                                                              temperature=0)
    assert repeat.headers["x-llm-pool-cache"] == "hit"
    assert repeat.parse().usage.completion_tokens == 6
    assert int(repeat.headers["x-llm-pool-tokens"]) == usage.total_tokens


# --- upstream client errors -----------------------------------------------------------------

OVERSIZED = "word " * 900  # llama.cpp's context is 512 tokens


def breaker_state(pool, provider: str) -> float:
    text = requests.get(f"{pool.http}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "llm_pool_circuit_breaker_state" and sample.labels.get("provider") == provider:
                return sample.value
    raise AssertionError(f"no llm_pool_circuit_breaker_state for {provider}")


def test_context_length_exceeded_is_a_400_that_spares_the_breaker(client, pool):
    for _ in range(6):
        with pytest.raises(openai.BadRequestError) as raised:
            client.chat.completions.create(model="tiny-a", max_tokens=5,
                                           messages=[{"role": "user", "content": fresh(OVERSIZED)}])
        error = raised.value
        assert error.code == "context_length_exceeded"
        assert error.param == "messages"
        assert "llama-a" in error.message and "context" in error.message
    assert breaker_state(pool, "llama-a") == 0
    ok = client.chat.completions.create(model="tiny-a", max_tokens=3, messages=[{"role": "user", "content": fresh("hi")}])
    assert ok.choices[0].message.content is not None


def test_context_length_exceeded_through_a_task_asks_one_provider_once(client, proxy):
    """chat_fast asks llama-a first; a 400 is the request's fault, so llama-b (behind the proxy) is never asked."""
    proxy.clear()
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="pool/chat_fast", messages=[{"role": "user", "content": fresh(OVERSIZED)}])
    assert raised.value.code == "context_length_exceeded"
    assert proxy.completions() == []
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="pool/chat_b", messages=[{"role": "user", "content": fresh(OVERSIZED)}])
    # upstream_streaming sends the call streamed; llama-cpp-python answers such a stream 200 and
    # closes it without a word, so llm-pool asks once more plainly to learn why (the 400).
    assert [call["json"].get("stream", False) for call in proxy.completions()] == [True, False]


def test_context_length_exceeded_over_grpc_is_invalid_argument(stubs, stub):
    pool_pb2, _ = stubs
    with pytest.raises(grpc.RpcError) as raised:
        stub.Infer(pool_pb2.Query(task="chat_fast", input=fresh(OVERSIZED), deadline_ms=20000), timeout=30)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    trailers = dict(raised.value.trailing_metadata() or ())
    assert trailers.get("llm-pool-error") == "context_length_exceeded"


# --- Embeddings --------------------------------------------------------------------------------


def test_embeddings_relay_what_llama_cpp_answers_and_are_cached(pool, llama):
    body = {"model": "tiny-embed", "input": fresh("embed me")}
    want = requests.post(f"{llama.base_url}/v1/embeddings", json=body, timeout=60)
    assert want.status_code == 200, want.text
    got = requests.post(f"{pool.http}/v1/embeddings", json=body, timeout=60)
    assert got.status_code == 200, got.text
    assert got.headers["x-llm-pool-provider"] == "llama-embed"
    assert got.headers["x-llm-pool-cache"] == "miss"
    answer, direct_answer = got.json(), want.json()
    assert answer["object"] == "list"
    assert answer["model"] == "tiny-embed"
    # llama.cpp's vectors (token-level for this model) reach the client unchanged.
    assert answer["data"] == direct_answer["data"]
    assert answer["usage"] == direct_answer["usage"]
    again = requests.post(f"{pool.http}/v1/embeddings", json=body, timeout=60)
    assert again.headers["x-llm-pool-cache"] == "hit"
    assert again.json()["data"] == direct_answer["data"]


def test_embeddings_through_the_openai_sdk(client):
    created = client.embeddings.create(model="tiny-embed", input=fresh("sdk"), encoding_format="float")
    assert created.model == "tiny-embed"
    assert len(created.data) == 1 and created.data[0].embedding
    assert created.usage.prompt_tokens > 0


def test_embeddings_of_an_unknown_model_are_a_404_naming_the_field(pool):
    r = requests.post(f"{pool.http}/v1/embeddings", json={"model": "tiny-a", "input": "x"}, timeout=30)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["param"] == "model"


# --- llama.cpp dies mid-stream, then comes back ---------------------------------------------


def poll_until_ok(pool, since: float, bound_s: float, interval_s: float = 0.25):
    """Asks llm-pool for tiny-a until it answers 200; returns (seconds since `since`, attempts, failures)."""
    attempts, failures = 0, []
    deadline = since + bound_s
    while time.monotonic() < deadline:
        attempts += 1
        r = requests.post(f"{pool.http}/v1/chat/completions", timeout=30, json={
            "model": "tiny-a", "max_tokens": 2, "messages": [{"role": "user", "content": fresh("back?")}]})
        if r.status_code == 200:
            return time.monotonic() - since, attempts, failures
        message = r.json().get("error", {}).get("message", "") if r.headers.get("content-type", "").startswith(
            "application/json") else r.text
        failures.append((round(time.monotonic() - since, 2), r.status_code, message[:150]))
        time.sleep(interval_s)
    raise AssertionError(f"llm-pool did not answer 200 within {bound_s} s; last failures {failures[-3:]}")



def test_kill_mid_stream_then_recover(client, direct, llama, pool):
    messages = [{"role": "user", "content": fresh("a long answer, please")}]
    max_tokens = 450  # prompt + completion stay within n_ctx = 512
    full = direct.chat.completions.create(model="tiny-a", messages=messages, max_tokens=max_tokens, temperature=0)
    full_text = full.choices[0].message.content
    assert full.usage.completion_tokens == max_tokens

    result: dict = {"pieces": [], "finish": None, "error": None}
    killed = threading.Event()

    def consume():
        try:
            stream = client.chat.completions.create(model="tiny-a", messages=messages, max_tokens=max_tokens,
                                                    temperature=0, stream=True, timeout=30)
            for chunk in stream:
                for choice in chunk.choices:
                    if choice.delta.content:
                        result["pieces"].append(choice.delta.content)
                        if not killed.is_set():
                            llama.kill()
                            killed.set()
                    result["finish"] = choice.finish_reason or result["finish"]
        except Exception as e:  # what the client sees is the point of the test
            result["error"] = e
        finally:
            result["ended_at"] = time.monotonic()

    t0 = time.monotonic()
    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    reader.join(timeout=45)
    assert not reader.is_alive(), f"the client hung for 45 s after llama.cpp was killed (got {len(result['pieces'])} pieces)"
    assert killed.is_set(), f"the stream produced no content before the kill: {result}"
    text = "".join(result["pieces"])
    print(f"\nkill mid-stream: {len(result['pieces'])} pieces ({len(text)} chars of {len(full_text)}) in "
          f"{result['ended_at'] - t0:.2f} s, finish={result['finish']!r}, error={result['error']!r}")
    assert text != full_text or result["error"] is not None, "the stream completed as if nothing happened"
    assert full_text.startswith(text), "the text before the failure is not a prefix of the real answer"
    assert result["error"] is not None or result["finish"] is None, \
        f"a truncated stream claimed finish_reason={result['finish']!r}"

    # While llama.cpp is down: an error, quickly, not a hang.
    t = time.monotonic()
    with pytest.raises(openai.APIError) as down:
        client.chat.completions.create(model="tiny-a", messages=[{"role": "user", "content": fresh("anyone?")}],
                                       max_tokens=2, timeout=30)
    down_s = time.monotonic() - t
    status = getattr(down.value, "status_code", None)
    print(f"while down: {type(down.value).__name__} status={status} after {down_s:.2f} s")
    assert down_s < 20
    assert status in (502, 503, 504), repr(down.value)

    # Restart on the same port; once llama.cpp lists its models, llm-pool answers at once (two
    # failures so far: below the breaker's five consecutive ones).
    restart = time.monotonic()
    llama.start(wait=False)
    server_ready = llama.wait_ready(timeout=60)
    first_ok, attempts, failures = poll_until_ok(pool, restart, 90)
    print(f"recovery (breaker closed): llama.cpp ready {server_ready:.2f} s after the restart; first 200 from "
          f"llm-pool {first_ok:.2f} s after the restart ({attempts} attempts, failures {failures})")
    assert attempts == 1, f"llm-pool still failed after llama.cpp was back: {failures}"

    # The task and readiness come back too.
    completion = client.chat.completions.create(model="pool/chat_fast",
                                                messages=[{"role": "user", "content": fresh("fully back")}])
    assert completion.choices[0].message.content
    deadline = time.monotonic() + 30
    while requests.get(f"{pool.http}/readyz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "readyz did not return to 200 within 30 s"
        time.sleep(0.5)


def test_breaker_opens_while_llama_is_down_then_recovers(client, llama, pool):
    """llama.cpp killed while idle; callers keep asking, so llama-a's breaker opens (5 consecutive
    failures); after the restart llm-pool answers again once the breaker lets a probe through."""
    llama.kill()
    statuses = []
    for _ in range(6):
        r = requests.post(f"{pool.http}/v1/chat/completions", timeout=30, json={
            "model": "tiny-a", "max_tokens": 2, "messages": [{"role": "user", "content": fresh("down?")}]})
        statuses.append((r.status_code, r.json()["error"]["message"][:120]))
    assert all(status == 503 for status, _ in statuses), statuses
    assert "circuit breaker" in statuses[-1][1], statuses
    restart = time.monotonic()
    llama.start(wait=False)
    first_ok, attempts, failures = poll_until_ok(pool, restart, 60)
    print(f"\nrecovery (breaker open, cooldown_ms 10000): first 200 from llm-pool {first_ok:.2f} s after the "
          f"restart ({attempts} attempts; first failure {failures[:1]}, last {failures[-1:]})")
    assert first_ok < 10 + 5
    deadline = time.monotonic() + 30
    while requests.get(f"{pool.http}/readyz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "readyz did not return to 200 within 30 s"
        time.sleep(0.5)
