"""GET /api/v1/handoffs/{id}/assist without a model: the extractive layer."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.types import HandoffStatus, Sender
from tests.assist.support import import_kb, live_handoff, past_case
from tests.factories import bearer, make_agent, make_message


async def test_summary_quotes_the_customer_and_what_the_bot_tried(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await import_kb(client, admin_headers)
    conversation, handoff = await live_handoff(session, "halo", "uang saya mau dikembalikan")
    await make_message(
        session,
        conversation=conversation,
        sender=Sender.bot,
        text="Ajukan refund dari menu Pesanan.",
        article_slug="refund",
    )
    await make_message(
        session,
        conversation=conversation,
        sender=Sender.bot,
        text="Mungkin ini?",
        buttons=[
            {"id": "article:ongkir", "title": "Ongkos kirim"},
            {"id": "escalate", "title": "Agen"},
        ],
    )
    _, token = await make_agent(session)
    await session.commit()

    response = await client.get(f"/api/v1/handoffs/{handoff.id}/assist", headers=bearer(token))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["generated_by"] == "extractive"
    assert body["model"] is None
    summary = body["summary"]
    assert "uang saya mau dikembalikan" in summary
    assert "halo" not in summary.split("“")[1]  # a greeting is not the request
    assert "Bagaimana cara mengajukan refund?" in summary  # served, by its question
    assert "Ongkos kirim" in summary  # offered as a button
    assert "Agen" not in summary  # not an article button
    english = await client.get(
        f"/api/v1/handoffs/{handoff.id}/assist?lang=en", headers=bearer(token)
    )
    assert english.json()["summary"].startswith("Customer:")


async def test_drafts_from_the_kb_and_past_replies_scrubbed(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await import_kb(client, admin_headers)
    resolved = await past_case(
        session,
        question="paket saya sudah seminggu belum sampai, gimana ini",
        reply=(
            "Mohon maaf kak Sari, paket kakak tertahan di gudang transit. Resi 1234567890123 "
            "sudah kami eskalasi; kabari kami di 0812-3456-7890 atau cs.sari@gmail.com, "
            "pantau di https://lacak.example/abc"
        ),
        name="Sari Wulandari",
    )
    waiting = await past_case(
        session,
        question="paket saya seminggu belum sampai juga",
        reply="Ini balasan yang belum selesai",
        status=HandoffStatus.assigned,
    )
    _, handoff = await live_handoff(
        session, "paket saya belum sampai sudah seminggu", "refund bisa?"
    )
    await session.commit()

    body = (await client.get(f"/api/v1/handoffs/{handoff.id}/assist", headers=admin_headers)).json()

    by_source = {
        (s["kind"], s.get("slug") or s.get("handoff_id")): d
        for d in body["drafts"]
        for s in d["sources"]
    }
    assert ("article", "refund") in by_source
    assert by_source[("article", "refund")]["text"].startswith("Ajukan refund")
    assert ("past_reply", waiting.id) not in by_source  # not resolved: not offered
    past = by_source[("past_reply", resolved.id)]["text"]
    assert "tertahan di gudang transit" in past
    for personal in ("Sari", "1234567890123", "0812", "gmail", "https://", "lacak.example"):
        assert personal not in past
    assert "[nomor]" in past
    assert "[email]" in past
    assert all(d["generated_by"] == "extractive" for d in body["drafts"])


async def test_a_past_reply_that_is_a_kb_answer_is_one_draft_with_two_sources(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await import_kb(client, admin_headers)
    pasted = await past_case(
        session,
        question="toko buka sampai jam berapa malam ini",
        reply="Toko buka setiap hari pukul 08.00 sampai 21.00 WIB.",
    )
    _, handoff = await live_handoff(session, "toko buka sampai jam berapa")
    await session.commit()

    body = (await client.get(f"/api/v1/handoffs/{handoff.id}/assist", headers=admin_headers)).json()

    first = body["drafts"][0]
    assert first["sources"] == [
        {"kind": "article", "slug": "jam-buka", "handoff_id": None},
        {"kind": "past_reply", "slug": None, "handoff_id": pasted.id},
    ]
    texts = [d["text"] for d in body["drafts"]]
    assert len(texts) == len(set(texts))


async def test_an_unrelated_question_gets_no_past_reply_and_unknown_handoff_is_404(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await past_case(
        session, question="paket saya belum sampai", reply="Paket tertahan di gudang transit."
    )
    _, handoff = await live_handoff(session, "apakah bisa bayar pakai kartu kredit")
    await session.commit()

    body = (await client.get(f"/api/v1/handoffs/{handoff.id}/assist", headers=admin_headers)).json()
    assert body["drafts"] == []

    missing = await client.get("/api/v1/handoffs/999999/assist", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "handoff_not_found"
    bad = await client.get(f"/api/v1/handoffs/{handoff.id}/assist?lang=fr", headers=admin_headers)
    assert bad.status_code == 422


async def test_past_questions_are_compared_by_the_kbs_encoder_and_their_vectors_kept(
    database_url: str, admin_headers: dict[str, str]
) -> None:
    from app.kb.models import PhrasingVector
    from app.main import create_app
    from tests.conftest import make_settings

    application = create_app(make_settings(database_url, kb_semantic=True))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await import_kb(client, admin_headers)
            assert await application.state.kb.wait_semantic()
            async with application.state.sessionmaker() as session:
                resolved = await past_case(
                    session,
                    question="bagaimana cara mengembalikan barang rusak",
                    reply="Foto barangnya lalu kirim lewat menu Komplain, kurir menjemputnya.",
                )
                _, handoff = await live_handoff(
                    session, "barang yang saya terima rusak, bisa dikembalikan?"
                )
                await session.commit()
            response = await client.get(
                f"/api/v1/handoffs/{handoff.id}/assist", headers=admin_headers
            )
            await asyncio.sleep(0.2)  # the vectors are stored after the request
            async with application.state.sessionmaker() as session:
                stored = list(
                    await session.scalars(
                        select(PhrasingVector.model).where(
                            PhrasingVector.model.like("%#assist-past")
                        )
                    )
                )
    assert response.status_code == 200, response.text
    sources = [s for d in response.json()["drafts"] for s in d["sources"]]
    assert {"kind": "past_reply", "slug": None, "handoff_id": resolved.id} in sources
    assert len(stored) == 1
