"""The model layer: any OpenAI-compatible ``/chat/completions`` server (Ollama, vLLM,
llama.cpp, a hosted API) over plain HTTP, no vendor SDK.

A call either returns a validated JSON object or raises ``ModelFailed`` with a reason
(refusal, malformed, timeout, http_error, unreachable) within ``llm_timeout_seconds``; the
caller then falls back to the extractive layer. The model is never on a customer's path.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from app.assist.metrics import LLM_CALLS, LLM_ERRORS, LLM_LATENCY
from app.config import Settings

logger = logging.getLogger("app.assist")

MAX_SUMMARY = 2000
MAX_DRAFT = 4000
T = TypeVar("T")
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


class ModelFailed(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ChatModel:
    """One configured model; ``complete_json`` is the only call."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_model.strip()
        self.url = settings.llm_base_url.strip().rstrip("/") + "/chat/completions"
        self.timeout = settings.llm_timeout_seconds
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.AsyncClient(headers=headers, timeout=self.timeout)

    async def complete_json(
        self,
        messages: list[dict[str, str]],
        purpose: str,
        parse: Callable[[dict[str, Any]], T],
    ) -> T:
        """The model's answer, a JSON object checked by ``parse``; ModelFailed on anything
        else (``parse`` raises ModelFailed("malformed") for a wrong shape)."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                result = parse(await self._post(messages))
        except ModelFailed as exc:
            self._count(purpose, exc.reason, started)
            raise
        except TimeoutError:
            self._count(purpose, "timeout", started)
            raise ModelFailed("timeout", f"no answer within {self.timeout} s") from None
        self._count(purpose, "ok", started)
        return result

    async def _post(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.2,
            "stream": False,
            "response_format": {"type": "json_object"},
        }
        try:
            response = await self._client.post(self.url, json=body)
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.HTTPError as exc:
            raise ModelFailed("unreachable", str(exc) or type(exc).__name__) from None
        if response.status_code != 200:
            raise ModelFailed("http_error", f"status {response.status_code}")
        try:
            message = response.json()["choices"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ModelFailed("malformed", "not a chat completion") from None
        if not isinstance(message, dict):
            raise ModelFailed("malformed", "not a chat completion")
        if message.get("refusal"):
            raise ModelFailed("refusal", str(message["refusal"])[:200])
        return parse_object(message.get("content"))

    def _count(self, purpose: str, result: str, started: float) -> None:
        LLM_CALLS.labels(purpose, result).inc()
        LLM_LATENCY.labels(purpose).observe(time.perf_counter() - started)
        if result != "ok":
            LLM_ERRORS.labels(result).inc()
            logger.warning("model call failed", extra={"purpose": purpose, "reason": result})

    async def aclose(self) -> None:
        await self._client.aclose()


def parse_object(content: object) -> dict[str, Any]:
    """A JSON object from a message's content (a ```json fence is tolerated); anything else
    (prose, "I cannot help with that") is a refusal or malformed."""
    if not isinstance(content, str) or not content.strip():
        raise ModelFailed("refusal", "empty answer")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    if not text.startswith("{"):
        raise ModelFailed("refusal", text[:200])
    try:
        value = json.loads(text)
    except ValueError:
        raise ModelFailed("malformed", "invalid JSON") from None
    if not isinstance(value, dict):
        raise ModelFailed("malformed", "not a JSON object")
    return value


def text_field(value: dict[str, Any], name: str, limit: int) -> str:
    """A non-empty string field of at most ``limit`` characters."""
    field = value.get(name)
    if not isinstance(field, str) or not field.strip() or len(field) > limit:
        raise ModelFailed("malformed", f"{name} must be a non-empty string")
    return field.strip()


def optional_text(value: dict[str, Any], name: str, limit: int) -> str | None:
    """As ``text_field``, or None when the field is null or absent."""
    return None if value.get(name) is None else text_field(value, name, limit)
