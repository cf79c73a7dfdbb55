#!/usr/bin/env python3
"""Generates the Grafana dashboards of llm-pool (dashboards/*.json) from one description.

    python3 dashboards/generate.py          # rewrite the JSON files
    python3 dashboards/generate.py --check  # exit 1 when a committed file differs from the output

Every query names only metrics of the catalogue (`PoolMetrics.swift`, `ProcessMetricsCollector.swift`),
`up`, or recording rules of `deploy/prometheus/rules/recording.yml`. Each dashboard imports with
a Prometheus data source chosen at import time (`__inputs` DS_PROMETHEUS) and also works when
provisioned from files: the data source is then the `DS_PROMETHEUS` variable.
Standard library only.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
SCHEMA_VERSION = 39
TAG = "llm-pool"
# The availability objective of the SLO alerts (deploy/prometheus/rules/alerts.yml).
SLO_OBJECTIVE = 0.995
ERROR_BUDGET = round(1 - SLO_OBJECTIVE, 6)
# Server-side result codes: the "bad" events of the availability SLI (client errors are excluded).
BAD_CODES = "deadline_exceeded|unavailable|upstream_failed|internal"


# --- building blocks ----------------------------------------------------------------------------

def sel(**matchers: str) -> str:
    """A label selector; values starting with '=~', '!=', '!~' or '=' keep their operator,
    bare values become regex matches (so Grafana multi-value variables work)."""
    parts = []
    for name, value in matchers.items():
        if value.startswith(("=~", "!=", "!~")):
            parts.append(f'{name}{value[:2]}"{value[2:]}"')
        elif value.startswith("="):
            parts.append(f'{name}="{value[1:]}"')
        else:
            parts.append(f'{name}=~"{value}"')
    return "{" + ", ".join(parts) + "}"


def target(expr: str, legend: str = "", *, exemplar: bool = False, instant: bool = False,
           fmt: str = "time_series", ref: str = "A") -> dict:
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "exemplar": exemplar,
        "format": fmt,
        "instant": instant,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "refId": ref,
    }
    return t


def targets(*items: tuple) -> list:
    """targets((expr, legend[, options]), ...) with refIds A, B, C..."""
    out = []
    for index, item in enumerate(items):
        expr, legend = item[0], item[1]
        options = item[2] if len(item) > 2 else {}
        out.append(target(expr, legend, ref=chr(ord("A") + index), **options))
    return out


def thresholds(*steps: tuple) -> dict:
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for color, value in steps]}


GREEN_ONLY = thresholds(("green", None))


def timeseries_defaults(unit: str, *, stack: bool = False, min_zero: bool = True, fill: int = 10,
                        threshold_lines=None) -> dict:
    custom = {
        "axisBorderShow": False,
        "axisCenteredZero": False,
        "axisColorMode": "text",
        "axisLabel": "",
        "axisPlacement": "auto",
        "barAlignment": 0,
        "drawStyle": "line",
        "fillOpacity": fill,
        "gradientMode": "none",
        "hideFrom": {"legend": False, "tooltip": False, "viz": False},
        "insertNulls": False,
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "pointSize": 4,
        "scaleDistribution": {"type": "linear"},
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "normal" if stack else "none"},
        "thresholdsStyle": {"mode": "line+area" if threshold_lines else "off"},
    }
    defaults = {
        "color": {"mode": "palette-classic"},
        "custom": custom,
        "mappings": [],
        "thresholds": threshold_lines or GREEN_ONLY,
        "unit": unit,
    }
    if min_zero:
        defaults["min"] = 0
    return defaults


class Dashboard:
    """A dashboard laid out in rows; panels flow left to right, 24 columns wide."""

    def __init__(self, uid: str, title: str, description: str, variables: list):
        self.uid, self.title, self.description = uid, title, description
        self.variables = variables
        self.panels: list = []
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_height = 0

    def _place(self, w: int, h: int) -> dict:
        if self.x + w > 24:
            self.x = 0
            self.y += self.row_height
            self.row_height = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_height = max(self.row_height, h)
        return pos

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def break_line(self) -> None:
        """Starts a new line of panels."""
        if self.x:
            self.y += self.row_height
        self.x, self.row_height = 0, 0

    def row(self, title: str) -> None:
        if self.x:
            self.y += self.row_height
        self.x, self.row_height = 0, 0
        self.panels.append({
            "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            "id": self._id(), "panels": [], "title": title, "type": "row",
        })
        self.y += 1

    def _base(self, kind: str, title: str, description: str, tgts: list, w: int, h: int) -> dict:
        return {
            "datasource": DS,
            "description": description,
            "gridPos": self._place(w, h),
            "id": self._id(),
            "targets": tgts,
            "title": title,
            "type": kind,
        }

    def timeseries(self, title: str, description: str, tgts: list, *, unit: str = "short", w: int = 12,
                   h: int = 8, stack: bool = False, min_zero: bool = True, threshold_lines=None,
                   legend_calcs=None, overrides=None) -> dict:
        panel = self._base("timeseries", title, description, tgts, w, h)
        panel["fieldConfig"] = {
            "defaults": timeseries_defaults(unit, stack=stack, min_zero=min_zero, threshold_lines=threshold_lines),
            "overrides": overrides or [],
        }
        panel["options"] = {
            "legend": {"calcs": legend_calcs or [], "displayMode": "table" if legend_calcs else "list",
                       "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
        self.panels.append(panel)
        return panel

    def stat(self, title: str, description: str, tgts: list, *, unit: str = "short", w: int = 6, h: int = 4,
             steps=None, decimals=None, text_mode: str = "auto", graph: bool = True, mappings=None) -> dict:
        panel = self._base("stat", title, description, tgts, w, h)
        defaults = {"color": {"mode": "thresholds"}, "mappings": mappings or [],
                    "thresholds": steps or GREEN_ONLY, "unit": unit}
        if decimals is not None:
            defaults["decimals"] = decimals
        panel["fieldConfig"] = {"defaults": defaults, "overrides": []}
        panel["options"] = {
            "colorMode": "value", "graphMode": "area" if graph else "none", "justifyMode": "auto",
            "orientation": "auto", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "showPercentChange": False, "textMode": text_mode, "wideLayout": True,
        }
        self.panels.append(panel)
        return panel

    def bargauge(self, title: str, description: str, tgts: list, *, unit: str, w: int = 12, h: int = 8,
                 steps=None, minimum=None, maximum=None) -> dict:
        panel = self._base("bargauge", title, description, tgts, w, h)
        defaults = {"color": {"mode": "thresholds"}, "mappings": [], "thresholds": steps or GREEN_ONLY, "unit": unit}
        if minimum is not None:
            defaults["min"] = minimum
        if maximum is not None:
            defaults["max"] = maximum
        panel["fieldConfig"] = {"defaults": defaults, "overrides": []}
        panel["options"] = {
            "displayMode": "gradient", "maxVizHeight": 300, "minVizHeight": 16, "minVizWidth": 8,
            "namePlacement": "auto", "orientation": "horizontal",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "showUnfilled": True, "sizing": "auto", "valueMode": "color",
        }
        self.panels.append(panel)
        return panel

    def state_timeline(self, title: str, description: str, tgts: list, *, mappings: list, steps: dict,
                       w: int = 12, h: int = 8) -> dict:
        panel = self._base("state-timeline", title, description, tgts, w, h)
        panel["fieldConfig"] = {
            "defaults": {
                "color": {"mode": "thresholds"},
                "custom": {"fillOpacity": 80, "hideFrom": {"legend": False, "tooltip": False, "viz": False},
                           "insertNulls": False, "lineWidth": 0, "spanNulls": False},
                "mappings": mappings,
                "thresholds": steps,
            },
            "overrides": [],
        }
        panel["options"] = {
            "alignValue": "left", "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "mergeValues": True, "rowHeight": 0.9, "showValue": "auto", "tooltip": {"mode": "single", "sort": "none"},
        }
        self.panels.append(panel)
        return panel

    def heatmap(self, title: str, description: str, tgts: list, *, w: int = 8, h: int = 9,
                repeat: str = "", max_per_row: int = 3) -> dict:
        panel = self._base("heatmap", title, description, tgts, w, h)
        panel["fieldConfig"] = {"defaults": {"custom": {
            "hideFrom": {"legend": False, "tooltip": False, "viz": False},
            "scaleDistribution": {"type": "linear"}}}, "overrides": []}
        panel["options"] = {
            "calculate": False,
            "cellGap": 1,
            "cellValues": {"unit": "short"},
            "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False,
                      "scale": "exponential", "scheme": "Spectral", "steps": 64},
            "exemplars": {"color": "rgba(255,0,255,0.7)"},
            "filterValues": {"le": 1e-9},
            "legend": {"show": True},
            "rowsFrame": {"layout": "le"},
            "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": True},
            "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "s"},
        }
        if repeat:
            panel["repeat"] = repeat
            panel["repeatDirection"] = "h"
            panel["maxPerRow"] = max_per_row
        self.panels.append(panel)
        return panel

    def text(self, title: str, content: str, *, w: int = 24, h: int = 3) -> dict:
        panel = {"gridPos": self._place(w, h), "id": self._id(), "title": title, "type": "text",
                 "options": {"code": {"language": "plaintext", "showLineNumbers": False, "showMiniMap": False},
                             "content": content, "mode": "markdown"}}
        self.panels.append(panel)
        return panel

    def render(self) -> dict:
        panel_types = sorted({p["type"] for p in self.panels if p["type"] != "row"})
        names = {"timeseries": "Time series", "stat": "Stat", "bargauge": "Bar gauge",
                 "state-timeline": "State timeline", "heatmap": "Heatmap", "text": "Text"}
        return {
            "__inputs": [{
                "name": "DS_PROMETHEUS", "label": "Prometheus", "description": "Prometheus scraping llm-pool",
                "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus",
            }],
            "__elements": {},
            "__requires": [
                {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.4.0"},
                {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
            ] + [{"type": "panel", "id": kind, "name": names[kind], "version": ""} for kind in panel_types],
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
            }]},
            "description": self.description,
            "editable": True,
            "fiscalYearStartMonth": 0,
            "graphTooltip": 1,
            "id": None,
            "links": [{
                "asDropdown": True, "icon": "external link", "includeVars": True, "keepTime": True,
                "tags": [TAG], "targetBlank": False, "title": "llm-pool dashboards", "tooltip": "", "type": "dashboards", "url": "",
            }],
            "panels": self.panels,
            "refresh": "30s",
            "schemaVersion": SCHEMA_VERSION,
            "tags": [TAG],
            "templating": {"list": self.variables},
            "time": {"from": "now-1h", "to": "now"},
            "timepicker": {},
            "timezone": "",
            "title": self.title,
            "uid": self.uid,
            "version": 1,
            "weekStart": "",
        }


# --- template variables -------------------------------------------------------------------------

def datasource_variable() -> dict:
    return {
        "current": {}, "hide": 0, "includeAll": False, "label": "Data source", "multi": False,
        "name": "DS_PROMETHEUS", "options": [], "query": "prometheus", "refresh": 1, "regex": "",
        "skipUrlSync": False, "type": "datasource",
    }


def query_variable(name: str, label: str, query: str) -> dict:
    return {
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "datasource": DS,
        "definition": query,
        "hide": 0,
        "includeAll": True,
        "label": label,
        "multi": True,
        "name": name,
        "options": [],
        "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }


JOB = query_variable("job", "Job", "label_values(llm_pool_build_info, job)")
API = query_variable("api", "API", 'label_values(llm_pool_requests_total{job=~"$job"}, api)')
TASK = query_variable("task", "Task", 'label_values(llm_pool_requests_total{job=~"$job"}, task)')
PROVIDER = query_variable("provider", "Provider", 'label_values(llm_pool_provider_requests_total{job=~"$job"}, provider)')
MODEL = query_variable("model", "Model", 'label_values(llm_pool_provider_requests_total{job=~"$job", provider=~"$provider"}, model)')

RI = "$__rate_interval"
QUANTILES = (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99"))
BREAKER_MAPPINGS = [{"type": "value", "options": {
    "0": {"color": "green", "index": 0, "text": "closed"},
    "1": {"color": "yellow", "index": 1, "text": "half-open"},
    "2": {"color": "red", "index": 2, "text": "open"},
}}]
UP_MAPPINGS = [{"type": "value", "options": {
    "0": {"color": "red", "index": 0, "text": "down"},
    "1": {"color": "green", "index": 1, "text": "up"},
}}]


def ratio_or_zero(numerator: str, denominator: str, by: str = "") -> str:
    """numerator / denominator, with 0 instead of no data when the numerator has no series."""
    grouping = f" by ({by})" if by else ""
    zero = f"0 * sum{grouping} ({denominator})" if by else "vector(0)"
    return f"(sum{grouping} ({numerator}) or {zero})\n/\nsum{grouping} ({denominator})"


# --- Overview -----------------------------------------------------------------------------------

def overview() -> Dashboard:
    d = Dashboard("llm-pool-overview", "llm-pool / Overview",
                  "Requests, errors, latency and saturation of llm-pool across its HTTP, OpenAI-compatible and gRPC APIs.",
                  [datasource_variable(), JOB, API, TASK])
    req = f'llm_pool_requests_total{sel(job="$job", api="$api", task="$task")}'
    req_bad = f'llm_pool_requests_total{sel(job="$job", api="$api", task="$task", code="!=ok")}'
    dur = f'llm_pool_request_duration_seconds_bucket{sel(job="$job", api="$api", task="$task")}'

    d.row("Traffic and errors")
    d.stat("Requests/s", "Requests answered per second (every API and result).",
           targets((f"sum(rate({req}[{RI}]))", "requests/s")), unit="reqps", w=4)
    d.stat("Error ratio", "Share of requests whose result code is not `ok` (client and server errors).",
           targets((ratio_or_zero(f"rate({req_bad}[{RI}])", f"rate({req}[{RI}])"), "error ratio")),
           unit="percentunit", w=4, decimals=2, steps=thresholds(("green", None), ("orange", 0.01), ("red", 0.05)))
    d.stat("Latency p99", "99th percentile of the time from arrival to answer.",
           targets((f"histogram_quantile(0.99, sum by (le) (rate({dur}[{RI}])))", "p99")),
           unit="s", w=4, steps=thresholds(("green", None), ("orange", 1.5), ("red", 3)))
    d.stat("In flight", "Requests being served right now.",
           targets((f'sum(llm_pool_inflight_requests{sel(job="$job", api="$api")})', "in flight")), w=4)
    d.stat("Replicas up", "Targets of the selected jobs that Prometheus scrapes successfully.",
           targets((f'sum(up{sel(job="$job")} and on (job, instance) llm_pool_build_info)', "up")),
           w=4, steps=thresholds(("red", None), ("green", 1)))
    d.stat("Version", "Versions running (`llm_pool_build_info`), with the number of replicas on each.",
           targets((f'count by (version) (llm_pool_build_info{sel(job="$job")})', "{{version}}")),
           w=4, text_mode="value_and_name", graph=False)

    d.timeseries("Requests/s by API", "Requests answered per second, by API (`http` native JSON, `openai`, `grpc`).",
                 targets((f"sum by (api) (rate({req}[{RI}]))", "{{api}}")), unit="reqps", w=8)
    d.timeseries("Requests/s by task", "Requests answered per second, by task.",
                 targets((f"sum by (task) (rate({req}[{RI}]))", "{{task}}")), unit="reqps", w=8)
    d.timeseries("Errors/s by code", "Requests answered with an error, by result code "
                 "(`invalid_argument`, `not_found`, `unavailable`, `deadline_exceeded`, `resource_exhausted`, ...).",
                 targets((f"sum by (code) (rate({req_bad}[{RI}]))", "{{code}}")), unit="reqps", w=8, stack=True)
    d.timeseries("Error ratio by task", "Share of each task's requests answered with an error code.",
                 targets((ratio_or_zero(f"rate({req_bad}[{RI}])", f"rate({req}[{RI}])", by="task"), "{{task}}")),
                 unit="percentunit", w=12)
    d.timeseries("Server error ratio by task (SLI)",
                 f"Share of each task's valid requests failing on the server side ({BAD_CODES.replace('|', ', ')}): "
                 "the availability SLI of the SLO alerts. Client errors are not counted.",
                 targets((ratio_or_zero(
                     f'rate(llm_pool_requests_total{sel(job="$job", api="$api", task="$task", code=BAD_CODES)}[{RI}])',
                     f'rate(llm_pool_requests_total{sel(job="$job", api="$api", task="$task", code="ok|" + BAD_CODES)}[{RI}])',
                     by="task"), "{{task}}")),
                 unit="percentunit", w=12,
                 threshold_lines=thresholds(("transparent", None), ("red", round(14.4 * ERROR_BUDGET, 6))))

    d.row("Latency")
    d.timeseries("Latency p50 / p95 / p99", "Time from a request's arrival to its answer; exemplars link to the request's trace.",
                 targets(*[(f"histogram_quantile({q}, sum by (le) (rate({dur}[{RI}])))", name, {"exemplar": True})
                           for q, name in QUANTILES]), unit="s", w=12)
    d.timeseries("Latency p99 by task", "99th percentile latency per task; exemplars link to traces.",
                 targets((f"histogram_quantile(0.99, sum by (le, task) (rate({dur}[{RI}])))", "{{task}}", {"exemplar": True})),
                 unit="s", w=12)
    d.timeseries("Latency p95 by API and strategy", "95th percentile latency per API and ensemble strategy.",
                 targets((f"histogram_quantile(0.95, sum by (le, api, strategy) (rate({dur}[{RI}])))",
                          "{{api}} {{strategy}}", {"exemplar": True})), unit="s", w=12)
    d.timeseries("Mean latency by task", "Average time to answer (sum / count of the histogram).",
                 targets((f'sum by (task) (rate(llm_pool_request_duration_seconds_sum{sel(job="$job", api="$api", task="$task")}[{RI}]))\n/\n'
                          f'sum by (task) (rate(llm_pool_request_duration_seconds_count{sel(job="$job", api="$api", task="$task")}[{RI}]))',
                          "{{task}}")), unit="s", w=12)

    d.row("Saturation and the process")
    d.timeseries("In-flight requests by API", "Requests being served, by API.",
                 targets((f'sum by (api) (llm_pool_inflight_requests{sel(job="$job", api="$api")})', "{{api}}")), w=8)
    d.timeseries("CPU", "CPU seconds used per second by each replica (1 = one core).",
                 targets((f'rate(process_cpu_seconds_total{sel(job="$job")}[{RI}])', "{{instance}}")), unit="percentunit", w=8)
    d.timeseries("Resident memory", "Resident memory of each replica.",
                 targets((f'process_resident_memory_bytes{sel(job="$job")}', "{{instance}}")), unit="bytes", w=8)
    d.timeseries("Open file descriptors", "Open file descriptors against the limit.",
                 targets((f'process_open_fds{sel(job="$job")}', "{{instance}} open"),
                         (f'process_max_fds{sel(job="$job")}', "{{instance}} max")), w=8)
    d.timeseries("Uptime", "Time since each replica started.",
                 targets((f'time() - process_start_time_seconds{sel(job="$job")}', "{{instance}}")), unit="s", w=8)
    d.timeseries("Spans exported and dropped", "Trace spans handed to the OTLP exporter by result, and spans dropped "
                 "because the export queue was full.",
                 targets((f'sum by (result) (rate(llm_pool_spans_exported_total{sel(job="$job")}[{RI}]))', "exported {{result}}"),
                         (f'sum(rate(llm_pool_spans_dropped_total{sel(job="$job")}[{RI}]))', "dropped")), unit="ops", w=8)
    return d


# --- Models -------------------------------------------------------------------------------------

def models() -> Dashboard:
    d = Dashboard("llm-pool-models", "llm-pool / Models",
                  "Each provider (model backend): health, circuit breaker, latency distribution, time to first token, tokens and routing scores.",
                  [datasource_variable(), JOB, PROVIDER, MODEL, TASK])
    pm = dict(job="$job", provider="$provider", model="$model")
    calls = f"llm_pool_provider_requests_total{sel(**pm)}"
    lat = f'llm_pool_provider_latency_seconds_bucket{sel(task="$task", **pm)}'
    ttft = f"llm_pool_provider_time_to_first_token_seconds_bucket{sel(**pm)}"

    d.row("Health")
    d.state_timeline("Provider health probe", "1 when the provider's last health probe succeeded (per replica).",
                     targets((f'min by (provider) (llm_pool_provider_up{sel(job="$job", provider="$provider")})', "{{provider}}")),
                     mappings=UP_MAPPINGS, steps=thresholds(("red", None), ("green", 1)))
    d.state_timeline("Circuit breaker", "Breaker state per provider, worst replica: closed, half-open (probing) or open (calls rejected).",
                     targets((f'max by (provider) (llm_pool_circuit_breaker_state{sel(job="$job", provider="$provider")})', "{{provider}}")),
                     mappings=BREAKER_MAPPINGS, steps=thresholds(("green", None), ("yellow", 1), ("red", 2)))
    d.timeseries("Provider calls/s by outcome", "Calls to each provider by outcome: success, error, timeout, cancelled "
                 "(lost a race or the caller went away), rejected (breaker open).",
                 targets((f"sum by (provider, outcome) (rate({calls}[{RI}]))", "{{provider}} {{outcome}}")),
                 unit="ops", w=12, stack=True)
    d.timeseries("Provider failure ratio", "Share of each provider's finished calls that failed (error or timeout).",
                 targets((ratio_or_zero(f'rate(llm_pool_provider_requests_total{sel(outcome="error|timeout", **pm)}[{RI}])',
                                        f'rate(llm_pool_provider_requests_total{sel(outcome="success|error|timeout", **pm)}[{RI}])',
                                        by="provider"), "{{provider}}")),
                 unit="percentunit", w=12, threshold_lines=thresholds(("transparent", None), ("red", 0.5)))
    d.timeseries("Breaker transitions", "Circuit breaker transitions per provider, by the state entered.",
                 targets((f'sum by (provider, to) (increase(llm_pool_circuit_breaker_transitions_total{sel(job="$job", provider="$provider")}[{RI}]))',
                          "{{provider}} → {{to}}")), w=12)
    d.timeseries("Calls in flight", "Provider calls in progress.",
                 targets((f'sum by (provider) (llm_pool_provider_inflight{sel(job="$job", provider="$provider")})', "{{provider}}")), w=12)

    d.row("Latency")
    d.heatmap("Latency distribution: $provider", "Successful call durations of the provider, from the histogram buckets "
              "(one panel per selected provider); exemplars link to the call's trace.",
              [target(f'sum by (le) (increase(llm_pool_provider_latency_seconds_bucket{sel(job="$job", provider="$provider", model="$model", task="$task")}[{RI}]))',
                      "{{le}}", exemplar=True, fmt="heatmap")], repeat="provider")
    d.break_line()  # the repeated heatmaps fill this line, one per provider
    d.timeseries("Provider latency p50 / p95 / p99", "Successful call duration quantiles per provider; exemplars link to traces.",
                 targets(*[(f"histogram_quantile({q}, sum by (le, provider) (rate({lat}[{RI}])))", "{{provider}} " + name,
                            {"exemplar": True}) for q, name in QUANTILES]), unit="s", w=12)
    d.timeseries("Provider latency p95 by task", "95th percentile call duration per provider and task (what hedging waits for).",
                 targets((f"histogram_quantile(0.95, sum by (le, provider, task) (rate({lat}[{RI}])))",
                          "{{provider}} {{task}}", {"exemplar": True})), unit="s", w=12)
    d.timeseries("Time to first token p50 / p95", "Streaming calls: time from the call to the first token, per provider.",
                 targets(*[(f"histogram_quantile({q}, sum by (le, provider) (rate({ttft}[{RI}])))", "{{provider}} " + name,
                            {"exemplar": True}) for q, name in QUANTILES[:2]]), unit="s", w=12)
    d.timeseries("GenAI operation duration p95 (OpenTelemetry)", "`gen_ai.client.operation.duration` per requested model and error type.",
                 targets((f'histogram_quantile(0.95, sum by (le, gen_ai_request_model, error_type) (rate(gen_ai_client_operation_duration_seconds_bucket{sel(job="$job", gen_ai_request_model="$model")}[{RI}])))',
                          "{{gen_ai_request_model}} {{error_type}}", {"exemplar": True})), unit="s", w=12)

    d.row("Tokens and routing")
    d.timeseries("Tokens/s", "Input (prompt) and output (generated) tokens per second, per provider.",
                 targets((f'sum by (provider, type) (rate(llm_pool_tokens_total{sel(**pm)}[{RI}]))', "{{provider}} {{type}}")),
                 unit="short", w=8)
    d.timeseries("Output tokens per call", "Average generated tokens per successful call.",
                 targets((f'sum by (provider) (rate(llm_pool_tokens_total{sel(type="=output", **pm)}[{RI}]))\n/\n'
                          f'sum by (provider) (rate(llm_pool_provider_requests_total{sel(outcome="=success", **pm)}[{RI}]))',
                          "{{provider}}")), w=8)
    d.timeseries("Routing score", "WEIGHTED routing score per provider and task (higher is preferred).",
                 targets((f'avg by (provider, task) (llm_pool_provider_score{sel(job="$job", provider="$provider", task="$task")})',
                          "{{provider}} {{task}}")), w=8, min_zero=False)
    return d


# --- SLOs ---------------------------------------------------------------------------------------

def slos() -> Dashboard:
    d = Dashboard("llm-pool-slos", "llm-pool / SLOs",
                  "Availability SLOs per task: error budget burn rates (in-process and from Prometheus' recording rules) and the budget left.",
                  [datasource_variable(), JOB, TASK])
    burn_steps = thresholds(("green", None), ("yellow", 1), ("orange", 6), ("red", 14.4))
    d.text("How to read this", (
        f"Burn rate 1 spends the error budget exactly over the SLO period; the alerts page at **14.4×** over 1h and 5m "
        f"or **6×** over 6h and 30m, and open a ticket at **3×** over 1d and 2h or **1×** over 3d and 6h "
        f"(objective {SLO_OBJECTIVE:.1%} of valid requests without a server error; see `deploy/prometheus/rules/alerts.yml`)."
    ), h=3)

    d.row("Error budget")
    d.bargauge("Error budget remaining", "Fraction of each SLO's error budget left over its longest window (computed in-process).",
               targets((f'min by (slo) (llm_pool_slo_error_budget_remaining{sel(job="$job", slo="($task):.*")})', "{{slo}}")),
               unit="percentunit", minimum=0, maximum=1,
               steps=thresholds(("red", None), ("orange", 0.25), ("green", 0.5)))
    d.bargauge("Availability over 3 days", "Share of valid requests answered without a server error over the last 3 days "
               "(recording rule `job_task:llm_pool_request_errors:ratio_rate3d`).",
               targets((f'1 - max by (task) (job_task:llm_pool_request_errors:ratio_rate3d{sel(job="$job", task="$task")})', "{{task}}")),
               unit="percentunit", minimum=0.95, maximum=1,
               steps=thresholds(("red", None), ("orange", SLO_OBJECTIVE), ("green", round(1 - ERROR_BUDGET / 2, 6))))

    d.row("Burn rates")
    d.timeseries("Burn rate by window (in-process)", "`llm_pool_slo_burn_rate`: computed by llm-pool per SLO over 5m, 30m, 1h and 6h.",
                 targets((f'max by (slo, window) (llm_pool_slo_burn_rate{sel(job="$job", slo="($task):.*")})', "{{slo}} {{window}}")),
                 w=24, threshold_lines=burn_steps)
    for window, pair, factor in (("5m", "1h", 14.4), ("30m", "6h", 6), ("2h", "1d", 3), ("6h", "3d", 1)):
        desc = (f"Error ratio over {window} and {pair} divided by the error budget ({ERROR_BUDGET}); "
                f"alerts when both exceed {factor}×.")
        d.timeseries(f"Burn rate {pair} and {window} (Prometheus)", desc, targets(
            (f'max by (task) (job_task:llm_pool_request_errors:ratio_rate{pair}{sel(job="$job", task="$task")}) / {ERROR_BUDGET}', "{{task}} " + pair),
            (f'max by (task) (job_task:llm_pool_request_errors:ratio_rate{window}{sel(job="$job", task="$task")}) / {ERROR_BUDGET}', "{{task}} " + window),
        ), w=12, threshold_lines=thresholds(("transparent", None), ("red", factor)))

    d.row("Service level indicators")
    d.timeseries("Server error ratio by task (5m)", "Valid requests failing on the server side, over 5 minutes.",
                 targets((f'max by (task) (job_task:llm_pool_request_errors:ratio_rate5m{sel(job="$job", task="$task")})', "{{task}}")),
                 unit="percentunit", w=12)
    d.timeseries("Valid requests/s by task", "The SLI's denominator: requests answered `ok` or with a server error.",
                 targets((f'sum by (task) (job_task:llm_pool_requests_valid:rate5m{sel(job="$job", task="$task")})', "{{task}}")),
                 unit="reqps", w=12)
    return d


# --- Ensembles ----------------------------------------------------------------------------------

def ensembles() -> Dashboard:
    d = Dashboard("llm-pool-ensembles", "llm-pool / Ensembles",
                  "How answers are chosen: hedges, strategy outcomes, votes, consensus failures and judge fallbacks.",
                  [datasource_variable(), JOB, TASK])
    hedges = f'llm_pool_hedges_total{sel(job="$job", task="$task")}'
    decisions = 'llm_pool_strategy_decisions_total{job=~"$job"}'

    d.row("Hedging")
    d.stat("Hedges fired/s", "Second calls started because the first provider was slower than the hedge delay.",
           targets((f'sum(rate(llm_pool_hedges_total{sel(job="$job", task="$task", outcome="=fired")}[{RI}]))', "fired")),
           unit="ops", w=6)
    d.stat("Hedge win ratio", "Share of fired hedges whose answer won the race.",
           targets((ratio_or_zero(f'rate(llm_pool_hedges_total{sel(job="$job", task="$task", outcome="=won")}[{RI}])',
                                  f'rate(llm_pool_hedges_total{sel(job="$job", task="$task", outcome="=fired")}[{RI}])'), "won/fired")),
           unit="percentunit", w=6)
    d.stat("Hedge rate", "Hedges fired per request (the budget caps it, 10% by default).",
           targets((ratio_or_zero(f'rate(llm_pool_hedges_total{sel(job="$job", task="$task", outcome="=fired")}[{RI}])',
                                  f'rate(llm_pool_requests_total{sel(job="$job", task="$task")}[{RI}])'), "hedges/request")),
           unit="percentunit", w=6, steps=thresholds(("green", None), ("orange", 0.1)))
    d.stat("Retries/s", "Retries to the next provider after a failure, by outcome.",
           targets((f'sum(rate(llm_pool_retries_total{sel(job="$job", task="$task")}[{RI}]))', "retries")), unit="ops", w=6)
    d.timeseries("Hedges by outcome", "fired, won (the hedge answered first), lost (the first call answered first), "
                 "budget_denied (the hedge budget was spent).",
                 targets((f"sum by (outcome) (rate({hedges}[{RI}]))", "{{outcome}}")), unit="ops", w=12)
    d.timeseries("Hedges fired and won by task", "Per task.",
                 targets((f'sum by (task) (rate(llm_pool_hedges_total{sel(job="$job", task="$task", outcome="=fired")}[{RI}]))', "{{task}} fired"),
                         (f'sum by (task) (rate(llm_pool_hedges_total{sel(job="$job", task="$task", outcome="=won")}[{RI}]))', "{{task}} won")),
                 unit="ops", w=12)

    d.row("Strategies")
    d.timeseries("Decisions by strategy and outcome", "Every ensemble decision: ok, failed, no_consensus, fallback, judge_fallback, early_stop.",
                 targets((f"sum by (strategy, outcome) (rate({decisions}[{RI}]))", "{{strategy}} {{outcome}}")),
                 unit="ops", w=12, stack=True)
    d.timeseries("Requests by strategy", "Requests answered per strategy.",
                 targets((f'sum by (strategy) (rate(llm_pool_requests_total{sel(job="$job", task="$task")}[{RI}]))', "{{strategy}}")),
                 unit="reqps", w=12)
    d.timeseries("Votes (VOTING)", "VOTING decisions by outcome; early_stop means the majority was certain before every provider answered.",
                 targets((f'sum by (outcome) (rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="VOTING"}}[{RI}]))', "{{outcome}}")),
                 unit="ops", w=8)
    d.timeseries("Consensus failures", "CONSENSUS decisions without a quorum of similar answers (HTTP 422, gRPC ABORTED).",
                 targets((f'sum(rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="CONSENSUS", outcome="no_consensus"}}[{RI}]))', "no_consensus/s"),
                         (ratio_or_zero(f'rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="CONSENSUS", outcome="no_consensus"}}[{RI}])',
                                        f'rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="CONSENSUS"}}[{RI}])'), "share")),
                 w=8)
    d.timeseries("Judge fallbacks", "JUDGE decisions whose judge answer was malformed or out of range, so VOTING chose instead.",
                 targets((f'sum(rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="JUDGE", outcome="judge_fallback"}}[{RI}]))', "judge_fallback/s"),
                         (ratio_or_zero(f'rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="JUDGE", outcome="judge_fallback"}}[{RI}])',
                                        f'rate(llm_pool_strategy_decisions_total{{job=~"$job", strategy="JUDGE"}}[{RI}])'), "share")),
                 w=8)
    d.timeseries("Fallbacks and failures", "Decisions served by a fallback strategy (e.g. WEIGHTED served with FASTEST) and decisions that failed.",
                 targets((f'sum by (strategy, outcome) (rate(llm_pool_strategy_decisions_total{{job=~"$job", outcome=~"fallback|failed"}}[{RI}]))',
                          "{{strategy}} {{outcome}}")), unit="ops", w=24)
    return d


# --- Cache & limits -----------------------------------------------------------------------------

def cache_and_limits() -> Dashboard:
    d = Dashboard("llm-pool-cache-limits", "llm-pool / Cache & limits",
                  "Answer cache effectiveness, tenant rate limits, authentication failures and configuration reloads.",
                  [datasource_variable(), JOB, API])
    cache = 'llm_pool_cache_requests_total{job=~"$job"}'
    hit_ratio = ratio_or_zero(f'rate(llm_pool_cache_requests_total{{job=~"$job", result="hit"}}[{RI}])',
                              f'rate(llm_pool_cache_requests_total{{job=~"$job", result=~"hit|miss"}}[{RI}])')

    d.row("Cache")
    d.stat("Hit ratio", "Cache lookups answered from the cache (hits / (hits + misses)).",
           targets((hit_ratio, "hit ratio")), unit="percentunit", w=6)
    d.stat("Entries", "Entries held by the cache.",
           targets(('sum by (backend) (llm_pool_cache_entries{job=~"$job"})', "{{backend}}")), w=6)
    d.stat("Config reload failures", "Configuration reloads rejected in the selected time range (the previous configuration stays).",
           targets(('sum(increase(llm_pool_config_reloads_total{job=~"$job", result="failure"}[$__range]))', "failures")),
           w=6, steps=thresholds(("green", None), ("red", 1)), graph=False)
    d.stat("Rate-limited/s", "Requests rejected by tenant rate limits.",
           targets((f'sum(rate(llm_pool_rate_limited_total{sel(job="$job", api="$api")}[{RI}]))', "rejected/s")),
           unit="reqps", w=6)
    d.timeseries("Cache hit ratio", "hits / (hits + misses) over time, per backend.",
                 targets((ratio_or_zero(f'rate(llm_pool_cache_requests_total{{job=~"$job", result="hit"}}[{RI}])',
                                        f'rate(llm_pool_cache_requests_total{{job=~"$job", result=~"hit|miss"}}[{RI}])', by="backend"),
                          "{{backend}}")), unit="percentunit", w=12)
    d.timeseries("Cache lookups by result", "hit, miss, error (backend failed; the request went on uncached), "
                 "coalesced (waited for an identical request in flight).",
                 targets((f"sum by (backend, result) (rate({cache}[{RI}]))", "{{backend}} {{result}}")), unit="ops", w=12, stack=True)

    d.row("Limits and access")
    d.timeseries("Rate-limit rejections", "Requests rejected by tenant rate limits, by API and dimension (requests, tokens).",
                 targets((f'sum by (api, dimension) (rate(llm_pool_rate_limited_total{sel(job="$job", api="$api")}[{RI}]))',
                          "{{api}} {{dimension}}")), unit="reqps", w=12)
    d.timeseries("Authentication failures", "Requests rejected by authentication, by API and reason.",
                 targets((f'sum by (api, reason) (rate(llm_pool_auth_failures_total{sel(job="$job", api="$api")}[{RI}]))',
                          "{{api}} {{reason}}")), unit="reqps", w=12)
    d.timeseries("Resource exhausted answers", "Requests answered `resource_exhausted` (HTTP 429 / gRPC RESOURCE_EXHAUSTED), by API.",
                 targets((f'sum by (api) (rate(llm_pool_requests_total{sel(job="$job", api="$api", code="=resource_exhausted")}[{RI}]))',
                          "{{api}}")), unit="reqps", w=12)
    d.timeseries("Configuration reloads", "Reloads of llm-pool.toml by result; a failure keeps the previous configuration.",
                 targets(('sum by (result) (increase(llm_pool_config_reloads_total{job=~"$job"}[5m]))', "{{result}}")), w=12)
    return d


DASHBOARDS = {
    "llm-pool-overview.json": overview,
    "llm-pool-models.json": models,
    "llm-pool-slos.json": slos,
    "llm-pool-ensembles.json": ensembles,
    "llm-pool-cache-limits.json": cache_and_limits,
}


def main(argv: list) -> int:
    check = "--check" in argv
    stale = []
    for name, build in DASHBOARDS.items():
        text = json.dumps(build().render(), indent=2, ensure_ascii=False) + "\n"
        path = HERE / name
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("dashboards out of date, run python3 dashboards/generate.py: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
