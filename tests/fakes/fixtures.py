"""Shared fixtures for the channel and outbox tests: a fake Graph API and channel settings."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from tests.conftest import make_settings
from tests.fakes.graph_api import FakeGraphApi

# Copies of the team's sample payloads (shared/fixtures/webhooks), byte for byte.
FIXTURES = Path(__file__).resolve().parent.parent / "channels" / "payloads"
WA_SECRET = "wa-app-secret"
MS_SECRET = "ms-app-secret"
WA_VERIFY = "wa-verify-token"
MS_VERIFY = "ms-verify-token"
WA_TOKEN = "wa-access-token"
MS_TOKEN = "ms-page-token"
MS_OTHER_PAGE = "998877665544332"
MS_OTHER_TOKEN = "ms-other-page-token"
IG_SECRET = "ig-app-secret"
IG_VERIFY = "ig-verify-token"
IG_TOKEN = "ig-access-token"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_bytes(name))
    return data


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
async def graph_api() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, graph_api: FakeGraphApi) -> Settings:
    return make_settings(
        database_url,
        whatsapp_verify_token=WA_VERIFY,
        whatsapp_app_secret=WA_SECRET,
        whatsapp_access_token=WA_TOKEN,
        messenger_verify_token=MS_VERIFY,
        messenger_app_secret=MS_SECRET,
        messenger_page_access_token=MS_TOKEN,
        messenger_page_tokens={MS_OTHER_PAGE: MS_OTHER_TOKEN},
        instagram_verify_token=IG_VERIFY,
        instagram_app_secret=IG_SECRET,
        instagram_access_token=IG_TOKEN,
        graph_api_base=graph_api.base_url,
        graph_api_timeout_seconds=5,
        outbox_backoff_base_seconds=1,
        outbox_backoff_max_seconds=60,
        outbox_max_attempts=5,
    )
