#!/usr/bin/env python3
"""Starts llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server`) on loopback
with one GGUF under several model aliases, and waits until `/v1/models` lists them.

    llama_server.py MODEL.gguf [--port P] [--alias tiny-a --alias tiny-b] [--n-ctx 512]

runs it in the foreground (Ctrl-C stops it). The tests import this file and use ``LlamaServer``.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

DEFAULT_ALIASES = ("tiny-a", "tiny-b", "tiny-embed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path: pathlib.Path, model: pathlib.Path, port: int, aliases=DEFAULT_ALIASES,
                 n_ctx: int = 512, n_threads: int = 1) -> pathlib.Path:
    """The server's --config_file: the same GGUF under each alias."""
    config = {
        "host": "127.0.0.1",
        "port": port,
        # The default (true) ends a running stream with [DONE] as soon as another request
        # arrives; llm-pool hedges and votes over the two aliases, so keep streams whole.
        "interrupt_requests": False,
        "models": [
            {
                "model": str(model),
                "model_alias": alias,
                "n_ctx": n_ctx,
                "n_batch": n_ctx,
                "n_ubatch": n_ctx,
                "n_threads": n_threads,
                "n_threads_batch": n_threads,
                "chat_format": "chatml",
                # An alias ending in -embed serves /v1/embeddings (llama.cpp's embedding mode).
                "embedding": alias.endswith("-embed"),
                "verbose": False,
            }
            for alias in aliases
        ],
    }
    path.write_text(json.dumps(config, indent=2))
    return path


def models(base: str, timeout: float = 2.0) -> list[str]:
    with urllib.request.urlopen(f"{base}/v1/models", timeout=timeout) as r:
        return [m["id"] for m in json.load(r)["data"]]


class LlamaServer:
    """One llama-cpp-python server process; start/stop/kill/restart keep the same port."""

    def __init__(self, model: pathlib.Path, workdir: pathlib.Path, port: int | None = None,
                 aliases=DEFAULT_ALIASES, n_ctx: int = 512, n_threads: int = 1, python: str = sys.executable):
        self.model = pathlib.Path(model)
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.aliases = tuple(aliases)
        self.n_ctx = n_ctx
        self.python = python
        self.config = write_config(self.workdir / "llama-server.json", self.model, self.port, self.aliases,
                                   n_ctx, n_threads)
        self.log_path = self.workdir / "llama-server.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.started_at = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, wait: bool = True) -> float:
        """Starts the server; with `wait`, returns the seconds until /v1/models listed every alias."""
        if self.proc and self.proc.poll() is None:
            raise RuntimeError("already running")
        self.started_at = t0 = time.monotonic()
        log = open(self.log_path, "ab")
        log.write(f"\n--- start {self.starts + 1} ---\n".encode())
        log.flush()
        self.proc = subprocess.Popen([self.python, "-m", "llama_cpp.server", "--config_file", str(self.config)],
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self.starts += 1
        return self.wait_ready(timeout) if wait else 0.0

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Waits until /v1/models lists every alias; returns the seconds since the start."""
        t0 = self.started_at
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if set(self.aliases) <= set(models(self.base_url)):
                    return time.monotonic() - t0
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.1)
        self.kill()
        raise TimeoutError(f"llama_cpp.server not ready within {timeout} s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: the server dies without closing anything cleanly."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", type=pathlib.Path)
    ap.add_argument("--port", type=int)
    ap.add_argument("--alias", action="append", help=f"model alias (repeatable; default {', '.join(DEFAULT_ALIASES)})")
    ap.add_argument("--n-ctx", type=int, default=512)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path(os.environ.get("TMPDIR", "/tmp"), "llmpool-llama"))
    args = ap.parse_args()
    server = LlamaServer(args.model, args.workdir, args.port, args.alias or DEFAULT_ALIASES, args.n_ctx, args.threads)
    took = server.start()
    print(f"llama_cpp.server on {server.base_url}/v1 ({', '.join(server.aliases)}) ready in {took:.1f} s; "
          f"log {server.log_path}", flush=True)
    try:
        server.proc.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
