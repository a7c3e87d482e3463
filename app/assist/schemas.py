"""Shapes of the assist API (DESIGN.md round 3, "Assist for agents and editors")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

GeneratedBy = Literal["llm", "extractive"]


class Source(BaseModel):
    kind: Literal["article", "past_reply"]
    slug: str | None = None
    handoff_id: int | None = None


class Draft(BaseModel):
    text: str
    sources: list[Source]
    generated_by: GeneratedBy = "extractive"  # which layer wrote this draft


class AssistOut(BaseModel):
    summary: str
    drafts: list[Draft]
    generated_by: GeneratedBy
    model: str | None


class KbDraft(BaseModel):
    id: str
    question: str
    variants: list[str]
    answer: str
    sources: list[Source]  # the resolved handoffs whose agents' replies the answer is from
    count: int  # customer messages in the knowledge gap
    generated_by: GeneratedBy


class KbDraftList(BaseModel):
    items: list[KbDraft]
