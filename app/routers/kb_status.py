"""How far the KB this process searches is: its version, and each sentence encoder's
vectors of it (``semantic_ready`` says when searches stop matching by words alone)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.auth import AdminDep
from app.calibration.service import calibration_status
from app.db import SessionDep
from app.json_body import JSONRoute
from app.kb.schemas import KbStatus
from app.kb.service import KnowledgeBase

router = APIRouter(prefix="/api/v1/kb", tags=["kb"], route_class=JSONRoute)


@router.get("/status", response_model=KbStatus)
async def kb_status(request: Request, session: SessionDep, _: AdminDep) -> KbStatus:
    kb: KnowledgeBase = request.app.state.kb
    await kb.refresh(session)  # a change another replica made shows at once
    return KbStatus.model_validate(
        {
            **kb.status(),
            "calibration": await calibration_status(
                session, kb, configured=request.app.state.settings.kb_answer_threshold
            ),
        }
    )
