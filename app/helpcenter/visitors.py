"""Who is reading, without cookies or personal data.

A visitor is a hash: of the random id a client keeps and sends (``visitor``), or else of
the client's IP address and user agent salted with a secret that changes every day. Either
way the stored value cannot be turned back into an address, and the IP-based one cannot
follow a person across days. Crawlers (by user agent) are never counted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import date

# Search engines, link previews, monitors and scripts. Real browsers' user agents (headless
# ones too: people's browser tests) do not match.
_CRAWLER = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|bingpreview|facebookexternalhit|embedly|quora link|"
    r"pinterest|vkshare|whatsapp/|telegrambot|mediapartners|adsbot|lighthouse|pingdom|"
    r"uptime|monitor|curl/|wget/|python-requests|python-urllib|go-http-client|okhttp|"
    r"java/|libwww|httpclient|scrapy|headlesschrome.*bot|^$",
    re.IGNORECASE,
)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SCRUB = (
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    (re.compile(r"https?://\S+|www\.\S+"), "[url]"),
    (re.compile(r"\+?\d[\d\s().-]{6,}\d"), "[number]"),
)


def is_crawler(user_agent: str | None) -> bool:
    return bool(_CRAWLER.search((user_agent or "").strip()))


def valid_client_id(value: str) -> bool:
    return bool(_CLIENT_ID.match(value))


class VisitorIds:
    """Visitor hashes for one process: the daily salt is derived from a secret, so every
    replica computes the same visitor for the same client on the same day."""

    def __init__(self, secret: str | None = None) -> None:
        self._secret = (secret or secrets.token_hex(16)).encode()

    def _salt(self, day: date) -> bytes:
        return hmac.new(self._secret, day.isoformat().encode(), hashlib.sha256).digest()

    def of(self, *, day: date, client_id: str | None, ip: str, user_agent: str) -> str:
        if client_id:
            raw = b"c:" + client_id.encode()
            return hashlib.sha256(raw).hexdigest()[:32]
        raw = f"a:{ip}|{user_agent}".encode()
        return hmac.new(self._salt(day), raw, hashlib.sha256).hexdigest()[:32]


def scrub(text: str) -> str:
    """A search as kept for ops: e-mails, links and long numbers (phones, orders) removed."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text
