"""Knowledge-base articles and the version stamp that tells replicas to rebuild their index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow
from app.types import JSONType


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    question: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[str]] = mapped_column(JSONType, default=list)
    answer: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    category: Mapped[str | None] = mapped_column(String(200))
    # The help center's long form (Markdown, rendered sanitised); the bot sends `answer`.
    body: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # {"en": {"question", "answer"}}: served to customers who write English.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSONType, default=dict, server_default=text("'{}'")
    )
    # Bumped by every change; a save that names an older revision is refused (409).
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KbCategory(Base):
    """A category's public face in the help center: its name, description and place in the
    list. Articles name their category by ``slug`` (``Article.category``)."""

    __tablename__ = "kb_categories"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # {"en": {"name", "description"}}, as for articles.
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSONType, default=dict, server_default=text("'{}'")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KbState(Base):
    """A single row whose ``version`` is bumped in the same transaction as any KB change."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhrasingVector(Base):
    """The sentence encoder's vector of one KB phrasing, shared by every process and replica
    (and kept over restarts), so each phrasing is embedded once per encoder model."""

    __tablename__ = "kb_vectors"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # see vectors.vector_key
    model: Mapped[str] = mapped_column(String(100), index=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CoverageJob(Base):
    """A coverage report run in the background (``app.kb.coverage_jobs``): the questions
    with it, the results so far (``done`` of ``total``), and which runner holds it until
    when, so any process can answer for it and another runner resumes it."""

    __tablename__ = "coverage_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random: the URL's id
    # queued | running | done | failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    groups: Mapped[int] = mapped_column(Integer)  # the most groups the report shows
    questions: Mapped[list[str]] = mapped_column(JSONType)
    # The report's groups once done (the items' results are ``CoverageResults`` rows).
    report_groups: Mapped[list[dict[str, object]] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runners that claimed it
    claim: Mapped[str | None] = mapped_column(String(32))  # the current runner's claim
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CoverageResults(Base):
    """[decision, slug] of a chunk of a job's questions, from ``start`` on: saved a chunk at
    a time, so saving progress never rewrites what was saved before."""

    __tablename__ = "coverage_job_results"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("coverage_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    start: Mapped[int] = mapped_column(Integer, primary_key=True)
    results: Mapped[list[list[str | None]]] = mapped_column(JSONType)
