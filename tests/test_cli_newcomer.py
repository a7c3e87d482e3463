"""A newcomer's first hour: restarts keep edits, a taken port says what to do, admin commands
print results on stdout and logs on stderr, and never make a new database by accident."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.kb.commands import export_all, import_file
from app.kb.demo import DEMO_FILE, load_demo_kb
from tests.test_cli import ROUTER, run_router

ROOT = Path(__file__).resolve().parents[1]


def _demo_articles() -> list[dict[str, object]]:
    return list(json.loads(DEMO_FILE.read_text(encoding="utf-8"))["articles"])


def _by_slug(export: dict[str, list[dict[str, object]]]) -> dict[str, dict[str, object]]:
    return {a["slug"]: a for a in export["articles"]}  # type: ignore[misc]


async def test_demo_loads_into_an_empty_kb_and_a_restart_keeps_edits(settings: Settings) -> None:
    first = await load_demo_kb(settings)
    demo = _demo_articles()
    assert first == f"loaded the {len(demo)} demo articles"

    edited = {**demo[0], "answer": "Jawaban yang sudah diubah editor."}
    await import_file(settings, [edited])
    await import_file(settings, [{**demo[1], "slug": "artikel-sendiri"}])

    again = await load_demo_kb(settings)  # what `make run` does on every restart
    assert again.startswith(f"kept the {len(demo) + 1} articles")
    articles = _by_slug(await export_all(settings))
    assert articles[str(demo[0]["slug"])]["answer"] == "Jawaban yang sudah diubah editor."
    assert "artikel-sendiri" in articles


async def test_demo_reset_kb_replaces_edits_with_the_demo(settings: Settings) -> None:
    demo = _demo_articles()
    await import_file(settings, [{**demo[0], "answer": "Diubah."}, {**demo[1], "slug": "milikku"}])
    await load_demo_kb(settings, reset=True)
    articles = _by_slug(await export_all(settings))
    assert set(articles) == {a["slug"] for a in demo}
    assert articles[str(demo[0]["slug"])]["answer"] == demo[0]["answer"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_taken_port_fails_first_and_says_how_to_pick_another(
    command: str, taken_port: int, tmp_path: Path
) -> None:
    database = tmp_path / "router.db"
    result = run_router(
        command,
        "--port",
        str(taken_port),
        env={"ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    errors = [line["msg"] for line in lines if line["level"] == "error"]
    assert len(errors) == 1, lines
    assert errors[0].startswith(f"port {taken_port} on 127.0.0.1 is in use; start with PORT=")
    assert "make run (or --port" in errors[0]
    assert "Demo ready" not in result.stderr
    assert not database.exists()  # nothing was written: no migration, no demo KB


def test_agents_create_prints_only_the_token_on_stdout(tmp_path: Path) -> None:
    env = {"ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"}
    result = run_router("agents", "create", "Ani", "--create", env=env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1
    assert " " not in token
    assert len(token) >= 20
    assert "created; token (shown once)" in result.stderr
    assert "{" not in result.stdout  # no JSON log line among the results


def test_admin_commands_refuse_to_create_a_database_unless_asked(tmp_path: Path) -> None:
    database = tmp_path / "data" / "router.db"
    env = {"ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    for args in (["kb", "export"], ["agents", "create", "Ani"], ["kb", "import", str(DEMO_FILE)]):
        result = run_router(*args, env=env)
        assert result.returncode == 2, args
        assert result.stdout == ""
        message = json.loads(result.stderr.strip().splitlines()[-1])["msg"]
        assert f"no database at {database}" in message
        assert "--create" in message
        assert "ROUTER_DATABASE_URL" in message
        assert not database.exists()

    created = run_router("kb", "export", "--create", env=env)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout) == {"articles": []}
    assert database.exists()
    again = run_router("kb", "export", env=env)  # it exists now: no flag needed
    assert again.returncode == 0, again.stderr


def test_from_another_folder_the_default_database_is_named_in_full(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ROUTER_DATABASE_URL"}
    result = subprocess.run(
        [*ROUTER, "kb", "export"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"no database at {tmp_path / 'data' / 'router.db'}" in result.stderr
    assert not (tmp_path / "data").exists()


async def test_home_page_links_every_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for page in ("/chat", "/agent", "/kb", "/dashboard", "/docs"):
        assert f'href="{page}"' in response.text


async def test_an_empty_kb_warns_at_start(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from app.main import create_app

    caplog.set_level("WARNING", logger="app")
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        pass
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith("the knowledge base is empty") for m in warnings), warnings

    caplog.clear()
    await load_demo_kb(settings)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        pass
    assert not [r for r in caplog.records if "knowledge base is empty" in r.getMessage()]
