"""The KB as CSV, both ways: the same columns as JSON, lists (variants, tags) separated by
``|``, the English translation as ``question_en`` / ``answer_en``. Written UTF-8 with a BOM
(so Excel shows Indonesian text right), read with or without one."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.errors import ValidationFailed
from app.kb.articles import EXPORT_FIELDS

LIST_COLUMNS = ("variants", "tags")
OPTIONAL_COLUMNS = ("url", "category", "body")
REQUIRED_COLUMNS = ("slug", "question", "answer")
# Column -> (language, field of its translation).
TRANSLATION_COLUMNS = {"question_en": ("en", "question"), "answer_en": ("en", "answer")}
# The JSON export's fields, with its translations spread over columns of their own.
COLUMNS = (*(f for f in EXPORT_FIELDS if f != "translations"), *TRANSLATION_COLUMNS)
FALSE_WORDS = frozenset({"0", "false", "no", "tidak", "n"})
BOM = "\ufeff"


def parse_csv(content: str | bytes) -> list[dict[str, Any]]:
    """Rows as article dicts for ``validate_articles``; a header row is required."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("the CSV file must be UTF-8", code="invalid_csv") from None
    reader = csv.DictReader(io.StringIO(content.lstrip(BOM)))
    try:
        # Reading the header parses a row too: it can fail like any other (a field past
        # the csv module's 128 KiB limit).
        header = [h.strip().lower() for h in reader.fieldnames or []]
        return _articles(reader, header)
    except csv.Error as exc:
        raise ValidationFailed(f"unreadable CSV: {exc}", code="invalid_csv") from None


def _articles(reader: csv.DictReader[str], header: list[str]) -> list[dict[str, Any]]:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(
            f"CSV header lacks column(s): {', '.join(missing)}", code="invalid_csv"
        )
    reader.fieldnames = header
    return [_article(row) for row in reader]


def _article(row: dict[str | Any, Any]) -> dict[str, Any]:
    article: dict[str, Any] = {}
    translations: dict[str, dict[str, str]] = {}
    for key, value in row.items():
        if key is None or key == "":
            continue
        text = (value or "").strip()
        if key in LIST_COLUMNS:
            article[key] = [part.strip() for part in text.split("|") if part.strip()]
        elif key == "active":
            article[key] = text.lower() not in FALSE_WORDS if text else True
        elif key in TRANSLATION_COLUMNS:
            if text:  # both empty: no translation; one empty: validation names it
                language, field = TRANSLATION_COLUMNS[key]
                translations.setdefault(language, {})[field] = text
        else:
            # A body's Markdown as written: its indentation means something.
            kept = (value or "") if key == "body" else text
            article[key] = kept or None if key in OPTIONAL_COLUMNS else kept
    article["translations"] = translations
    return article


def to_csv(articles: list[dict[str, Any]]) -> str:
    """Exported articles (``export_article``) as CSV text starting with a BOM."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for article in articles:
        row = {k: article.get(k) for k in COLUMNS}
        for key in LIST_COLUMNS:
            row[key] = "|".join(article.get(key) or [])
        row["active"] = "true" if article.get("active", True) else "false"
        for column, (language, field) in TRANSLATION_COLUMNS.items():
            row[column] = (article.get("translations") or {}).get(language, {}).get(field, "")
        writer.writerow(row)
    return BOM + out.getvalue()
