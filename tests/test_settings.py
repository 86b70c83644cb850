"""config/settings.py read from a production environment, in a child process each time,
so that the settings module runs exactly as a deployment would run it. No access rules here.
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from tests.development_env import worker_redis_url

# Every variable these tests set; inherited values (the suite's DEBUG=1, CI's
# DATABASE_URL) are dropped first so that each test states its whole environment.
SETTINGS_VARIABLES = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "ALLOWED_HOSTS_FILE",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
}
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-8d1f4b2a9c7e5f3a1b0d6c8e2f4a7b9d3c5e1f0a2b4d6c8e9f1a3b5d",
    "ALLOWED_HOSTS": "exportready.example",
    "CSRF_TRUSTED_ORIGINS": "https://exportready.example",
    # Named, not reached: `check` without --database opens no connection.
    "DATABASE_URL": "postgres://exportready@db.internal:5432/exportready",
    "REDIS_URL": "redis://cache.internal:6379/0",
}
LOAD_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.SECRET_KEY, settings.ALLOWED_HOSTS)"
)


def _run(args: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_production_variables():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_off_unless_debug_is_set():
    variables = {k: v for k, v in PRODUCTION.items() if k != "DEBUG"}

    result = _run(["-c", LOAD_SETTINGS], **variables)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_it_refuses_to_start_without_a_secret_key():
    result = _run(["-c", LOAD_SETTINGS], **{**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: Set SECRET_KEY (or SECRET_KEY_FILE) when DEBUG is off; "
        "for development, set DEBUG=1." in result.stderr
    )


def test_it_refuses_to_start_without_allowed_hosts():
    result = _run(["-c", LOAD_SETTINGS], **{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: Set ALLOWED_HOSTS (comma-separated host names, "
        "e.g. exportready.example) when DEBUG is off; for development, set DEBUG=1."
        in result.stderr
    )


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file-4c2e8a6f1b3d5c7e9a0b2d4f6a8c1e3b5d7f9a2c4e6b8d0f\n")
    variables = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}

    result = _run(["-c", LOAD_SETTINGS], **variables)

    assert result.returncode == 0, result.stderr
    assert "from-a-file-4c2e8a6f" in result.stdout


def test_it_starts_without_a_secret_key_or_hosts_with_debug_on():
    result = _run(["-c", LOAD_SETTINGS], DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_each_test_worker_gets_its_own_redis_database():
    assert worker_redis_url("redis://127.0.0.1:6379/0", "gw0") == (
        "redis://127.0.0.1:6379/1"
    )
    assert worker_redis_url("redis://:secret@cache:6379", "gw3") == (
        "redis://:secret@cache:6379/4"
    )
