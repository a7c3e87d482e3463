"""CSV import: the same columns as JSON, lists (variants, tags) separated by ``|``."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.errors import ValidationFailed

LIST_COLUMNS = ("variants", "tags")
REQUIRED_COLUMNS = ("slug", "question", "answer")
FALSE_WORDS = frozenset({"0", "false", "no", "tidak", "n"})


def parse_csv(content: str | bytes) -> list[dict[str, Any]]:
    """Rows as article dicts for ``validate_articles``; a header row is required."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("the CSV file must be UTF-8", code="invalid_csv") from None
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
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
    articles: list[dict[str, Any]] = []
    for row in reader:
        article: dict[str, Any] = {}
        for key, value in row.items():
            if key is None or key == "":
                continue
            text = (value or "").strip()
            if key in LIST_COLUMNS:
                article[key] = [part.strip() for part in text.split("|") if part.strip()]
            elif key == "active":
                article[key] = text.lower() not in FALSE_WORDS if text else True
            else:
                article[key] = text or None if key in ("url", "category") else text
        articles.append(article)
    return articles


def to_csv(articles: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = ["slug", "question", "variants", "answer", "url", "category", "tags", "active"]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for article in articles:
        row = {k: article.get(k) for k in columns}
        for key in LIST_COLUMNS:
            row[key] = "|".join(article.get(key) or [])
        writer.writerow(row)
    return out.getvalue()
