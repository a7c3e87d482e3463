"""Bodies of the canned-reply, note and label APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

# `/refund`, `/salam-pagi`: what an agent types after the slash.
SHORTCUT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
CANNED_TEXT_MAX = 4000
NOTE_TEXT_MAX = 4000
LABEL_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
MAX_LABELS = 10
LabelQuery = Annotated[
    str | None, Query(pattern=LABEL_PATTERN, description="only conversations with this label")
]


class CannedIn(BaseModel):
    shortcut: str = Field(pattern=SHORTCUT_PATTERN)
    text: str = Field(min_length=1, max_length=CANNED_TEXT_MAX)
    shared: bool = False


class CannedPatch(BaseModel):
    shortcut: str | None = Field(default=None, pattern=SHORTCUT_PATTERN)
    text: str | None = Field(default=None, min_length=1, max_length=CANNED_TEXT_MAX)
    shared: bool | None = None


class CannedOut(BaseModel):
    id: int
    shortcut: str
    text: str
    shared: bool
    owner_agent_id: int | None
    updated_at: datetime


class CannedList(BaseModel):
    items: list[CannedOut]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=NOTE_TEXT_MAX)


class NoteOut(BaseModel):
    id: int
    handoff_id: int
    sender: str
    text: str
    author: str | None
    created_at: datetime


class LabelsIn(BaseModel):
    labels: list[Annotated[str, Field(max_length=64)]] = Field(max_length=MAX_LABELS)


class LabelsOut(BaseModel):
    conversation_id: int
    labels: list[str]
