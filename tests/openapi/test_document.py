"""docs/openapi.yaml is what the server serves at /openapi.json, it is a valid OpenAPI 3.1
document, and it covers every route the server registers."""
import json
import pathlib
import re
import subprocess

import requests
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def document():
    return yaml.safe_load((ROOT / "docs/openapi.yaml").read_text(encoding="utf-8"))


def test_served_document_equals_the_yaml(base_url):
    response = requests.get(base_url + "/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get("x-request-id")
    # Through JSON on both sides: YAML and JSON agree on every value the document uses.
    assert response.json() == json.loads(json.dumps(document()))


def test_the_embedded_swift_file_is_up_to_date():
    result = subprocess.run([str(ROOT / "scripts/generate-openapi.sh"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_document_is_valid_openapi_3_1():
    schemathesis = __import__("schemathesis")
    spec = document()
    assert spec["openapi"].startswith("3.1")
    # schemathesis validates the document as it loads it.
    schema = schemathesis.openapi.from_dict(spec)
    operations = {(op.method.upper(), op.path) for op in (result.ok() for result in schema.get_all_operations())}
    assert ("POST", "/v1/infer") in operations


def test_every_registered_route_is_documented():
    routes = set()
    for source in (ROOT / "Sources/LLMPoolServer/HTTP").rglob("*.swift"):
        for method, path in re.findall(r'router\.(get|post|put|delete|patch)\("([^"]+)"', source.read_text()):
            routes.add((method, path))
    documented = {(method, path) for path, item in document()["paths"].items() for method in item}
    assert routes, "no routes found in the sources"
    assert routes == documented
    # The table that tells 404 from 405 knows every route too.
    middleware = (ROOT / "Sources/LLMPoolServer/HTTP/RequestIDMiddleware.swift").read_text()
    table = middleware[middleware.index("static let routes"):]
    table = table[: table.index("]\n") + 1]
    known = {(method, path) for path, methods in re.findall(r'"(/[^"]*)": \[([^\]]*)\]', table)
             for method in re.findall(r"\.(\w+)", methods)}
    assert known == routes


def test_the_document_is_open_on_a_protected_pool():
    import os

    protected = os.environ.get("LLMPOOL_AUTH_HTTP")
    if not protected:
        return
    response = requests.get(protected.rstrip("/") + "/openapi.json", timeout=10)
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.1")
    # While the API it describes is not.
    assert requests.get(protected.rstrip("/") + "/v1/models", timeout=10).status_code == 401


def test_the_error_schema_matches_a_real_error(base_url):
    import jsonschema

    spec = document()
    schema = dict(spec["components"]["schemas"]["Error"])
    body = requests.post(base_url + "/v1/infer", json={"task": "no_such_task", "input": "x"}, timeout=10).json()
    jsonschema.validate(body, schema)
    assert body["error"]["code"] == "not_found"


def _validator(name):
    import jsonschema

    spec = json.loads(json.dumps(document()))
    # The whole document as the root, so `#/components/...` references resolve.
    return jsonschema.Draft202012Validator({**spec, "$ref": f"#/components/schemas/{name}"})


def test_the_sdks_send_queries_the_document_accepts():
    from llm_pool.types import query_json

    options = dict(strategy="VOTING", max_tokens=64, temperature=0.0, deadline_ms=5000, tenant="t",
                   metadata={"max_queries": "3"}, request_id="r-1")
    python_body = query_json("expand_queries", "swift", **options)
    _validator("Query").validate(python_body)
    script = (
        "import { queryJSON } from './clients/js/src/index.js';"
        "console.log(JSON.stringify(queryJSON('expand_queries', 'swift', {strategy: 'VOTING', maxTokens: 64,"
        " temperature: 0, deadlineMs: 5000, tenant: 't', metadata: {max_queries: '3'}, requestId: 'r-1'})));"
    )
    result = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True,
                            cwd=ROOT, timeout=30)
    assert result.returncode == 0, result.stderr
    js_body = json.loads(result.stdout)
    _validator("Query").validate(js_body)
    assert js_body == python_body  # the same wire form from both SDKs
    bad = dict(python_body, maxTokens=0)
    assert list(_validator("Query").iter_errors(bad)), "the schema must refuse maxTokens 0"


def test_answers_the_sdks_read_are_what_the_document_describes(base_url):
    from llm_pool import Client

    raw = requests.post(base_url + "/v1/infer", json={"task": "expand_queries", "input": "swift"}, timeout=15).json()
    _validator("Answer").validate(raw)
    with Client(base_url) as pool:
        answer = pool.infer("expand_queries", "swift")
    assert answer.text and answer.decision is not None
    health = requests.get(base_url + "/readyz", timeout=10).json()
    _validator("Readiness").validate(health)
