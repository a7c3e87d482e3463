"""Is this webhook from our Chatwoot? With ``ROUTER_CHATWOOT_WEBHOOK_SECRET`` set, either the
agent bot's URL carries it (``?secret=...``, for Chatwoot versions that do not sign), or the
request is signed the way Chatwoot signs webhooks: ``X-Chatwoot-Signature: sha256=<HMAC-SHA256
of "<X-Chatwoot-Timestamp>.<raw body>">``, with a timestamp no older than five minutes (a
captured request cannot be replayed later)."""

from __future__ import annotations

import hashlib
import hmac
import time

from app.errors import Forbidden, Unauthorized

MAX_SKEW_SECONDS = 300


def _signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_chatwoot(
    secret: str,
    body: bytes,
    *,
    query_secret: str | None,
    signature: str | None,
    timestamp: str | None,
    now: float | None = None,
) -> None:
    if query_secret is not None:
        if hmac.compare_digest(query_secret.encode(), secret.encode()):
            return
        raise Forbidden("the secret in the URL does not match", code="invalid_signature")
    if not signature or not timestamp:
        raise Unauthorized(
            "missing ?secret= or X-Chatwoot-Signature / X-Chatwoot-Timestamp",
            code="missing_signature",
        )
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise Forbidden("X-Chatwoot-Timestamp is not a number", code="invalid_signature") from None
    if abs((now if now is not None else time.time()) - sent) > MAX_SKEW_SECONDS:
        raise Forbidden("X-Chatwoot-Timestamp is too old or in the future", code="stale_signature")
    expected = _signature(secret, timestamp.strip(), body)
    if not hmac.compare_digest(signature.strip().encode(), expected.encode()):
        raise Forbidden("X-Chatwoot-Signature does not match the body", code="invalid_signature")
