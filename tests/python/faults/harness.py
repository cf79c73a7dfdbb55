"""Processes and clients for the fault suites (and scripts/soak): `llm-pool simulate`, `llm-pool
serve` over it with a generated configuration, the four inference doors as one call shape, the
simulator's fault API and the pool's /metrics and /readyz.

Every wait is bounded; every process started here is stopped by `stop()` (also from `atexit`, so
a failing test or an interrupted run leaves nothing behind).
"""
from __future__ import annotations

import atexit
import importlib
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import requests

ROOT = pathlib.Path(__file__).resolve().parents[3]

# Which simulated model each provider name talks to: faults are per model, so every provider
# has a model of its own (the simulator serves the three demo models).
MODELS = {"phi3": "phi3:mini", "llama": "llama3.1:8b", "gemma": "gemma2:9b"}

_STARTED: list[subprocess.Popen] = []


def _stop_all() -> None:
    for proc in _STARTED:
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


atexit.register(_stop_all)


def llmpool_bin() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("LLMPOOL_BIN") or ROOT / ".build" / "debug" / "llm-pool")
    if not path.is_file():
        raise RuntimeError(f"{path} does not exist: run `swift build --product llm-pool` or set LLMPOOL_BIN")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, seconds: float, what: str, proc: subprocess.Popen | None = None, log: pathlib.Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"{what}: process exited with {proc.returncode}\n{tail}")
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    raise RuntimeError(f"{what}: not within {seconds} s\n{tail}")


class Process:
    """A child process with its log file; `stop()` sends SIGTERM, then SIGKILL after `grace` s."""

    def __init__(self, args: list[str], log: pathlib.Path, cwd: pathlib.Path):
        self.log = log
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _STARTED.append(self.proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self, grace: float = 15) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


