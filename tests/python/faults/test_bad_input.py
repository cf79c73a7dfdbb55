"""Bad input at both doors (issue 13 F1, F2, F4, F5, F10, F11, F13): one table of cases, each a
function that sends it and returns what the server did, then a bounded property-based fuzz
(hypothesis) over /v1/infer, /v1/infer/stream and /v1/chat/completions against providers that
always answer: no 5xx, no dropped connection, /healthz alive after every batch."""
from __future__ import annotations

import json
import socket
import time

import grpc
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import harness

MAX_BODY = 4096  # server.max_body_bytes
IDLE_MS = 800  # server.idle_timeout_ms
READ_MS = 800  # server.read_timeout_ms


def config(idle_ms: int, read_ms: int) -> harness.PoolConfig:
    return harness.PoolConfig(
        providers=[harness.ProviderSpec("fast-a", "phi3"), harness.ProviderSpec("fast-b", "llama", kind="openai"),
                   harness.ProviderSpec("solo", "gemma", kind="openai")],
        tasks=[harness.TaskSpec("duo", ["fast-a", "fast-b"]), harness.TaskSpec("solo", ["solo"])],
        default_deadline_ms=10000, max_body_bytes=MAX_BODY, idle_timeout_ms=idle_ms, read_timeout_ms=read_ms,
        consecutive_failures=1000, hedge_delay_ms=1000,
    )


@pytest.fixture(scope="module")
def instant_sim(tmp_path_factory):
    sim = harness.Simulator(tmp_path_factory.mktemp("bad-sim"), latency_scale=0)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def pool(instant_sim, tmp_path_factory):
    p = harness.Pool(tmp_path_factory.mktemp("bad"), config(IDLE_MS, READ_MS), instant_sim)
    yield p
    p.stop()


def raw(pool: harness.Pool, data: bytes, read_for: float = 3.0) -> tuple[bytes, float, bool]:
    """Sends bytes on a fresh connection and reads until the server closes it or `read_for` passes:
    (what came back, seconds until the close, whether it closed)."""
    with socket.create_connection(("127.0.0.1", pool.http_port), timeout=read_for) as s:
        started = time.monotonic()
        if data:
            s.sendall(data)
        got = b""
        s.settimeout(0.2)
        while time.monotonic() - started < read_for:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return got, time.monotonic() - started, True
            if not chunk:
                return got, time.monotonic() - started, True
            got += chunk
        return got, time.monotonic() - started, False


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def body_json(response: bytes) -> dict:
    return json.loads(response.split(b"\r\n\r\n", 1)[1] or b"{}")


# --- The table ------------------------------------------------------------------------------------

def unknown_route(pool):
    r = requests.post(f"{pool.http}/v1/nope", json={}, timeout=5)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"
    assert requests.get(f"{pool.http}/nope", timeout=5).status_code == 404


def wrong_method(pool):
    r = requests.get(f"{pool.http}/v1/infer", timeout=5)
    assert r.status_code == 405, r.text
    assert "POST" in r.headers.get("allow", ""), dict(r.headers)
    assert r.json()["error"]["code"] == "method_not_allowed"


def chunked_over_limit(pool):
    def chunks():
        for _ in range(MAX_BODY // 512 + 4):
            yield b"x" * 512
    r = requests.post(f"{pool.http}/v1/infer", data=chunks(), headers={"content-type": "application/json"}, timeout=5)
    assert r.status_code == 413, f"{r.status_code} {r.text}"
    assert r.json()["error"]["code"] == "payload_too_large"
    # The same over Content-Length.
    r = requests.post(f"{pool.http}/v1/infer", data=b"x" * (MAX_BODY + 1), timeout=5)
    assert r.status_code == 413, r.text


def task_of_wrong_type(pool):
    r = requests.post(f"{pool.http}/v1/infer", json={"task": 5, "input": "x"}, timeout=5)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == "task", error
    assert "task" in error["message"], error


def expect_continue(pool):
    body = json.dumps({"task": "duo", "input": "hello"}).encode()
    head = (f"POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", pool.http_port), timeout=5) as s:
        started = time.monotonic()
        s.sendall(head)
        s.settimeout(0.5)
        interim = s.recv(4096)  # raises socket.timeout if the server waits for the body
        took = time.monotonic() - started
        assert interim.startswith(b"HTTP/1.1 100"), interim
        assert took < 0.5, took
        s.settimeout(5)
        s.sendall(body)
        final = b""
        while b"\r\n\r\n" not in final:
            final += s.recv(65536)
        assert status_of(final) == 200, final[:300]


