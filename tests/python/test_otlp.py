"""OTLP/HTTP export checked by an independent decoder.

Starts a small OTLP/HTTP receiver on loopback, runs its own `llm-pool demo` with the standard
OpenTelemetry environment variables pointing at it, sends one traced request, and decodes the
exported bodies with the `opentelemetry-proto` package (not our code) to check the request's
span tree: parent ids, names, GenAI attributes, and that the trace id equals the exemplar's on
`/metrics`.
"""
import gzip
import http.server
import os
import re
import socket
import subprocess
import threading
import time

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.BaseHTTPRequestHandler):
    requests: list = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        message = ExportTraceServiceRequest()
        message.ParseFromString(body)
        with Receiver.lock:
            Receiver.requests.append((self.path, self.headers.get("Content-Type"), message))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def traced_demo(tmp_path_factory):
    binary = os.environ.get("LLMPOOL_BIN")
    if not binary:
        pytest.fail("LLMPOOL_BIN is not set: run these tests through scripts/test.sh")
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    http_port, grpc_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("otlp") / "demo.log"
    env = dict(os.environ)
    env.update({
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.server_address[1]}",
        "OTEL_SERVICE_NAME": "llm-pool-otlp-test",
        "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=ci",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    })
    with open(log, "w") as out:
        process = subprocess.Popen(
            [binary, "demo", "--http-port", str(http_port), "--grpc-port", str(grpc_port), "--latency-scale", "0.05"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    base = f"http://127.0.0.1:{http_port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(base + "/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("demo did not become ready:\n" + log.read_text()[-2000:])
    yield base, log
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    receiver.shutdown()


def spans_of(trace_id: str) -> list:
    found = []
    with Receiver.lock:
        for _, _, message in Receiver.requests:
            for resource_spans in message.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        if span.trace_id.hex() == trace_id:
                            found.append((resource_spans.resource, span))
    return found


def attributes(span) -> dict:
    result = {}
    for kv in span.attributes:
        value = kv.value
        kind = value.WhichOneof("value")
        result[kv.key] = getattr(value, kind) if kind else None
    return result


def test_exported_span_tree_matches_the_request_and_its_exemplar(traced_demo):
    base, log = traced_demo
    response = requests.post(
        base + "/v1/infer",
        json={"task": "expand_queries", "input": "otlp export check", "temperature": 0.7},
        headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"},
        timeout=10,
    )
    assert response.status_code == 200, response.text

    deadline = time.time() + 15
    spans = []
    while time.time() < deadline:
        spans = spans_of(TRACE_ID)
        names = {span.name for _, span in spans}
        if "POST /v1/infer" in names and any(s.kind == s.SPAN_KIND_CLIENT for _, s in spans):
            break
        time.sleep(0.2)
    assert spans, "no span of the request reached the receiver"
    tree = "\n".join(f"{s.span_id.hex()} <- {s.parent_span_id.hex()} {s.name}" for _, s in spans)

    with Receiver.lock:
        path, content_type, _ = Receiver.requests[0]
    assert path == "/v1/traces"
    assert content_type == "application/x-protobuf"

    resource = {kv.key: kv.value.string_value for kv in spans[0][0].attributes}
    assert resource["service.name"] == "llm-pool-otlp-test"
    assert resource["deployment.environment.name"] == "ci"
    assert resource.get("service.version")
    assert resource.get("service.instance.id")

    by_name = {}
    for _, span in spans:
        by_name.setdefault(span.name, []).append(span)
    server = by_name["POST /v1/infer"][0]
    assert server.kind == server.SPAN_KIND_SERVER
    assert server.parent_span_id.hex() == CALLER_SPAN
    children = {span.name for _, span in spans if span.parent_span_id == server.span_id}
    assert {"validate", "route", "strategy FASTEST"} <= children, children
    strategy = by_name["strategy FASTEST"][0]

    client_spans = [span for _, span in spans if span.kind == span.SPAN_KIND_CLIENT]
    clients = [span for span in client_spans if "gen_ai.operation.name" in attributes(span)]
    assert clients, "no provider call span:\n" + tree
    for client in clients:
        # A provider call is a child of the strategy step, or of a hedge/attempt span under it.
        parent = next(s for _, s in spans if s.span_id == client.parent_span_id)
        assert client.parent_span_id == strategy.span_id or parent.parent_span_id == strategy.span_id, tree
        attrs = attributes(client)
        assert attrs["gen_ai.operation.name"] == "chat"
        assert attrs["gen_ai.system"] in ("ollama", "openai")
        assert attrs["gen_ai.request.model"]
        assert attrs["server.address"]
    # AsyncHTTPClient's own spans (library instrumentation through swift-distributed-tracing)
    # join the trace under the provider call that made them.
    http_spans = [span for span in client_spans if "http.request.method" in attributes(span)]
    assert http_spans, "AsyncHTTPClient's spans did not join the trace:\n" + tree
    client_ids = {c.span_id for c in clients}
    assert all(span.parent_span_id in client_ids for span in http_spans), tree
    winner = [c for c in clients if attributes(c).get("gen_ai.response.model")]
    assert winner, "the winning call carries the response attributes"
    won = attributes(winner[0])
    assert won["gen_ai.usage.input_tokens"] > 0
    assert won["gen_ai.usage.output_tokens"] > 0

    metrics = requests.get(base + "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}, timeout=5).text
    exemplar_traces = set(re.findall(r'^llm_pool_request_duration_seconds_bucket\{[^}]*task="expand_queries"[^}]*\} \d+ # \{trace_id="([0-9a-f]{32})"', metrics, re.M))
    assert TRACE_ID in exemplar_traces

    # The request's log line carries the same trace id.
    assert any(TRACE_ID in line and '"request"' in line for line in log.read_text().splitlines())

    exported = re.search(r'^llm_pool_spans_exported_total\{result="success"\} (\d+)', requests.get(base + "/metrics", timeout=5).text, re.M)
    assert exported and int(exported.group(1)) > 0
