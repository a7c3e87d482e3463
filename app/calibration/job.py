"""The calibration job: once per KB version across replicas, in the background.

Any process running the background jobs may do it: the first to insert the version's row in
``kb_calibrations`` (or to take over a row whose lease ran out: its runner died) runs the
leave-one-out on its own index, in a worker thread, and stores the thresholds. It waits until
the process's encoders have vectors of every phrasing, so the encoder threshold is chosen
with the evidence the bot will use. Every process reads the latest stored row
(``refresh_calibration``) into ``KnowledgeBase.calibrated``: a dict the search reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.calibration.compute import Result, calibrate
from app.calibration.evidence import customer_evidence, evidence_mark
from app.calibration.models import KbCalibration
from app.calibration.off_topic import OffTopicQuestions
from app.calibration.questions import VectorCache
from app.config import Settings
from app.db import utcnow
from app.db_util import queued_transaction, rowcount
from app.kb.service import KnowledgeBase
from app.learning.models import LearnedPhrasing
from app.learning.scrub import wording_key
from app.workers import PeriodicWorker

logger = logging.getLogger("app.calibration")

RUNNING, DONE = "running", "done"
KEEP_VERSIONS = 5  # older rows than the latest few are deleted


async def accepted_wordings(session: AsyncSession) -> set[tuple[str, str]]:
    """(slug, wording key) of the wordings learned from customers. They stay in the index but
    are not probes: a wording is proposed only when the bot did not answer it rightly, so
    they are the KB's past failures, not a sample of its messages; as probes they would
    raise the threshold for the customers they were learned to help."""
    rows = await session.execute(
        select(LearnedPhrasing.slug, LearnedPhrasing.text_key).where(
            LearnedPhrasing.status == "accepted"
        )
    )
    return {(slug, key) for slug, key in rows}


class Calibrator:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        kb: KnowledgeBase,
        settings: Settings,
        *,
        writer_queue: asyncio.Lock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._kb = kb
        self._settings = settings
        self._lease = timedelta(seconds=settings.kb_calibration_lease_seconds)
        self._writer_queue = writer_queue
        # Customers' questions' vectors from the last calibration run here (customers.py).
        self._vectors: VectorCache = {}

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with queued_transaction(self._sessionmaker, self._writer_queue) as session:
            yield session

    async def run(self) -> KbCalibration | None:
        """Calibrate the current KB version unless another process has or does; the row
        stored, or None when there was nothing to do (or the encoders are not ready)."""
        async with self._sessionmaker() as session:
            await self._kb.refresh(session)
        version = self._kb.version
        if version is None or not self._kb.status()["semantic_ready"]:
            return None  # the encoders' vectors come first: the next tick
        async with self._sessionmaker() as session:
            mark = await evidence_mark(session)
        claim = await self._claim(version) or await self._reclaim(version, mark)
        if claim is None:
            return None
        started = time.perf_counter()
        snapshot = self._kb.snapshot()
        async with self._sessionmaker() as session:
            learned = await accepted_wordings(session)
            asked = await customer_evidence(session)
        result = await asyncio.to_thread(
            calibrate,
            snapshot.index,
            snapshot.semantic,
            snapshot.model,
            target=self._settings.kb_target_wrong,
            margin=self._settings.kb_answer_margin,
            learned=lambda slug, text: (slug, wording_key(text)) in learned,
            encoders=snapshot.encoders,
            asked=asked,
            cache=self._vectors,
        )
        row = await self._save(version, claim, result, mark)
        if row is not None:
            apply(self._kb, row)
            logger.info(
                "kb calibrated",
                extra={
                    "kb_version": version,
                    "phrasings": result.checked,
                    "customers": result.customers,
                    "words_threshold": row.words_threshold,
                    "encoder_threshold": row.encoder_threshold,
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )
        return row

    async def _claim(self, version: int) -> str | None:
        now = utcnow()
        claim = uuid.uuid4().hex
        async with self._transaction() as session:
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            inserted = await session.execute(
                dialect.insert(KbCalibration)
                .values(
                    kb_version=version,
                    status=RUNNING,
                    claim=claim,
                    lease_expires_at=now + self._lease,
                    encoders="",
                    phrasings_checked=0,
                    confusable=[],
                    started_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["kb_version"])
            )
            if rowcount(inserted):
                return claim
            # A runner that died leaves its lease to run out; the next one takes over.
            taken = await session.execute(
                update(KbCalibration)
                .where(
                    KbCalibration.kb_version == version,
                    KbCalibration.status == RUNNING,
                    KbCalibration.lease_expires_at < now,
                )
                .values(claim=claim, lease_expires_at=now + self._lease, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return claim if rowcount(taken) else None

    async def _reclaim(self, version: int, mark: str) -> str | None:
        """Calibrate a done version again when conversations ended since it was (customers'
        evidence), at most every ``kb_recalibrate_seconds``. The row stays done meanwhile,
        so every process keeps using its thresholds; the lease keeps it to one runner."""
        now = utcnow()
        claim = uuid.uuid4().hex
        async with self._transaction() as session:
            taken = await session.execute(
                update(KbCalibration)
                .where(
                    KbCalibration.kb_version == version,
                    KbCalibration.status == DONE,
                    KbCalibration.updated_at
                    < now - timedelta(seconds=self._settings.kb_recalibrate_seconds),
                    or_(KbCalibration.evidence_mark.is_(None), KbCalibration.evidence_mark != mark),
                    or_(
                        KbCalibration.lease_expires_at.is_(None),
                        KbCalibration.lease_expires_at < now,
                    ),
                )
                .values(claim=claim, lease_expires_at=now + self._lease)
                .execution_options(synchronize_session=False)
            )
            return claim if rowcount(taken) else None

    async def _save(
        self, version: int, claim: str, result: Result, mark: str
    ) -> KbCalibration | None:
        now = utcnow()
        async with self._transaction() as session:
            done = await session.execute(
                update(KbCalibration)
                .where(KbCalibration.kb_version == version, KbCalibration.claim == claim)
                .values(
                    status=DONE,
                    lease_expires_at=None,
                    encoders=",".join(result.encoders),
                    words_threshold=result.words.threshold if result.words else None,
                    words_expected_wrong=result.words.expected_wrong if result.words else None,
                    encoder_threshold=result.encoder.threshold if result.encoder else None,
                    encoder_expected_wrong=(
                        result.encoder.expected_wrong if result.encoder else None
                    ),
                    phrasings_checked=result.checked,
                    customers_checked=result.customers,
                    evidence_mark=mark,
                    confusable=result.confusable,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if not rowcount(done):
                return None  # another runner took it over meanwhile: its result stands
            await session.execute(
                delete(KbCalibration).where(
                    and_(
                        KbCalibration.kb_version < version - KEEP_VERSIONS,
                        KbCalibration.status == DONE,
                    )
                )
            )
            return await session.get(KbCalibration, version)


async def latest(session: AsyncSession) -> KbCalibration | None:
    """The newest finished calibration (of this KB version or an earlier one)."""
    return await session.scalar(
        select(KbCalibration)
        .where(KbCalibration.status == DONE)
        .order_by(KbCalibration.kb_version.desc())
        .limit(1)
    )


def apply(kb: KnowledgeBase, row: KbCalibration) -> None:
    """Make ``row``'s thresholds the ones ``kb``'s searches use (unless the operator set one)."""
    calibrated: dict[tuple[str, ...], float] = {}
    if row.words_threshold is not None:
        calibrated[()] = row.words_threshold
    if row.encoder_threshold is not None and row.encoders:
        calibrated[tuple(row.encoders.split(","))] = row.encoder_threshold
    kb.calibrated = calibrated  # one assignment: a search sees the old dict or the new


async def refresh_calibration(
    sessionmaker: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    off_topic: OffTopicQuestions | None = None,
) -> None:
    """Every process: the latest thresholds, and the questions the KB does not cover."""
    async with sessionmaker() as session:
        row = await latest(session)
    if row is not None:
        apply(kb, row)
    if off_topic is not None:
        await off_topic.refresh(sessionmaker, kb)


def calibration_workers(
    sessionmaker: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    settings: Settings,
    writer_queue: asyncio.Lock | None,
) -> tuple[PeriodicWorker, PeriodicWorker]:
    """(every process: read the latest thresholds, the background jobs: calibrate)."""
    calibrator = Calibrator(sessionmaker, kb, settings, writer_queue=writer_queue)
    off_topic = OffTopicQuestions()
    return (
        PeriodicWorker(
            "kb_calibration_refresh",
            lambda: refresh_calibration(sessionmaker, kb, off_topic),
            settings.kb_refresh_interval_seconds,
        ),
        PeriodicWorker("kb_calibration", calibrator.run, settings.kb_calibration_interval_seconds),
    )
