"""Assist's Prometheus metrics (registered with the rest on /metrics, ``app.metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

ASSIST_REQUESTS = Counter(
    "router_assist_requests_total",
    "Assist requests (kind: handoff or kb_drafts), by the layer that answered",
    ["kind", "generated_by"],
)
ASSIST_LATENCY = Histogram(
    "router_assist_duration_seconds",
    "Assist request latency, model call included",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
LLM_CALLS = Counter(
    "router_llm_calls_total",
    "Calls to the configured model, by result (ok, refusal, malformed, timeout, http_error, "
    "unreachable)",
    ["purpose", "result"],
)
LLM_ERRORS = Counter(
    "router_llm_errors_total", "Model calls that did not give a usable answer", ["reason"]
)
LLM_LATENCY = Histogram(
    "router_llm_call_duration_seconds",
    "Model call latency",
    ["purpose"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60),
)
ASSIST_FALLBACKS = Counter(
    "router_assist_fallbacks_total",
    "Assist answers that fell back to the extractive layer because the model failed",
    ["kind", "reason"],
)
