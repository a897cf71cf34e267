"""Settings from the environment, read once, validated, passed down.

Nothing else in the project reads ``os.environ``: the web app, the workers and the
CLI all take a :class:`Settings` built here. Every setting has a development
default so that ``make run`` works on a fresh machine; production overrides them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


def _url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.query or parts.path):
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL, got {value!r}")
    return value


def _float(name: str, value: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
    return number


def _flag(name: str, value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {value!r}")


DEV_SECRET = "dev-only-secret-key-change-me-in-production-0123456789"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every knob of the platform; build with :meth:`from_env` or directly in tests."""

    environment: str = "development"
    host: str = "0.0.0.0"
    port: int = 8080
    # Several web processes on one port (SO_REUSEPORT); the supervisor sets it for WEB > 1.
    reuse_port: bool = False
    # This process's name in /healthz and the logs of several nodes (default host:pid).
    node_name: str = ""
    public_url: str = "http://localhost:8080"
    database_url: str = "postgresql://postgres@127.0.0.1:5432/metacult"
    # A streaming replica for the read-only pages (browse, exports); empty: the primary.
    database_replica_url: str = ""
    redis_url: str = "redis://127.0.0.1:6379/0"
    # ``REDIS_URL`` names one node (any) of a Redis Cluster: the clients discover the
    # others, keys of one script or transaction share a hash tag, live channels are
    # sharded pub/sub. Dramatiq's broker then needs ``BROKER_URL`` (RabbitMQ, or a plain Redis).
    redis_cluster: bool = False
    # Dramatiq's broker: empty for Redis (``redis_url``), or ``amqp://`` / ``amqps://`` for
    # RabbitMQ (queues named after ``redis_prefix``, so deployments can share a vhost).
    broker_url: str = ""
    # Prefix of every Redis key, pub/sub channel and Dramatiq queue: lets several
    # deployments (or test runs) share one Redis without seeing each other.
    redis_prefix: str = "mc"
    # Seconds a Redis command (or connect) may wait before it fails: a Redis that holds
    # traffic is answered with 503, not a hang.
    redis_timeout: float = 5.0
    secret_key: str = DEV_SECRET
    log_level: str = "INFO"
    db_pool_min: int = 1
    db_pool_max: int = 10
    # Every wait on PostgreSQL is bounded (seconds): opening a connection, borrowing one
    # from the pool, and one command on the web; jobs (the workers and the command line)
    # are allowed longer commands. A database that refuses or holds traffic is answered
    # with 503 within these bounds.
    db_connect_timeout: float = 2.0
    db_acquire_timeout: float = 2.0
    db_command_timeout: float = 3.0
    db_job_command_timeout: float = 120.0
    # An event whose consumers have not all processed it this many seconds after it was
    # sent is sent again to those missing (the broker may have lost it).
    outbox_resend_after: float = 30.0
    max_body_bytes: int = 1024 * 1024
    shutdown_timeout: float = 4.0
    # Identity providers (Google through its OIDC discovery document).
    google_client_id: str = ""
    google_client_secret: str = ""
    google_discovery_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    discord_client_id: str = ""
    discord_client_secret: str = ""
    discord_api_url: str = "https://discord.com/api"
    # Identity: lifetimes (seconds), password hashing cost, sign-in rate limits.
    session_ttl: int = 30 * 86400
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 86400
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    signup_limit_per_ip: int = 10  # per hour
    login_limit_per_ip: int = 60  # per 10 minutes (login and token endpoints together)
    login_limit_per_account: int = 10  # failed attempts per 15 minutes
    # Where the mobile app receives the result of a Google / Discord sign-in (?code=...).
    mobile_oauth_redirect: str = "metacult://oauth-result"
    # Identity: mail-driven account security (verification, reset, change of address) and
    # two-factor sign-in; counts are per hour for one account (or one IP for ``forgot``).
    verify_email_ttl: int = 24 * 3600
    reset_password_ttl: int = 3600
    change_email_ttl: int = 24 * 3600
    verify_resend_limit: int = 3
    forgot_limit_per_ip: int = 20
    forgot_limit_per_account: int = 3
    two_factor_attempts: int = 5  # wrong codes per challenge or per 15 minutes of account
    two_factor_challenge_ttl: int = 300
    # Outgoing mail: ``smtp://user:password@host:port`` (STARTTLS when offered) or
    # ``smtps://...`` (TLS from the start). Empty: mails are logged and written to mail_dir.
    smtp_url: str = ""
    mail_from: str = "Metacult <no-reply@metacult.localhost>"
    mail_dir: str = "var/mail"
    smtp_timeout: float = 30.0
    # Metadata providers.
    tmdb_api_url: str = "https://api.themoviedb.org/3"
    tmdb_token: str = ""
    igdb_api_url: str = "https://api.igdb.com/v4"
    twitch_token_url: str = "https://id.twitch.tv/oauth2/token"
    igdb_client_id: str = ""
    igdb_client_secret: str = ""
    # History import of a Steam library (``IPlayerService/GetOwnedGames``).
    steam_api_url: str = "https://api.steampowered.com"
    steam_api_key: str = ""
    # Realtime hub (websocket, SSE, long-polling).
    realtime_ping_interval: float = 25.0
    realtime_idle_timeout: float = 35.0
    realtime_max_subscriptions: int = 128
    # Open websockets at once, on every node together, per account and per IP.
    realtime_max_websockets_per_user: int = 20
    realtime_max_websockets_per_ip: int = 200
    realtime_max_frame_bytes: int = 65_536
    realtime_send_queue_messages: int = 1_000
    realtime_send_queue_bytes: int = 1_048_576
    # Frames given within this long after the hub's last write to its sockets wait for the
    # rest of the window and go out together (a burst): an isolated frame goes at once.
    realtime_coalesce_ms: float = 40.0
    realtime_rate_per_second: float = 20.0
    realtime_rate_burst: int = 60
    realtime_abuse_limit: int = 10
    realtime_long_poll_timeout: float = 25.0
    realtime_canary_interval: float = 5.0
    realtime_presence_interval: float = 2.0
    realtime_dashboard_interval: float = 1.0
    realtime_channel_linger: float = 5.0
    realtime_ticket_ttl: int = 30
    # Origins allowed to open a websocket besides ``public_url``'s (comma-separated in env).
    realtime_allowed_origins: tuple[str, ...] = ()
    # Ranking: how long a duel may be voted on, how many are prepared ahead per user, the
    # share of exploratory (random) pairs, and leaderboards' watched top and message pace.
    duel_ttl: int = 1800
    duel_prefetch: int = 4
    duel_explore_percent: int = 15
    # A title is in at most a third of any this many consecutive duels of a user, never in
    # two in a row (0 turns the rule off, to measure what it costs).
    duel_variety_window: int = 20
    leaderboard_top: int = 100
    leaderboard_flush_ms: int = 100
    # The read path: how many rendered public pages each web process keeps, and for how
    # long at most (seconds; writers bump their pages' versions, this is the backstop);
    # how long browsers and proxies may keep a public page without asking again (0: they
    # revalidate each time, a 304 when unchanged). The request log: the share of reads
    # (GET, HEAD) logged; writes, server errors and reads slower than ``request_log_slow_ms``
    # are always logged.
    page_cache_entries: int = 5000
    page_cache_ttl: float = 60.0
    public_max_age: int = 0
    request_log_sample: float = 0.01
    request_log_slow_ms: float = 250.0
    # Security: origins allowed to call the API from a browser (CORS; comma-separated in env,
    # ``*`` for any, refused in production), and writes (POST, PUT, PATCH, DELETE) allowed
    # per minute to one account and to one IP, on every node together.
    cors_origins: tuple[str, ...] = ()
    write_limit_per_user: int = 120
    write_limit_per_ip: int = 600
    # Titles one account may recommend to friends per hour.
    recommend_limit_per_user: int = 20
    # Commerce: the store price feed (JSON over HTTP, empty: no game offers), the region
    # whose TMDB watch providers are kept, affiliate parameters per store (in env
    # ``steam=ref=mc&utm_source=mc;gog=pp=123``).
    commerce_feed_url: str = ""
    commerce_region: str = "US"
    commerce_affiliate: tuple[tuple[str, str], ...] = ()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def broker_is_rabbitmq(self) -> bool:
        return self.broker_url.startswith(("amqp://", "amqps://"))

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build and validate the settings; raise :class:`ConfigError` naming the culprit."""
        env = os.environ if env is None else env
        get = env.get
        defaults = cls()
        environment = get("METACULT_ENV", defaults.environment)
        if environment not in {"development", "test", "production"}:
            raise ConfigError(
                f"METACULT_ENV must be development, test or production, got {environment!r}"
            )
        port = _int("PORT", get("PORT", str(defaults.port)), 1, 65535)
        secret_key = get("SECRET_KEY", defaults.secret_key)
        if len(secret_key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        if environment == "production" and secret_key == DEV_SECRET:
            raise ConfigError("SECRET_KEY must be set in production")
        level = get("LOG_LEVEL", defaults.log_level).upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        prefix = get("REDIS_PREFIX", defaults.redis_prefix)
        if not prefix or not prefix.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"REDIS_PREFIX must be letters, digits, - or _, got {prefix!r}")
        urls = {
            "public_url": ("PUBLIC_URL", ("http", "https")),
            "database_url": ("DATABASE_URL", ("postgresql", "postgres")),
            "redis_url": ("REDIS_URL", ("redis", "rediss", "unix")),
            "google_discovery_url": ("GOOGLE_DISCOVERY_URL", ("http", "https")),
            "discord_api_url": ("DISCORD_API_URL", ("http", "https")),
            "tmdb_api_url": ("TMDB_API_URL", ("http", "https")),
            "igdb_api_url": ("IGDB_API_URL", ("http", "https")),
            "twitch_token_url": ("TWITCH_TOKEN_URL", ("http", "https")),
            "steam_api_url": ("STEAM_API_URL", ("http", "https")),
        }
        replica_url = get("DATABASE_REPLICA_URL", defaults.database_replica_url).strip()
        if replica_url:
            _url("DATABASE_REPLICA_URL", replica_url, ("postgresql", "postgres"))
        broker_url = get("BROKER_URL", defaults.broker_url).strip()
        if broker_url:
            _url("BROKER_URL", broker_url, ("redis", "rediss", "unix", "amqp", "amqps"))
        redis_cluster = _flag("REDIS_CLUSTER", get("REDIS_CLUSTER", "0"))
        if redis_cluster and not broker_url:
            raise ConfigError(
                "REDIS_CLUSTER=1 needs BROKER_URL: Dramatiq's Redis broker runs its Lua on"
                " keys of several queues, which a Redis Cluster cannot (use RabbitMQ or a"
                " plain Redis)"
            )
        smtp_url = get("SMTP_URL", defaults.smtp_url).strip()
        if smtp_url:
            _url("SMTP_URL", smtp_url, ("smtp", "smtps"))
        mail_from = get("MAIL_FROM", defaults.mail_from).strip()
        if "@" not in mail_from or "\n" in mail_from or "\r" in mail_from:
            raise ConfigError(
                f"MAIL_FROM must be an address like Name <name@host>, got {mail_from!r}"
            )
        values: dict[str, object] = {
            name: _url(var, get(var, getattr(defaults, name)), schemes).rstrip("/")
            for name, (var, schemes) in urls.items()
        }
        if "PUBLIC_URL" not in env and "PORT" in env:
            values["public_url"] = f"http://localhost:{port}"
        if environment == "production" and not str(values["public_url"]).startswith("https://"):
            raise ConfigError("PUBLIC_URL must be an https:// URL in production")
        strings = {
            "google_client_id": "GOOGLE_CLIENT_ID",
            "google_client_secret": "GOOGLE_CLIENT_SECRET",
            "discord_client_id": "DISCORD_CLIENT_ID",
            "discord_client_secret": "DISCORD_CLIENT_SECRET",
            "tmdb_token": "TMDB_TOKEN",
            "igdb_client_id": "IGDB_CLIENT_ID",
            "igdb_client_secret": "IGDB_CLIENT_SECRET",
            "steam_api_key": "STEAM_API_KEY",
        }
        values.update({name: get(var, getattr(defaults, name)) for name, var in strings.items()})
        return cls(
            environment=environment,
            **_identity(get, environment),
            mobile_oauth_redirect=get("MOBILE_OAUTH_REDIRECT", defaults.mobile_oauth_redirect),
            **_account_security(get, environment),
            database_replica_url=replica_url,
            broker_url=broker_url,
            redis_cluster=redis_cluster,
            smtp_url=smtp_url,
            mail_from=mail_from,
            mail_dir=get("MAIL_DIR", defaults.mail_dir),
            smtp_timeout=_float("SMTP_TIMEOUT", get("SMTP_TIMEOUT", "30"), 0.1, 600),
            **_ranking(get),
            **_read_path(get),
            **_security(get, environment),
            **_commerce(get),
            host=get("HOST", defaults.host),
            reuse_port=_flag("REUSE_PORT", get("REUSE_PORT", "0")),
            node_name=get("NODE_NAME", defaults.node_name).strip()[:100],
            port=port,
            secret_key=secret_key,
            log_level=level,
            redis_prefix=prefix,
            db_pool_min=_int("DB_POOL_MIN", get("DB_POOL_MIN", "1"), 0, 100),
            db_pool_max=_int("DB_POOL_MAX", get("DB_POOL_MAX", "10"), 1, 500),
            **_database_timeouts(get),
            redis_timeout=_float("REDIS_TIMEOUT", get("REDIS_TIMEOUT", "5"), 0.1, 60),
            outbox_resend_after=_float(
                "OUTBOX_RESEND_AFTER", get("OUTBOX_RESEND_AFTER", "30"), 1, 3600
            ),
            max_body_bytes=_int("MAX_BODY_BYTES", get("MAX_BODY_BYTES", "1048576"), 1024, 1 << 30),
            realtime_ping_interval=_float(
                "REALTIME_PING_INTERVAL", get("REALTIME_PING_INTERVAL", "25"), 0.05, 3600
            ),
            realtime_idle_timeout=_float(
                "REALTIME_IDLE_TIMEOUT", get("REALTIME_IDLE_TIMEOUT", "35"), 0.1, 3600
            ),
            realtime_send_queue_bytes=_int(
                "REALTIME_SEND_QUEUE_BYTES",
                get("REALTIME_SEND_QUEUE_BYTES", "1048576"),
                1024,
                1 << 30,
            ),
            realtime_coalesce_ms=_float(
                "REALTIME_COALESCE_MS", get("REALTIME_COALESCE_MS", "40"), 0, 1000
            ),
            realtime_long_poll_timeout=_float(
                "REALTIME_LONG_POLL_TIMEOUT", get("REALTIME_LONG_POLL_TIMEOUT", "25"), 0, 120
            ),
            realtime_canary_interval=_float(
                "REALTIME_CANARY_INTERVAL", get("REALTIME_CANARY_INTERVAL", "5"), 0.05, 600
            ),
            realtime_allowed_origins=tuple(
                origin.strip().rstrip("/")
                for origin in get("REALTIME_ALLOWED_ORIGINS", "").split(",")
                if origin.strip()
            ),
            **values,  # type: ignore[arg-type]
        )


def _identity(get: Callable[[str, str], str], environment: str) -> dict[str, int]:
    """Identity's settings. Under ``test`` passwords hash cheaply and per-IP limits are
    loose (every test client is 127.0.0.1); the rate-limit tests set their own limits."""
    test = environment == "test"
    defaults = Settings()
    knobs = {
        "session_ttl": ("SESSION_TTL", defaults.session_ttl, 60, 365 * 86400),
        "access_token_ttl": ("ACCESS_TOKEN_TTL", defaults.access_token_ttl, 10, 86400),
        "refresh_token_ttl": ("REFRESH_TOKEN_TTL", defaults.refresh_token_ttl, 60, 365 * 86400),
        "argon2_time_cost": ("ARGON2_TIME_COST", 1 if test else 3, 1, 20),
        "argon2_memory_kib": ("ARGON2_MEMORY_KIB", 8192 if test else 65536, 8192, 1 << 21),
        "argon2_parallelism": ("ARGON2_PARALLELISM", 1 if test else 4, 1, 16),
        "signup_limit_per_ip": ("SIGNUP_LIMIT_PER_IP", 100_000 if test else 10, 1, 1 << 30),
        "login_limit_per_ip": ("LOGIN_LIMIT_PER_IP", 100_000 if test else 60, 1, 1 << 30),
        "login_limit_per_account": ("LOGIN_LIMIT_PER_ACCOUNT", 10, 1, 1 << 30),
    }
    return {
        name: _int(var, get(var, str(default)), low, high)
        for name, (var, default, low, high) in knobs.items()
    }


def _database_timeouts(get: Callable[[str, str], str]) -> dict[str, float]:
    """How long the web and the workers wait on PostgreSQL before giving up (seconds)."""
    defaults = Settings()
    knobs = {
        "db_connect_timeout": ("DB_CONNECT_TIMEOUT", defaults.db_connect_timeout, 0.1, 60),
        "db_acquire_timeout": ("DB_ACQUIRE_TIMEOUT", defaults.db_acquire_timeout, 0.1, 60),
        "db_command_timeout": ("DB_COMMAND_TIMEOUT", defaults.db_command_timeout, 0.1, 600),
        "db_job_command_timeout": (
            "DB_JOB_COMMAND_TIMEOUT",
            defaults.db_job_command_timeout,
            1,
            3600,
        ),
    }
    return {
        name: _float(var, get(var, str(default)), low, high)
        for name, (var, default, low, high) in knobs.items()
    }


def _account_security(get: Callable[[str, str], str], environment: str) -> dict[str, int]:
    """Identity's mail-link lifetimes and the limits on resending, resets and codes; under
    ``test`` the per-IP limit is loose (every test client is 127.0.0.1)."""
    test = environment == "test"
    defaults = Settings()
    knobs = {
        "verify_email_ttl": ("VERIFY_EMAIL_TTL", defaults.verify_email_ttl, 60, 30 * 86400),
        "reset_password_ttl": ("RESET_PASSWORD_TTL", defaults.reset_password_ttl, 60, 86400),
        "change_email_ttl": ("CHANGE_EMAIL_TTL", defaults.change_email_ttl, 60, 30 * 86400),
        "verify_resend_limit": ("VERIFY_RESEND_LIMIT", defaults.verify_resend_limit, 1, 1000),
        "forgot_limit_per_ip": (
            "FORGOT_LIMIT_PER_IP",
            100_000 if test else defaults.forgot_limit_per_ip,
            1,
            1 << 30,
        ),
        "forgot_limit_per_account": (
            "FORGOT_LIMIT_PER_ACCOUNT",
            defaults.forgot_limit_per_account,
            1,
            1000,
        ),
        "two_factor_attempts": ("TWO_FACTOR_ATTEMPTS", defaults.two_factor_attempts, 1, 100),
        "two_factor_challenge_ttl": (
            "TWO_FACTOR_CHALLENGE_TTL",
            defaults.two_factor_challenge_ttl,
            30,
            3600,
        ),
    }
    return {
        name: _int(var, get(var, str(default)), low, high)
        for name, (var, default, low, high) in knobs.items()
    }


def _read_path(get: Callable[[str, str], str]) -> dict[str, float]:
    """The page cache, HTTP caching of public pages and the request log's sampling."""
    defaults = Settings()
    whole = {
        "page_cache_entries": ("PAGE_CACHE_ENTRIES", defaults.page_cache_entries, 0, 10**7),
        "public_max_age": ("PUBLIC_MAX_AGE", defaults.public_max_age, 0, 86400),
    }
    numbers = {
        "page_cache_ttl": ("PAGE_CACHE_TTL", defaults.page_cache_ttl, 0.1, 86400),
        "request_log_sample": ("REQUEST_LOG_SAMPLE", defaults.request_log_sample, 0, 1),
        "request_log_slow_ms": ("REQUEST_LOG_SLOW_MS", defaults.request_log_slow_ms, 0, 600_000),
    }
    values: dict[str, float] = {
        name: _int(var, get(var, str(default)), low, high)
        for name, (var, default, low, high) in whole.items()
    }
    values.update(
        {
            name: _float(var, get(var, str(default)), low, high)
            for name, (var, default, low, high) in numbers.items()
        }
    )
    return values