def idle_connection_closed(pool):
    before = harness.metric(pool.metrics(), "llm_pool_http_connections_closed_total", reason="idle")
    got, took, closed = raw(pool, b"", read_for=IDLE_MS / 1000 + 3)
    assert closed and got == b"", (got, took)
    assert IDLE_MS / 1000 - 0.1 <= took <= IDLE_MS / 1000 + 1.5, took
    # A kept-alive connection after its answer is idle too.
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    got, took, closed = raw(pool, req, read_for=IDLE_MS / 1000 + 3)
    assert status_of(got) == 200 and closed and took <= IDLE_MS / 1000 + 1.5, (got[:100], took)
    after = harness.metric(pool.metrics(), "llm_pool_http_connections_closed_total", reason="idle")
    assert after >= before + 2, (before, after)


def half_sent_body_closed(pool):
    before = harness.metric(pool.metrics(), "llm_pool_http_connections_closed_total", reason="read_timeout")
    req = (b"POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
           b'{"task": "duo", ')
    got, took, closed = raw(pool, req, read_for=READ_MS / 1000 + 3)
    assert closed, (got, took)
    assert READ_MS / 1000 - 0.1 <= took <= READ_MS / 1000 + 1.5, took
    assert status_of(got) in (0, 408), got[:200]
    after = harness.metric(pool.metrics(), "llm_pool_http_connections_closed_total", reason="read_timeout")
    assert after == before + 1, (before, after)


def grpc_message_over_limit(pool):
    pb2, pb2_grpc = harness.stubs()
    with grpc.insecure_channel(pool.grpc) as channel:
        with pytest.raises(grpc.RpcError) as info:
            pb2_grpc.LlmPoolStub(channel).Infer(pb2.Query(task="duo", input="x" * (MAX_BODY * 2)), timeout=10)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, info.value
    assert "max_body_bytes" in (info.value.details() or ""), info.value.details()


def grpc_long_client_deadline(pool):
    pb2, pb2_grpc = harness.stubs()
    with grpc.insecure_channel(pool.grpc) as channel:
        stub = pb2_grpc.LlmPoolStub(channel)
        answer = stub.Infer(pb2.Query(task="duo", input="a long deadline"), timeout=120)
        assert answer.text
        chunks = list(stub.InferStream(pb2.Query(task="duo", input="a long deadline"), timeout=120))
        assert chunks[-1].WhichOneof("event") == "final"


def stream_refusals_have_their_status(pool):
    # Refused before any provider is called: the status and JSON error of the unary endpoint.
    for path, body, status in [
        ("/v1/infer/stream", {"task": "nope", "input": "x"}, 404),
        ("/v1/infer/stream", {"task": "duo", "input": "x", "maxTokens": 0}, 400),
        ("/v1/infer/stream", {"task": "duo", "input": "x", "deadlineMs": 10**6}, 400),
        ("/v1/chat/completions", {"model": "pool/nope", "stream": True, "messages": [{"role": "user", "content": "x"}]},
         404),
    ]:
        r = requests.post(pool.http + path, json=body, timeout=5)
        assert r.status_code == status, f"{path} {body}: {r.status_code} {r.text[:300]}"
        assert r.headers["content-type"].startswith("application/json"), dict(r.headers)
        assert r.json()["error"]["code"], r.text


def client_leaving_cancels_the_hanging_upstream(pool):
    # The pool's deadline is 10 s: the upstream call must end when the client leaves, not then.
    sim = pool.simulator
    model = harness.MODELS["gemma"]
    sim.set_faults(model, {"hang": True})
    try:
        for door in harness.DOORS:
            before = sim.stats()["models"][model]["cancelled"]
            left = time.monotonic()
            with pytest.raises(Exception):
                outcome = harness.call(pool, door, "solo", timeout=0.5)
                if outcome.code != "ok":  # gRPC reports its own deadline as an outcome
                    raise TimeoutError(str(outcome))
            deadline = left + 0.5 + 1.5
            while time.monotonic() < deadline and sim.stats()["models"][model]["cancelled"] <= before:
                time.sleep(0.05)
            took = time.monotonic() - left - 0.5
            assert sim.stats()["models"][model]["cancelled"] == before + 1, f"{door}: upstream still open"
            assert took <= 1.0, f"{door}: the upstream call ended {took:.2f} s after the client left"
    finally:
        sim.clear(model)


CASES = [unknown_route, wrong_method, chunked_over_limit, task_of_wrong_type, expect_continue,
         idle_connection_closed, half_sent_body_closed, grpc_message_over_limit, grpc_long_client_deadline,
         stream_refusals_have_their_status, client_leaving_cancels_the_hanging_upstream]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input(pool, case):
    case(pool)
    assert requests.get(f"{pool.http}/healthz", timeout=5).status_code == 200


# --- The fuzz ---------------------------------------------------------------------------------------

# Server-side codes that would be the pool's fault with providers that always answer.
SERVER_CODES = {"internal", "upstream_failed", "unavailable", "deadline_exceeded"}

