"""Fixtures of the fault suites: `llm-pool simulate` and `llm-pool serve` over it, started by the
tests themselves (harness.py). Run through scripts/test-faults.sh (LLMPOOL_FAULTS_TEST=1)."""
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import harness  # noqa: E402


# scripts/test.sh runs tests/python as a whole against its own demo; these suites start their own
# processes (and need hypothesis), so they are collected only through scripts/test-faults.sh.
if os.environ.get("LLMPOOL_FAULTS_TEST") != "1":
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def simulator(tmp_path_factory):
    sim = harness.Simulator(tmp_path_factory.mktemp("simulate"), latency_scale=0.2)
    yield sim
    sim.stop()


@pytest.fixture(scope="session")
def stubs():
    return harness.stubs()