def _ranking(get: Callable[[str, str], str]) -> dict[str, int]:
    """Ranking's settings (``DUEL_EXPLORE_PERCENT=100`` offers purely random pairs)."""
    defaults = Settings()
    knobs = {
        "duel_ttl": ("DUEL_TTL", defaults.duel_ttl, 10, 7 * 86400),
        "duel_prefetch": ("DUEL_PREFETCH", defaults.duel_prefetch, 1, 20),
        "duel_explore_percent": ("DUEL_EXPLORE_PERCENT", defaults.duel_explore_percent, 0, 100),
        "duel_variety_window": ("DUEL_VARIETY_WINDOW", defaults.duel_variety_window, 0, 1000),
        "leaderboard_top": ("LEADERBOARD_TOP", defaults.leaderboard_top, 1, 10_000),
        "leaderboard_flush_ms": ("LEADERBOARD_FLUSH_MS", defaults.leaderboard_flush_ms, 10, 60_000),
    }
    return {
        name: _int(var, get(var, str(default)), low, high)
        for name, (var, default, low, high) in knobs.items()
    }


def _commerce(get: Callable[[str, str], str]) -> dict[str, object]:
    """The store feed's URL, the watch providers' region, affiliate parameters per store."""
    feed_url = get("COMMERCE_FEED_URL", "").strip()
    if feed_url:
        _url("COMMERCE_FEED_URL", feed_url, ("http", "https"))
    region = get("COMMERCE_REGION", "US").strip().upper()
    if len(region) != 2 or not region.isalpha():
        raise ConfigError(f"COMMERCE_REGION must be a two-letter country code, got {region!r}")
    affiliate: list[tuple[str, str]] = []
    for item in get("COMMERCE_AFFILIATE", "").split(";"):
        if not item.strip():
            continue
        store, sep, query = item.strip().partition("=")
        if not sep or not store or not query or "=" not in query:
            raise ConfigError(f"COMMERCE_AFFILIATE: {item!r} is not store=name=value&name=value")
        affiliate.append((store.strip(), query.strip()))
    return {
        "commerce_feed_url": feed_url,
        "commerce_region": region,
        "commerce_affiliate": tuple(affiliate),
    }


