"""Security tests run with both platform channels configured and generous rate limits, so a
request is refused for the reason under test (auth, size, signature), not by accident."""

from __future__ import annotations

import pytest

from app.config import Settings
from tests.conftest import make_settings

WA_SECRET = "sec-wa-app-secret"
WA_VERIFY = "sec-wa-verify-token"
WA_ACCESS = "sec-wa-access-token"
MS_SECRET = "sec-ms-app-secret"
MS_VERIFY = "sec-ms-verify-token"
MS_ACCESS = "sec-ms-page-access-token"
IG_SECRET = "sec-ig-app-secret"
IG_VERIFY = "sec-ig-verify-token"
IG_ACCESS = "sec-ig-access-token"
CW_SECRET = "sec-chatwoot-webhook-secret"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        whatsapp_verify_token=WA_VERIFY,
        whatsapp_app_secret=WA_SECRET,
        whatsapp_access_token=WA_ACCESS,
        messenger_verify_token=MS_VERIFY,
        messenger_app_secret=MS_SECRET,
        messenger_page_access_token=MS_ACCESS,
        instagram_verify_token=IG_VERIFY,
        instagram_app_secret=IG_SECRET,
        instagram_access_token=IG_ACCESS,
        # Nothing listens there; workers are off, so nothing is ever sent.
        graph_api_base="http://127.0.0.1:9/v21.0",
        webchat_sessions_per_minute_per_ip=100_000,
        webchat_messages_per_minute=100_000,
        handoff_max_wait_seconds=0.2,
        chatwoot_url="http://127.0.0.1:9",
        chatwoot_bot_token="sec-chatwoot-bot-token",
        chatwoot_webhook_secret=CW_SECRET,
    )
