"""scripts/setup-models.sh against a stand-in `ollama` CLI and daemon: it pulls every Ollama model
the configuration names, once each, and reports their sizes; it refuses clearly when the daemon is
down."""
import http.server
import json
import os
import pathlib
import socket
import stat
import subprocess
import threading

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ["phi3:mini", "llama3.1:8b", "gemma2:9b"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_ollama(tmp_path):
    log = tmp_path / "pulls.log"
    cli = tmp_path / "bin" / "ollama"
    cli.parent.mkdir()
    cli.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    return cli.parent, log


class Tags(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"models": [{"name": m, "size": 2_000_000_000} for m in MODELS]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def run(tmp_path, port):
    bin_dir, log = fake_ollama(tmp_path)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", OLLAMA_HOST=f"127.0.0.1:{port}")
    result = subprocess.run(
        ["bash", "scripts/setup-models.sh", "llm-pool.toml"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    return result, log


def test_pulls_each_configured_model_and_reports_sizes(tmp_path):
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Tags)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result, log = run(tmp_path, port)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert log.read_text().split("\n")[:-1] == [f"pull {m}" for m in MODELS]
    for model in MODELS:
        assert any(model in line and "2.00 GB" in line for line in result.stdout.splitlines()), result.stdout


def test_a_daemon_that_does_not_answer_is_named(tmp_path):
    result, log = run(tmp_path, free_port())
    assert result.returncode == 1
    assert "does not answer" in result.stderr
    assert not log.exists()
