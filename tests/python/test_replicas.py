"""Two llm-pool replicas sharing one real redis-server behave as one service.

Self-contained: starts redis-server, the provider simulator and two `llm-pool serve` processes
on free loopback ports, then checks that a tenant's rate limit holds across both replicas, that
an answer cached by one is served by the other, and that both keep answering while Redis is
down and use it again once it is back.
"""
import os
import shutil
import socket
import subprocess
import time

import pytest
import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float, what: str):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 (not up yet)
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


CONFIG = """
[server]
host = "127.0.0.1"
[[providers]]
name = "phi3-mini"
kind = "ollama"
base_url = "http://127.0.0.1:{sim}"
model = "phi3:mini"
[tasks.expand_queries]
providers = ["phi3-mini"]
prompt = "prompt.md"
temperature = 0.0
[cache]
enabled = true
backend = "redis"
[redis]
url = "redis://127.0.0.1:{redis}/0"
connect_timeout_ms = 200
command_timeout_ms = 200
[rate_limits]
enabled = true
backend = "redis"
requests_per_minute = 1000
[rate_limits.tenants.limited]
requests_per_minute = 6
[logging]
level = "info"
"""


class Redis:
    def __init__(self, port: int, workdir):
        self.port, self.workdir, self.process = port, workdir, None

    def start(self):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close() is None, 10, "redis-server")

    def stop(self):
        if self.process:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    binary = os.environ.get("LLMPOOL_BIN")
    if not binary:
        pytest.fail("LLMPOOL_BIN is not set: run these tests through scripts/test.sh")
    work = tmp_path_factory.mktemp("replicas")
    redis = Redis(free_port(), work)
    redis.start()
    processes = []
    sim_port = free_port()
    processes.append(subprocess.Popen(
        [binary, "simulate", "--host", "127.0.0.1", "--port", str(sim_port), "--latency-scale", "0.05"],
        stdout=open(work / "sim.log", "w"), stderr=subprocess.STDOUT,
    ))
    wait_until(lambda: requests.get(f"http://127.0.0.1:{sim_port}/api/tags", timeout=1).ok, 30, "simulator")
    (work / "prompt.md").write_text("Expand: {{input}}\n")
    (work / "llm-pool.toml").write_text(CONFIG.format(sim=sim_port, redis=redis.port))
    urls = []
    for index in range(2):
        http, grpc = free_port(), free_port()
        log = open(work / f"replica{index}.log", "w")
        processes.append(subprocess.Popen(
            [binary, "serve", "--config", str(work / "llm-pool.toml"), "--http-port", str(http), "--grpc-port", str(grpc)],
            stdout=log, stderr=subprocess.STDOUT,
        ))
        url = f"http://127.0.0.1:{http}"
        wait_until(lambda: requests.get(url + "/healthz", timeout=1).ok, 60, f"replica {index}")
        urls.append(url)
    yield urls, redis, work
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    redis.stop()


def infer(url, text, tenant="default"):
    return requests.post(
        url + "/v1/infer",
        json={"task": "expand_queries", "input": text, "tenant": tenant},
        headers={"x-llm-pool-tenant": tenant},
        timeout=10,
    )


def test_an_answer_cached_by_one_replica_is_served_by_the_other(replicas):
    (a, b), _, _ = replicas
    first = infer(a, "shared cache question")
    assert first.status_code == 200, first.text
    assert first.json().get("cached") in (None, False)
    second = infer(b, "shared cache question")
    assert second.status_code == 200, second.text
    assert second.json()["cached"] is True
    assert second.json()["text"] == first.json()["text"]
    assert second.headers["x-llm-pool-cache"] == "hit"


def test_a_tenants_limit_holds_across_both_replicas(replicas):
    (a, b), _, _ = replicas
    statuses = [infer((a, b)[i % 2], f"limited {i}", tenant="limited").status_code for i in range(8)]
    assert statuses[:6] == [200] * 6, statuses
    assert statuses[6:] == [429, 429], statuses
    rejected = infer(b, "limited again", tenant="limited")
    assert rejected.status_code == 429
    assert int(rejected.headers["retry-after"]) >= 1
    assert rejected.headers["x-ratelimit-limit-requests"] == "6"
    # Another tenant is not affected.
    assert infer(a, "other tenant", tenant="someone-else").status_code == 200


def test_both_replicas_keep_answering_while_redis_is_down_and_use_it_again_after(replicas):
    (a, b), redis, _ = replicas
    redis.stop()
    try:
        for i in range(6):
            response = infer((a, b)[i % 2], f"redis down {i}")
            assert response.status_code == 200, response.text
            assert response.elapsed.total_seconds() < 3
    finally:
        redis.start()
    # Back: after the back-off, a fresh answer cached by one replica is a hit on the other.
    def shared_again():
        infer(a, "after recovery")
        return infer(b, "after recovery").json().get("cached") is True
    wait_until(shared_again, 15, "the cache to be shared again after Redis restarted")
    metrics = requests.get(a + "/metrics", timeout=5).text
    assert 'llm_pool_cache_requests_total{backend="redis",result="error"}' in metrics
    errors = [line for line in metrics.splitlines() if line.startswith('llm_pool_cache_requests_total{backend="redis",result="error"}')]
    assert float(errors[0].split()[-1]) >= 1
