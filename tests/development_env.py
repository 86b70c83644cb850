"""A pytest plugin that runs the suite on the development configuration (DEBUG=1).

Settings default to DEBUG off, which requires SECRET_KEY and ALLOWED_HOSTS and serves
hashed static files; the suite tests the development configuration, and the production
one in subprocesses with their own environment (tests/test_settings.py).

pytest-django imports the settings before any conftest.py, so the variable is set from a
plugin that pyproject.toml loads with `-p`, in the hook that pytest-django documents for
work done before Django is set up. Child processes that tests start inherit it.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    os.environ["DEBUG"] = "1"
