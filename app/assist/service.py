"""Assist for a handoff: the extractive answer always, the model's on top when configured.

``Assistant`` is one per process (``app.state.assist``): the past-replies search with its
vector cache, the model client, and the KB drafts' cache of model rewrites.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.analytics.gaps import is_small_talk
from app.assist.extractive import BotActivity, article_text, drafts, past_text, summary
from app.assist.llm import ChatModel, ModelFailed
from app.assist.metrics import ASSIST_FALLBACKS, ASSIST_LATENCY, ASSIST_REQUESTS
from app.assist.past import PastReplies
from app.assist.prompts import Numbered, assist_messages, number_sources, parse_assist
from app.assist.schemas import AssistOut, Draft, Source
from app.assist.scrub import scrub
from app.bot.types import ARTICLE_PREFIX
from app.config import Settings
from app.conversations.models import Contact, Conversation, Message
from app.escalation.suggestions import suggest
from app.escalation.transcripts import handoff_conversation_id
from app.kb.models import Article
from app.kb.service import KnowledgeBase
from app.types import Sender

KB_DRAFTS = 3
PAST_DRAFTS = 2
QUESTION_MESSAGES = 3
RECENT_MESSAGES = 200  # of the conversation, newest: the request and what the bot did


class Assistant:
    def __init__(
        self, settings: Settings, engine: AsyncEngine, writer_queue: asyncio.Lock | None = None
    ) -> None:
        self.past = PastReplies(engine, writer_queue)
        self.model = ChatModel(settings) if settings.llm_configured else None
        # app.assist.kb_drafts: the model's (question, answer) per input, or when it failed.
        self.kb_cache: dict[str, tuple[str, str] | float] = {}

    async def close(self) -> None:
        await self.past.close()
        if self.model is not None:
            await self.model.aclose()


async def _conversation(session: AsyncSession, conversation_id: int) -> tuple[str, str | None]:
    row = (
        await session.execute(
            select(Conversation.language, Contact.display_name)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Conversation.id == conversation_id)
        )
    ).one()
    return row.language or "id", row.display_name


async def _bot_activity(session: AsyncSession, messages: list[Message]) -> BotActivity:
    served = [m.article_slug for m in messages if m.sender == Sender.bot.value and m.article_slug]
    rows = await session.execute(
        select(Article.slug, Article.question).where(Article.slug.in_(set(served)))
    )
    questions: dict[str, str] = {slug: question for slug, question in rows}
    offered = [
        str(b.get("title") or b["id"][len(ARTICLE_PREFIX) :])
        for m in messages
        if m.sender == Sender.bot.value
        for b in m.buttons or []
        if isinstance(b, dict) and str(b.get("id", "")).startswith(ARTICLE_PREFIX)
    ]
    return BotActivity([questions.get(s, s) for s in served], offered)


def request_texts(messages: list[Message]) -> list[str]:
    """The customer's latest texts that ask something (oldest first); greetings and thanks
    only when there is nothing else."""
    texts = [m.text for m in messages if m.sender == Sender.customer.value and m.text]
    texts = [t for t in texts if t.strip()]
    asking = [t for t in texts if not is_small_talk(t)]
    return (asking or texts)[-QUESTION_MESSAGES:]


@dataclass(frozen=True)
class Prepared:
    """Everything the model step needs, read while a session was open."""

    extractive: AssistOut
    texts: list[str]  # the customer's request, not scrubbed yet
    name: str | None
    language: str
    sources: list[Numbered]


async def prepare_assist(
    session: AsyncSession,
    assistant: Assistant,
    kb: KnowledgeBase,
    *,
    handoff_id: int,
    lang: str,
) -> Prepared:
    """The extractive answer and the model's sources (the database part of a request)."""
    conversation_id = await handoff_conversation_id(session, handoff_id)
    language, name = await _conversation(session, conversation_id)
    messages = list(
        await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(RECENT_MESSAGES)
        )
    )[::-1]
    texts = request_texts(messages)
    articles = await suggest(session, kb, texts=texts[::-1], limit=KB_DRAFTS) if texts else []
    similar = await assistant.past.similar(
        session, " ".join(texts), kb.encoders, limit=PAST_DRAFTS, exclude=conversation_id
    )
    extractive = AssistOut(
        summary=summary(texts, await _bot_activity(session, messages), lang),
        drafts=drafts(articles, similar),
        generated_by="extractive",
        model=None,
    )
    sources = number_sources(
        [(Source(kind="article", slug=a.slug), article_text(a)) for a in articles],
        [(Source(kind="past_reply", handoff_id=s.case.handoff_id), past_text(s)) for s in similar],
    )
    return Prepared(extractive, texts, name, language, sources)


async def finish_assist(assistant: Assistant, prepared: Prepared, *, started: float) -> AssistOut:
    """The model's summary and draft on top of the extractive answer, or the extractive one
    when there is no model or it failed. Called with no session open: the model may take
    ``llm_timeout_seconds``, and on SQLite an open session holds the only write lock."""
    out = prepared.extractive
    if assistant.model is not None:
        sources = prepared.sources
        try:
            answer = await assistant.model.complete_json(
                assist_messages(
                    [scrub(t, [prepared.name]) for t in prepared.texts], sources, prepared.language
                ),
                "handoff",
                lambda value: parse_assist(value, sources),
            )
        except ModelFailed as exc:
            ASSIST_FALLBACKS.labels("handoff", exc.reason).inc()
        else:
            written = (
                [Draft(text=answer.draft, sources=answer.sources, generated_by="llm")]
                if answer.draft
                else []
            )
            out = AssistOut(
                summary=answer.summary,
                drafts=[*written, *out.drafts],
                generated_by="llm",
                model=assistant.model.model,
            )
    ASSIST_REQUESTS.labels("handoff", out.generated_by).inc()
    ASSIST_LATENCY.labels("handoff").observe(time.perf_counter() - started)
    return out
