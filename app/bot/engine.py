"""The conversation engine: one customer message in, replies and state changes out.

Every channel (web chat, WhatsApp, Messenger) calls ``ConversationEngine.handle`` inside the
request's transaction, so the inbound message, the state change, the outcome and the outbound
replies (with their outbox rows) are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot import replies
from app.bot.arrival import Arrival, arrive, clipped_text
from app.bot.content import (
    EXTERNAL_AGENT,
    NEEDS_PERSON,
    OFFER_PERSON,
    effective_kind,
    wordless_reply,
)
from app.bot.followups import after_close
from app.bot.hours import BusinessHours, describe_opening
from app.bot.intents import Intent, Understanding, fold, understand
from app.bot.ports import ArticleLike, KnowledgeSource, MatchLike, translated
from app.bot.ratings import score_of_action
from app.bot.sweeper import close_idle, is_idle
from app.bot.takeover import taken_over
from app.bot.templates import button_titles
from app.bot.types import (
    ARTICLE_PREFIX,
    ESCALATE,
    HELPFUL_NO,
    HELPFUL_YES,
    InboundMessage,
    InboundResult,
    Reply,
)
from app.channels.outbound import send_replies
from app.config import Settings
from app.conversations import repository
from app.conversations.models import Contact, Conversation, Message
from app.conversations.outcomes import close_conversation, record_outcome
from app.errors import NotFound, ValidationFailed
from app.escalation.service import live_handoff_for, open_handoff, queue_position
from app.escalation.transcripts import customer_wrote
from app.helpcenter.links import article_link
from app.metrics import DUPLICATES, MESSAGES_IN
from app.sla.service import customer_wrote as sla_customer_wrote
from app.surveys.flow import after_bot as surveys_after_bot
from app.surveys.questions import answer_of_action
from app.teams.routing import RoutingPolicy
from app.types import (
    Channel,
    ConversationStatus,
    EscalationReason,
    HandoffStatus,
    MessageKind,
    OutcomeKind,
    Sender,
)

_KNOWN_ACTIONS = frozenset({HELPFUL_YES, HELPFUL_NO, ESCALATE})


@dataclass
class _Turn:
    """Everything one message's handling reads and writes."""

    session: AsyncSession
    contact: Contact
    conversation: Conversation
    message: Message
    understanding: Understanding
    now: datetime

    @property
    def lang(self) -> str:
        return self.conversation.language


