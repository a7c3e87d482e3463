"""The baseline for bench/load.py: a bare FastAPI endpoint that checks the signature and
parses the same WhatsApp payload, and does nothing else (no database, no bot)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from fastapi import FastAPI, Request, Response

SECRET = os.environ.get("ROUTER_WHATSAPP_APP_SECRET", "bench-secret").encode()

app = FastAPI()


@app.post("/webhooks/whatsapp")
async def receive(request: Request) -> Response:
    body = await request.body()
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers.get("x-hub-signature-256", "")):
        return Response(status_code=403)
    payload = json.loads(body)
    count = sum(
        len(change["value"].get("messages", []))
        for entry in payload["entry"]
        for change in entry["changes"]
    )
    return Response(content=json.dumps({"received": count}), media_type="application/json")
