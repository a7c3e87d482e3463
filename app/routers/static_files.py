"""Serving a page's HTML and its listed assets (the dashboard, the agent and KB pages)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources.abc import Traversable

from fastapi.responses import Response

from app.errors import NotFound

HTML = "text/html; charset=utf-8"


def page_response(folder: Traversable, name: str, headers: Mapping[str, str]) -> Response:
    return Response((folder / name).read_bytes(), media_type=HTML, headers=dict(headers))


def asset_response(
    folder: Traversable,
    assets: Mapping[str, str],
    name: str,
    headers: Mapping[str, str],
    *,
    page: str,
) -> Response:
    """One of ``assets`` (name -> media type); any other name is 404, never a file path."""
    media_type = assets.get(name)
    if media_type is None:
        raise NotFound(f"no {page} asset {name!r}")
    return Response((folder / name).read_bytes(), media_type=media_type, headers=dict(headers))
