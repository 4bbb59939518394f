"""Prometheus metrics at `GET /metrics` (prometheus_client): requests and errors by route, latency, micro-batch
sizes and queue depth.

Under gunicorn each worker counts in files under PROMETHEUS_MULTIPROC_DIR (backend/gunicorn_conf.py sets it
before the app is imported) and a scrape, answered by whichever worker, adds every worker up; without it
(tests, `python -m backend`) the process's own registry. The route label is the URL rule (`/api/models/<name>
/samples.png`), never the raw path, so unknown paths cannot grow the label set. Not proxied by the frontend's
nginx: scrape the backend directly. Methods likewise: the HTTP methods of RFC 9110 by name, any other (a client
may send any token as a method) as `other`, so 23,000 made-up methods are one label, not 23,000.
"""

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("gan_studio_requests", "HTTP requests answered, by method, route and status",
                   ["method", "route", "status"])
ERRORS = Counter("gan_studio_errors", "Requests answered 4xx (client) or 5xx (server), by route",
                 ["route", "kind"])
LATENCY = Histogram("gan_studio_request_seconds", "Time from the app's first look at a request to its answer",
                    ["route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
BATCH_IMAGES = Histogram("gan_studio_batch_images", "Images per generator forward pass (micro-batching)",
                         ["model"], buckets=(1, 2, 5, 10, 16, 32, 64, 128, 256))
QUEUED_IMAGES = Gauge("gan_studio_queued_images", "Images waiting for a forward pass", ["model"],
                      multiprocess_mode="livesum")


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"})


def route() -> str:
    return request.url_rule.rule if request.url_rule else "unmatched"


def method() -> str:
    return request.method if request.method in KNOWN_METHODS else "other"


def init_app(app: Flask) -> None:
    @app.before_request
    def start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response):
        name = route()
        REQUESTS.labels(method(), name, str(response.status_code)).inc()
        LATENCY.labels(name).observe(time.perf_counter() - g.get("metrics_started", time.perf_counter()))
        if response.status_code >= 400:
            ERRORS.labels(name, "server" if response.status_code >= 500 else "client").inc()
        return response

    @app.get("/metrics")
    def metrics():
        registry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
