"""The Prometheus side of llm-pool: /metrics read by independent parsers, the dashboards and rules
checked against the metrics catalogue, and a real Prometheus scraping `llm-pool demo` and running
every dashboard query and recording rule.

Static tests need only the repository and `promtool`; the others use the service at LLMPOOL_HTTP
(scripts/test.sh starts `llm-pool demo`) and `/usr/bin/prometheus` (Debian's `prometheus` package).
The promtool checks of prometheus.yml, the rules and their unit tests, and `promtool check metrics`
on the live output, are in scripts/test-prometheus.sh.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import yaml
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as prometheus_families

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_FILES = sorted((ROOT / "dashboards").glob("*.json"))
RULE_FILES = [ROOT / "deploy/prometheus/rules/recording.yml", ROOT / "deploy/prometheus/rules/alerts.yml"]
CATALOGUE_SOURCES = [
    ROOT / "Sources/LLMPoolCore/Telemetry/PoolMetrics.swift",
    ROOT / "Sources/LLMPoolObservability/Metrics/ProcessMetricsCollector.swift",
]
TASKS = ["expand_queries", "enrich_metadata", "recovery_plan", "judge", "rerank_candidates", "site_tactics"]
PROVIDERS = {"phi3-mini", "llama31-8b", "gemma2-9b"}
TEMPLATE_VARIABLES = {"job", "api", "task", "provider", "model"}
# Substitutions for Grafana's built-in variables.
GRAFANA_INTERVALS = {"__rate_interval": "1m", "__interval": "15s", "__range": "10m"}
# Queries naming only these metrics (the requests and latency families, and those every replica
# sets after one request) must return data after the generated traffic...
CORE_METRICS = {
    "up", "llm_pool_requests_total", "llm_pool_request_duration_seconds_bucket", "llm_pool_request_duration_seconds_sum",
    "llm_pool_request_duration_seconds_count", "llm_pool_inflight_requests", "llm_pool_provider_requests_total",
    "llm_pool_provider_latency_seconds_bucket", "llm_pool_tokens_total", "llm_pool_build_info", "llm_pool_provider_up",
    "llm_pool_circuit_breaker_state", "llm_pool_cache_requests_total", "llm_pool_strategy_decisions_total",
    "llm_pool_cache_entries", "llm_pool_provider_inflight", "llm_pool_provider_time_to_first_token_seconds_bucket",
    "gen_ai_client_operation_duration_seconds_bucket", "llm_pool_slo_burn_rate", "llm_pool_slo_error_budget_remaining",
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
    "process_start_time_seconds",
}
# ...unless they select outcomes that healthy traffic need not produce.
RARE_OUTCOMES = ("no_consensus", "judge_fallback", "fallback|failed", "resource_exhausted")
PROMQL_KEYWORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan",
}


# --- what the repository says -------------------------------------------------------------------

def _call_arguments(text: str, start: int) -> str:
    """The text between the parenthesis at `start` and its match."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:index]
    raise AssertionError("unbalanced parentheses in a catalogue source")


def load_catalogue() -> dict:
    """{exposed family name: (type, help, label names)} from the Swift sources of the catalogue."""
    catalogue = {}
    for source in CATALOGUE_SOURCES:
        text = source.read_text(encoding="utf-8")
        arrays = {m.group(1): re.findall(r'"([^"]+)"', m.group(2)) for m in re.finditer(r"let (\w+) = \[([^\]]*)\]", text)}
        for match in re.finditer(r"registry\.(counter|gauge|histogram)\(", text):
            args = _call_arguments(text, match.end() - 1)
            name = re.search(r'name:\s*"([^"]+)"', args).group(1)
            help_text = re.search(r'help:\s*"((?:[^"\\]|\\.)*)"', args).group(1)
            labels = []
            label_expr = re.search(r"labelNames:\s*([^)]*?)(?:,\s*buckets:|$)", args, re.S)
            if label_expr:
                for part in label_expr.group(1).split("+"):
                    part = part.strip()
                    labels += re.findall(r'"([^"]+)"', part) if part.startswith("[") else arrays[part]
            kind = match.group(1)
            family = name[: -len("_total")] if kind == "counter" and name.endswith("_total") else name
            catalogue[family] = (kind, help_text, tuple(labels))
    assert len(catalogue) >= 30, f"only {len(catalogue)} families parsed from the catalogue sources"
    return catalogue


def exposed_sample_names(catalogue: dict) -> set:
    names = set()
    for family, (kind, _, _) in catalogue.items():
        if kind == "counter":
            names.add(family + "_total")
        elif kind == "histogram":
            names.update(family + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(family)
    return names


def load_dashboards() -> dict:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in DASHBOARD_FILES}