class ConversationEngine:
    def __init__(self, settings: Settings, kb: KnowledgeSource) -> None:
        self.settings = settings
        self.kb = kb
        self.hours = BusinessHours.parse(
            settings.business_hours, settings.timezone, settings.holidays
        )
        self._typed_buttons = {
            fold(title): button_id
            for button_id in (HELPFUL_YES, HELPFUL_NO, ESCALATE)
            for title in button_titles(button_id)
        }

    async def arrive(
        self, session: AsyncSession, batch: Sequence[tuple[InboundMessage, datetime]]
    ) -> list[Arrival]:
        """Store a batch of customers' messages (one each) ahead of ``handle``, which then
        takes each one's ``Arrival``: the per-message statements become per-batch ones.
        The searches of the new messages' texts begin here, together (``KnowledgeSource
        .prefetch``); buttons and re-deliveries ask nothing."""
        batch = [(inbound.without_nul(), now) for inbound, now in batch]
        limit = self.settings.max_text_length
        arrivals = await arrive(session, batch, max_text_length=limit)
        self.kb.prefetch(
            [
                text
                for (inbound, _), arrival in zip(batch, arrivals, strict=True)
                if arrival.message is not None and not inbound.echo and inbound.action is None
                if (text := clipped_text(inbound, limit))
            ]
        )
        return arrivals

    async def handle(
        self,
        session: AsyncSession,
        inbound: InboundMessage,
        *,
        now: datetime,
        arrival: Arrival | None = None,
    ) -> InboundResult:
        inbound = inbound.without_nul()
        text = clipped_text(inbound, self.settings.max_text_length)
        # Web chat validates strictly (its client sent the id); platforms may carry buttons
        # of other apps or old messages, which are read as text instead.
        strict = inbound.channel == Channel.webchat
        if strict:
            await self._validate_action(session, inbound.action)

        if arrival is None:
            [arrival] = await arrive(
                session, [(inbound, now)], max_text_length=self.settings.max_text_length
            )
        contact, latest, message = arrival.contact, arrival.latest, arrival.message
        if message is None:
            DUPLICATES.labels(inbound.channel.value).inc()
            return InboundResult(duplicate=True)
        if inbound.echo:
            timeout = self.settings.session_timeout_seconds
            return await taken_over(session, inbound, arrival, now=now, timeout_seconds=timeout)
        MESSAGES_IN.labels(inbound.channel.value).inc()
        open_now = latest is not None and latest.status != ConversationStatus.closed
        conversation = latest if open_now else None

        understanding = understand(text)
        if understanding.language and understanding.language != contact.language:
            contact.language = understanding.language

        timeout = self.settings.session_timeout_seconds
        if conversation is not None and is_idle(conversation, now=now, timeout_seconds=timeout):
            await close_idle(session, conversation, now=now)
            latest, conversation = conversation, None
        if conversation is None:
            followup = await after_close(
                session, latest, contact, message, inbound, text, now, self.kb
            )
            if followup is not None:
                return followup
            conversation = await repository.start_conversation(
                session, contact=contact, language=contact.language, now=now
            )
        if message.conversation_id != conversation.id:
            message.conversation_id = conversation.id
        conversation.last_customer_at = now
        if understanding.language and understanding.language != conversation.language:
            conversation.language = understanding.language

        turn = _Turn(session, contact, conversation, message, understanding, now)
        out = await self._respond(turn, inbound, text, strict=strict)
        await send_replies(
            session,
            contact=contact,
            conversation_id=conversation.id,
            replies=out,
            sender=Sender.bot,
            now=now,
        )
        return InboundResult(
            conversation_id=conversation.id, conversation_status=conversation.status, replies=out
        )

    async def _validate_action(self, session: AsyncSession, action: str | None) -> None:
        if action is None or action in _KNOWN_ACTIONS or score_of_action(action) is not None:
            return
        if answer_of_action(action) is not None:
            return
        if action.startswith(ARTICLE_PREFIX):
            if await self.kb.get_article(session, action.removeprefix(ARTICLE_PREFIX)) is None:
                raise NotFound(f"article {action!r} does not exist", code="article_not_found")
            return
        raise ValidationFailed(
            f"unknown action {action!r}; expected helpful_yes, helpful_no, escalate,"
            " article:<slug>, csat:1 .. csat:5, ces:1 .. ces:7 or nps:0 .. nps:10",
            code="unknown_action",
        )

    async def _respond(
        self, turn: _Turn, inbound: InboundMessage, text: str, *, strict: bool
    ) -> list[Reply]:
        conversation, message = turn.conversation, turn.message
        if conversation.status == ConversationStatus.handoff:
            return await self._while_handed_off(turn, inbound, text)
        action = inbound.action
        if action is not None and action not in _KNOWN_ACTIONS:
            if action.startswith(ARTICLE_PREFIX):
                return await self._serve_chosen(turn, action.removeprefix(ARTICLE_PREFIX))
            if score_of_action(action) is not None or answer_of_action(action) is not None:
                # A rating button of an earlier conversation, pressed after a new one began:
                # too late to count, and no question for the KB either.
                message.understood_as = "feedback"
                return [replies.plain("thanks", turn.lang)]
            action = None  # another app's button: read its title as text
        action = action or self._typed_action(text, turn)
        if action == HELPFUL_YES:
            return await self._confirmed(turn)
        if action == HELPFUL_NO:
            message.understood_as = "feedback"
            message.article_slug = conversation.last_article_slug
            conversation.feedback = "not_helpful"
            return [replies.not_helpful(turn.lang)]
        if action == ESCALATE:
            message.understood_as = "action"
            return await self._escalate(
                turn, self._help_reason(conversation, EscalationReason.button)
            )

        kind = effective_kind(inbound)
        if kind in NEEDS_PERSON:
            message.understood_as = "content"
            return await self._escalate(turn, NEEDS_PERSON[kind], key=f"{kind}_received")
        if kind != MessageKind.text and not text:
            return await self._wordless(turn, kind)
        intent = turn.understanding.intent
        if intent == Intent.frustration:
            message.understood_as = "frustration"
            return await self._escalate(turn, EscalationReason.frustration, frustrated=True)
        if intent == Intent.human_request:
            message.understood_as = "human_request"
            reason = self._help_reason(conversation, EscalationReason.customer_request)
            return await self._escalate(turn, reason)
        if intent in (Intent.greeting, Intent.yes, Intent.no, Intent.empty):
            message.understood_as = "greeting"
            return [replies.greeting(turn.contact.display_name, turn.lang)]
        if intent == Intent.thanks:
            message.understood_as = "thanks"
            return [replies.plain("thanks", turn.lang)]
        return await self._ask_kb(turn, text)

    def _typed_action(self, text: str, turn: _Turn) -> str | None:
        """Typing a button's words works like pressing it; so does "ya"/"tidak" after an
        answer that asked "did this help?"."""
        typed = self._typed_buttons.get(fold(text)) if text else None
        if typed:
            return typed
        conversation = turn.conversation
        if conversation.last_bot_action == "answer" and conversation.feedback is None:
            if turn.understanding.intent == Intent.yes:
                return HELPFUL_YES
            if turn.understanding.intent == Intent.no:
                return HELPFUL_NO
        return None

    @staticmethod
    def _help_reason(conversation: Conversation, default: EscalationReason) -> EscalationReason:
        if conversation.feedback == "not_helpful":
            return EscalationReason.not_helpful
        return default

    async def _while_handed_off(
        self, turn: _Turn, inbound: InboundMessage, text: str
    ) -> list[Reply]:
        """An agent owns the conversation: the bot stays silent, the message waits for them."""
        turn.message.understood_as = "handoff"
        customer_wrote(turn.session)  # the agent's page shows it at once
        if turn.contact.channel == Channel.chatwoot:
            return []  # Chatwoot's agents have it: not a word from the bot
        handoff = await live_handoff_for(turn.session, turn.conversation.id)
        if handoff is not None:
            await sla_customer_wrote(turn.session, handoff, now=turn.now)
        if handoff is None and turn.conversation.last_bot_action == EXTERNAL_AGENT:
            # A person answers from another app; our agents step in only when asked.
            asked = (inbound.action or self._typed_action(text, turn)) == ESCALATE
            if asked or turn.understanding.intent == Intent.human_request:
                return await self._escalate(turn, EscalationReason.customer_request)
            return []
        if handoff is None or handoff.status != HandoffStatus.waiting:
            return []
        position = await queue_position(turn.session, handoff)
        return [replies.still_waiting(position, turn.lang)]

    async def _confirmed(self, turn: _Turn) -> list[Reply]:
        conversation, message = turn.conversation, turn.message
        message.understood_as = "feedback"
        if conversation.last_bot_action != "answer":
            return [replies.plain("thanks", turn.lang)]
        message.article_slug = conversation.last_article_slug
        await record_outcome(
            turn.session,
            conversation=conversation,
            outcome=OutcomeKind.deflected_confirmed,
            now=turn.now,
            article_slug=conversation.last_article_slug,
        )
        conversation.feedback = "helpful"
        await close_conversation(turn.session, conversation, now=turn.now)
        survey = await surveys_after_bot(turn.session, conversation, now=turn.now)
        return [replies.plain("helpful_thanks", turn.lang), *survey]

    async def _escalate(
        self,
        turn: _Turn,
        reason: EscalationReason,
        *,
        frustrated: bool = False,
        key: str = "escalated",
    ) -> list[Reply]:
        turn.conversation.had_request = True
        if turn.conversation.last_bot_action == EXTERNAL_AGENT:
            turn.conversation.last_bot_action = None  # our agents' queue from now on
        handoff = await open_handoff(
            turn.session,
            conversation=turn.conversation,
            reason=reason.value,
            now=turn.now,
            routing=RoutingPolicy.from_settings(self.settings),
        )
        position = await queue_position(turn.session, handoff)
        after_hours = None
        if not self.hours.is_open(turn.now):
            opening = self.hours.next_opening(turn.now)
            after_hours = describe_opening(opening, turn.now, turn.lang)
        return [
            replies.escalated(
                position=position,
                after_hours_until=after_hours,
                frustrated=frustrated,
                lang=turn.lang,
                key=key,
            )
        ]

    async def _wordless(self, turn: _Turn, kind: str) -> list[Reply]:
        """Content without words (``app.bot.content``): a person offered, or a miss."""
        conversation = turn.conversation
        turn.message.understood_as = "media"
        conversation.last_bot_action = "none"
        conversation.had_request = conversation.had_request or kind != MessageKind.sticker
        if kind not in OFFER_PERSON:
            conversation.consecutive_misses += 1
            if conversation.consecutive_misses >= self.settings.repeated_miss_limit:
                return await self._escalate(turn, EscalationReason.repeated_miss)
        return [wordless_reply(kind, turn.lang)]

    async def _serve_chosen(self, turn: _Turn, slug: str) -> list[Reply]:
        turn.message.understood_as = "action"
        turn.conversation.had_request = True
        article = await self.kb.get_article(turn.session, slug)
        if article is None:
            return [replies.no_match(turn.lang)]
        return self._serve(turn, article)

    def _serve(self, turn: _Turn, article: ArticleLike) -> list[Reply]:
        conversation = turn.conversation
        conversation.last_bot_action = "answer"
        conversation.last_article_slug = article.slug
        conversation.feedback = None
        conversation.consecutive_misses = 0
        return [
            replies.answer(
                slug=article.slug,
                answer_text=translated(article, turn.lang, "answer", article.answer),
                url=article_link(self.settings, article.slug, article.url),
                lang=turn.lang,
            )
        ]

    def _question(self, match: MatchLike, lang: str) -> str:
        card = self.kb.card(match.slug)
        return (
            match.question if card is None else translated(card, lang, "question", match.question)
        )

    async def _ask_kb(self, turn: _Turn, text: str) -> list[Reply]:
        conversation, message = turn.conversation, turn.message
        conversation.had_request = True
        result = await self.kb.search(turn.session, text, limit=3)
        message.understood_as = result.decision
        message.match_score = result.matches[0].score if result.matches else None
        if result.decision == "answer" and result.matches:
            slug = result.matches[0].slug
            article = self.kb.card(slug) or await self.kb.get_article(turn.session, slug)
            if article is not None:
                return self._serve(turn, article)
        if result.decision == "suggest" and result.matches:
            conversation.last_bot_action = "suggest"
            conversation.consecutive_misses = 0
            choices = [(m.slug, self._question(m, turn.lang)) for m in result.matches[:3]]
            return [replies.suggestions(choices, turn.lang)]
        conversation.last_bot_action = "none"
        conversation.consecutive_misses += 1
        if conversation.consecutive_misses >= self.settings.repeated_miss_limit:
            message.understood_as = "none"
            return await self._escalate(turn, EscalationReason.repeated_miss)
        return [replies.no_match(turn.lang)]
