"""The shared corpus of real webhook payloads (``../shared/fixtures/webhooks_real``), read in
place, through the app in process: never a 5xx or 4xx, answered or silent as its MANIFEST
says, re-deliveries adding nothing. ``bench/webhook_corpus.py`` runs it against a live
service. Skipped when the corpus is absent."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from bench.webhook_corpus import ANSWERED, DEFAULT_CORPUS, recipient, unique_ids
from tests.channels.test_intake import deliver
from tests.channels.webhook_client import post_instagram, post_messenger, post_whatsapp
from tests.fakes.graph_api import FakeGraphApi

pytestmark = [
    pytest.mark.usefixtures("bot"),
    pytest.mark.skipif(
        not (DEFAULT_CORPUS / "MANIFEST.json").exists(), reason="../shared corpus absent"
    ),
]
POSTERS = {"wa": post_whatsapp, "ms": post_messenger, "ig": post_instagram}


async def test_every_real_payload_is_handled_as_expected(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi
) -> None:
    # Published timestamps are years old: answer them anyway.
    app.state.settings = app.state.settings.model_copy(
        update={"inbound_max_age_seconds": 60 * 365 * 86400}
    )
    manifest = json.loads((DEFAULT_CORPUS / "MANIFEST.json").read_text())
    names = sorted(manifest)
    bodies = [
        json.dumps(unique_ids(json.loads((DEFAULT_CORPUS / n).read_bytes()), f"~{i}")).encode()
        for i, n in enumerate(names)
    ]
    for name, body in zip(names, bodies, strict=True):
        response = await POSTERS[name[:2]](client, body)
        assert response.status_code == 200, (name, response.text)
    await deliver(app)
    sent = len(graph_api.requests)
    replies = [0] * len(names)
    for request in graph_api.requests:
        replies[int(recipient(request.json).rsplit("~", 1)[1])] += 1

    wrong = []
    for i, name in enumerate(names):
        expect = manifest[name]["expect"]
        if (expect in ANSWERED and not replies[i]) or (expect == "no_reply" and replies[i]):
            wrong.append((name, expect, replies[i]))
    assert wrong == []

    for name, body in zip(names, bodies, strict=True):
        again = await POSTERS[name[:2]](client, body)
        assert again.status_code == 200
        assert again.json().get("messages", 0) == 0, name
    await deliver(app)
    assert len(graph_api.requests) == sent