json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=False),
                        st.text(max_size=20))
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                          max_leaves=8)
tasks = st.one_of(st.sampled_from(["duo", "solo"]), json_value)
deadlines = st.one_of(st.integers(-10, 120000), st.just(3000), json_value)
query = st.fixed_dictionaries({}, optional={
    "task": tasks, "input": st.one_of(st.text(max_size=60), json_value), "deadlineMs": deadlines,
    "deadline_ms": deadlines, "maxTokens": st.one_of(st.integers(-5, 10000), json_value),
    "temperature": st.one_of(st.floats(-1, 3), json_value),
    "strategy": st.one_of(st.sampled_from(["FASTEST", "VOTING", "WEIGHTED", "CONSENSUS", "JUDGE", "fastest"]),
                          json_value),
    "metadata": st.one_of(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3), json_value),
    "tenant": json_value, "requestId": json_value, "unknownField": json_value,
})
message = st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant", "tool", "developer", "x"]),
                                 "content": st.one_of(st.text(max_size=40), json_value)},
                                optional={"name": json_value, "tool_calls": json_value})
chat = st.fixed_dictionaries({}, optional={
    "model": st.one_of(st.sampled_from(["pool/duo", "pool/solo", "pool/nope", "phi3:mini", "llama3.1:8b"]), json_value),
    "messages": st.one_of(st.lists(message, max_size=3), json_value), "stream": st.one_of(st.booleans(), json_value),
    "max_tokens": st.one_of(st.integers(-5, 10000), json_value), "temperature": st.one_of(st.floats(-1, 3), json_value),
    "n": st.one_of(st.integers(0, 3), json_value), "stop": json_value, "seed": json_value,
    "response_format": json_value, "tools": json_value, "metadata": json_value, "user": json_value,
})


def body_bytes(draw_value) -> bytes:
    return json.dumps(draw_value).encode()


raw_bodies = st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode))
bodies = {"/v1/infer": query, "/v1/infer/stream": query, "/v1/chat/completions": chat}


def short_deadline(body) -> bool:
    if not isinstance(body, dict):
        return False
    values = [body.get(k) for k in ("deadlineMs", "deadline_ms")]
    return any(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 3000 for v in values)


def check(session: requests.Session, pool, path: str, body, raw_body: bytes | None):
    data = raw_body if raw_body is not None else body_bytes(body)
    try:
        r = session.post(pool.http + path, data=data, headers={"content-type": "application/json"}, timeout=20,
                         stream=True)
        status = r.status_code
        text = r.content.decode(errors="replace")  # the whole body: an SSE stream to its end
    except requests.ConnectionError as error:
        pytest.fail(f"connection dropped on {path} {data[:300]!r}: {error}")
    allowed_5xx = short_deadline(body) and status == 504
    assert status < 500 or allowed_5xx, f"{status} on {path} {data[:300]!r}: {text[:500]}"
    if status == 200 and "event: error" in text:
        code = json.loads(text.split("event: error\ndata: ", 1)[1].split("\n", 1)[0])["error"]["code"]
        assert code not in SERVER_CODES or (short_deadline(body) and code == "deadline_exceeded"), \
            f"stream error {code} on {path} {data[:300]!r}: {text[-500:]}"
    if status >= 400:
        error = json.loads(text)["error"]
        assert error["message"] and error["code"], text


@pytest.fixture(scope="module")
def fuzz_pool(instant_sim, tmp_path_factory):
    # Long connection timeouts here: keep-alive connections are reused between examples.
    p = harness.Pool(tmp_path_factory.mktemp("fuzz"), config(60000, 30000), instant_sim)
    yield p
    p.stop()


FUZZ_SETTINGS = settings(max_examples=250, deadline=None, database=None, derandomize=False,
                         suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("path", list(bodies))
def test_fuzz(fuzz_pool, path):
    session = requests.Session()
    counted = {"requests": 0}
    started = time.monotonic()

    @FUZZ_SETTINGS
    @given(batch=st.lists(st.one_of(bodies[path].map(lambda b: (b, None)), raw_bodies.map(lambda r: (None, r))),
                          min_size=1, max_size=6))
    def run(batch):
        if time.monotonic() - started > 20:
            return  # bounded: at most ~20 s per door
        for body, raw_body in batch:
            check(session, fuzz_pool, path, body, raw_body)
            counted["requests"] += 1
        assert session.get(f"{fuzz_pool.http}/healthz", timeout=5).status_code == 200

    run()
    print(f"\n{path}: {counted['requests']} fuzzed requests in {time.monotonic() - started:.1f} s")
    assert counted["requests"] >= 300
    assert fuzz_pool.proc.poll() is None, fuzz_pool.tail()
