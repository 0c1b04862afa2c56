"""gunicorn settings for `make serve` and the side-by-side benchmark (bench/side_by_side.py).

gunicorn reads this file by itself when started from this folder: `.venv/bin/gunicorn wsgi:app`.
"""

import gc
import os
import sys

# The outbox dispatcher and the periodic jobs run in their own process
# (`flask --app wsgi scheduler run`), never inside a web worker, however the environment is set.
os.environ["DOIMPACT_SCHEDULER_IN_WEB"] = "false"
# Web workers run no `flask db` command: Alembic stays out of their memory.
os.environ["DOIMPACT_MIGRATE_COMMANDS"] = "false"

workers = 2
worker_class = "sync"
# No control socket: it is one path per user ($HOME/.gunicorn), which two servers would share.
control_socket_disable = True
# Build the app once in the master and fork the workers from it: they start sooner and share
# the memory of the loaded code (measured: first answer in about half the time, the two workers'
# PSS 148 MiB instead of 184 MiB, and 112 MiB with the gc.freeze() below).
preload_app = True


def pre_fork(server, worker):
    """Keep the loaded app's objects out of the workers' garbage collections.

    A collection writes to every object it visits, which copies the shared memory pages into
    each worker; frozen objects are never visited, so their pages stay shared.
    """
    gc.freeze()


def post_fork(server, worker):
    """Give each worker its own database connections, none inherited from the master."""
    wsgi = sys.modules.get("wsgi")
    if wsgi is None:  # not preloaded: the worker builds the app itself
        return
    from app.extensions import db

    with wsgi.app.app_context():
        db.engine.dispose(close=False)
