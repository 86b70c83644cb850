import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import every view module now, before the freeze below.
get_resolver().check()

# What is loaded by now (Django, the apps, their views) lives as long as the worker.
# Frozen, it is left out of the garbage collector's full passes, which otherwise stop
# a worker for tens of milliseconds every few thousand requests.
gc.freeze()
