"""Request and response shapes of the KB API (contract in DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.calibration.schemas import CalibrationOut

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_QUESTION = 1000
MAX_ANSWER = 10000
MAX_VARIANTS = 100
MAX_TAGS = 30
MAX_BODY = 100_000

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=120)]
Question = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION)
]
Answer = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ANSWER)
]
Variant = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_QUESTION)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
# Markdown: kept as written, since leading spaces and blank lines carry meaning in it.
Body = Annotated[str, StringConstraints(max_length=MAX_BODY)]


def _clean(values: list[str]) -> list[str]:
    """Drop blanks and duplicates, keep order (spreadsheets leave empty cells). A ``|`` is
    the CSV's list separator: inside a value it would not survive an export and import."""
    if any("|" in v for v in values):
        raise ValueError("a variant or tag must not contain '|' (the CSV list separator)")
    return list(dict.fromkeys(v for v in values if v))


def _markdown(value: str | None) -> str | None:
    """A body as stored: Unix line ends, no trailing space or leading blank lines (leading
    spaces of the first line stay: Markdown reads them), None when blank. So a body survives
    an export and import (JSON or CSV) unchanged."""
    if value is None:
        return None
    text = value.replace("\r\n", "\n").replace("\r", "\n").rstrip().lstrip("\n")
    return text or None


TranslationLanguage = Literal["en"]


class Translation(BaseModel):
    """An article's question and answer in another language than the KB's Indonesian."""

    model_config = ConfigDict(extra="forbid")

    question: Question
    answer: Answer


Translations = dict[TranslationLanguage, Translation]


class ArticleFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variants: list[Variant] = Field(default_factory=list, max_length=MAX_VARIANTS)
    url: Url | None = None
    category: Category | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    active: bool = True
    translations: Translations = Field(default_factory=dict)
    body: Body | None = None

    @field_validator("variants", "tags")
    @classmethod
    def _no_blanks(cls, value: list[str]) -> list[str]:
        return _clean(value)

    @field_validator("url", "category")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None

    _body = field_validator("body")(_markdown)


class ArticleIn(ArticleFields):
    slug: Slug
    question: Question
    answer: Answer


class ArticlePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question | None = None
    answer: Answer | None = None
    variants: list[Variant] | None = Field(default=None, max_length=MAX_VARIANTS)
    url: Url | None = None
    category: Category | None = None
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS)
    active: bool | None = None
    translations: Translations | None = None
    body: Body | None = None

    @field_validator("variants", "tags")
    @classmethod
    def _no_blanks(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean(value)

    _body = field_validator("body")(_markdown)


class ArticleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    question: str
    variants: list[str]
    answer: str
    url: str | None
    category: str | None
    tags: list[str]
    active: bool
    translations: dict[str, dict[str, str]]
    body: str | None
    revision: int  # send it back as ``If-Match`` to refuse a save over someone else's
    created_at: datetime
    updated_at: datetime


class ArticleList(BaseModel):
    items: list[ArticleOut]


class ImportRequest(BaseModel):
    """Articles stay raw here so a bad one is reported by index and slug, not by pydantic path."""

    mode: Literal["upsert", "replace"] = "upsert"
    articles: list[dict[str, Any]]


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int  # in the file and already exactly so: not written
    deleted: int


class MatchOut(BaseModel):
    slug: str
    question: str
    score: float


class SearchOut(BaseModel):
    decision: Literal["answer", "suggest", "none"]
    matches: list[MatchOut]
    model: Literal["encoder", "words"] = "words"  # which scored it: the encoders' cosines or not


class EncoderProgress(BaseModel):
    name: str  # the encoder's model, as its vectors are stored (kb_vectors.model)
    embedded: int  # phrasings of the current KB with a vector of this model
    total: int


class KbStatus(BaseModel):
    version: int | None
    articles: int
    phrasings: int
    semantic_ready: bool
    models: list[EncoderProgress]
    calibration: CalibrationOut | None = None  # issue 30: app.calibration
