"""Every page speaks the reader's language the same way (app/static/lang.js), in a real
headless chromium: Indonesian unless the browser puts English before any Indonesian, ``?lang=``
in the URL wins, and a picker's choice is remembered for every page and put in the URL."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.service import launched
from tests.browser.support import TOKEN

pytestmark = pytest.mark.browser

# Each page's heading (or the home page's lead) in Indonesian and in English.
PAGES = {
    "/": ("[data-i18n=lead]", "Menjawab pelanggan", "Answers customers"),
    "/dashboard": ("h1", "Layanan mandiri", "Self-service"),
    "/kb": ("h1", "Basis pengetahuan", "Knowledge base"),
    "/agent": ("h1", "Ruang agen", "Agent workspace"),
}


def _lang(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("lang", [])


async def _languages_of(
    browser: Any, service: str, problems: list[str], *, locale: str, query: str = ""
) -> dict[str, str]:
    """Which language each page shows in a fresh context with this browser locale (once
    loaded: the pages choose before their DOMContentLoaded handlers end)."""
    context = await browser.new_context(locale=locale)
    shown = {}
    try:
        page = await context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        for path, (selector, indonesian, english) in PAGES.items():
            await page.goto(f"{service}{path}{query}")
            lang = await page.get_attribute("html", "lang")
            text = await page.locator(selector).text_content() or ""
            assert text.startswith(english if lang == "en" else indonesian), (path, lang, text)
            shown[path] = lang or ""
    finally:
        await context.close()
    return shown


async def test_the_browser_language_and_the_url_choose(chromium: str, service: str) -> None:
    problems: list[str] = []
    async with launched(chromium) as browser:
        every = dict.fromkeys(PAGES)
        english = await _languages_of(browser, service, problems, locale="en-US")
        assert english == {path: "en" for path in every}
        indonesian = await _languages_of(browser, service, problems, locale="id-ID")
        assert indonesian == {path: "id" for path in every}
        forced = await _languages_of(browser, service, problems, locale="en-US", query="?lang=id")
        assert forced == {path: "id" for path in every}
        forced = await _languages_of(browser, service, problems, locale="id-ID", query="?lang=en")
        assert forced == {path: "en" for path in every}
        other = await _languages_of(browser, service, problems, locale="fr-FR")
        assert other == {path: "id" for path in every}  # neither: Indonesian

        # The order of the browser's languages decides, not their presence.
        for languages, expected in (
            (["fr-FR", "en-GB", "id-ID"], "en"),
            (["fr-FR", "id", "en-US"], "id"),
            (["ms-MY", "en"], "id"),
        ):
            context = await browser.new_context(locale="fr-FR")
            getter = f"{{get: () => {json.dumps(languages)}}}"
            await context.add_init_script(
                f"Object.defineProperty(navigator, 'languages', {getter})"
            )
            page = await context.new_page()
            await page.goto(f"{service}/")
            assert await page.get_attribute("html", "lang") == expected, languages
            await context.close()
    assert problems == []


async def test_a_picked_language_is_remembered_and_in_the_link(chromium: str, service: str) -> None:
    from playwright.async_api import expect

    problems: list[str] = []
    async with launched(chromium) as browser:
        context = await browser.new_context(locale="id-ID")
        page = await context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        await page.goto(f"{service}/")
        assert _lang(page.url) == []  # the browser's choice: nothing to carry
        assert await page.get_attribute("[data-test=home-kb]", "href") == "/kb"

        await page.select_option("#lang", "en")
        await expect(page.locator("[data-i18n=lead]")).to_have_text(
            "Answers customers from the knowledge base, and hands over to the team when needed."
        )
        assert _lang(page.url) == ["en"]
        assert await page.get_attribute("[data-test=home-kb]", "href") == "/kb?lang=en"

        # Remembered on every page, and put in its URL for a copied link.
        for path, (selector, _, english) in PAGES.items():
            await page.goto(f"{service}{path}")
            await expect(page.locator(selector)).to_contain_text(english)
            assert _lang(page.url) == ["en"], path

        # A link with ?lang= wins over the remembered choice, without replacing it.
        await page.goto(f"{service}/dashboard?lang=id")
        await expect(page.locator("h1")).to_have_text("Layanan mandiri")
        await page.goto(f"{service}/kb")
        await expect(page.locator("h1")).to_have_text("Knowledge base")

        # The dashboard's and the KB page's pickers (shown once signed in: the token both
        # keep) change it for every page too.
        await page.evaluate(f"localStorage.setItem('router.adminToken', '{TOKEN}')")
        await page.goto(f"{service}/kb")
        await page.select_option("#lang", "id")
        await expect(page.locator("h1")).to_have_text("Basis pengetahuan")
        assert _lang(page.url) == ["id"]
        await page.goto(f"{service}/dashboard")
        await expect(page.locator("h1")).to_have_text("Layanan mandiri")
        await page.select_option("#lang", "en")
        await expect(page.locator("h1")).to_have_text("Self-service")
        assert _lang(page.url) == ["en"]
        await page.goto(f"{service}/agent")
        await expect(page.locator("h1")).to_have_text("Agent workspace")
    assert problems == []