def _security(get: Callable[[str, str], str], environment: str) -> dict[str, object]:
    """CORS origins, write limits, open websockets per account and per IP. Production
    refuses open CORS (``*``) and origins that are not https; under ``test`` the per-IP
    and write limits are loose (their tests set their own)."""
    origins = tuple(
        origin.strip().rstrip("/")
        for origin in get("CORS_ORIGINS", "").split(",")
        if origin.strip()
    )
    for origin in origins:
        if origin != "*":
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
                raise ConfigError(f"CORS_ORIGINS: {origin!r} is not an origin like https://host")
    if environment == "production":
        if "*" in origins:
            raise ConfigError("CORS_ORIGINS must not be * (open CORS) in production")
        if any(origin.startswith("http://") for origin in origins):
            raise ConfigError("CORS_ORIGINS must be https:// origins in production")
    test = environment == "test"
    defaults = Settings()
    knobs = {
        "write_limit_per_user": (
            "WRITE_LIMIT_PER_USER",
            100_000 if test else defaults.write_limit_per_user,
        ),
        "recommend_limit_per_user": (
            "RECOMMEND_LIMIT_PER_USER",
            defaults.recommend_limit_per_user,
        ),
        "realtime_max_websockets_per_user": (
            "REALTIME_MAX_WEBSOCKETS_PER_USER",
            defaults.realtime_max_websockets_per_user,
        ),
        "realtime_max_websockets_per_ip": (
            "REALTIME_MAX_WEBSOCKETS_PER_IP",
            100_000 if test else defaults.realtime_max_websockets_per_ip,
        ),
        "write_limit_per_ip": (
            "WRITE_LIMIT_PER_IP",
            100_000 if test else defaults.write_limit_per_ip,
        ),
    }
    limits = {
        name: _int(var, get(var, str(default)), 1, 1 << 30)
        for name, (var, default) in knobs.items()
    }
    return {"cors_origins": origins, **limits}
