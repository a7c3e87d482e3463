"""Prometheus metrics. Defined once per process; each domain updates its own.

When `router serve` runs its jobs in a child process (``app.worker_process``), both write
their metrics to files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess
mode, switched on by that variable before this module is imported) and ``exposition``
reports their sum: the replies the child sent are counted on the server's ``/metrics``.
Gauges report the most recent value any process set.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "router_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "router_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
MESSAGES_IN = Counter("router_messages_in_total", "Inbound customer messages", ["channel"])
MESSAGES_OUT = Counter("router_messages_out_total", "Outbound messages", ["channel", "sender"])
DUPLICATES = Counter("router_duplicate_deliveries_total", "Re-delivered webhooks", ["channel"])
MATCHER_DECISIONS = Counter(
    "router_matcher_decisions_total",
    "Matcher decisions, by the evidence used (words, or words and the sentence encoder)",
    ["decision", "model"],
)
OUTBOX_BACKLOG = Gauge(
    "router_outbox_backlog", "Outbox rows waiting for delivery", multiprocess_mode="mostrecent"
)
OUTBOX_RESULTS = Counter("router_outbox_deliveries_total", "Outbox delivery attempts", ["result"])
QUEUE_WAITING = Gauge(
    "router_handoffs_waiting", "Handoffs waiting for an agent", multiprocess_mode="mostrecent"
)
OUTCOMES = Counter("router_outcomes_total", "Recorded conversation outcomes", ["outcome"])
INBOX_BACKLOG = Gauge(
    "router_inbox_backlog",
    "Webhook events stored but not yet handled",
    multiprocess_mode="mostrecent",
)
INBOX_LAG = Histogram(
    "router_inbox_lag_seconds",
    "From a webhook's acknowledgement to the engine having handled it",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
INBOX_FAILURES = Counter(
    "router_inbox_failures_total", "Webhook events the engine failed on", ["final"]
)
WORKER_PROCESS_EXITS = Counter(
    "router_worker_process_exits_total",
    "Worker child processes of `router serve` that exited unplanned or failed to start",
)


def exposition() -> bytes:
    """This process's metrics, or with multiprocess mode on, all its processes' together."""
    if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        return bytes(generate_latest())
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return bytes(generate_latest(registry))


def forget_process(pid: int) -> None:
    """A process of the group exited: drop its live gauges (its counters still count)."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(pid)
