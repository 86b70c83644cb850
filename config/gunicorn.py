"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

Deployment-specific options (workers, bind address, max requests) stay on the command
line or in GUNICORN_CMD_ARGS; this file holds what every deployment wants.
"""

import gc
from typing import Any

# Import Django and the apps once, in the master, before forking: workers share those
# pages of memory and start with them loaded. Code changes then need a full
# restart (not a SIGHUP), as with any preloaded app.
preload_app = True


def pre_fork(server: Any, worker: Any) -> None:
    """Freeze what the master has loaded, just before each worker is forked.

    Frozen objects are left out of the garbage collector's passes. A worker keeps
    Django and the apps for its whole life, and without this, each full collection
    scanned all of them (about 70 ms, every few thousand requests) and wrote to their
    pages, undoing the sharing that preloading gives. This is the pattern that the
    documentation of `gc.freeze()` describes for a process that forks without exec.
    """
    gc.freeze()
