"""The help center's numbers as a section after the conversations in the CSV export
(``GET /api/v1/stats/export.csv?sections=help``): a blank line, a ``help_center,value``
header, then one metric per row, so the conversation rows and their columns stay as they
were for whoever reads them."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from app.helpcenter.schemas import HelpStats


def help_rows(stats: HelpStats, overall_rate: float | None) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("visits", stats.visits),
        ("visits_contacted", stats.visits_contacted),
        ("help_self_service_rate", stats.help_self_service_rate),
        ("overall_self_service_rate", overall_rate),
        ("views", stats.views),
        ("searches", stats.searches),
        ("searches_no_result", stats.searches_no_result),
        ("search_click_through", stats.search_click_through),
        ("votes_helpful", stats.votes.helpful),
        ("votes_not_helpful", stats.votes.not_helpful),
    ]
    for article in stats.articles:
        rows += [
            (f"article_views:{article.slug}", article.views),
            (f"article_contacted_after:{article.slug}", article.contacted_after),
        ]
    rows += [(f"no_result:{group.example}", group.count) for group in stats.no_result]
    return rows


async def with_help_section(
    chunks: AsyncIterator[str], stats: HelpStats, overall_rate: float | None
) -> AsyncIterator[str]:
    async for chunk in chunks:
        yield chunk
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([])
    writer.writerow(["help_center", "value"])
    writer.writerows(
        ("" if v is None else v for v in row) for row in help_rows(stats, overall_rate)
    )
    yield buffer.getvalue()
