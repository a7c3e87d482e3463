"""Instagram, the fourth channel: its own webhook, the shared Messenger callback URL, replies
through the Send API with the Instagram token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Contact
from tests.channels.meta_payloads import IG_ACCOUNT_ID, customer_message, meta_event
from tests.channels.test_intake import deliver
from tests.channels.webhook_client import post_instagram, post_messenger
from tests.fakes.fixtures import IG_SECRET, IG_TOKEN, IG_VERIFY, MS_SECRET, sign
from tests.fakes.graph_api import FakeGraphApi

pytestmark = pytest.mark.usefixtures("bot")


def ig_message(message: dict[str, Any], *, igsid: str = "igsid-1") -> dict[str, Any]:
    return customer_message(message, psid=igsid, obj="instagram", account=IG_ACCOUNT_ID)


async def test_handshake_and_signature(client: httpx.AsyncClient) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": IG_VERIFY, "hub.challenge": "77"}
    response = await client.get("/webhooks/instagram", params=params)
    assert (response.status_code, response.text) == (200, "77")
    wrong = await client.get("/webhooks/instagram", params={**params, "hub.verify_token": "x"})
    assert wrong.status_code == 403
    body = b'{"object": "instagram", "entry": []}'
    bad = await client.post(
        "/webhooks/instagram", content=body, headers={"X-Hub-Signature-256": sign("no", body)}
    )
    assert bad.status_code == 403
    assert bad.json()["error"]["code"] == "invalid_signature"


async def test_a_dm_is_answered_through_the_send_api_with_quick_replies(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    response = await post_instagram(client, ig_message({"mid": "ig_m1", "text": "halo"}))
    assert response.status_code == 200
    assert response.json()["messages"] == 1
    # A re-delivery adds nothing.
    again = await post_instagram(client, ig_message({"mid": "ig_m1", "text": "halo"}))
    assert again.json()["duplicates"] == 1
    await deliver(app)
    (greeting,) = graph_api.requests
    assert greeting.path == "/v21.0/me/messages"
    assert greeting.authorization == f"Bearer {IG_TOKEN}"
    assert greeting.json["recipient"] == {"id": "igsid-1"}

    await post_instagram(client, ig_message({"mid": "ig_m2", "text": "xyzzy plugh"}))
    await deliver(app)
    no_match = graph_api.requests[-1].json["message"]
    titles = [q["title"] for q in no_match["quick_replies"]]
    assert [q["payload"] for q in no_match["quick_replies"]] == ["escalate"]
    assert all(len(t) <= 20 for t in titles)
    contact = await session.scalar(select(Contact).where(Contact.external_id == "igsid-1"))
    assert contact is not None
    assert contact.channel == "instagram"
    await session.commit()


async def test_story_replies_quick_replies_and_postbacks_are_answered(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi
) -> None:
    story = {
        "mid": "ig_story",
        "text": "ini ready kak?",
        "reply_to": {"story": {"id": "1789", "url": "https://lookaside.example.test/s"}},
    }
    await post_instagram(client, ig_message(story, igsid="igsid-2"))
    quick = {"mid": "ig_qr", "text": "Butuh bantuan lanjut", "quick_reply": {"payload": "escalate"}}
    await post_instagram(client, ig_message(quick, igsid="igsid-3"))
    postback = {
        "sender": {"id": "igsid-4"},
        "recipient": {"id": IG_ACCOUNT_ID},
        "postback": {"mid": "ig_pb", "title": "Bantuan", "payload": "escalate"},
    }
    await post_instagram(client, meta_event(postback, obj="instagram", account=IG_ACCOUNT_ID))
    await deliver(app)
    assert {r.json["recipient"]["id"] for r in graph_api.requests} == {
        "igsid-2",
        "igsid-3",
        "igsid-4",
    }


@pytest.mark.parametrize(
    "event",
    [
        {"read": {"mid": "ig_m1"}},
        {"reaction": {"mid": "ig_m1", "action": "react", "reaction": "love", "emoji": "❤️"}},
        {"message": {"mid": "ig_del", "is_deleted": True}},
    ],
)
async def test_seen_reactions_and_unsend_are_ignored(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi, event: dict[str, object]
) -> None:
    body = meta_event(
        {"sender": {"id": "igsid-5"}, "recipient": {"id": IG_ACCOUNT_ID}, **event},
        obj="instagram",
        account=IG_ACCOUNT_ID,
    )
    response = await post_instagram(client, body)
    assert response.status_code == 200
    assert response.json()["messages"] == 0
    await deliver(app)
    assert graph_api.requests == []


@pytest.mark.parametrize("secret", [MS_SECRET, IG_SECRET])
async def test_an_instagram_body_at_the_messenger_url_is_handled_as_instagram(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi, secret: str
) -> None:
    body = ig_message({"mid": f"ig_shared_{secret}", "text": "halo"}, igsid="igsid-6")
    response = await post_messenger(client, body, secret=secret)
    assert response.status_code == 200
    await deliver(app)
    (request,) = graph_api.requests
    assert request.authorization == f"Bearer {IG_TOKEN}"


async def test_instagram_at_the_messenger_url_is_never_a_4xx_even_unconfigured(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"instagram_access_token": None})
    body = ig_message({"mid": "ig_unconf", "text": "halo"})
    response = await post_messenger(client, body)
    assert response.status_code == 200
    assert (await post_instagram(client, body)).status_code == 404
    await deliver(app)
    assert graph_api.requests == []
