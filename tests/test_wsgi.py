"""The WSGI entry point gunicorn loads. No access rules here."""

from __future__ import annotations

import gc
import importlib


def test_it_freezes_what_the_worker_loaded_at_start():
    gc.unfreeze()
    try:
        wsgi = importlib.reload(importlib.import_module("config.wsgi"))

        assert callable(wsgi.application)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # leave the test process's collector as it was
