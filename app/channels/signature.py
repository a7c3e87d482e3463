"""Meta webhook authentication: the GET verify-token handshake and the POST body signature."""

from __future__ import annotations

import hashlib
import hmac

from app.errors import Forbidden, Unauthorized

SIGNATURE_PREFIX = "sha256="


def body_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the raw body, as Meta sends it in X-Hub-Signature-256."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    """Raise 401 when the header is missing, 403 when it does not match the raw body.

    Checked on the bytes as received, before any parsing: Meta signs its own serialisation
    (escaped unicode), so a re-serialised body would not match.
    """
    if not header:
        raise Unauthorized("missing X-Hub-Signature-256 header", code="missing_signature")
    expected = body_signature(secret, body)
    if not hmac.compare_digest(header.strip().encode(), expected.encode()):
        raise Forbidden("X-Hub-Signature-256 does not match the body", code="invalid_signature")


def verify_handshake(
    verify_token: str, *, mode: str | None, token: str | None, challenge: str | None
) -> str:
    """The challenge to echo back when Meta's subscription request carries our verify token."""
    if mode != "subscribe" or token is None or challenge is None:
        raise Forbidden("not a valid subscription request", code="verification_failed")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        raise Forbidden("verify token does not match", code="verification_failed")
    return challenge
