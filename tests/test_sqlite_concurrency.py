"""The SQLite default holds several writers: two processes writing at once never see
"database is locked" (WAL journal, busy timeout, IMMEDIATE transactions)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.conf import settings

WRITER = """
import os, time
import django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("create table if not exists hits (id integer primary key, n integer)")
# Both writers start together, and each holds its transaction open across a read and a
# write, which is where a deferred transaction would fail with "database is locked".
time.sleep(max(0.0, float(os.environ["START_AT"]) - time.time()))
for n in range(200):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("select count(*) from hits")
            time.sleep(0.002)
            cursor.execute("insert into hits (n) values (%s)", [n])
with connection.cursor() as cursor:
    cursor.execute("pragma journal_mode")
    print(cursor.fetchone()[0])
"""


def test_two_processes_write_to_the_default_sqlite_database_at_once(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "",
        "SQLITE_PATH": str(tmp_path / "concurrent.sqlite3"),
        "START_AT": str(time.time() + 3),
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    for writer, (stdout, stderr) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, stderr
        assert stdout.strip() == "wal"
