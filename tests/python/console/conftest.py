"""A real browser against `llm-pool demo --traffic`: run through scripts/test-console.sh."""
import os
import pathlib
import shutil
import socket
import subprocess
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[3]


def pytest_collection_modifyitems(config, items):
    # scripts/test.sh runs tests/python as a whole against its own demo; this suite starts its
    # own (with --traffic) and needs chromium, so it runs only through scripts/test-console.sh.
    if os.environ.get("LLMPOOL_CONSOLE_TEST") == "1":
        return
    skip = pytest.mark.skip(reason="run through scripts/test-console.sh (LLMPOOL_CONSOLE_TEST=1)")
    for item in items:
        if "console" in item.nodeid:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Demo:
    def __init__(self, http: str, simulator: str, log: pathlib.Path):
        self.http, self.simulator, self.log = http, simulator, log


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    binary = os.environ.get("LLMPOOL_BIN")
    if not binary:
        pytest.fail("LLMPOOL_BIN is not set")
    http_port, grpc_port, sim_port = free_port(), free_port(), free_port()
    log = tmp_path_factory.mktemp("console") / "demo.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [binary, "demo", "--traffic", "--http-port", str(http_port), "--grpc-port", str(grpc_port),
             "--simulator-port", str(sim_port), "--latency-scale", "0.3"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    http = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{http}/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None:
            pytest.fail(f"demo exited: {log.read_text()[-2000:]}")
        time.sleep(0.25)
    else:
        process.terminate()
        pytest.fail(f"demo not ready: {log.read_text()[-2000:]}")
    yield Demo(http, f"http://127.0.0.1:{sim_port}", log)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,2400", "--force-device-scale-factor=1"]:
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
