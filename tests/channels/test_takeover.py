"""A person taking over from outside (Page inbox, Instagram app, WhatsApp Business app): the
bot falls silent, the conversation counts as escalated (external_agent), our agents' queue
stays empty unless the customer asks."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.sweeper import sweep_idle_conversations
from app.channels.messenger_inbound import PAGE_INBOX_APP_ID
from app.conversations.models import Conversation, Message, Outcome
from app.db import utcnow
from app.escalation.models import Handoff
from tests.channels.meta_payloads import (
    IG_ACCOUNT_ID,
    customer_message,
    meta_event,
    page_echo,
    wa_business_app_echo,
)
from tests.channels.test_intake import deliver
from tests.channels.webhook_client import post_instagram, post_messenger, post_whatsapp, wa_text
from tests.fakes.graph_api import FakeGraphApi

pytestmark = pytest.mark.usefixtures("bot")
OUR_APP_ID = 4242424242


async def state(session: AsyncSession) -> tuple[list[Conversation], list[Outcome], list[Handoff]]:
    session.expire_all()
    conversations = list(await session.scalars(select(Conversation).order_by(Conversation.id)))
    outcomes = list(await session.scalars(select(Outcome).order_by(Outcome.id)))
    handoffs = list(await session.scalars(select(Handoff)))
    await session.commit()
    return conversations, outcomes, handoffs


async def test_a_page_inbox_reply_silences_the_bot_until_the_conversation_closes(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    await post_messenger(client, customer_message({"mid": "m_t1", "text": "halo"}))
    await deliver(app)
    assert len(graph_api.requests) == 1
    echo = page_echo("Halo kak, saya Rina dari toko", mid="m_echo1", app_id=int(PAGE_INBOX_APP_ID))
    assert (await post_messenger(client, echo)).status_code == 200
    await post_messenger(client, customer_message({"mid": "m_t2", "text": "xyzzy plugh"}))
    await deliver(app)
    assert len(graph_api.requests) == 1  # silent after the person's reply

    [conversation], [outcome], handoffs = await state(session)
    assert conversation.status == "handoff"
    assert (outcome.outcome, outcome.reason) == ("escalated", "external_agent")
    assert handoffs == []  # nothing in our agents' queue
    person = await session.scalar(select(Message).where(Message.sender == "agent"))
    assert person is not None
    assert person.text == "Halo kak, saya Rina dari toko"
    assert person.direction == "out"
    await session.commit()

    stats = await client.get(
        "/api/v1/stats/self-service", headers={"Authorization": "Bearer test-admin-token"}
    )
    assert stats.json()["escalation_reasons"]["external_agent"] == 1

    # Quiet for the session timeout: closed; the customer's next message starts afresh.
    later = utcnow() + timedelta(seconds=app.state.settings.session_timeout_seconds + 5)
    assert (
        await sweep_idle_conversations(
            app.state.sessionmaker,
            now=later,
            timeout_seconds=app.state.settings.session_timeout_seconds,
        )
        == 1
    )
    [closed], _, _ = await state(session)
    assert closed.status == "closed"


async def test_the_customer_asking_for_help_reaches_our_agents(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    echo = page_echo("Halo kak", mid="m_echo2", app_id=int(PAGE_INBOX_APP_ID))
    await post_messenger(client, echo)
    await deliver(app)
    ask = {"mid": "m_ask", "text": "Butuh bantuan lanjut", "quick_reply": {"payload": "escalate"}}
    await post_messenger(client, customer_message(ask))
    await deliver(app)
    _, [outcome], [handoff] = await state(session)
    assert handoff.status == "waiting"
    assert outcome.reason == "external_agent"  # the one outcome stays
    assert len(graph_api.requests) == 1


async def test_the_bots_own_echoes_stay_ignored_and_other_apps_take_over(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"meta_app_id": str(OUR_APP_ID)})
    own = page_echo("jawaban bot", mid="m_own", app_id=OUR_APP_ID)
    assert (await post_messenger(client, own)).json()["messages"] == 0
    other = page_echo("dari aplikasi lain", mid="m_other", app_id=111, psid="psid-30")
    assert (await post_messenger(client, other)).json()["messages"] == 1
    await deliver(app)
    [conversation], [outcome], _ = await state(session)
    assert conversation.status == "handoff"
    assert outcome.reason == "external_agent"


async def test_an_instagram_app_reply_takes_over(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"meta_app_id": str(OUR_APP_ID)})
    echo = page_echo(
        "halo dari IG",
        mid="ig_echo",
        app_id=999,
        psid="igsid-9",
        obj="instagram",
        account=IG_ACCOUNT_ID,
    )
    await post_instagram(client, echo)
    await deliver(app)
    [conversation], [outcome], _ = await state(session)
    assert conversation.channel == "instagram"
    assert outcome.reason == "external_agent"


async def test_the_whatsapp_business_app_on_the_same_number_takes_over(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    await post_whatsapp(client, wa_text("halo", wamid="wamid.t1", wa_id="6281100002"))
    await deliver(app)
    assert len(graph_api.requests) == 1
    echo = wa_business_app_echo("Siap kak, saya cek dulu", wamid="wamid.smb1")
    assert (await post_whatsapp(client, echo)).json()["messages"] == 1
    assert (await post_whatsapp(client, echo)).json()["duplicates"] == 1
    await post_whatsapp(client, wa_text("ok ditunggu", wamid="wamid.t2", wa_id="6281100002"))
    await deliver(app)
    assert len(graph_api.requests) == 1
    [conversation], [outcome], handoffs = await state(session)
    assert conversation.status == "handoff"
    assert outcome.reason == "external_agent"
    assert handoffs == []


async def test_a_chat_plugin_postback_is_answered_by_user_ref(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi
) -> None:
    event = {
        "sender": {"user_ref": "uref-77"},
        "recipient": {"id": "112233445566778"},
        "postback": {"mid": "m_uref", "title": "Mulai", "payload": "GET_STARTED"},
    }
    assert (await post_messenger(client, meta_event(event))).json()["messages"] == 1
    await deliver(app)
    (request,) = graph_api.requests
    assert request.json["recipient"] == {"user_ref": "uref-77"}


async def test_an_echo_of_a_message_the_outbox_sent_is_the_bots_own(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    # Not recognisable by its app id (say ROUTER_META_APP_ID is wrong): the mid gives it away.
    app.state.settings = app.state.settings.model_copy(update={"meta_app_id": "1"})
    await post_messenger(client, customer_message({"mid": "m_q1", "text": "halo"}))
    await deliver(app)
    (reply,) = graph_api.delivered
    assert reply.message_id is not None
    echo = page_echo("Halo! Ada yang bisa kami bantu?", mid=reply.message_id, app_id=OUR_APP_ID)
    assert (await post_messenger(client, echo)).json()["messages"] == 1
    await deliver(app)
    [conversation], outcomes, _ = await state(session)
    assert conversation.status == "bot"
    assert outcomes == []
    assert await session.scalar(select(Message).where(Message.sender == "agent")) is None
    await session.commit()
