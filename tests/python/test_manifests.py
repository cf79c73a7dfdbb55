"""The deployment files (deploy/kubernetes, deploy/prometheus, Dockerfile) against the service
they deploy: ports, probe and metrics paths, the config mount and the ConfigMap's TOML must be
what llm-pool really has. Needs no cluster and no Docker."""
import os
import pathlib
import re
import subprocess
import tomllib

import pytest
import requests
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
HTTP_SOURCES = ROOT / "Sources" / "LLMPoolServer" / "HTTP"


def load_all(path: pathlib.Path) -> list:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@pytest.fixture(scope="module")
def objects() -> dict:
    """Every Kubernetes object under deploy/kubernetes, by (kind, name)."""
    found = {}
    for path in sorted(KUBE.glob("*.yaml")):
        for doc in load_all(path):
            if "kind" in doc and doc.get("kind") != "Kustomization":
                found[(doc["kind"], doc["metadata"]["name"])] = doc
    return found


@pytest.fixture(scope="module")
def deployment(objects) -> dict:
    return objects[("Deployment", "llm-pool")]


@pytest.fixture(scope="module")
def container(deployment) -> dict:
    (container,) = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "llm-pool"]
    return container


@pytest.fixture(scope="module")
def configmap(objects) -> dict:
    return objects[("ConfigMap", "llm-pool-config")]


@pytest.fixture(scope="module")
def toml(configmap) -> dict:
    return tomllib.loads(configmap["data"]["llm-pool.toml"])


def config_path(container) -> str:
    args = container["args"]
    assert args[0] == "serve", args
    return args[args.index("--config") + 1]


def config_volume(deployment, container):
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "config"]
    (volume,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "config"]
    return mount, volume


def named_ports(container) -> dict:
    return {p["name"]: p["containerPort"] for p in container["ports"]}


def live_base():
    url = os.environ.get("LLMPOOL_HTTP")
    return url.rstrip("/") if url else None


def llm_pool_binary() -> str:
    binary = os.environ.get("LLMPOOL_BIN") or str(ROOT / ".build" / "debug" / "llm-pool")
    if not os.path.exists(binary):
        pytest.fail(f"no llm-pool binary at {binary}: set LLMPOOL_BIN (scripts/test.sh does)")
    return binary


def test_every_yaml_document_parses():
    files = sorted((ROOT / "deploy").rglob("*.yml")) + sorted((ROOT / "deploy").rglob("*.yaml"))
    assert any(f.parent == KUBE for f in files)
    for path in files:
        docs = load_all(path)
        assert docs, f"{path} holds no YAML document"
        for doc in docs:
            assert isinstance(doc, dict), f"{path}: a document is not a mapping"


