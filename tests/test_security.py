"""Production settings: deploy checks and security headers, in a separate process so that
the settings are read exactly as a production environment would set them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-3f9c1b7e5d2a48e6b0c4f8a1d7e3b5c9a2f6d8e0b1c3a5f7",
    "ALLOWED_HOSTS": "exportready.example",
    "DATABASE_URL": "",
}

HEADERS_SCRIPT = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/", secure=True, headers={"host": "exportready.example"})
print(json.dumps({
    "headers": dict(response.headers),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
}))
"""


def _run(args: list[str], **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **extra_env,
    }
    return subprocess.run(
        args,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_in_production():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_sends_security_headers_in_production(tmp_path):
    static_root = str(tmp_path / "static")
    collected = _run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        STATIC_ROOT=static_root,
    )
    assert collected.returncode == 0, collected.stderr
    result = _run([sys.executable, "-c", HEADERS_SCRIPT], STATIC_ROOT=static_root)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    headers = report["headers"]
    csp = headers["Content-Security-Policy"]
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert (
        report["session_secure"]
        and report["session_httponly"]
        and report["csrf_secure"]
    )


def test_it_refuses_to_start_in_production_without_a_secret_key():
    env_script = "import django; django.setup()"
    env = {
        **os.environ,
        **PRODUCTION_ENV,
        "SECRET_KEY": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", env_script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_pages_carry_the_content_security_policy(client):
    response = client.get("/")
    assert "object-src 'none'" in response["Content-Security-Policy"]


def test_templates_use_no_inline_script_or_style():
    offenders = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        if "<script>" in text or " style=" in text or "onclick=" in text:
            offenders.append(str(path))
    assert not offenders
