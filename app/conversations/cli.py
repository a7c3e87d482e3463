"""``router contacts erase CHANNEL EXTERNAL_ID``: a customer's erasure from the command line."""

from __future__ import annotations

import json
from dataclasses import asdict

from app.config import Settings
from app.conversations.erasure import erase_contact
from app.db import create_engine, create_sessionmaker
from app.types import Channel


async def erase_and_print(settings: Settings, channel: Channel, external_id: str) -> None:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            erased = await erase_contact(
                session, channel=channel, external_id=external_id, actor="cli"
            )
    finally:
        await engine.dispose()
    print(json.dumps(asdict(erased)))
