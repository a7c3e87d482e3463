"""An OpenAI-compatible ``/v1/chat/completions`` server: records every request and answers
what the test scripted (by default a JSON object built by ``reply``).

async with FakeChatModel() as model:
    model.answer = FakeChatModel.content('{"summary": "...", "draft": null, "sources": []}')
    settings = make_settings(url, llm_base_url=model.url, llm_model="tiny")
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import LocalServer

Answer = Callable[[dict[str, Any]], Response]


class FakeChatModel(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.answer: Answer = self.content("{}")
        self.delay = 0.0  # seconds before answering (a slow model)

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1"

    @staticmethod
    def content(text: str | None, refusal: str | None = None) -> Answer:
        """A chat completion whose message content is ``text``."""

        def answer(body: dict[str, Any]) -> Response:
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if refusal is not None:
                message["refusal"] = refusal
            return JSONResponse(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
            )

        return answer

    @classmethod
    def json_object(cls, value: dict[str, Any]) -> Answer:
        return cls.content(json.dumps(value))

    @staticmethod
    def status(code: int) -> Answer:
        return lambda _body: JSONResponse({"error": {"message": "boom"}}, status_code=code)

    def prompt(self, at: int = -1) -> str:
        """The text of every message of a recorded request."""
        return "\n".join(m["content"] for m in self.requests[at]["messages"])

    async def _handle(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.answer(body)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self._handle, methods=["POST"])])
