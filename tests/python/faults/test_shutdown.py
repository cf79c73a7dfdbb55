"""SIGTERM (issue 13 F7): `llm-pool serve` over `llm-pool simulate` drains within
`server.drain_timeout_ms`, answers what still runs then 503, lets streams that can finish finish
whole, and exits 0."""
from __future__ import annotations

import json
import threading
import time

import pytest
import requests

import harness

DRAIN_MS = 3000
MARGIN_S = 1.5


@pytest.fixture(scope="module")
def slow_sim(tmp_path_factory):
    # latency × 3: a llama3.1:8b answer streams for a few seconds.
    sim = harness.Simulator(tmp_path_factory.mktemp("slow-sim"), latency_scale=3)
    yield sim
    sim.clear()
    sim.stop()


def config(drain_ms: int) -> harness.PoolConfig:
    return harness.PoolConfig(
        providers=[harness.ProviderSpec("hanging", "gemma", kind="openai", timeout_ms=30000, idle_timeout_ms=30000),
                   harness.ProviderSpec("slow", "llama", kind="openai", timeout_ms=30000, idle_timeout_ms=30000)],
        tasks=[harness.TaskSpec("hangs", ["hanging"]), harness.TaskSpec("slow", ["slow"])],
        default_deadline_ms=30000, drain_timeout_ms=drain_ms, consecutive_failures=1000,
    )


def in_flight(pool: harness.Pool) -> float:
    return harness.metric(pool.metrics(), "llm_pool_inflight_requests")


def wait_in_flight(pool: harness.Pool, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if in_flight(pool) >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"{count} requests not in flight within {seconds} s (saw {in_flight(pool)})")


def test_sigterm_with_hanging_providers_answers_503_within_drain(slow_sim, tmp_path):
    pool = harness.Pool(tmp_path, config(DRAIN_MS), slow_sim)
    try:
        slow_sim.set_faults(harness.MODELS["gemma"], {"hang": True})
        doors = ["http", "sse", "grpc", "grpc_stream", "http", "sse"]
        results: dict[int, harness.Outcome | BaseException] = {}

        def run(i: int, door: str):
            try:
                results[i] = harness.call(pool, door, "hangs", timeout=30)
            except BaseException as error:  # noqa: BLE001 - reported below
                results[i] = error

        threads = [threading.Thread(target=run, args=(i, d), daemon=True) for i, d in enumerate(doors)]
        for t in threads:
            t.start()
        wait_in_flight(pool, len(doors))
        signalled = time.monotonic()
        pool.terminate()
        code = pool.wait(timeout=DRAIN_MS / 1000 + 10)
        exited = time.monotonic() - signalled
        for t in threads:
            t.join(timeout=10)
        assert code == 0, f"exit code {code}\n{pool.tail()}"
        assert exited <= DRAIN_MS / 1000 + MARGIN_S, f"exited {exited:.2f} s after SIGTERM (drain {DRAIN_MS} ms)"
        # What still runs is answered 503 a fifth of the drain (at most 1 s) before it ends, so the
        # answers are written and the servers closed within drain_timeout_ms: not at once.
        answer_by = DRAIN_MS / 1000 - min(1.0, DRAIN_MS / 5000)
        assert exited >= answer_by - 0.3, f"exited after {exited:.2f} s: it did not wait for the drain"
        for i, door in enumerate(doors):
            outcome = results.get(i)
            assert isinstance(outcome, harness.Outcome), f"{door}: {outcome!r}"
            assert outcome.code == "unavailable", str(outcome)
            want = {"http": 503, "sse": 200, "grpc": "UNAVAILABLE", "grpc_stream": "UNAVAILABLE"}[door]
            assert outcome.status == want, str(outcome)  # an SSE's status line had gone out: error event
    finally:
        slow_sim.clear()
        pool.stop()


def test_sigterm_lets_20_streams_finish_whole(slow_sim, tmp_path):
    pool = harness.Pool(tmp_path, config(15000), slow_sim)
    streams = 20
    results: dict[int, dict | BaseException] = {}
    started_events = threading.Barrier(streams + 1, timeout=20)

    def run(i: int):
        try:
            r = requests.post(f"{pool.http}/v1/infer/stream", json={"task": "slow", "input": f"stream {i}"},
                              stream=True, timeout=30)
            assert r.status_code == 200, r.text
            deltas, final, error, event, first = [], None, None, "", True
            for line in r.iter_lines(decode_unicode=True):
                if line.startswith("event:"):
                    event = line[6:].strip()
                    continue
                if not line.startswith("data:"):
                    continue
                data = json.loads(line[5:])
                if first:
                    first = False
                    started_events.wait()  # every stream has its started event before SIGTERM
                if event == "error":
                    error = data
                elif "delta" in data:
                    deltas.append(data["delta"])
                elif "final" in data:
                    final = data["final"]
                event = ""
            results[i] = {"deltas": deltas, "final": final, "error": error, "ended": time.monotonic()}
        except BaseException as error:  # noqa: BLE001 - reported below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(streams)]
    try:
        for t in threads:
            t.start()
        started_events.wait()
        signalled = time.monotonic()
        pool.terminate()
        code = pool.wait(timeout=30)
        exited = time.monotonic() - signalled
        for t in threads:
            t.join(timeout=10)
        assert code == 0, f"exit code {code}\n{pool.tail()}"
        assert exited < 15, f"exited {exited:.1f} s after SIGTERM"
        last_end = 0.0
        for i in range(streams):
            got = results.get(i)
            assert isinstance(got, dict), f"stream {i}: {got!r}"
            assert got["error"] is None, f"stream {i} ended with an error: {got['error']}"
            assert got["final"] is not None, f"stream {i} has no final event"
            assert "".join(got["deltas"]) == got["final"]["text"], f"stream {i} is not whole"
            assert len(got["deltas"]) >= 5, f"stream {i}: {len(got['deltas'])} deltas"
            last_end = max(last_end, got["ended"] - signalled)
        assert last_end >= 1.0, f"the streams ended {last_end:.2f} s after SIGTERM: they were not long enough"
        print(f"\n20 streams finished up to {last_end:.1f} s after SIGTERM; exit 0 after {exited:.1f} s")
    finally:
        pool.stop()
