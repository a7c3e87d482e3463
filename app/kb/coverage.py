"""Coverage before going live: what the bot would do with a business's past questions.

Every question goes through ``KnowledgeBase.search_batch``: the steps of ``search``, the
path the bot takes (words, and the sentence encoder when its vectors are ready), with the
encoder asked for many questions per call, not counted in the live matcher metrics. The
questions it would not answer (``none`` and ``suggest``, like the knowledge gaps) are
grouped by the gaps' clustering, largest group first.

Fairness to other requests: a search by words is pure CPU (median 0.6 ms, but a long
message with words the KB does not know can take a few hundred ms on a busy machine). Run
on the event loop, such a search would stall every other request, and yielding between
searches cannot help; so the searches run in a worker thread (the interpreter hands the GIL
to the server's loop every few milliseconds), on the index the process already built. The
clustering and the report's JSON are built in threads too. Large uploads do not wait in the
request at all: they are jobs (``app.kb.coverage_jobs``).
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.clustering import cluster_texts
from app.errors import PayloadTooLarge, ValidationFailed
from app.kb.service import KnowledgeBase

MAX_QUESTIONS = 20_000
MAX_QUESTION_CHARS = 4096  # as GET /api/v1/kb/search
HEADER_WORDS = frozenset({"question", "questions", "text", "pertanyaan", "message", "pesan"})
UNANSWERED = ("none", "suggest")


class CoverageItem(BaseModel):
    text: str
    decision: str
    slug: str | None  # the article answered with, or suggested first


class CoverageGroup(BaseModel):
    example: str
    count: int
    examples: list[str]


class CoverageReport(BaseModel):
    total: int
    answer: int
    suggest: int
    none: int
    items: list[CoverageItem]
    groups: list[CoverageGroup]


class TooManyQuestions(PayloadTooLarge):
    code = "too_many_questions"


def questions_from_json(body: Any) -> list[str]:
    questions = body.get("questions") if isinstance(body, dict) else None
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise ValidationFailed('the body must be {"questions": ["...", ...]}')
    return _checked(questions)


def questions_from_text(content: bytes, *, is_csv: bool) -> list[str]:
    """One question per line (of a CSV: its first column); a header row such as
    ``question`` is skipped, blank lines too."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("the file must be UTF-8", code="invalid_csv") from None
    if not is_csv:
        rows = text.splitlines()
    else:
        try:
            rows = [row[0] for row in csv.reader(io.StringIO(text)) if row]
        except csv.Error as exc:
            raise ValidationFailed(f"unreadable CSV: {exc}", code="invalid_csv") from None
    if rows and rows[0].strip().lower() in HEADER_WORDS:
        rows = rows[1:]
    return _checked(rows)


def _checked(raw: list[str]) -> list[str]:
    questions = [" ".join(q.split()) for q in raw]
    questions = [q for q in questions if q]
    if not questions:
        raise ValidationFailed("no questions given", code="no_questions")
    if len(questions) > MAX_QUESTIONS:
        raise TooManyQuestions(
            f"{len(questions)} questions given, at most {MAX_QUESTIONS} per request"
        )
    for number, question in enumerate(questions, 1):
        if len(question) > MAX_QUESTION_CHARS:
            raise ValidationFailed(
                f"question {number} is longer than {MAX_QUESTION_CHARS} characters",
                code="invalid_question",
            )
    return questions


def decide(kb: KnowledgeBase, questions: Sequence[str]) -> list[CoverageItem]:
    """What the bot would do with each question (``KnowledgeBase.search_batch``: CPU for a
    while, so call it in a worker thread). The index must have been built."""
    items = []
    for question, result in zip(questions, kb.search_batch(questions, limit=1), strict=True):
        slug = result.matches[0].slug if result.decision != "none" and result.matches else None
        items.append(CoverageItem(text=question, decision=result.decision, slug=slug))
    return items


def group_missed(items: Sequence[CoverageItem], groups: int) -> list[CoverageGroup]:
    """The questions the bot would not answer, grouped like the gaps, largest first."""
    missed = [item.text for item in items if item.decision in UNANSWERED]
    return [
        CoverageGroup(example=g.example, count=g.count, examples=g.examples())
        for g in cluster_texts(missed)[:groups]
    ]


def build_report(items: list[CoverageItem], groups: list[CoverageGroup]) -> CoverageReport:
    decisions = [item.decision for item in items]
    return CoverageReport(
        total=len(items),
        answer=decisions.count("answer"),
        suggest=decisions.count("suggest"),
        none=decisions.count("none"),
        items=items,
        groups=groups,
    )


async def coverage(
    kb: KnowledgeBase, session: AsyncSession, questions: list[str], *, groups: int
) -> CoverageReport:
    """The report in the request (a small upload; larger ones are ``coverage_jobs``)."""
    await kb.refresh(session)  # the current KB version, on this loop and session
    items = await asyncio.to_thread(decide, kb, questions)
    found = await asyncio.to_thread(group_missed, items, groups)
    return build_report(items, found)
