"""Erasing one customer's personal data on request (the right to erasure of Indonesia's
personal data protection law, UU PDP 27/2022, and of the GDPR), keeping what the statistics
count.

What identifies or quotes the customer goes, in one transaction:
- on the contact, their platform id (phone number, page-scoped id, web chat id) and name;
- the text of every message of theirs, and of the bot's and agents' replies to them (a
  reply can quote them or use their name), and Meta's delivery errors; their CSAT comments;
- the content of every such message, whatever its kind (captions, contacts cards, form
  answers, media handles and file names, locations: ``models.CUSTOMER_CONTENT``);
- their raw webhook events in the inbox, their rendered replies in the outbox;
- the events posted to subscribers that name them: delivered ones deleted, undelivered ones
  scrubbed and re-signed (``app.events.erasure``: the subscriber still learns what happened);
- their web chat sessions (the token stops working).

What stays: the rows themselves with their ids, times, decisions, articles, buttons and
outcomes, so the self-service rate, the article funnel and agent KPIs of past periods do not
change. A customer still being answered (an open conversation, an event or a reply still in
flight) is refused with 409: erasing under the engine would race it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.channels import webchat
from app.conversations import repository
from app.conversations.models import Contact, Conversation
from app.errors import Conflict, NotFound
from app.escalation import service as escalation
from app.events.erasure import erase_from_events
from app.inbox import repository as inbox
from app.learning.service import forget_contact as forget_learned
from app.outbox import repository as outbox
from app.types import Channel, ConversationStatus

ERASED_PREFIX = "erased:"


@dataclass(frozen=True)
class Erased:
    contact_id: int
    messages: int
    csat_comments: int
    inbox_events: int
    outbox_items: int
    webchat_sessions: int
    events: int


class ContactActive(Conflict):
    code = "contact_active"


async def erase_contact(
    session: AsyncSession, *, channel: Channel, external_id: str, actor: str = "system"
) -> Erased:
    # The engine serialises a customer's messages on this row lock: none is answered while
    # we erase (SQLite serialises all writers anyway).
    contact = await session.scalar(
        select(Contact)
        .where(Contact.channel == channel.value, Contact.external_id == external_id)
        .with_for_update()
    )
    if contact is None:
        raise NotFound(f"no such {channel.value} contact")  # its id is personal data: not echoed
    await _refuse_if_active(session, contact)
    # Unique per channel like any id; a later message from the same number starts afresh.
    erased_id = f"{ERASED_PREFIX}{contact.id}"
    erased = Erased(
        contact_id=contact.id,
        messages=await repository.redact_contact_texts(session, contact_id=contact.id),
        csat_comments=await escalation.forget_contact_csat_comments(session, contact_id=contact.id),
        inbox_events=await inbox.delete_handled_for(
            session, channel=channel.value, contact_key=external_id
        ),
        outbox_items=await outbox.delete_sent_for_contact(session, contact=contact),
        webchat_sessions=await webchat.delete_sessions(session, contact_id=contact.id),
        events=await erase_from_events(
            session, channel=channel.value, external_id=external_id, erased_id=erased_id
        ),
    )
    await forget_learned(session, contact_id=contact.id)  # issue 30: their learned wordings
    contact.external_id = erased_id
    contact.display_name = None
    # The audit entry names the contact row only: its platform id is what was erased.
    counts = {k: v for k, v in asdict(erased).items() if k != "contact_id"}
    await record(session, actor=actor, action="contact.erased", target=erased_id, details=counts)
    await session.flush()
    return erased


async def _refuse_if_active(session: AsyncSession, contact: Contact) -> None:
    open_conversations = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.contact_id == contact.id,
            Conversation.status != ConversationStatus.closed.value,
        )
    )
    if open_conversations:
        raise ContactActive(
            "the customer has an open conversation: resolve its handoff, or wait for the bot's "
            "inactivity timeout to close it, then erase"
        )
    in_flight = await inbox.pending_for(
        session, channel=contact.channel, contact_key=contact.external_id
    ) + await outbox.pending_for_contact(session, contact=contact)
    if in_flight:
        raise ContactActive(
            "the customer's messages are still being processed or sent; retry in a minute"
        )
