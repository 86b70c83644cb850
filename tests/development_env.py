"""A pytest plugin that runs the suite on the development configuration (DEBUG=1).

Settings default to DEBUG off, which requires SECRET_KEY and ALLOWED_HOSTS and serves
hashed static files; the suite tests the development configuration, and the production
one in subprocesses with their own environment (tests/test_settings.py).

pytest-django imports the settings before any conftest.py, so the variable is set from a
plugin that pyproject.toml loads with `-p`, in the hook that pytest-django documents for
work done before Django is set up. Child processes that tests start inherit it.

The suite runs in parallel (pytest-xdist). pytest-django gives each worker its own test
database; here each worker also gets its own Redis database, because every test starts
by emptying the cache (which holds the sessions), and one worker's flush must not log out
another worker's test.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest


def worker_redis_url(url: str, worker: str) -> str:
    """`url` on Redis database 1 + the xdist worker's number ("gw0" -> /1)."""
    index = 1 + int(worker.removeprefix("gw"))
    return urlunsplit(urlsplit(url)._replace(path=f"/{index}"))


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    os.environ["DEBUG"] = "1"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = worker_redis_url(os.environ["REDIS_URL"], worker)
