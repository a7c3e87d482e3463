"""Bounds for ids taken from the URL.

Ids are BIGINT: a larger number sent by a client would overflow the database driver (a 500 on
both SQLite and PostgreSQL), so it is refused as invalid input (422) before it gets that far.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_DB_ID = 2**63 - 1

PathId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
OptionalQueryId = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]
