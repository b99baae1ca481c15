"""What a loaded configuration is: frozen records for the service, its sources and dedupe.

``syncsvc.config`` builds them from ``syncsvc.toml`` (and re-exports them); every other
stage only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..instants import DEFAULT_ZONE


@dataclass(frozen=True)
class DedupeSettings:
    title_threshold: float = 80.0  # 0..100: differing title words this similar are a rewording
    time_tolerance_min: int = 30  # start instants this close count as "same time"
    location_bonus: float = 8.0  # score added when locations match well
    news_title_threshold: float = 85.0
    force_together: tuple[tuple[str, ...], ...] = ()  # groups of "source:uid"
    force_apart: tuple[tuple[str, str], ...] = ()  # pairs of "source:uid"
    synonyms: tuple[tuple[str, ...], ...] = ()  # groups of equivalent title words/phrases


@dataclass(frozen=True)
class SubmissionSettings:
    """``[submissions]``: the public form „Termin melden“ (see ``syncsvc.submit``)."""

    enabled: bool = True
    keep_contact_days: int = 30  # contact data is deleted this long after the event
    rate_limit: int = 5  # accepted submissions per address and hour
    min_seconds: float = 3.0  # a form sent back sooner was not filled in by a person
    # optional e-mail notice to moderators on a new submission (``submit.notify``)
    smtp_host: str = ""  # "" = no e-mail
    smtp_port: int = 587
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    smtp_starttls: bool = True
    smtp_user: str = ""  # "" = no login
    smtp_password_env: str = ""  # name of the env var holding the password (never the secret)


@dataclass(frozen=True)
class SourceConfig:
    id: str
    name: str
    url: str  # http(s) URL, or an absolute local path after loading
    kind: str
    priority: int = 0
    interval_s: int = 1800
    categories: tuple[str, ...] = ()
    enabled: bool = True
    auth_env: str = ""  # name of an env var holding "user:password" (never the secret)
    token_env: str = ""  # name of an env var holding a bearer token
    language: str = "de"  # the language its entries are written in

    @property
    def is_local(self) -> bool:
        return not self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Settings:
    config_path: Path
    name: str = "WIR in Idstein"
    timezone: str = DEFAULT_ZONE
    output_dir: Path = Path("public")
    database: Path = Path("var/syncsvc.db")
    base_url: str = "http://localhost:8080"
    interval_s: int = 1800
    port: int = 8080
    bind: str = "127.0.0.1"
    feeds_dir: Path = Path("feeds")
    max_bytes: int = 10 * 1024 * 1024
    # Partner URLs (and redirects) may not point into internal networks: a hostile or
    # hijacked feed could otherwise make the service read the city's intranet or cloud
    # metadata and republish it. Set true for partners hosted inside the city network.
    allow_private_networks: bool = False
    # Outgoing proxy for partner fetches, only when set here: proxy variables in the
    # environment (HTTP_PROXY) are ignored, they would bypass the peer-address check.
    proxy: str = ""
    connect_timeout_s: float = 10.0
    total_timeout_s: float = 60.0
    past_days: int = 30
    future_months: int = 18
    max_occurrences: int = 2000  # per source, within the horizon
    shrink_ratio: float = 0.5  # losing more than this share of upcoming events is held
    shrink_min_events: int = 5  # sources smaller than this are never held
    shrink_confirmations: int = 3  # syncs a shrunken set must persist before it applies
    stale_after_s: int = 86400
    admin_token: str = ""
    # Reverse proxies whose X-Forwarded-For names the real client (IP addresses, networks
    # such as "10.0.0.0/8", or host names): the admin lockout and the submission limit
    # count per client, not per proxy. Empty: the header is ignored (it can be forged).
    trusted_proxies: tuple[str, ...] = ()
    log_format: str = "text"  # "text" (key=value) or "json"
    school_holidays: str = "schulferien-hessen.ics"  # path or URL, relative to config dir
    impressum_url: str = ""  # linked from every public page ("" = no link)
    datenschutz_url: str = ""  # privacy notice, linked from every public page
    languages: tuple[str, ...] = ("de",)  # German first; each other one gets /<lang>/ views
    translations: str = ""  # the translation memory file (absolute path), "" = none
    dedupe: DedupeSettings = field(default_factory=DedupeSettings)
    submissions: SubmissionSettings = field(default_factory=SubmissionSettings)
    sources: tuple[SourceConfig, ...] = ()

    def source(self, source_id: str) -> SourceConfig:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)