def all_panels(dashboard: dict):
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries() -> list:
    """[(where, expr)] for every panel target and every query variable (label_values → group by)."""
    queries = []
    for name, dashboard in load_dashboards().items():
        for panel in all_panels(dashboard):
            for target in panel.get("targets", []):
                queries.append((f"{name}: {panel['title']} [{target['refId']}]", target["expr"]))
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                queries.append((f"{name}: variable {variable['name']}", label_values_to_promql(variable["definition"])))
    return queries


def label_values_to_promql(definition: str) -> str:
    match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", definition.strip())
    assert match, f"unsupported variable query {definition!r}"
    return f"group by ({match.group(2)}) ({match.group(1)})"


def load_rules() -> list:
    rules = []
    for path in RULE_FILES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            rules += group["rules"]
    return rules


def recorded_names() -> set:
    return {rule["record"] for rule in load_rules() if "record" in rule}


def substitute(expr: str, values: dict = None) -> str:
    """Replaces Grafana variables: built-in intervals by durations, template variables by
    `values[name]` (every value by default: `.*`, as the dashboards' "All")."""
    def replace(match):
        name = match.group(1) or match.group(2)
        if name in GRAFANA_INTERVALS:
            return GRAFANA_INTERVALS[name]
        assert name in TEMPLATE_VARIABLES, f"unknown variable ${name} in {expr!r}"
        return (values or {}).get(name, ".*")
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", replace, expr)


