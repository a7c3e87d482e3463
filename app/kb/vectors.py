"""The encoder's vectors of KB phrasings, kept in the database.

Embedding costs about 18 ms of one core per phrasing, and every process that searches needs
the vectors: `router serve`'s server and its worker child, every replica, and each of them
again after a restart (a 10,000-article KB is 40,000 phrasings: 12 minutes of one core).
So the first process to embed a phrasing stores its vector, keyed by the encoder model and
the exact text the encoder read; the others load it in one query. A new model gets new keys,
so vectors of different models never mix.

The table is a cache: anything wrong with it (unreachable, a row of the wrong size) costs a
re-embedding, never a failed search.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.kb.models import PhrasingVector
from app.kb.semantic import Vectors

KEYS_PER_QUERY = 500  # bound parameters per SELECT ... IN (SQLite allows 32,766)


def vector_key(model: str, text: str) -> str:
    """The row key of ``text`` embedded by ``model`` (64 hex characters, any text length)."""
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


async def load_vectors(
    session: AsyncSession, model: str, texts: Sequence[str]
) -> dict[str, Vectors]:
    """The stored vectors of those ``texts`` that have one (text -> vector). Rows whose size
    differs from the others' are ignored (the encoder will embed those texts again)."""
    keys = {vector_key(model, t): t for t in dict.fromkeys(texts)}
    found: dict[str, Vectors] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        chunk = wanted[start : start + KEYS_PER_QUERY]
        rows = await session.execute(
            select(PhrasingVector.key, PhrasingVector.vector).where(
                PhrasingVector.key.in_(chunk), PhrasingVector.model == model
            )
        )
        for key, blob in rows:
            if len(blob) and len(blob) % 4 == 0:
                found[keys[key]] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    if not found:
        return {}
    sizes = np.bincount([len(v) for v in found.values()])
    size = int(np.argmax(sizes))
    return {t: v for t, v in found.items() if len(v) == size}


async def save_vectors(session: AsyncSession, model: str, vectors: Mapping[str, Vectors]) -> int:
    """Store new vectors; a vector another process stored first is kept as it is. Returns
    how many were offered."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PhrasingVector).on_conflict_do_nothing(index_elements=["key"])
    now = utcnow()
    # In key order: an insert of a key another open transaction inserted waits for that
    # transaction, so two processes storing overlapping phrasings in their own (random)
    # orders could each wait on the other, and PostgreSQL aborts one as a deadlock.
    keyed = sorted(
        ((vector_key(model, text), vector) for text, vector in vectors.items()),
        key=lambda pair: pair[0],
    )
    rows = [
        {
            "key": key,
            "model": model,
            "vector": np.asarray(vector, dtype="<f4").tobytes(),
            "created_at": now,
        }
        for key, vector in keyed
    ]
    for start in range(0, len(rows), KEYS_PER_QUERY):
        await session.execute(statement, rows[start : start + KEYS_PER_QUERY])
    return len(rows)


async def prune_vectors(session: AsyncSession, model: str, texts: Sequence[str]) -> int:
    """Delete ``model``'s vectors of phrasings the KB no longer has; how many went. Vectors
    of other models are left to the processes that use them (a rolling upgrade)."""
    keep = {vector_key(model, t) for t in texts}
    stored = await session.scalars(select(PhrasingVector.key).where(PhrasingVector.model == model))
    stale = [key for key in stored if key not in keep]
    for start in range(0, len(stale), KEYS_PER_QUERY):
        chunk = stale[start : start + KEYS_PER_QUERY]
        await session.execute(delete(PhrasingVector).where(PhrasingVector.key.in_(chunk)))
    return len(stale)
