import os

import pytest


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("LLMPOOL_HTTP")
    if not url:
        pytest.fail("LLMPOOL_HTTP is not set: run these tests through scripts/test-clients.sh")
    return url.rstrip("/")
