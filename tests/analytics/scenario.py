"""A scripted week of conversations with known outcomes, shared by the analytics tests.

Times are local (Asia/Jakarta, UTC+7). The reported period is 2026-03-02 .. 2026-03-04
(``to`` as a bare date includes the 4th); 2026-03-02 is a Monday.

    conv  channel    created      outcome (reason)              articles / texts
    c1    webchat    02 09:00     deflected_confirmed           refund, helpful_yes
    c2    webchat    02 10:00     deflected_confirmed           ongkir, helpful_yes
    c3    whatsapp   02 11:00     deflected_assumed             refund
    c4    whatsapp   02 13:00     escalated (not_helpful)       refund, helpful_no
    c10   whatsapp   02 17:00     escalated (customer_request)  c3's contact, 5 h later
    c5    messenger  03 08:00     escalated (repeated_miss)     two misses (gap B)
    c6    messenger  03 09:00     unresolved                    one miss (gap A)
    c7    webchat    03 10:00     no_request
    c11   webchat    03 16:00     escalated (frustration)       c1's contact, 31 h later
    c8    webchat    04 10:00     open                          two misses (gap A)
    c9    whatsapp   04 11:00     escalated (button)            refund answered (gap D)
    c13   webchat    04 23:30     deflected_confirmed           ongkir; recorded on the 5th
    c12   whatsapp   01 23:59:59  escalated (button)            1 s before `from`: excluded
    c14   webchat    05 00:00     deflected_confirmed           exactly at `to`: excluded
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import ESCALATE, HELPFUL_NO, HELPFUL_YES
from app.conversations.models import Contact, Conversation
from app.escalation.models import Agent
from app.kb.models import Article
from app.types import (
    Channel,
    ConversationStatus,
    EscalationReason,
    HandoffStatus,
    OutcomeKind,
    Sender,
)
from tests.factories import (
    make_agent,
    make_conversation,
    make_handoff_record,
    make_inbound,
    make_message,
    make_outcome,
)

JAKARTA = ZoneInfo("Asia/Jakarta")
FROM = "2026-03-02"
TO = "2026-03-04"
GAP_A = "jam buka toko offline"


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=JAKARTA).astimezone(UTC)


@dataclass
class Scenario:
    conversations: dict[str, Conversation] = field(default_factory=dict)
    agents: dict[str, Agent] = field(default_factory=dict)


class _Builder:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.scenario = Scenario()

    async def conversation(
        self,
        name: str,
        channel: Channel,
        created_at: datetime,
        *,
        status: ConversationStatus = ConversationStatus.closed,
        contact_of: str | None = None,
    ) -> Conversation:
        contact = None
        if contact_of is not None:
            earlier = self.scenario.conversations[contact_of]
            contact = await self.session.get_one(Contact, earlier.contact_id)
        conversation = await make_conversation(
            self.session, channel=channel, created_at=created_at, status=status, contact=contact
        )
        self.scenario.conversations[name] = conversation
        return conversation

    async def serve(self, conversation: Conversation, slug: str, at: datetime) -> None:
        await make_message(
            self.session,
            conversation=conversation,
            sender=Sender.bot,
            text=f"Jawaban {slug}",
            article_slug=slug,
            created_at=at,
        )

    async def ask(
        self, conversation: Conversation, text: str, understood_as: str, at: datetime
    ) -> None:
        await make_inbound(
            self.session,
            conversation=conversation,
            text=text,
            understood_as=understood_as,
            created_at=at,
        )

    async def press(
        self, conversation: Conversation, action: str, at: datetime, slug: str | None = None
    ) -> None:
        await make_inbound(
            self.session,
            conversation=conversation,
            action=action,
            understood_as="action",
            article_slug=slug,
            created_at=at,
        )

    async def end(
        self,
        conversation: Conversation,
        outcome: OutcomeKind,
        at: datetime,
        *,
        reason: EscalationReason | None = None,
        slug: str | None = None,
    ) -> None:
        await make_outcome(
            self.session,
            conversation=conversation,
            outcome=outcome,
            reason=reason,
            article_slug=slug,
            recorded_at=at,
        )


async def build_scenario(session: AsyncSession) -> Scenario:
    b = _Builder(session)
    s = b.scenario
    minute = timedelta(minutes=1)
    session.add(Article(slug="refund", question="Bagaimana cara refund?", answer="..."))
    ani, _ = await make_agent(session, name="Ani")
    budi, _ = await make_agent(session, name="Budi")
    s.agents = {"ani": ani, "budi": budi}
    dc, da = OutcomeKind.deflected_confirmed, OutcomeKind.deflected_assumed
    esc = OutcomeKind.escalated

    c1 = await b.conversation("c1", Channel.webchat, local(2, 9))
    await b.ask(c1, "gimana cara refund", "answer", local(2, 9))
    await b.serve(c1, "refund", local(2, 9) + minute)
    await b.press(c1, HELPFUL_YES, local(2, 9, 5), "refund")
    await b.end(c1, dc, local(2, 9, 5), slug="refund")

    c2 = await b.conversation("c2", Channel.webchat, local(2, 10))
    await b.serve(c2, "ongkir", local(2, 10) + minute)
    await b.press(c2, HELPFUL_YES, local(2, 10, 5), "ongkir")
    await b.end(c2, dc, local(2, 10, 5), slug="ongkir")

    c3 = await b.conversation("c3", Channel.whatsapp, local(2, 11))
    await b.serve(c3, "refund", local(2, 11) + minute)
    await b.end(c3, da, local(2, 12), slug="refund")

    c4 = await b.conversation("c4", Channel.whatsapp, local(2, 13))
    await b.serve(c4, "refund", local(2, 13) + minute)
    await b.press(c4, HELPFUL_NO, local(2, 13, 5), "refund")
    await b.press(c4, ESCALATE, local(2, 13, 10))
    await b.end(c4, esc, local(2, 13, 10), reason=EscalationReason.not_helpful, slug="refund")
    created = local(2, 13, 10)
    await make_handoff_record(
        session,
        conversation=c4,
        reason=EscalationReason.not_helpful,
        status=HandoffStatus.resolved,
        agent=ani,
        created_at=created,
        claimed_at=created + timedelta(seconds=60),
        first_agent_reply_at=created + timedelta(seconds=120),
        resolved_at=created + timedelta(seconds=600),
        csat_score=5,
    )

    c10 = await b.conversation(
        "c10", Channel.whatsapp, local(2, 17), status=ConversationStatus.handoff, contact_of="c3"
    )
    await b.ask(c10, "refund belum masuk", "suggest", local(2, 17))
    await b.ask(c10, "mau ngomong sama CS", "human_request", local(2, 17, 4))
    await b.end(c10, esc, local(2, 17, 5), reason=EscalationReason.customer_request)
    created = local(2, 17, 5)
    await make_handoff_record(
        session,
        conversation=c10,
        reason=EscalationReason.customer_request,
        status=HandoffStatus.assigned,
        agent=budi,
        created_at=created,
        claimed_at=created + timedelta(seconds=30),
        first_agent_reply_at=created + timedelta(seconds=90),
    )

    c5 = await b.conversation("c5", Channel.messenger, local(3, 8))
    await b.ask(c5, "cara tukar poin reward", "none", local(3, 8))
    await b.ask(c5, "tukar poin reward", "none", local(3, 8, 2))
    await b.end(c5, esc, local(3, 8, 5), reason=EscalationReason.repeated_miss)
    created = local(3, 8, 5)
    await make_handoff_record(
        session,
        conversation=c5,
        reason=EscalationReason.repeated_miss,
        status=HandoffStatus.resolved,
        agent=ani,
        created_at=created,
        claimed_at=created + timedelta(seconds=180),
        first_agent_reply_at=created + timedelta(seconds=300),
        resolved_at=created + timedelta(seconds=1200),
        csat_score=3,
    )

    c6 = await b.conversation("c6", Channel.messenger, local(3, 9))
    await b.ask(c6, GAP_A, "none", local(3, 9))
    await b.end(c6, OutcomeKind.unresolved, local(3, 10))

    c7 = await b.conversation("c7", Channel.webchat, local(3, 10))
    await b.ask(c7, "halo kak", "greeting", local(3, 10))
    await b.end(c7, OutcomeKind.no_request, local(3, 11))

    c11 = await b.conversation(
        "c11", Channel.webchat, local(3, 16), status=ConversationStatus.handoff, contact_of="c1"
    )
    await b.ask(c11, "kok lama banget sih", "frustration", local(3, 16))
    await b.end(c11, esc, local(3, 16, 1), reason=EscalationReason.frustration)
    created = local(3, 16, 1)
    await make_handoff_record(
        session,
        conversation=c11,
        reason=EscalationReason.frustration,
        status=HandoffStatus.assigned,
        agent=budi,
        created_at=created,
        claimed_at=created + timedelta(seconds=600),
    )

    c8 = await b.conversation("c8", Channel.webchat, local(4, 10), status=ConversationStatus.bot)
    await b.ask(c8, GAP_A, "none", local(4, 10))
    await b.ask(c8, "Jam buka toko offline kak?", "suggest", local(4, 10, 1))

    c9 = await b.conversation(
        "c9", Channel.whatsapp, local(4, 11), status=ConversationStatus.handoff
    )
    await b.ask(c9, "kirim ke luar negeri bisa", "answer", local(4, 11))
    await b.serve(c9, "refund", local(4, 11) + minute)
    await b.press(c9, ESCALATE, local(4, 11, 5))
    await b.end(c9, esc, local(4, 11, 5), reason=EscalationReason.button, slug="refund")
    await make_handoff_record(session, conversation=c9, created_at=local(4, 11, 5))

    c13 = await b.conversation("c13", Channel.webchat, local(4, 23, 30))
    await b.serve(c13, "ongkir", local(4, 23, 31))
    await b.press(c13, HELPFUL_YES, local(5, 0, 10), "ongkir")
    await b.end(c13, dc, local(5, 0, 10), slug="ongkir")

    c12 = await b.conversation("c12", Channel.whatsapp, local(1, 23, 59, 59))
    await b.ask(c12, GAP_A, "none", local(1, 23, 59, 59))
    await b.serve(c12, "refund", local(1, 23, 59, 59))
    await b.end(c12, esc, local(2, 0, 5), reason=EscalationReason.button, slug="refund")
    created = local(2, 0, 5)
    await make_handoff_record(
        session,
        conversation=c12,
        status=HandoffStatus.resolved,
        agent=budi,
        created_at=local(1, 23, 59, 59),
        claimed_at=created,
        first_agent_reply_at=created,
        resolved_at=created,
        csat_score=1,
    )

    c14 = await b.conversation("c14", Channel.webchat, local(5, 0))
    await b.serve(c14, "ongkir", local(5, 0, 1))
    await b.end(c14, dc, local(5, 0, 5), slug="ongkir")
    await session.commit()
    return s
