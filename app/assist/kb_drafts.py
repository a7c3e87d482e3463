"""KB drafts: each large knowledge-gap group becomes a proposed article.

The gap's most typical wording is the question, its other wordings the variants, and the
answer is the agents' reply that resolved most of those conversations (replies grouped like
the questions, the largest group's wording), scrubbed of personal data; with a model, its
rewrite of those replies. A draft's id is a hash of its group's leading wording, so it stays
the same between the editor's GET and publish while new messages join the group.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.clustering import Group, cluster_texts
from app.analytics.gaps import ANSWERED, MAX_TEXTS, UNANSWERED, is_small_talk
from app.assist.history import PastCase, load_cases
from app.assist.llm import ModelFailed
from app.assist.metrics import ASSIST_FALLBACKS
from app.assist.models import PublishedDraft
from app.assist.prompts import kb_messages, parse_kb
from app.assist.schemas import KbDraft, Source
from app.assist.scrub import has_personal_data, scrub
from app.assist.service import Assistant
from app.conversations.models import Message, Outcome
from app.db import utcnow
from app.escalation.models import Handoff
from app.kb.schemas import MAX_VARIANTS
from app.types import Direction, HandoffStatus, OutcomeKind, Sender

MIN_COUNT = 2  # customer messages for a gap to become a draft
SHOWN_VARIANTS = 20
REPLY_SOURCES = 5
FAILED_RETRY_SECONDS = 300.0  # a failed rewrite is not asked again on every page load


@dataclass(frozen=True)
class GapGroup:
    id: str
    group: Group
    conversations: list[int]

    def wordings(self, limit: int = MAX_VARIANTS) -> list[str]:
        """The group's wordings without personal data, most frequent first."""
        return [t for t in self.group.examples(limit * 2) if not has_personal_data(t)][:limit]


def draft_id(group: Group) -> str:
    return hashlib.sha256(group.key.encode()).hexdigest()[:16]


async def gap_groups(session: AsyncSession, *, days: int) -> list[GapGroup]:
    """The knowledge gaps of the last ``days`` days (as ``app.analytics.gaps``), largest
    first, with the conversations their messages came from."""
    statement = (
        select(Message.text, Message.conversation_id)
        .outerjoin(Outcome, Outcome.conversation_id == Message.conversation_id)
        .where(
            Message.created_at >= utcnow() - timedelta(days=days),
            Message.direction == Direction.inbound.value,
            Message.sender == Sender.customer.value,
            Message.text.is_not(None),
            or_(
                Message.understood_as.in_(UNANSWERED),
                and_(
                    Message.understood_as == ANSWERED,
                    Outcome.outcome == OutcomeKind.escalated.value,
                ),
            ),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(MAX_TEXTS)
    )
    rows = [(t, c) for t, c in await session.execute(statement) if t and t.strip()]
    groups = await asyncio.to_thread(_cluster, rows)
    return [
        GapGroup(draft_id(g), g, [int(c) for c in g.tags]) for g in groups if g.count >= MIN_COUNT
    ]


def _cluster(rows: list[tuple[str, int | None]]) -> list[Group]:
    asked = [(t, c) for t, c in rows if not is_small_talk(t)]
    return cluster_texts(
        [t for t, _ in asked], tags=[None if c is None else str(c) for _, c in asked]
    )


async def published_ids(session: AsyncSession) -> set[str]:
    return set(await session.scalars(select(PublishedDraft.draft_id)))


async def _cases(session: AsyncSession, conversations: list[int]) -> list[PastCase]:
    ids = list(
        await session.scalars(
            select(Handoff.id).where(
                Handoff.conversation_id.in_(conversations),
                Handoff.status == HandoffStatus.resolved.value,
            )
        )
    )
    return await load_cases(session, ids) if ids else []


def _best_reply(cases: list[PastCase]) -> tuple[str, list[int]]:
    """The reply most of these conversations were resolved with, and the handoffs that gave it."""
    if not cases:
        return "", []
    replies = [scrub(c.reply, [c.customer_name]) for c in cases]
    tags = [str(c.handoff_id) for c in cases]
    best = cluster_texts(replies, tags=tags)[0]
    return best.example, [int(h) for h, _ in best.tags.most_common(REPLY_SOURCES)]


async def extractive_drafts(session: AsyncSession, *, days: int, limit: int) -> list[KbDraft]:
    """The unpublished drafts of the largest gaps, without a model."""
    done = await published_ids(session)
    gaps = [g for g in await gap_groups(session, days=days) if g.id not in done][:limit]
    drafts = []
    for gap in gaps:
        answer, handoffs = _best_reply(await _cases(session, gap.conversations))
        wordings = gap.wordings(SHOWN_VARIANTS + 1)
        question = wordings[0] if wordings else scrub(gap.group.example)
        drafts.append(
            KbDraft(
                id=gap.id,
                question=question,
                variants=[w for w in wordings if w != question][:SHOWN_VARIANTS],
                answer=answer,
                sources=[Source(kind="past_reply", handoff_id=h) for h in handoffs],
                count=gap.group.count,
                generated_by="extractive",
            )
        )
    return drafts


async def rewritten(assistant: Assistant, drafts: list[KbDraft]) -> list[KbDraft]:
    """The drafts as the model rewrote them, where it did (no session open: see
    ``app.assist.service.finish_assist``)."""
    if assistant.model is None:
        return drafts
    return list(await asyncio.gather(*(_rewritten(assistant, d) for d in drafts)))


async def _rewritten(assistant: Assistant, draft: KbDraft) -> KbDraft:
    """The model's rewrite of a draft with an answer, cached per input (model, wordings,
    replies): a page load asks only for what changed, and a failure is retried later."""
    model = assistant.model
    if model is None or not draft.answer:
        return draft
    wordings = [draft.question, *draft.variants]
    key = hashlib.sha256(json.dumps([model.model, wordings, draft.answer]).encode()).hexdigest()
    cached = assistant.kb_cache.get(key)
    if isinstance(cached, float) and time.monotonic() - cached < FAILED_RETRY_SECONDS:
        return draft
    if isinstance(cached, tuple):
        question, answer = cached
    else:
        try:
            question, answer = await model.complete_json(
                kb_messages(wordings, [draft.answer], "id"), "kb_draft", parse_kb
            )
        except ModelFailed as exc:
            ASSIST_FALLBACKS.labels("kb_drafts", exc.reason).inc()
            assistant.kb_cache[key] = time.monotonic()
            return draft
        assistant.kb_cache[key] = (question, answer)
    return draft.model_copy(
        update={
            "question": scrub(question),
            "answer": scrub(answer),
            "variants": [w for w in wordings if w != question][:SHOWN_VARIANTS],
            "generated_by": "llm",
        }
    )
