"""The real services: PostgreSQL through DATABASE_URL, Redis through REDIS_URL.

Without the variables these tests skip, unless REQUIRE_SERVICES=1 (CI), where a missing
service is a failure.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.celery import app as celery_app

pytestmark = pytest.mark.services


def _needs(variable: str) -> None:
    if getattr(settings, variable, ""):
        return
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {variable} is not set.")
    pytest.skip(f"{variable} is not set.")


@pytest.mark.django_db
def test_it_runs_on_postgresql_when_database_url_is_set():
    _needs("DATABASE_URL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select 1")
        assert cursor.fetchone() == (1,)


def test_the_cache_round_trips_through_redis():
    _needs("REDIS_URL")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"wiring-{uuid.uuid4()}"
    cache.set(key, "ok", timeout=30)
    assert cache.get(key) == "ok"
    cache.delete(key)


def test_celery_reaches_its_redis_broker():
    _needs("REDIS_URL")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1)
        assert broker.connected


def test_without_redis_tasks_run_in_process():
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: tasks go to the broker.")
    assert settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.django_db
def test_the_health_endpoint_reaches_redis(client):
    _needs("REDIS_URL")
    checks = client.get("/healthz/").json()["checks"]
    assert (checks["database"], checks["redis"]) == ("ok", "ok")
