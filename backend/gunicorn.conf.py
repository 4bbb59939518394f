"""gunicorn's settings, one file for the image, `make run` and the tests:
`gunicorn -c backend/gunicorn.conf.py 'backend:create_app()'`; the command line overrides any of them.
A file, not a module of the package: importing `backend` first would import prometheus_client before
PROMETHEUS_MULTIPROC_DIR is set below.

Two workers by default, each with the models: `preload_app` loads them once in the master before it forks,
so the workers share the weights' pages (copy-on-write; nothing writes to a weight) and a worker that dies
is replaced in well under a second instead of reloading every model; the other worker serves meanwhile.
Workers recycle: after `max_requests` (plus up to `max_requests_jitter`, so both never go at once) a worker
is replaced by a fresh fork of the master, returning whatever a long run of requests made it grow.

gunicorn is never the HTTP front end: `python -m backend.serve` puts nginx (backend/nginx.conf) in front and
binds gunicorn to a unix socket, so its threads get only whole requests and hand answers to nginx at once.
"""

import os
import shutil
import tempfile

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
timeout = 120  # a worker silent this long (a stuck forward pass) is killed and replaced
graceful_timeout = 30
keepalive = 5  # nginx's upstream connections idle at most 4 s (backend/nginx.conf)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "400"))
control_socket_disable = True  # no socket file under $HOME (read-only in the image)

# One line a request on stdout: client, request line, status, bytes, duration in ms, worker pid, user agent.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %(p)s "%(a)s"'

# Every worker counts its metrics in files here (backend/metrics.py); set before the app is imported.
_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gan-studio-metrics-")


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def child_exit(server, worker):
    """A worker's live gauges (queue depth) leave the sum when it exits."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