def test_kustomization_lists_every_manifest():
    (kustomization,) = load_all(KUBE / "kustomization.yaml")
    listed = set(kustomization["resources"])
    present = {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


def test_container_ports_are_the_configured_ports(container, toml):
    server = toml["server"]
    assert named_ports(container) == {"http": server["http_port"], "grpc": server["grpc_port"]}
    assert server["host"] == "0.0.0.0", "inside a pod the server must listen on every interface"


def test_probes_use_real_routes_on_the_http_port(container):
    probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == "/healthz"
    assert probes["startupProbe"]["path"] == "/healthz"
    assert probes["readinessProbe"]["path"] == "/readyz"
    sources = "".join(p.read_text() for p in HTTP_SOURCES.rglob("*.swift"))
    for probe in probes.values():
        assert probe["port"] == "http"
        assert f'"{probe["path"]}"' in sources, f"no route {probe['path']} in {HTTP_SOURCES}"
    base = live_base()
    if base:
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        assert requests.get(base + "/readyz", timeout=10).status_code in (200, 503)


def test_config_mount_matches_the_args_and_configmap(deployment, container, configmap, toml):
    path = config_path(container)
    mount, volume = config_volume(deployment, container)
    assert os.path.dirname(path) == mount["mountPath"]
    assert "subPath" not in mount, "subPath mounts never see ConfigMap updates, so reloads would not happen"
    assert volume["configMap"]["name"] == configmap["metadata"]["name"]
    items = {item["path"]: item["key"] for item in volume["configMap"]["items"]}
    assert items[os.path.basename(path)] == "llm-pool.toml"
    assert set(items.values()) == set(configmap["data"])
    for name, task in toml["tasks"].items():
        assert task["prompt"] in items, f"tasks.{name}.prompt {task['prompt']} is not mounted"


def test_configmap_prompts_are_the_repository_prompts(configmap, deployment, container):
    _, volume = config_volume(deployment, container)
    for item in volume["configMap"]["items"]:
        if item["path"].startswith("prompts/"):
            assert configmap["data"][item["key"]] == (ROOT / item["path"]).read_text(), (
                f"{item['key']} differs from {item['path']}: copy the prompt into configmap.yaml"
            )


def test_configmap_toml_passes_check_config(configmap, deployment, container, tmp_path):
    _, volume = config_volume(deployment, container)
    for item in volume["configMap"]["items"]:
        target = tmp_path / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(configmap["data"][item["key"]])
    toml_path = tmp_path / os.path.basename(config_path(container))
    result = subprocess.run([llm_pool_binary(), "check-config", str(toml_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_termination_grace_outlasts_the_drain(deployment, container, toml):
    drain_seconds = toml["server"].get("drain_timeout_ms", 10000) / 1000
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > drain_seconds + float(pre_stop[1])


def test_service_targets_the_named_ports(objects, deployment, container, toml):
    service = objects[("Service", "llm-pool")]
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert set(ports) == {"http", "grpc"}
    container_ports = named_ports(container)
    for name, port in ports.items():
        assert port["targetPort"] == name and name in container_ports
    assert ports["http"]["port"] == toml["server"]["http_port"]
    assert ports["grpc"]["port"] == toml["server"]["grpc_port"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()


def test_service_monitor_scrapes_metrics_on_the_http_port(objects):
    monitor = objects[("ServiceMonitor", "llm-pool")]
    service = objects[("Service", "llm-pool")]
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    sources = "".join(p.read_text() for p in HTTP_SOURCES.rglob("*.swift"))
    assert '"/metrics"' in sources
    base = live_base()
    if base:
        response = requests.get(base + "/metrics", timeout=5)
        assert response.status_code == 200 and "llm_pool_" in response.text


def test_prometheus_annotations_match(deployment, toml):
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(toml["server"]["http_port"])
    assert annotations["prometheus.io/path"] == "/metrics"


def test_pods_run_locked_down(deployment, container):
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    resources = container["resources"]
    assert {"cpu", "memory"} <= resources["requests"].keys() and "memory" in resources["limits"]


def test_otel_variables_are_ones_the_service_reads(container):
    sources = (ROOT / "Sources" / "LLMPoolObservability" / "Tracing" / "TracingConfiguration+Environment.swift").read_text()
    names = [e["name"] for e in container["env"] if e["name"].startswith("OTEL_")]
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in names
    for name in names:
        assert f'"{name}"' in sources, f"{name} is not read by llm-pool"


def test_autoscaler_and_budget_target_the_deployment(objects, deployment):
    hpa = objects[("HorizontalPodAutoscaler", "llm-pool")]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "llm-pool"}
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = objects[("PodDisruptionBudget", "llm-pool")]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"], "the budget must allow a drain"


def test_redis_is_reachable_where_the_config_says(objects, configmap):
    service = objects[("Service", "llm-pool-redis")]
    redis = objects[("Deployment", "llm-pool-redis")]
    (port,) = service["spec"]["ports"]
    (container,) = redis["spec"]["template"]["spec"]["containers"]
    assert port["targetPort"] in named_ports(container)
    assert service["spec"]["selector"].items() <= redis["spec"]["template"]["metadata"]["labels"].items()
    urls = re.findall(r"redis://([\w.-]+):(\d+)", configmap["data"]["llm-pool.toml"])
    assert urls, "the ConfigMap should say (at least in a comment) where Redis is"
    for host, number in urls:
        assert host == service["metadata"]["name"] and int(number) == port["port"]


def test_dockerfile_matches_the_manifests(deployment, container, toml):
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) >= 2 and stages[0].startswith("swift:6"), stages
    exposed = {int(p) for line in re.findall(r"^EXPOSE\s+(.+)$", text, re.M) for p in line.split()}
    assert exposed == {toml["server"]["http_port"], toml["server"]["grpc_port"]}
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert int(users[-1].split(":")[0]) == deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert "HEALTHCHECK" not in re.sub(r"#.*", "", text)
    (entrypoint,) = re.findall(r"^ENTRYPOINT\s+(\[.*\])$", text, re.M)
    assert yaml.safe_load(entrypoint)[1:] == ["serve", "--config", config_path(container)]
    assert "--static-swift-stdlib" in text or "swift:6" in stages[-1]


def test_serve_accepts_the_flags_the_manifests_use(container):
    result = subprocess.run([llm_pool_binary(), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for flag in container["args"][1:]:
        if flag.startswith("--"):
            assert flag in result.stdout, f"`llm-pool serve` has no {flag}"


def test_configmap_turns_the_console_off(toml):
    # The live console is for a first try and for debugging; a cluster turns it on when asked.
    assert toml["console"]["enabled"] is False
