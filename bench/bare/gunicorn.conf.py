"""gunicorn settings of the bare reference app: the same as the portal's (gunicorn.conf.py)."""

import gc

workers = 2
worker_class = "sync"
# No control socket: it is one path per user ($HOME/.gunicorn), which two servers would share.
control_socket_disable = True
preload_app = True


def pre_fork(server, worker):
    gc.freeze()
