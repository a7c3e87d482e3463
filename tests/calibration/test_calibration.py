"""Per-KB calibration: once per KB version across replicas, persisted, used by every
replica's searches, shown by kb/status; an operator's threshold wins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calibration.job import Calibrator, refresh_calibration
from app.calibration.models import KbCalibration
from app.calibration.threshold import PRIOR_CUSTOMERS, PRIOR_WEIGHT, choose
from app.config import Settings
from app.db import utcnow
from app.kb.matcher import WORDS
from app.kb.service import KnowledgeBase
from tests.conftest import make_settings
from tests.learning.kb import load_kb


async def _status(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    response = await client.get("/api/v1/kb/status", headers=headers)
    assert response.status_code == 200, response.text
    calibration: dict[str, object] = response.json()["calibration"]
    return calibration


async def test_calibrates_once_per_version_and_every_replica_uses_it(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_kb(client, admin_headers)
    before = await _status(client, admin_headers)
    assert before["kb_version"] is None
    assert before["answer_threshold"] == WORDS.answer_threshold  # the default until done

    kb: KnowledgeBase = app.state.kb
    row = await Calibrator(app.state.sessionmaker, kb, settings).run()
    assert row is not None
    assert row.status == "done"
    assert row.kb_version == kb.version
    assert row.phrasings_checked == 32  # 8 articles x 4 phrasings, each left out once
    assert row.words_threshold is not None
    assert kb.thresholds().answer == row.words_threshold
    after = await _status(client, admin_headers)
    assert after["kb_version"] == kb.version
    assert after["answer_threshold"] == row.words_threshold
    assert after["phrasings_checked"] == 32
    assert after["expected_wrong"] == row.words_expected_wrong

    # Another replica: the version is done, so it does not calibrate again, and it reads
    # the stored threshold.
    replica = KnowledgeBase(settings)
    assert await Calibrator(app.state.sessionmaker, replica, settings).run() is None
    assert replica.thresholds().answer == WORDS.answer_threshold
    await refresh_calibration(app.state.sessionmaker, replica)
    assert replica.thresholds().answer == row.words_threshold
    await replica.close()

    # A KB change is a new version: calibrated again, and kept with the old one.
    created = await client.post(
        "/api/v1/kb/articles",
        headers=admin_headers,
        json={
            "slug": "voucher",
            "question": "Cara memakai kode voucher",
            "variants": ["Kode promo tidak bisa dipakai", "Diskon belanja pakai kupon"],
            "answer": "Masukkan kode voucher di halaman pembayaran.",
        },
    )
    assert created.status_code == 201
    again = await Calibrator(app.state.sessionmaker, kb, settings).run()
    assert again is not None
    assert again.kb_version == row.kb_version + 1
    assert again.phrasings_checked == 35
    assert (await _status(client, admin_headers))["kb_version"] == again.kb_version


async def test_operator_threshold_wins(admin_headers: dict[str, str], database_url: str) -> None:
    settings = make_settings(database_url, kb_answer_threshold=0.91)
    from app.main import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as own:
            await load_kb(own, admin_headers)
            row = await Calibrator(app.state.sessionmaker, app.state.kb, settings).run()
            assert row is not None
            assert app.state.kb.thresholds().answer == 0.91
            shown = await _status(own, admin_headers)
            assert shown["answer_threshold"] == 0.91
            assert shown["expected_wrong"] is None  # the calibration's is for its own threshold


async def test_a_live_claim_is_left_alone_and_an_expired_one_taken_over(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    session: AsyncSession,
) -> None:
    await load_kb(client, admin_headers)
    kb: KnowledgeBase = app.state.kb
    async with app.state.sessionmaker() as s:
        await kb.refresh(s)
    now = utcnow()
    session.add(
        KbCalibration(
            kb_version=kb.version,
            status="running",
            claim="another-runner",
            lease_expires_at=now + timedelta(minutes=5),
            encoders="",
            phrasings_checked=0,
            confusable=[],
            started_at=now,
            updated_at=now,
        )
    )
    await session.commit()
    calibrator = Calibrator(app.state.sessionmaker, kb, settings)
    assert await calibrator.run() is None  # another process is on it

    row = await session.get(KbCalibration, kb.version)
    assert row is not None
    row.lease_expires_at = now - timedelta(seconds=1)  # ... and died
    await session.commit()
    done = await calibrator.run()
    assert done is not None
    assert done.status == "done"
    session.expire_all()
    stored = await session.scalar(
        select(KbCalibration).where(KbCalibration.kb_version == kb.version)
    )
    assert stored is not None
    assert stored.claim != "another-runner"


async def test_confusable_pairs_name_both_articles_with_examples(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_kb(client, admin_headers)
    # A near twin of lupa-password: its phrasings, left out, go to the other.
    twin = {
        "slug": "reset-sandi",
        "question": "Cara reset password akun saya",
        "variants": ["Lupa kata sandi akun", "Reset sandi login"],
        "answer": "Gunakan Lupa Password di halaman masuk.",
    }
    assert (
        await client.post("/api/v1/kb/articles", json=twin, headers=admin_headers)
    ).status_code == 201
    empty = await client.get("/api/v1/kb/confusable", headers=admin_headers)
    assert empty.status_code == 200
    assert empty.json()["items"] == []
    await Calibrator(app.state.sessionmaker, app.state.kb, settings).run()
    response = await client.get("/api/v1/kb/confusable?limit=5", headers=admin_headers)
    items = response.json()["items"]
    assert items, "the twins are confused"
    pair = items[0]
    assert {pair["a"], pair["b"]} == {"lupa-password", "reset-sandi"}
    assert 0 < pair["score"] <= 1
    assert pair["count"] >= 1
    example = pair["examples"][0]
    assert {example["slug"], example["went_to"]} == {"lupa-password", "reset-sandi"}
    assert (
        await client.get("/api/v1/kb/confusable?limit=0", headers=admin_headers)
    ).status_code == 422


def test_the_threshold_rises_with_wrong_answers_and_leans_on_the_default() -> None:
    # 100 probes of article 0: 90 right at 0.9, 10 wrong at 0.8 -> the KB's own choice is
    # above 0.8 (10% wrong below it), weighed with the default by evidence.
    probes = [(0, [(0, 0.9)])] * 90 + [(0, [(1, 0.8)])] * 10
    choice = choose(probes, target=0.02, margin=0.0, default=0.5)
    own = 0.81
    assert choice.threshold == round((PRIOR_WEIGHT * 0.5 + 100 * own) / (PRIOR_WEIGHT + 100), 3)
    # All right: the KB's phrasings alone never lower it (they hold no off-topic question).
    clean = choose([(0, [(0, 0.9)])] * 100, target=0.02, margin=0.0, default=0.8)
    assert clean.threshold == 0.8
    # More evidence moves further from the default.
    many = choose(probes * 20, target=0.02, margin=0.0, default=0.5)
    assert many.threshold > choice.threshold
    assert choice.expected_wrong == 0.1  # the 10 wrong ones still answer at the mean


def test_customers_questions_may_lower_or_raise_it() -> None:
    phrasings = [(0, [(0, 0.9)])] * 100
    # Customers answered rightly at 0.6, wrongly at 0.55 (3 %): their own choice is 0.56 and
    # the threshold comes down towards it, by their weight.
    happy = [(0, [(0, 0.6)])] * 194 + [(-1, [(0, 0.55)])] * 6
    lower = choose(phrasings, target=0.02, margin=0.0, default=0.8, customers=happy)
    assert lower.threshold == round(
        (PRIOR_CUSTOMERS * 0.8 + 200 * 0.56) / (PRIOR_CUSTOMERS + 200), 3
    )
    assert lower.expected_wrong == 0.0
    assert lower.answered == 0.0  # 0.6 is under the mean: none of them answers yet
    # Off-topic questions (article -1) that score 0.85 push it above them.
    off_topic = [(-1, [(0, 0.85)])] * 20 + [(0, [(0, 0.95)])] * 180
    higher = choose(phrasings, target=0.02, margin=0.0, default=0.8, customers=off_topic)
    assert higher.threshold == round(
        (PRIOR_CUSTOMERS * 0.8 + 200 * 0.86) / (PRIOR_CUSTOMERS + 200), 3
    )
    assert higher.threshold > 0.8
    # The customers' share at the threshold used: the mean is still under their 0.85.
    assert higher.expected_wrong == 0.1
    # Too few customers are not evidence yet.
    few = choose(phrasings, target=0.02, margin=0.0, default=0.8, customers=off_topic[:29])
    assert few.threshold == 0.8


def test_learned_wordings_stay_in_the_index_but_are_not_probes() -> None:
    from app.calibration.loo import leave_one_out
    from app.kb.index import ArticleText, MatchIndex
    from tests.learning.kb import ARTICLES

    learned = ("ganti-alamat", "alamatnya mau diganti kak")
    articles = [
        ArticleText(
            a["slug"],
            a["question"],
            (*a["variants"], *([learned[1]] if a["slug"] == learned[0] else [])),
        )
        for a in ARTICLES
    ]
    index = MatchIndex.build(articles)
    everything = leave_one_out(articles, full=index)
    probes = leave_one_out(articles, full=index, learned=lambda s, t: (s, t) == learned)
    assert len(everything) == len(probes) + 1
    assert learned[1] not in {p.text for p in probes}
    # The author's phrasings are all probed as before.
    assert {p.text for p in probes} == {p.text for p in everything} - {learned[1]}


async def test_new_conversations_calibrate_the_version_again_at_most_so_often(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    from tests.learning.test_learning import VAGUE, pick_and_confirm

    settings = make_settings(database_url, kb_recalibrate_seconds=0.01)
    await load_kb(client, admin_headers)
    kb: KnowledgeBase = app.state.kb
    first = await Calibrator(app.state.sessionmaker, kb, settings).run()
    assert first is not None
    assert first.customers_checked == 0
    await asyncio.sleep(0.02)
    # Nothing ended since: nothing to calibrate again.
    assert await Calibrator(app.state.sessionmaker, kb, settings).run() is None

    await pick_and_confirm(client, VAGUE, "cara-refund")  # deflected on an article
    hourly = make_settings(database_url)  # the default interval has not passed yet
    assert await Calibrator(app.state.sessionmaker, kb, hourly).run() is None
    await asyncio.sleep(0.02)
    again = await Calibrator(app.state.sessionmaker, kb, settings).run()
    assert again is not None
    assert again.kb_version == first.kb_version  # the same version, read again
    assert again.customers_checked == 1
    assert again.status == "done"
    assert again.evidence_mark != first.evidence_mark
    status = await _status(client, admin_headers)
    assert status["customers_checked"] == 1
