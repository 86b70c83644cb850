"""The WSGI entry point and the gunicorn settings that serve it. No access rules here."""

from __future__ import annotations

import gc
import io
import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings

GUNICORN_CONFIG = settings.BASE_DIR / "config" / "gunicorn.py"

IMPORT_WSGI = """
import gc, sys
import config.wsgi
print(callable(config.wsgi.application), gc.get_freeze_count(), "config.urls" in sys.modules)
"""


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: this process has long since loaded everything.
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_builds_the_application_and_does_nothing_else_on_import():
    result = _run(["-c", IMPORT_WSGI])

    assert result.returncode == 0, result.stderr
    # Callable; nothing frozen; the URLconf (and with it the views) not loaded yet.
    assert result.stdout.split() == ["True", "0", "False"]


@pytest.mark.django_db
def test_its_application_serves_a_request():
    from config.wsgi import application

    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    response = application(environ, lambda status, headers: statuses.append(status))
    response.close()

    assert statuses == ["200 OK"]


def test_gunicorn_loads_its_config_with_the_app_preloaded():
    result = _run(
        ["-m", "gunicorn", "-c", str(GUNICORN_CONFIG), "--print-config", "config.wsgi"]
    )

    assert result.returncode == 0, result.stderr
    resolved = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("=")
        resolved[name.strip()] = value.strip()
    assert resolved["preload_app"] == "True"
    assert resolved["pre_fork"] == "<pre_fork()>"  # this file's hook, not the default


def test_its_pre_fork_hook_freezes_what_the_master_loaded():
    hooks = runpy.run_path(str(GUNICORN_CONFIG))
    gc.unfreeze()
    try:
        hooks["pre_fork"](server=None, worker=None)

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # leave this process's collector as it was
