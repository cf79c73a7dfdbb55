"""The live console in a real browser (headless Chromium through Selenium) against
`llm-pool demo --traffic`: the page loads cleanly, lists the providers, draws the heatmap,
follows a breaker the simulator trips and clears, and lists a request's decision with its trace."""
import os
import pathlib
import secrets
import time

import pytest
import requests
from selenium.webdriver.common.by import By

MODELS = {"phi3:mini", "llama3.1:8b", "gemma2:9b"}
FAULTED = ("phi3:mini", "phi3-mini")
ROOT = pathlib.Path(__file__).resolve().parents[3]


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def pool_breaker(demo, provider):
    state = requests.get(f"{demo.http}/v1/admin/state", timeout=5).json()
    return next(p["breaker"]["state"] for p in state["providers"] if p["name"] == provider)


def page_breaker(browser, provider):
    elements = browser.find_elements(By.CSS_SELECTOR, f'[data-breaker="{provider}"]')
    return elements[0].text if elements else None


def severe_logs(browser):
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.fixture(scope="module")
def page(demo, browser):
    browser.get(f"{demo.http}/console")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '[data-connection="live"]'), 15, what="live events")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#providers tbody tr")) == 3, 15,
             what="three provider rows")
    return browser


def test_page_loads_without_console_errors(page):
    assert page.title == "llm-pool console"
    time.sleep(2)  # a few events rendered
    assert severe_logs(page) == []


def test_provider_table_lists_the_three_models(page):
    rows = page.find_elements(By.CSS_SELECTOR, "#providers tbody tr")
    assert {row.find_elements(By.TAG_NAME, "td")[1].text for row in rows} == MODELS
    assert {row.get_attribute("data-provider") for row in rows} == {"phi3-mini", "llama31-8b", "gemma2-9b"}


HEAT_PIXELS = """
const c = document.getElementById('heatmap'), g = c.getContext('2d');
const d = g.getImageData(90, 0, c.width - 100, c.height).data;
let n = 0;
for (let i = 0; i < d.length; i += 4) {
  const hi = Math.max(d[i], d[i+1], d[i+2]), lo = Math.min(d[i], d[i+1], d[i+2]);
  if (hi - lo > 25) n++;   // a heat colour: neither the background nor the grey text and lines
}
return n;
"""


def test_heatmap_canvas_is_drawn(page):
    pixels = wait_for(lambda: page.execute_script(HEAT_PIXELS) > 200, 20, interval=0.5, what="heatmap cells")
    assert pixels


def test_breaker_opens_and_closes_on_the_page(demo, page):
    model, provider = FAULTED
    faults = f"{demo.simulator}/_simulator/models/{model}/faults"
    assert pool_breaker(demo, provider) == "closed"
    requests.put(faults, json={"error_rate": 1.0}, timeout=5).raise_for_status()
    try:
        # The traffic reaches phi3-mini first for three tasks; a few requests of our own speed it up.
        for _ in range(6):
            requests.post(f"{demo.http}/v1/infer", json={"task": "expand_queries", "input": secrets.token_hex(4),
                                                           "temperature": 0.7}, timeout=10)
        wait_for(lambda: pool_breaker(demo, provider) == "open", 30, what="the pool to open the breaker")
        opened = time.monotonic()
        wait_for(lambda: page_breaker(page, provider) == "open", 3, what="the page to show the breaker open")
        assert time.monotonic() - opened <= 3
    finally:
        requests.delete(faults, timeout=5).raise_for_status()
    # Open for the cool-down (10 s), then half-open; the next call or probe closes it.
    wait_for(lambda: pool_breaker(demo, provider) == "closed", 60, interval=0.2, what="the pool to close the breaker")
    closed = time.monotonic()
    wait_for(lambda: page_breaker(page, provider) == "closed", 3, what="the page to show the breaker closed")
    assert time.monotonic() - closed <= 3
    assert severe_logs(page) == []


def test_a_decision_row_appears_for_my_request_with_its_trace_id(demo, page):
    trace_id = secrets.token_hex(16)
    response = requests.post(
        f"{demo.http}/v1/infer",
        json={"task": "recovery_plan", "input": "HTTP 503 from example.org", "temperature": 0.7},
        headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    request_id = response.headers["x-request-id"]
    row = wait_for(lambda: page.find_elements(By.CSS_SELECTOR, f'#decisions tr[data-trace-id="{trace_id}"]'), 5,
                   what="the decision row")[0]
    assert row.get_attribute("data-request-id") == request_id
    cells = row.find_elements(By.TAG_NAME, "td")
    assert cells[1].text == "recovery_plan"
    assert trace_id in cells[-1].text
    assert severe_logs(page) == []
    if os.environ.get("CONSOLE_SCREENSHOT") == "1":
        time.sleep(3)
        height = page.execute_script("return document.body.scrollHeight")
        page.set_window_size(1400, min(max(height + 40, 1200), 2200))
        time.sleep(1.5)
        (ROOT / "docs").mkdir(exist_ok=True)
        assert page.save_screenshot(str(ROOT / "docs" / "console.png"))
