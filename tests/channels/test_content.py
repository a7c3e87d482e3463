"""What customers really send, end to end through the webhooks: captions read as text,
wordless media, orders and forms, and what agents see of them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation, Message
from app.escalation.models import Handoff
from app.types import Direction
from tests.channels.meta_payloads import attachment, customer_message, escalate_press, wa_message
from tests.channels.test_intake import deliver, kb
from tests.channels.webhook_client import post_messenger, post_whatsapp
from tests.fakes.graph_api import FakeGraphApi, Recorded

__all__ = ["kb"]
pytestmark = pytest.mark.usefixtures("bot")


def body_text(request: Recorded) -> str:
    payload = request.json
    if "interactive" in payload:
        return str(payload["interactive"]["body"]["text"])
    if "text" in payload:
        return str(payload["text"]["body"])
    return str(payload["message"].get("text", ""))


def button_ids(request: Recorded) -> list[str]:
    payload = request.json
    if "interactive" in payload:
        action = payload["interactive"]["action"]
        if "buttons" in action:
            return [b["reply"]["id"] for b in action["buttons"]]
        return [row["id"] for section in action["sections"] for row in section["rows"]]
    return [q["payload"] for q in payload.get("message", {}).get("quick_replies", [])]


async def inbound(session: AsyncSession) -> list[Message]:
    rows = list(
        await session.scalars(
            select(Message).where(Message.direction == Direction.inbound).order_by(Message.id)
        )
    )
    await session.commit()
    return rows


async def handoffs(session: AsyncSession) -> list[Handoff]:
    rows = list(await session.scalars(select(Handoff).order_by(Handoff.id)))
    await session.commit()
    return rows


@pytest.mark.usefixtures("kb")
@pytest.mark.parametrize("kind", ["image", "video", "document"])
async def test_a_caption_is_read_as_the_customers_question(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    kind: str,
) -> None:
    media = {
        "id": f"media-{kind}",
        "mime_type": "image/jpeg",
        "caption": "cara minta refund uang saya",
    }
    if kind == "document":
        media["filename"] = "bukti.pdf"
    response = await post_whatsapp(
        client, wa_message(kind, {kind: media}, wamid=f"wamid.cap-{kind}")
    )
    assert response.status_code == 200
    await deliver(app)

    (request,) = graph_api.requests
    assert "Ajukan Pengembalian Dana" in body_text(request)  # the refund article's answer
    (message,) = await inbound(session)
    assert (message.kind, message.text, message.caption) == (
        kind,
        "cara minta refund uang saya",
        "cara minta refund uang saya",
    )
    assert message.media_id == f"media-{kind}"
    assert message.article_slug is None
    assert message.understood_as == "answer"
    if kind == "document":
        assert message.media_filename == "bukti.pdf"


async def test_voice_notes_are_offered_a_person_at_once_and_never_loop(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    for n in range(4):
        voice = {"id": f"voice-{n}", "mime_type": "audio/ogg; codecs=opus", "voice": True}
        await post_whatsapp(client, wa_message("audio", wamid=f"wamid.voice{n}", audio=voice))
        await deliver(app)
    assert len(graph_api.requests) == 4
    for request in graph_api.requests:
        assert button_ids(request) == ["escalate"]
        assert "pesan suara" in body_text(request)
    # Offering the button is not a miss: no handoff opened behind the customer's back.
    assert await handoffs(session) == []
    # Pressing it reaches a person.
    press = escalate_press(wamid="wamid.press")
    await post_whatsapp(client, press)
    await deliver(app)
    assert [h.reason for h in await handoffs(session)] == ["button"]


async def test_photos_without_caption_count_as_misses(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    photo = {"id": "photo-1", "mime_type": "image/jpeg"}
    await post_whatsapp(client, wa_message("image", wamid="wamid.ph1", image=photo))
    await deliver(app)
    (first,) = graph_api.requests
    assert "foto" in body_text(first)
    assert button_ids(first) == ["escalate"]
    assert await handoffs(session) == []
    sticker = {"id": "sticker-1", "mime_type": "image/webp", "animated": False}
    await post_whatsapp(client, wa_message("sticker", wamid="wamid.st1", sticker=sticker))
    await deliver(app)
    # ROUTER_REPEATED_MISS_LIMIT is 2: the second wordless photo or sticker reaches a person.
    assert [h.reason for h in await handoffs(session)] == ["repeated_miss"]
    assert [m.kind for m in await inbound(session)] == ["image", "sticker"]


@pytest.mark.parametrize(
    ("kind", "content", "reason", "said"),
    [
        (
            "order",
            {
                "order": {
                    "catalog_id": "cat-1",
                    "text": "tolong kirim hari ini",
                    "product_items": [
                        {
                            "product_retailer_id": "KAOS-M",
                            "quantity": 2,
                            "item_price": 75000,
                            "currency": "IDR",
                        }
                    ],
                }
            },
            "order",
            "pesanan",
        ),
        (
            "interactive",
            {
                "interactive": {
                    "type": "nfm_reply",
                    "nfm_reply": {
                        "name": "flow",
                        "body": "Sent",
                        "response_json": '{"nomor_pesanan": "A-17", "flow_token": "tok"}',
                    },
                }
            },
            "form",
            "formulir",
        ),
    ],
)
async def test_an_order_or_a_finished_form_opens_a_handoff_and_says_so(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    kind: str,
    content: dict[str, object],
    reason: str,
    said: str,
) -> None:
    await post_whatsapp(client, wa_message(kind, content, wamid=f"wamid.{reason}"))
    await deliver(app)
    (request,) = graph_api.requests
    assert said in body_text(request)
    assert [h.reason for h in await handoffs(session)] == [reason]
    (message,) = await inbound(session)
    assert message.kind == reason
    if reason == "order":
        assert message.text == "tolong kirim hari ini"
        assert message.caption == "2 x KAOS-M @ 75000 IDR"
    else:
        assert message.caption == "nomor_pesanan: A-17"  # the flow token left out


async def test_media_during_a_handoff_reaches_the_agent_as_labelled_items(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
) -> None:
    press = escalate_press(wamid="wamid.h0")
    await post_whatsapp(client, press)
    photo = {"id": "photo-7", "mime_type": "image/jpeg"}
    await post_whatsapp(client, wa_message("image", wamid="wamid.h1", image=photo))
    place = {"latitude": -6.2, "longitude": 106.8, "name": "Toko", "address": "Jl. Sudirman 1"}
    await post_whatsapp(client, wa_message("location", wamid="wamid.h2", location=place))
    await deliver(app)
    (handoff,) = await handoffs(session)

    response = await client.get(f"/api/v1/handoffs/{handoff.id}", headers=admin_headers)
    assert response.status_code == 200
    items = [i for i in response.json()["transcript"] if i["sender"] == "customer"]
    assert [i["kind"] for i in items] == ["text", "image", "location"]
    assert items[0]["media"] is None
    assert items[0]["location"] is None
    assert items[1]["media"] == {"id": "photo-7", "mime_type": "image/jpeg", "filename": None}
    assert items[1]["caption"] is None
    assert items[1]["location"] is None
    assert items[2]["location"] == {
        "latitude": -6.2,
        "longitude": 106.8,
        "name": "Toko",
        "address": "Jl. Sudirman 1",
    }


async def test_an_unknown_kind_is_stored_as_other_and_answered_politely(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    unknown = {"errors": [{"code": 131051, "title": "Message type unknown"}]}
    await post_whatsapp(client, wa_message("unsupported", unknown, wamid="wamid.u1"))
    await post_whatsapp(client, wa_message("hologram", wamid="wamid.u2", wa_id="6281100003"))
    await deliver(app)
    assert len(graph_api.requests) == 2
    assert all(button_ids(r) == ["escalate"] for r in graph_api.requests)
    assert [m.kind for m in await inbound(session)] == ["other", "other"]


@pytest.mark.parametrize(
    ("message", "kind", "offered_at_once"),
    [
        (attachment("image", "m_img", url="https://cdn.example.test/a.jpg"), "image", False),
        (attachment("audio", "m_aud", url="https://cdn.example.test/a.mp4"), "audio", True),
        (attachment("file", "m_doc", url="https://cdn.example.test/a.pdf"), "document", True),
        (attachment("video", "m_vid", url="https://cdn.example.test/a.mp4"), "video", True),
        (
            {
                **attachment(
                    "image",
                    "m_stk",
                    url="https://cdn.example.test/s.png",
                    sticker_id=369239263222822,
                ),
                "sticker_id": 369239263222822,
            },
            "sticker",
            False,
        ),
        (
            attachment("location", "m_loc", coordinates={"lat": -6.2, "long": 106.8}),
            "location",
            False,
        ),
        (attachment("fallback", "m_fb", url="https://example.test/x", title="x"), "other", False),
    ],
)
async def test_messenger_attachments_keep_their_kind(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    message: dict[str, object],
    kind: str,
    offered_at_once: bool,
) -> None:
    assert (await post_messenger(client, customer_message(message))).status_code == 200
    await deliver(app)
    (request,) = graph_api.requests
    assert button_ids(request) == ["escalate"]
    (stored,) = await inbound(session)
    assert stored.kind == kind
    if kind in ("image", "audio", "document", "video", "sticker"):
        assert (stored.media_url or "").startswith("https://cdn.example.test/")
    if kind == "location":
        assert (stored.latitude, stored.longitude) == (-6.2, 106.8)
    conversation = await session.get_one(Conversation, stored.conversation_id)
    assert conversation.consecutive_misses == (0 if offered_at_once else 1)
    await session.commit()


async def test_messenger_text_with_an_image_is_a_captioned_photo(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    message = {
        **attachment("image", "m_capt", url="https://cdn.example.test/b.jpg"),
        "text": "barangnya rusak",
    }
    await post_messenger(client, customer_message(message))
    await deliver(app)
    (stored,) = await inbound(session)
    assert (stored.kind, stored.text, stored.caption) == (
        "image",
        "barangnya rusak",
        "barangnya rusak",
    )
    assert stored.understood_as in ("none", "suggest", "answer")  # read as a question


async def test_odd_content_is_stored_not_refused(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    document = {
        "id": "doc\u0000-1",
        "mime_type": "application/pdf",
        "filename": "laporan " + "x" * 400 + ".pdf",
        "caption": "  ",
    }
    place = {"latitude": 91.5, "longitude": "106.8", "name": "Toko\u0000 A"}
    await post_whatsapp(client, wa_message("document", document=document, wamid="wamid.odd1"))
    await post_whatsapp(
        client, wa_message("location", location=place, wamid="wamid.odd2", wa_id="6281100009")
    )
    await deliver(app)
    assert len(graph_api.requests) == 2
    doc, loc = await inbound(session)
    assert (doc.media_id, doc.caption, doc.text) == ("doc-1", None, None)
    assert doc.media_filename is not None
    assert len(doc.media_filename) == 255
    assert (loc.latitude, loc.longitude, loc.location_name) == (91.5, 106.8, "Toko A")
