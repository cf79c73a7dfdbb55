"""Hot reload of llm-pool.toml under load, end to end.

Starts its own `llm-pool demo --config <copy of llm-pool.toml>` (providers pointed at the demo's
simulator), keeps a steady stream of requests going from two threads, and meanwhile:
1. rewrites the file with a valid change (a new task, renamed over the old file as editors do):
   the change becomes visible in /v1/models and the new task answers;
2. writes an invalid change in place: the log names the bad key, the old configuration keeps
   serving, and /metrics counts the failure;
3. restores a valid file, then sends SIGHUP without touching it: the file is reloaded anyway.
Every request of the stream must succeed.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROBE_TASK = """
[tasks.reload_probe]
strategy = "FASTEST"
providers = ["phi3-mini", "gemma2-9b"]
prompt = "prompts/expand_queries.md"
max_tokens = 64
temperature = 0.0
[tasks.reload_probe.variables]
max_queries = "3"
language = "en"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds: float, what: str, log: pathlib.Path):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds} s waiting for {what}; log tail:\n{log.read_text()[-3000:]}")


def write_atomically(path: pathlib.Path, text: str):
    temporary = path.with_name("." + path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def log_lines(log: pathlib.Path, needle: str) -> list:
    return [line for line in log.read_text().splitlines() if needle in line]


def reloads(base: str, result: str):
    """`llm_pool_config_reloads_total{result=...}`, or None when /metrics is not served."""
    response = requests.get(base + "/metrics", timeout=5)
    if response.status_code != 200:
        return None
    match = re.search(r'^llm_pool_config_reloads_total\{result="%s"\} (\S+)$' % result, response.text, re.M)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
def reloading_demo(tmp_path_factory):
    binary = os.environ.get("LLMPOOL_BIN") or str(ROOT / ".build" / "debug" / "llm-pool")
    if not os.path.exists(binary):
        pytest.fail(f"no llm-pool binary at {binary}: set LLMPOOL_BIN (scripts/test.sh does)")
    folder = tmp_path_factory.mktemp("reload")
    config = folder / "llm-pool.toml"
    shutil.copy(ROOT / "llm-pool.toml", config)
    shutil.copytree(ROOT / "prompts", folder / "prompts")
    http_port, grpc_port = free_port(), free_port()
    log = folder / "demo.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [binary, "demo", "--config", str(config), "--http-port", str(http_port), "--grpc-port", str(grpc_port),
             "--latency-scale", "0.02", "--log-format", "json"],
            stdout=out, stderr=subprocess.STDOUT, cwd=folder,
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        def ready():
            try:
                return requests.get(base + "/readyz", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        wait_for(ready, 60, "/readyz", log)
        # SIGHUP would end the process before its handler is installed.
        wait_for(lambda: log_lines(log, "config reloader watching"), 20, "the config reloader", log)
        yield base, config, log, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class Load:
    """Requests sent back to back from two threads until stopped (at most 90 s, 20,000 requests)."""

    def __init__(self, base: str):
        self.base = base
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(2)]

    def run(self, worker: int):
        session = requests.Session()
        deadline = time.time() + 90
        sent = 0
        while not self.stop.is_set() and time.time() < deadline and sent < 10_000:
            sent += 1
            body = {"task": "expand_queries", "input": f"reload under load {worker}-{sent}", "deadlineMs": 20000}
            try:
                response = session.post(self.base + "/v1/infer", json=body, timeout=30)
                status, text = response.status_code, response.text[:200]
            except requests.RequestException as error:
                status, text = None, str(error)
            with self.lock:
                if status == 200:
                    self.ok += 1
                else:
                    self.failures.append((status, text))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)


def models(base: str) -> set:
    return {m["id"] for m in requests.get(base + "/v1/models", timeout=5).json()["data"]}


def test_reload_under_load(reloading_demo):
    base, config, log, process = reloading_demo
    original = config.read_text()
    assert "pool/reload_probe" not in models(base)
    failures_before = reloads(base, "failure")

    with Load(base) as load:
        wait_for(lambda: load.ok >= 20, 30, "the first requests", log)

        # 1. A valid change, renamed over the file: a new task appears and answers.
        write_atomically(config, original + PROBE_TASK)
        wait_for(lambda: "pool/reload_probe" in models(base), 15, "the new task in /v1/models", log)
        answer = requests.post(base + "/v1/infer", json={"task": "reload_probe", "input": "vector search"}, timeout=30)
        assert answer.status_code == 200, answer.text
        served_before_invalid = load.ok

        # 2. An invalid change, written in place: rejected with its key path; the old config stays.
        config.write_text((original + PROBE_TASK).replace("timeout_ms = 15000", "timeout_ms = 0", 1))
        rejected = wait_for(lambda: log_lines(log, "providers[0].timeout_ms"), 15, "the rejection in the log", log)
        assert any('"error"' in line or "rejected" in line for line in rejected), rejected
        assert "pool/reload_probe" in models(base)
        wait_for(lambda: load.ok >= served_before_invalid + 20, 30, "requests after the rejection", log)
        failures_after = reloads(base, "failure")
        if failures_after is not None:
            assert failures_after >= (failures_before or 0) + 1

        # 3. Back to a valid file, then SIGHUP without a change: reloaded all the same.
        successes = len(log_lines(log, "configuration reloaded"))
        write_atomically(config, original + PROBE_TASK)
        wait_for(lambda: len(log_lines(log, "configuration reloaded")) > successes, 15, "the fixed file to be reloaded", log)
        successes = len(log_lines(log, "configuration reloaded"))
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: log_lines(log, "SIGHUP received"), 10, "the SIGHUP log line", log)
        wait_for(lambda: len(log_lines(log, "configuration reloaded")) > successes, 10, "the SIGHUP reload", log)
        assert process.poll() is None, "SIGHUP ended the process"

        wait_for(lambda: load.ok >= served_before_invalid + 40, 30, "requests after SIGHUP", log)

    assert not load.failures, f"{len(load.failures)} of {load.ok + len(load.failures)} requests failed: {load.failures[:5]}"
    assert load.ok >= 60
    assert "pool/reload_probe" in models(base)


def test_restart_only_change_is_logged_and_ignored(reloading_demo):
    base, config, log, _ = reloading_demo
    text = config.read_text()
    config.write_text(text.replace("max_body_bytes = 1048576", "max_body_bytes = 2048", 1))
    warning = wait_for(lambda: log_lines(log, "server.max_body_bytes"), 15, "the requires-restart warning", log)
    assert any("requires restart" in line for line in warning), warning
    # The running limit is unchanged: a 4 KiB body is still accepted.
    response = requests.post(base + "/v1/infer", json={"task": "expand_queries", "input": "x " * 2000}, timeout=30)
    assert response.status_code == 200, response.text
    config.write_text(text)