def metric_names(expr: str) -> set:
    """Metric names an expression selects (label matchers, ranges, groupings and functions removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()", text):
        if match.group(1).lower() not in PROMQL_KEYWORDS:
            names.add(match.group(1))
    return names


def rule_metric_names() -> set:
    names = set()
    for rule in load_rules():
        names |= metric_names(rule["expr"])
    return names


def must_have_data(expr: str) -> bool:
    names = metric_names(expr)
    recorded = {n for n in names if ":" in n}
    return (names - recorded) <= CORE_METRICS and not any(rare in expr for rare in RARE_OUTCOMES)


# --- static checks (no service) -----------------------------------------------------------------

def test_metric_name_extraction():
    assert metric_names('sum by (le) (rate(llm_pool_x_bucket{task=~"$task", a="b(c)"}[$__rate_interval]))') == {"llm_pool_x_bucket"}
    assert metric_names("histogram_quantile(0.99, a:b:c) / 1e-3 or vector(0) and on (job) up offset 5m") == {"a:b:c", "up"}
    assert metric_names("time() - process_start_time_seconds") == {"process_start_time_seconds"}


def test_dashboards_are_generated_from_generate_py():
    result = subprocess.run(["python3", str(ROOT / "dashboards/generate.py"), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_dashboards_shape():
    dashboards = load_dashboards()
    assert {d["title"] for d in dashboards.values()} == {
        "llm-pool / Overview", "llm-pool / Models", "llm-pool / SLOs", "llm-pool / Ensembles", "llm-pool / Cache & limits"}
    for name, d in dashboards.items():
        assert d["schemaVersion"] >= 39, name
        assert [i["name"] for i in d["__inputs"]] == ["DS_PROMETHEUS"] and d["__inputs"][0]["pluginId"] == "prometheus", name
        variables = {v["name"]: v for v in d["templating"]["list"]}
        assert variables["DS_PROMETHEUS"]["type"] == "datasource" and variables["DS_PROMETHEUS"]["query"] == "prometheus", name
        assert "task" in variables or "api" in variables, name
        for var in variables.values():
            if var["type"] == "query":
                assert var["definition"].startswith("label_values(") and var["query"]["query"] == var["definition"], (name, var["name"])
                assert var["datasource"]["uid"] == "${DS_PROMETHEUS}", (name, var["name"])
        ids = [p["id"] for p in all_panels(d)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        cells = {}
        for panel in all_panels(d):
            pos = panel["gridPos"]
            assert pos["x"] + pos["w"] <= 24, (name, panel["title"])
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    assert (x, y) not in cells, f"{name}: {panel['title']} overlaps {cells[(x, y)]}"
                    cells[(x, y)] = panel["title"]
            if panel["type"] in ("row", "text"):
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, (name, panel["title"])
            assert panel["targets"], (name, panel["title"])
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == "${DS_PROMETHEUS}"
                # Exemplars on every latency graph (stat panels cannot show them).
                if panel["type"] in ("timeseries", "heatmap") and "_seconds_bucket" in target["expr"]:
                    assert target["exemplar"] is True, f"{name}: {panel['title']}: exemplars off on a latency query"
    assert len({d["uid"] for d in dashboards.values()}) == len(dashboards), "dashboard uids must differ"
    models = {v["name"] for v in dashboards["llm-pool-models.json"]["templating"]["list"]}
    assert {"task", "provider", "model"} <= models
    heatmaps = [p for p in all_panels(dashboards["llm-pool-models.json"]) if p["type"] == "heatmap"]
    assert heatmaps and all(t["format"] == "heatmap" and "le" in t["expr"] for p in heatmaps for t in p["targets"])


def test_queries_use_only_catalogue_metrics():
    allowed = exposed_sample_names(load_catalogue()) | {"up"} | recorded_names()
    unknown = {}
    for where, expr in dashboard_queries():
        for name in metric_names(expr) - allowed:
            unknown.setdefault(name, where)
    for rule in load_rules():
        for name in metric_names(rule["expr"]) - allowed:
            unknown.setdefault(name, rule.get("record") or rule.get("alert"))
    assert not unknown, f"names outside the catalogue: {unknown}"


def test_dashboard_promql_parses():
    """Every dashboard query, variables substituted, is valid PromQL (promtool parses it as a rule)."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: apt-get install prometheus"
    rules = [{"record": f"dashboard:query_{i}:check", "expr": substitute(expr)} for i, (_, expr) in enumerate(dashboard_queries())]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dashboards.yml"
        path.write_text(json.dumps({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8")
        result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alerts_carry_runbooks():
    alerts = [rule for rule in load_rules() if "alert" in rule]
    assert {a["alert"] for a in alerts} >= {"LLMPoolErrorBudgetFastBurn", "LLMPoolErrorBudgetSlowBurn", "LLMPoolProviderDown",
                                           "LLMPoolCircuitBreakerOpen", "LLMPoolNoReadyReplicas"}
    for alert in alerts:
        assert alert["labels"]["severity"] in ("page", "ticket"), alert["alert"]
        for key in ("summary", "description", "runbook"):
            assert len(alert["annotations"].get(key, "")) > 20, (alert["alert"], key)
        assert alert["annotations"]["runbook"].count("\n") >= 2, f"{alert['alert']}: runbook has fewer than 3 steps"


# --- the live service ---------------------------------------------------------------------------

def _post(url: str, body: dict, stream: bool = False) -> int:
    response = requests.post(url, json=body, timeout=30, stream=stream)
    if stream:
        for _ in response.iter_lines():
            pass
    return response.status_code


def send_traffic(base_url: str, rounds: int = 1) -> dict:
    """Bounded traffic: per round 200 `expand_queries`, 10 of each other task, repeats (cache hits),
    streams (time to first token), other strategies, OpenAI-style requests and a few bad requests."""
    calls = []
    for r in range(rounds):
        calls += [("/v1/infer", {"task": "expand_queries", "input": f"swift server frameworks {r}-{i}", "deadlineMs": 20000}, False)
                  for i in range(200)]
        for task in TASKS[1:]:
            calls += [("/v1/infer", {"task": task, "input": f"https://example.org/page-{r}-{i % 5}", "deadlineMs": 20000}, False)
                      for i in range(10)]
        calls += [("/v1/infer/stream", {"task": "expand_queries", "input": f"vector databases {r}-{i}"}, True) for i in range(10)]
        calls += [("/v1/infer", {"task": "expand_queries", "input": f"voting {r}-{i}", "strategy": s, "deadlineMs": 20000}, False)
                  for i in range(3) for s in ("VOTING", "CONSENSUS", "WEIGHTED")]
        calls += [("/v1/chat/completions", {"model": "pool/expand_queries", "messages": [{"role": "user", "content": f"q {r}-{i}"}]}, False)
                  for i in range(10)]
        calls += [("/v1/infer", body, False) for body in (
            {"task": "expand_queries", "input": ""}, {"task": "expand_queries", "input": "x", "strategy": "RANDOM"},
            {"task": "expand_queries", "input": "x", "deadlineMs": 999999}, {"task": "nope", "input": "x"})]
    statuses: dict = {}
    deadline = time.monotonic() + 240
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(_post, base_url + path, body, stream) for path, body, stream in calls]
        for future in futures:
            status = future.result(timeout=max(1.0, deadline - time.monotonic()))
            statuses[status] = statuses.get(status, 0) + 1
    assert statuses.get(200, 0) >= 200, f"traffic mostly failed: {statuses}"
    return statuses


@pytest.fixture(scope="module")
def traffic(base_url):
    return send_traffic(base_url)


@pytest.fixture(scope="module")
def live_text(base_url, traffic) -> str:
    response = requests.get(f"{base_url}/metrics", timeout=10)
    assert response.status_code == 200, f"GET /metrics answered {response.status_code}"
    return response.text


def test_metrics_prometheus_text_matches_catalogue(base_url, live_text):
    response = requests.get(f"{base_url}/metrics", timeout=10)
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4"), response.headers["content-type"]
    families = {f.name: f for f in prometheus_families(live_text)}
    catalogue = load_catalogue()
    problems = [f"{name}: missing" for name in sorted(set(catalogue) - set(families))]
    for name, (kind, help_text, labels) in sorted(catalogue.items()):
        family = families.get(name)
        if family is None:
            continue
        if family.type != kind:
            problems.append(f"{name}: type {family.type}, catalogue {kind}")
        if family.documentation != help_text.replace("\\", ""):
            problems.append(f"{name}: help {family.documentation!r}, catalogue {help_text!r}")
        seen = {tuple(sorted(set(s.labels) - {"le"})) for s in family.samples}
        if seen != {tuple(sorted(labels))}:
            problems.append(f"{name}: label names {sorted(seen)}, catalogue {sorted(labels)}")
    assert not problems, "\n".join(problems)
    requests_total = [s for s in families["llm_pool_requests"].samples if s.name == "llm_pool_requests_total"]
    assert sum(s.value for s in requests_total if s.labels["task"] == "expand_queries") >= 200
    assert {s.labels["api"] for s in requests_total} >= {"http", "openai"}
    assert any(s.labels["code"] != "ok" for s in requests_total), "bad requests are not counted with their code"
    assert {s.labels["provider"] for s in families["llm_pool_provider_up"].samples} == PROVIDERS


def test_metrics_openmetrics_with_exemplars(base_url, traffic):
    response = requests.get(f"{base_url}/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text"), response.headers["content-type"]
    assert response.text.endswith("# EOF\n")
    families = {f.name: f for f in openmetrics_families(response.text)}
    text_families = {f.name for f in prometheus_families(requests.get(f"{base_url}/metrics", timeout=10).text)}
    assert text_families <= set(families), f"only in the 0.0.4 text: {sorted(text_families - set(families))}"
    exemplars = [
        sample.exemplar
        for name in ("llm_pool_request_duration_seconds", "llm_pool_provider_latency_seconds")
        for sample in families[name].samples
        if sample.name.endswith("_bucket") and sample.exemplar is not None
    ]
    assert exemplars, "no exemplar on the latency histogram buckets"
    assert any(re.fullmatch(r"[0-9a-f]{32}", e.labels.get("trace_id", "")) for e in exemplars), exemplars[:3]


def test_dashboard_and_rule_metrics_exist_in_live_metrics(live_text):
    live = {sample.name for family in prometheus_families(live_text) for sample in family.samples}
    recorded = recorded_names()
    used = {}
    for where, expr in dashboard_queries():
        for name in metric_names(expr):
            used.setdefault(name, where)
    for name in rule_metric_names():
        used.setdefault(name, "deploy/prometheus/rules")
    missing = {name: where for name, where in used.items() if name not in live | recorded | {"up"}}
    assert not missing, f"named by dashboards or rules but not in /metrics: {missing}"


# --- a real Prometheus --------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, url: str):
        self.url = url

    def get(self, path: str, **params) -> dict:
        response = requests.get(self.url + path, params=params, timeout=30)
        body = response.json()
        assert response.status_code == 200 and body["status"] == "success", f"{path} {params}: {response.status_code} {body}"
        return body

    def query(self, expr: str) -> dict:
        return self.get("/api/v1/query", query=expr)["data"]

    def wait_for(self, expr: str, seconds: float) -> list:
        deadline = time.monotonic() + seconds
        while True:
            result = self.query(expr)["result"]
            if result or time.monotonic() > deadline:
                return result
            time.sleep(0.5)


@pytest.fixture(scope="module")
def prometheus(base_url, traffic):
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    assert os.access(binary, os.X_OK), "prometheus is missing: apt-get install prometheus"
    target = urlparse(base_url).netloc
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="llm-pool-prometheus-") as tmp:
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in RULE_FILES],
            "scrape_configs": [{"job_name": "llm-pool", "static_configs": [{"targets": [target]}]}],
        }
        config_path = Path(tmp) / "prometheus.yml"
        config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
        log = open(Path(tmp) / "prometheus.log", "w")
        process = subprocess.Popen(
            [binary, f"--config.file={config_path}", f"--storage.tsdb.path={tmp}/data",
             f"--web.listen-address=127.0.0.1:{port}", "--enable-feature=exemplar-storage", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
        try:
            prom = Prometheus(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, "prometheus exited: " + (Path(tmp) / "prometheus.log").read_text()
                try:
                    if requests.get(prom.url + "/-/ready", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                assert time.monotonic() < deadline, "prometheus not ready after 30 s"
                time.sleep(0.2)
            # Scraped before, during and after the traffic, so rates see it.
            assert prom.wait_for('up{job="llm-pool"} == 1', 15), "the first scrape of llm-pool failed: " + json.dumps(
                prom.get("/api/v1/targets")["data"]["activeTargets"])
            send_traffic(base_url)
            time.sleep(4)
            yield prom
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            log.close()


def test_prometheus_scrapes_requests(prometheus):
    targets = prometheus.get("/api/v1/targets")["data"]["activeTargets"]
    assert [t["health"] for t in targets] == ["up"], targets
    assert targets[0]["lastError"] == ""
    result = prometheus.query('sum(llm_pool_requests_total{job="llm-pool", task="expand_queries"})')["result"]
    assert result and float(result[0]["value"][1]) >= 400, result
    rate = prometheus.query('sum(rate(llm_pool_requests_total{job="llm-pool"}[1m]))')["result"]
    assert rate and float(rate[0]["value"][1]) > 0, rate


def test_prometheus_loads_and_evaluates_every_rule(prometheus):
    deadline = time.monotonic() + 20
    while True:
        groups = prometheus.get("/api/v1/rules")["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if all(rule["health"] != "unknown" for rule in rules) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(rules) == len(load_rules())
    unhealthy = [(r["name"], r["health"], r.get("lastError")) for r in rules if r["health"] != "ok"]
    assert not unhealthy, unhealthy


def _run_all(prometheus, queries: list) -> tuple:
    errors, empty = [], []
    for where, expr in queries:
        try:
            data = prometheus.query(expr)
        except AssertionError as error:
            errors.append(f"{where}: {error}")
            continue
        if not data["result"] and must_have_data(expr):
            empty.append(f"{where}: {expr}")
    return errors, empty


def test_every_dashboard_query_runs_with_data(prometheus):
    queries = [(where, substitute(expr)) for where, expr in dashboard_queries()]
    errors, empty = _run_all(prometheus, queries)
    assert not errors, "\n".join(errors)
    assert not empty, "no data after traffic:\n" + "\n".join(empty)
    # One value per variable, as a user picking a task and a provider would.
    picked = {"job": "llm-pool", "api": "http", "task": "expand_queries", "provider": "phi3-mini", "model": "phi3:mini"}
    errors, empty = _run_all(prometheus, [(where, substitute(expr, picked)) for where, expr in dashboard_queries()])
    assert not errors, "\n".join(errors)
    assert not empty, f"no data for {picked}:\n" + "\n".join(empty)


def test_every_recording_rule_returns_data(prometheus):
    queries = [(rule["record"], rule["expr"]) for rule in load_rules() if "record" in rule]
    queries += [(f"recorded {rule['record']}", rule["record"]) for rule in load_rules() if "record" in rule]
    errors, empty = _run_all(prometheus, queries)
    assert not errors, "\n".join(errors)
    assert not empty, "no data after traffic:\n" + "\n".join(empty)


def test_alert_expressions_run_and_stay_quiet(prometheus):
    alerts = [rule for rule in load_rules() if "alert" in rule]
    errors, _ = _run_all(prometheus, [(rule["alert"], rule["expr"]) for rule in alerts])
    assert not errors, "\n".join(errors)
    # The demo is healthy and bad requests are client errors: no budget alert may be pending.
    result = prometheus.query('ALERTS{alertname=~"LLMPoolErrorBudget.*"}')["result"]
    assert not result, result


def test_prometheus_stores_exemplars_with_trace_ids(prometheus):
    now = time.time()
    data = prometheus.get("/api/v1/query_exemplars", query='llm_pool_request_duration_seconds_bucket{job="llm-pool"}',
                          start=str(now - 600), end=str(now))["data"]
    trace_ids = [e["labels"].get("trace_id", "") for series in data for e in series["exemplars"]]
    assert trace_ids, "Prometheus stored no exemplar (is /metrics OpenMetrics with exemplars for its Accept header?)"
    assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in trace_ids), trace_ids[:5]
