"""Web chat API for the customer-facing widget, and the /chat page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, model_validator

from app.auth import WebchatSessionDep
from app.bot.types import InboundMessage
from app.channels import webchat
from app.db import SessionDep, utcnow
from app.errors import ValidationFailed
from app.escalation.agents import reply_authors
from app.helpcenter.context import CONTEXT_KIND, HelpContext, attach_context, store_context
from app.json_body import JSONRoute
from app.ratelimit import Limiter
from app.types import Channel, Sender

router = APIRouter(prefix="/api/v1/webchat", tags=["webchat"], route_class=JSONRoute)
page_router = APIRouter(include_in_schema=False, route_class=JSONRoute)

_STATIC = Path(__file__).resolve().parent.parent / "static"
_CHAT_PAGE = _STATIC / "chat.html"
_WIDGET = _STATIC / "widget.js"


class SessionCreate(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    # What the visitor read in the help center; the agent's transcript shows it.
    context: HelpContext | None = None


class SessionCreated(BaseModel):
    session_id: str
    token: str


class MessageIn(BaseModel):
    text: str | None = Field(default=None, max_length=20_000)
    action: str | None = Field(default=None, min_length=1, max_length=200)
    client_message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Optional idempotency key: a retried send with the same id is ignored.",
    )
    context: HelpContext | None = None  # as for a session, when the chat already exists

    @model_validator(mode="after")
    def _one_of(self) -> MessageIn:
        if (self.text is None) == (self.action is None):
            raise ValueError("send exactly one of `text` or `action`")
        if self.text is not None and not self.text.strip():
            raise ValueError("`text` must not be empty")
        return self


class ButtonOut(BaseModel):
    id: str
    title: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[ButtonOut]
    article: str | None


class ConversationOut(BaseModel):
    id: int | None
    status: str | None


class MessageResult(BaseModel):
    conversation: ConversationOut
    replies: list[ReplyOut]


class PolledMessage(BaseModel):
    id: int
    sender: str
    text: str | None
    buttons: list[ButtonOut]
    created_at: str
    # Additions for the widget: who of the team replied, the button a visitor pressed (its
    # message has no text), and the article a bot answer served.
    agent_name: str | None = None
    action: str | None = None
    article: str | None = None


class PolledMessages(BaseModel):
    messages: list[PolledMessage]
    cursor: str


async def _limit(request: Request, name: str, key: str) -> None:
    limiter: Limiter = request.app.state.rate_limiters[name]
    await limiter.check(key)


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
async def create_session(
    body: SessionCreate, request: Request, session: SessionDep
) -> SessionCreated:
    await _limit(request, "webchat_sessions", request.client.host if request.client else "unknown")
    chat, token = await webchat.create_session(session, name=body.name, now=utcnow())
    if body.context is not None:
        await store_context(session, contact_id=chat.contact_id, context=body.context, now=utcnow())
    return SessionCreated(session_id=chat.public_id, token=token)


@router.post("/messages")
async def send_message(
    body: MessageIn, request: Request, chat: WebchatSessionDep, session: SessionDep
) -> MessageResult:
    await _limit(request, "webchat_messages", chat.public_id)
    limit = request.app.state.settings.max_text_length
    if body.text is not None and len(body.text) > limit:
        raise ValidationFailed(f"`text` is longer than {limit} characters", code="text_too_long")
    client_id = f"{chat.public_id}:{body.client_message_id}" if body.client_message_id else None
    inbound = InboundMessage(
        channel=Channel.webchat,
        external_id=chat.public_id,
        text=body.text,
        action=body.action,
        platform_message_id=client_id,
    )
    if body.context is not None:
        await store_context(session, contact_id=chat.contact_id, context=body.context, now=utcnow())
    result = await request.app.state.bot.handle(session, inbound, now=utcnow())
    if result.conversation_id is not None:
        await attach_context(
            session, contact_id=chat.contact_id, conversation_id=result.conversation_id
        )
    return MessageResult(
        conversation=ConversationOut(id=result.conversation_id, status=result.conversation_status),
        replies=[
            ReplyOut(
                text=r.text,
                buttons=[ButtonOut(id=b.id, title=b.title) for b in r.buttons],
                article=r.article,
            )
            for r in result.replies
        ],
    )


@router.get("/messages")
async def poll_messages(
    chat: WebchatSessionDep,
    session: SessionDep,
    # 18 digits: a larger cursor would overflow the BIGINT id comparison.
    after: Annotated[str, Query(max_length=18, pattern=r"^\d*$")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    history: Annotated[
        bool, Query(description="Every message (the visitor's and the bot's too), not only replies")
    ] = False,
) -> PolledMessages:
    after_id = int(after) if after else 0
    rows = await webchat.messages_since(
        session, chat=chat, after=after_id, limit=limit, history=history
    )
    names = await reply_authors(session, [m.id for m in rows if m.sender == Sender.agent])
    return PolledMessages(
        # The help-center context is for the agent; the cursor still moves past it.
        messages=[
            PolledMessage(
                id=m.id,
                sender=m.sender,
                text=m.text,
                buttons=[ButtonOut(**b) for b in (m.buttons or [])],
                created_at=m.created_at.isoformat(),
                agent_name=names.get(m.id),
                action=m.action,
                article=m.article_slug,
            )
            for m in rows
            if m.kind != CONTEXT_KIND
        ],
        cursor=str(rows[-1].id if rows else after_id),
    )


@page_router.get("/chat", response_class=HTMLResponse)
async def chat_page() -> HTMLResponse:
    """The full-page chat: the widget's own code, mounted on the whole page."""
    return HTMLResponse(_CHAT_PAGE.read_text(encoding="utf-8"))


@page_router.get("/widget.js")
async def widget_script() -> Response:
    """The chat bubble a business adds to its own site with one script tag."""
    return Response(
        _WIDGET.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        # Short: a business gets a fixed widget within minutes, without a versioned URL.
        headers={"Cache-Control": "public, max-age=300"},
    )
