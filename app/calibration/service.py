"""Reading the calibration for the API."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.calibration.job import latest
from app.calibration.schemas import CalibrationOut, ConfusableList, ConfusablePair
from app.kb.service import KnowledgeBase


async def calibration_status(
    session: AsyncSession, kb: KnowledgeBase, *, configured: float | None
) -> CalibrationOut:
    """The answer threshold ``kb``'s searches use now (by the encoders once they are ready,
    else by words), and the calibration it came from; ``expected_wrong`` is the calibration's
    at its own threshold, so null when the operator set one (``configured``)."""
    row = await latest(session)
    snapshot = kb.snapshot() if kb.version is not None else None
    by_encoders = snapshot is not None and snapshot.semantic is not None
    thresholds = snapshot.encoder_thresholds if by_encoders and snapshot else kb.thresholds()
    expected = None
    if row is not None and configured is None:
        expected = row.encoder_expected_wrong if by_encoders else row.words_expected_wrong
    return CalibrationOut(
        answer_threshold=thresholds.answer,
        expected_wrong=expected,
        phrasings_checked=row.phrasings_checked if row else 0,
        customers_checked=row.customers_checked if row else 0,
        kb_version=row.kb_version if row else None,
        updated_at=row.updated_at if row else None,
    )


async def confusable(session: AsyncSession, *, limit: int) -> ConfusableList:
    row = await latest(session)
    pairs = (row.confusable or [])[:limit] if row else []
    return ConfusableList(
        items=[ConfusablePair.model_validate(p) for p in pairs],
        kb_version=row.kb_version if row else None,
    )