class Simulator(Process):
    """`llm-pool simulate` on a free loopback port."""

    def __init__(self, work: pathlib.Path, latency_scale: float = 0.2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__([str(llmpool_bin()), "simulate", "--host", "127.0.0.1", "--port", str(self.port),
                          "--latency-scale", str(latency_scale)], work / "simulate.log", work)
        _wait(lambda: requests.get(f"{self.url}/_simulator/stats", timeout=1).ok, 60, "simulator", self.proc,
              self.log)

    def set_faults(self, model: str, faults: dict) -> None:
        r = requests.put(f"{self.url}/_simulator/models/{model}/faults", json=faults, timeout=5)
        assert r.status_code in (200, 204), f"PUT faults for {model}: {r.status_code} {r.text}"

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_simulator/stats", timeout=5).json()

    def clear(self, model: str | None = None) -> None:
        for name in [model] if model else MODELS.values():
            r = requests.delete(f"{self.url}/_simulator/models/{name}/faults", timeout=5)
            assert r.status_code in (200, 204), f"DELETE faults for {name}: {r.status_code} {r.text}"


@dataclass
class ProviderSpec:
    name: str
    model_key: str  # a key of MODELS
    kind: str = "ollama"
    timeout_ms: int = 10000
    idle_timeout_ms: int = 1000


@dataclass
class TaskSpec:
    name: str
    providers: list[str]
    strategy: str = "FASTEST"
    max_tokens: int = 64


@dataclass
class PoolConfig:
    providers: list[ProviderSpec]
    tasks: list[TaskSpec]
    default_deadline_ms: int = 2500
    max_deadline_ms: int = 60000
    drain_timeout_ms: int = 3000
    max_body_bytes: int = 65536
    idle_timeout_ms: int = 60000
    read_timeout_ms: int = 30000
    consecutive_failures: int = 2
    cooldown_ms: int = 1500
    health_interval_ms: int = 500
    hedge_delay_ms: int = 300
    cache: bool = False
    extra: str = ""

    def render(self, sim_url: str, http_port: int, grpc_port: int) -> str:
        lines = [
            "# Generated by tests/python/faults/harness.py",
            "[server]", 'host = "127.0.0.1"', f"http_port = {http_port}", f"grpc_port = {grpc_port}",
            f"max_body_bytes = {self.max_body_bytes}", f"drain_timeout_ms = {self.drain_timeout_ms}",
            f"idle_timeout_ms = {self.idle_timeout_ms}", f"read_timeout_ms = {self.read_timeout_ms}", "",
        ]
        for p in self.providers:
            base = f"{sim_url}/v1" if p.kind == "openai" else sim_url
            lines += ["[[providers]]", f'name = "{p.name}"', f'kind = "{p.kind}"', f'base_url = "{base}"',
                      f'model = "{MODELS[p.model_key]}"', f"timeout_ms = {p.timeout_ms}",
                      f"idle_timeout_ms = {p.idle_timeout_ms}", ""]
        for t in self.tasks:
            providers = ", ".join(f'"{p}"' for p in t.providers)
            lines += [f"[tasks.{t.name}]", f'strategy = "{t.strategy}"', f"providers = [{providers}]",
                      'prompt = "prompts/plain.md"', f"max_tokens = {t.max_tokens}", "temperature = 0.0", ""]
        lines += [
            "[health]", f"interval_ms = {self.health_interval_ms}", "timeout_ms = 1000", "passive_window_ms = 1000", "",
            "[qos]", f"default_deadline_ms = {self.default_deadline_ms}", f"max_deadline_ms = {self.max_deadline_ms}", "",
            "[qos.hedging]", "enabled = true", f"static_delay_ms = {self.hedge_delay_ms}",
            f"min_delay_ms = {self.hedge_delay_ms}", f"max_delay_ms = {self.hedge_delay_ms}", "max_hedges = 1",
            "budget_ratio = 1.0", "",
            "[qos.circuit_breaker]", "enabled = true", f"consecutive_failures = {self.consecutive_failures}",
            "failure_rate = 1.0", "minimum_calls = 1000", "window_ms = 30000", f"cooldown_ms = {self.cooldown_ms}",
            "half_open_probes = 1", "",
            "[qos.retry]", "enabled = true", "budget_ratio = 1.0", "min_retries_per_second = 100",
            "max_attempts = 3", "",
            "[cache]", f"enabled = {'true' if self.cache else 'false'}", "",
            "[logging]", 'level = "info"', 'format = "json"', "",
        ]
        return "\n".join(lines) + self.extra


class Pool(Process):
    """`llm-pool serve --config <generated>` over a simulator, ready when /readyz is 200."""

    def __init__(self, work: pathlib.Path, config: PoolConfig, sim: Simulator, ready_timeout: float = 60):
        self.http_port, self.grpc_port = free_port(), free_port()
        self.http = f"http://127.0.0.1:{self.http_port}"
        self.grpc = f"127.0.0.1:{self.grpc_port}"
        self.config = config
        self.simulator = sim
        (work / "prompts").mkdir(exist_ok=True)
        (work / "prompts" / "plain.md").write_text("{{input}}\n")
        self.config_path = work / "llm-pool.toml"
        self.config_path.write_text(config.render(sim.url, self.http_port, self.grpc_port))
        checked = subprocess.run([str(llmpool_bin()), "check-config", str(self.config_path)], capture_output=True,
                                 text=True, timeout=60)
        if checked.returncode != 0:
            raise RuntimeError(f"check-config rejected {self.config_path}:\n{checked.stdout}{checked.stderr}")
        super().__init__([str(llmpool_bin()), "serve", "--config", str(self.config_path)], work / "serve.log", work)
        _wait(lambda: requests.get(f"{self.http}/readyz", timeout=1).status_code == 200, ready_timeout,
              "llm-pool serve ready", self.proc, self.log)

    def metrics(self) -> str:
        return requests.get(f"{self.http}/metrics", timeout=5).text

    def breaker(self, provider: str) -> int:
        return int(metric(self.metrics(), "llm_pool_circuit_breaker_state", provider=provider))

    def readyz(self) -> tuple[int, dict]:
        r = requests.get(f"{self.http}/readyz", timeout=5)
        return r.status_code, r.json()


def metric(text: str, name: str, **labels) -> float:
    """The value of one series of a Prometheus text exposition; 0 when absent."""
    total = 0.0
    found = False
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        series, _, value = line.rpartition(" ")
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', series))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(value)
            found = True
    return total if found else 0.0


def process_sample(pid: int) -> tuple[int, int]:
    """RSS in bytes and open file descriptors of a process, from /proc."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, fds


# --- gRPC stubs, generated from proto/ at run time ----------------------------------------------

_STUBS = None


def stubs():
    """(llmpool_pb2, llmpool_pb2_grpc), generated by grpcio-tools into a temporary folder once."""
    global _STUBS
    if _STUBS is None:
        from grpc_tools import protoc

        out = tempfile.mkdtemp(prefix="llmpool-faults-grpc-")
        atexit.register(shutil.rmtree, out, True)
        code = protoc.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", f"--grpc_python_out={out}",
                            "vvtv/llmpool/v1/llmpool.proto"])
        assert code == 0, "protoc failed for llmpool.proto"
        sys.path.insert(0, out)
        _STUBS = (importlib.import_module("vvtv.llmpool.v1.llmpool_pb2"),
                  importlib.import_module("vvtv.llmpool.v1.llmpool_pb2_grpc"))
    return _STUBS


# --- The four doors as one call ------------------------------------------------------------------

# The HTTP status each domain error code is answered with (README "Errors"), and its gRPC code.
HTTP_STATUS = {"ok": 200, "invalid_argument": 400, "not_found": 404, "payload_too_large": 413,
               "resource_exhausted": 429, "upstream_failed": 502, "unavailable": 503, "deadline_exceeded": 504}
GRPC_CODE = {"ok": "OK", "invalid_argument": "INVALID_ARGUMENT", "not_found": "NOT_FOUND",
             "payload_too_large": "RESOURCE_EXHAUSTED", "resource_exhausted": "RESOURCE_EXHAUSTED",
             "upstream_failed": "UNAVAILABLE", "unavailable": "UNAVAILABLE", "deadline_exceeded": "DEADLINE_EXCEEDED"}

DOORS = ["http", "sse", "grpc", "grpc_stream"]


@dataclass
class Outcome:
    door: str
    status: int | str  # the HTTP status line, or the gRPC status code's name
    code: str  # "ok" or the pool's error code (JSON `code`, or the `llm-pool-error` trailer)
    seconds: float
    provider: str = ""  # who answered (header, answer or final event)
    message: str = ""
    tokens_before_error: int = 0  # deltas received before a stream's error
    decision: dict = field(default_factory=dict)
    retry_after: str | None = None

    def __str__(self) -> str:
        return (f"{self.door}: status={self.status} code={self.code} in {self.seconds:.2f}s provider={self.provider!r} "
                f"tokens_before_error={self.tokens_before_error} message={self.message[:200]!r}")


def call(pool: Pool, door: str, task: str, text: str = "fault matrix", timeout: float = 15,
         deadline_ms: int | None = None) -> Outcome:
    started = time.monotonic()
    if door in ("http", "sse"):
        body = {"task": task, "input": text}
        if deadline_ms:
            body["deadlineMs"] = deadline_ms
        path = "/v1/infer" if door == "http" else "/v1/infer/stream"
        r = requests.post(pool.http + path, json=body, timeout=timeout, stream=(door == "sse"))
        if door == "http" or r.status_code != 200:
            data = r.json()
            seconds = time.monotonic() - started
            if r.status_code == 200:
                return Outcome(door, 200, "ok", seconds, r.headers.get("x-llm-pool-provider", ""),
                               decision=data.get("decision", {}))
            err = data["error"]
            return Outcome(door, r.status_code, err["code"], seconds, message=err["message"],
                           retry_after=r.headers.get("retry-after"))
        return _read_sse(r, started)
    import grpc

    pb2, pb2_grpc = stubs()
    query = pb2.Query(task=task, input=text, deadline_ms=deadline_ms or 0)
    with grpc.insecure_channel(pool.grpc) as channel:
        stub = pb2_grpc.LlmPoolStub(channel)
        deltas = 0
        try:
            if door == "grpc":
                answer = stub.Infer(query, timeout=timeout)
            else:
                answer = None
                for chunk in stub.InferStream(query, timeout=timeout):
                    kind = chunk.WhichOneof("event")
                    if kind == "delta":
                        deltas += 1
                    elif kind == "final":
                        answer = chunk.final
                assert answer is not None, "InferStream ended without a final chunk"
            from google.protobuf.json_format import MessageToDict

            return Outcome(door, "OK", "ok", time.monotonic() - started, answer.provider,
                           decision=MessageToDict(answer.decision))
        except grpc.RpcError as error:
            trailers = dict(error.trailing_metadata() or ())
            return Outcome(door, error.code().name, trailers.get("llm-pool-error", ""), time.monotonic() - started,
                           message=error.details() or "", tokens_before_error=deltas,
                           retry_after=trailers.get("retry-after"))


def _read_sse(r: requests.Response, started: float) -> Outcome:
    event, deltas, final, error = "", 0, None, None
    for raw in r.iter_lines(decode_unicode=True):
        if raw.startswith("event:"):
            event = raw[6:].strip()
        elif raw.startswith("data:"):
            data = json.loads(raw[5:].strip())
            if event == "error":
                error = data["error"]
            elif "delta" in data:
                deltas += 1
            elif "final" in data:
                final = data["final"]
            event = ""
    seconds = time.monotonic() - started
    if error is not None:
        return Outcome("sse", 200, error["code"], seconds, message=error["message"], tokens_before_error=deltas)
    assert final is not None, "the SSE stream ended without a final event nor an error event"
    return Outcome("sse", 200, "ok", seconds, final.get("provider", ""), decision=final.get("decision", {}))
