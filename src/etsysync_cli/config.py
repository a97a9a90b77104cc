"""Settings: defaults < config.toml < ETSYSYNC_* environment < command-line flags.

Every setting has a dotted key (`section.name`), the same in config.toml (`[section] name = …`),
in the environment (`ETSYSYNC_SECTION_NAME`) and in `etsysync config set`. Each value remembers
where it came from, so an invalid one is reported with its key and its origin (the file, or the
variable) in one line, and `config show` can say why a value is what it is.

Secrets (the Etsy shared secret, the Medusa API key) are accepted only from the environment:
`config set` refuses them and `config show` never prints them. They normally live in the keyring.
"""

# No `from __future__ import annotations`: pydantic would evaluate each field's annotation from
# its text, a third of defining these models at every start-up (issue 17).

import difflib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError

from etsysync_cli.domain.defaults import ListingDefaults
from etsysync_cli.errors import ConfigError

APP_NAME = "etsysync"
ENV_PREFIX = "ETSYSYNC_"
CONFIG_FILE = "config.toml"
DATABASE_FILE = "etsysync.db"

Origin = Literal["default", "file", "env", "flag"]

# Where the real Etsy lives (the settings point elsewhere for the sandbox).
ETSY_API_URL = "https://api.etsy.com/v3"  # + /application/... and /public/oauth/token
ETSY_OAUTH_URL = "https://www.etsy.com"  # + /oauth/connect (the consent page)


ETSY_API_HOSTS = frozenset({"api.etsy.com", "openapi.etsy.com"})  # equivalent (etsy-api.md §2)


def is_real_etsy(api_url: str) -> bool:
    """Whether an API base URL is the real Etsy's (anything else is a sandbox or a stand-in)."""
    return (urlsplit(api_url).hostname or "").lower() in ETSY_API_HOSTS


def etsy_name(api_url: str) -> str:
    """Which Etsy an API base URL is, in words: "Etsy (api.etsy.com)" or "a sandbox at
    http://127.0.0.1:8765" (what `auth status` says and the mix-up errors name)."""
    parts = urlsplit(api_url)
    if is_real_etsy(api_url):
        return f"Etsy ({parts.hostname})"
    host = (parts.hostname or "?") + (f":{parts.port}" if parts.port else "")
    return f"a sandbox at {parts.scheme}://{host}"


MAX_TTL_MINUTES = 7 * 24 * 60  # a week: a plan older than that reviews a shop that moved on


def _http_url(value: object) -> object:
    if isinstance(value, str):
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.strip()
    return value


HttpUrl = Annotated[str, BeforeValidator(_http_url)]


# Every model of the settings builds its validator when first used (defer_build), and only the
# sections a command was given a value for are validated (`_settings`).
class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, defer_build=True)


class EtsySettings(_Section):
    api_url: HttpUrl = Field(
        ETSY_API_URL,
        description="Etsy API base; the client appends /application/… and /public/oauth/token.",
    )
    oauth_url: HttpUrl = Field(
        ETSY_OAUTH_URL, description="Where the consent page /oauth/connect lives."
    )
    keystring: str | None = Field(None, description="The app's keystring (its OAuth client id).")
    shared_secret: SecretStr | None = Field(
        None, description="The app's shared secret. Environment only; normally in the keyring."
    )


class AuthSettings(_Section):
    redirect_port: int = Field(
        3003, ge=1, le=65535, description="Port of http://localhost:PORT/callback."
    )
    timeout: int = Field(300, ge=1, description="Seconds `auth login` waits for the callback.")
    insecure_storage: bool = Field(
        False, description="Keep tokens in a 0600 file in the app home when no keyring works."
    )


class SourceSettings(_Section):
    kind: Literal["file", "medusa"] | None = Field(None, description="Where products come from.")
    path: str | None = Field(None, description="Catalog file for the file source.")
    sales_channel: str | None = Field(None, description="Medusa sales channel (name or id).")
    workers: int = Field(
        0,
        ge=0,
        le=32,
        description="Worker processes that read and map a JSON Lines catalog during a plan: "
        "0 starts one per CPU for a file of 4 MB or more when the machine has several; 1 "
        "reads and maps in the plan's own process; 2 or more start that many for any size.",
    )


class MedusaSettings(_Section):
    url: str | None = Field(None, description="Medusa v2 backend URL.")
    api_key: SecretStr | None = Field(
        None, description="Medusa secret API key. Environment only; normally in the keyring."
    )
    write_back: bool = Field(False, description="Write the Etsy link into product metadata.")
    write_back_sales: bool = Field(
        True,
        description="`sync` takes what sold on Etsy off the Medusa stock (one reservation per "
        "Etsy transaction, exactly once) before it plans.",
    )
    stock_location_id: str | None = Field(
        None,
        description="The stock location (id, or its exact name) Etsy sales are reserved at, "
        "when the sales channel has several.",
    )


class SyncSettings(_Section):
    concurrency: int = Field(4, ge=1, le=32, description="Concurrent Etsy workers in confirm.")
    plan_ttl_minutes: int = Field(
        60, ge=1, le=MAX_TTL_MINUTES, description="How long a staged plan can be confirmed."
    )
    etsy_edits: Literal["keep", "overwrite"] = Field(
        "keep",
        description="A field edited on Etsy since the last push while the store's stayed the "
        "same: `keep` leaves Etsy's value in place (shown in the review), `overwrite` pushes "
        "the store's (as `plan --overwrite-etsy-edits`).",
    )
    recreate_deleted: bool = Field(
        False,
        description="Create again a listing deleted on Etsy (as `plan --recreate-deleted`); "
        "off: it is shown in the review and left deleted.",
    )
    recheck_stock_after: int = Field(
        60,
        ge=0,
        le=86_400,
        description="Seconds after a plan read Etsy beyond which the push reads a listing's "
        "stock again before writing its inventory, so that units sold on Etsy since the plan "
        "are not put back (one request per such listing; 0: always).",
    )
    fail_on_invalid: bool = Field(
        False,
        description="`sync` exits 3 when products were not sent because invalid (as `sync "
        "--fail-on-invalid`), so that cron reports them; off: they are counted and exit 0.",
    )


class ImagesSettings(_Section):
    local_roots: str | None = Field(
        None,
        description="More folders local image files may be read from, separated by `:` (by "
        "default only the catalog's own folder and what is below it).",
    )
    allow_private_urls: bool = Field(
        False,
        description="Download image URLs on loopback, link-local and private addresses (off: a "
        "catalog cannot make etsysync fetch from your own network).",
    )
    download_seconds: int = Field(
        60, ge=1, le=3600, description="Longest time one image download may take, start to end."
    )


class NotifySettings(_Section):
    webhook_url: str | None = Field(None, description="POST each feed event here as JSON.")


class LogSettings(_Section):
    file: str | None = Field(None, description="Write structured log lines to this file.")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    etsy: EtsySettings = Field(default_factory=EtsySettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    source: SourceSettings = Field(default_factory=SourceSettings)
    medusa: MedusaSettings = Field(default_factory=MedusaSettings)
    listing: ListingDefaults = Field(default_factory=ListingDefaults)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    images: ImagesSettings = Field(default_factory=ImagesSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    log: LogSettings = Field(default_factory=LogSettings)


SECRET_KEYS = frozenset({"etsy.shared_secret", "medusa.api_key"})
URL_KEYS = frozenset({"etsy.api_url", "etsy.oauth_url", "medusa.url", "notify.webhook_url"})
# Webhook URLs (Slack, Discord) carry their token in the path: shown as scheme://host/… only.
TOKEN_PATH_KEYS = frozenset({"notify.webhook_url"})


def redact_url(url: str, *, keep_path: bool = True) -> str:
    """The URL without user info or query values (and, unless `keep_path`, without its path):
    what may be shown of a URL that might carry a credential."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "(not a URL)"
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    netloc = f"***@{host}" if (parts.username or parts.password) else host
    if not keep_path:
        return f"{parts.scheme}://{netloc}" + ("/…" if parts.path.strip("/") else "")
    query = "&".join(f"{p.split('=', 1)[0]}=***" for p in parts.query.split("&") if p)
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


# Named tuples, not frozen dataclasses: as immutable, and cheaper to define at every start-up.
class SettingInfo(NamedTuple):
    key: str
    env: str
    description: str


def _sections() -> dict[str, type[BaseModel]]:
    """Each section of the settings and its model."""
    found = {}
    for section, section_field in Settings.model_fields.items():
        model = section_field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        found[section] = model
    return found


def setting_keys() -> Iterator[SettingInfo]:
    """Every dotted key, with its environment variable and description (docs come from here)."""
    for section, model in _sections().items():
        for name, info in model.model_fields.items():
            key = f"{section}.{name}"
            yield SettingInfo(key, env_name(key), info.description or "")


# Variables whose names were promised shorter than the ETSYSYNC_SECTION_NAME rule gives.
ENV_ALIASES = {"auth.insecure_storage": "ETSYSYNC_INSECURE_STORAGE"}


def env_name(key: str) -> str:
    return ENV_ALIASES.get(key) or ENV_PREFIX + key.replace(".", "_").upper()


# --- locations ---------------------------------------------------------------------------------


def app_home() -> Path:
    """ETSYSYNC_HOME if set, else the platform's user data folder."""
    explicit = os.environ.get("ETSYSYNC_HOME")
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs  # only without ETSYSYNC_HOME (start-up, issue 17)

    return Path(platformdirs.user_data_dir(APP_NAME))


SANDBOX_FOLDER = "sandbox"  # under the app home: the sandbox's shop, kept apart from the real one
SANDBOX_STATE_FILE = "sandbox-state.json"


def sandbox_home(explicit: Path | None = None) -> Path:
    """The app home for a sandbox's shop: `explicit` (`sandbox serve --home`, or
    ETSYSYNC_SANDBOX_HOME), else the app home itself when it already is a sandbox's (the shell
    has the sandbox's ETSYSYNC_HOME, or it is the demo's home), else `sandbox/` under it.

    `sandbox serve` prints it as ETSYSYNC_HOME with the URLs, so a shop connected by pasting
    those lines never lands in the home of the real shop."""
    if explicit is not None:
        return explicit.expanduser().absolute()
    home = app_home().absolute()
    return home if is_sandbox_home(home) else home / SANDBOX_FOLDER


# Left by `sandbox serve` in the home it prints: with --in-memory (no state file) or --home DIR
# (any name) the home is still known as a sandbox's.
SANDBOX_MARKER = ".etsysync-sandbox-home"


def is_sandbox_home(home: Path) -> bool:
    """Whether `home` is a sandbox's own: `sandbox/` under an app home, a home `sandbox serve`
    marked as its own, or a folder holding a sandbox's state (the demo's)."""
    return (
        home.name == SANDBOX_FOLDER
        or (home / SANDBOX_MARKER).exists()
        or (home / SANDBOX_STATE_FILE).exists()
    )


def mark_sandbox_home(home: Path) -> None:
    """Mark `home` as a sandbox's (see SANDBOX_MARKER)."""
    marker = home / SANDBOX_MARKER
    if not marker.exists():
        marker.write_text(
            "This etsysync home belongs to a local Etsy sandbox (etsysync sandbox serve).\n",
            encoding="utf-8",
        )


def private_folder(path: Path) -> Path:
    """Make `path` (and its parents) a folder only this user can open: the app home holds
    the database, the logs and maybe the tokens."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file(path: Path) -> None:
    """Readable and writable by this user only (0600), if it exists."""
    if path.exists():
        path.chmod(0o600)


def config_path(home: Path | None = None) -> Path:
    return (home or app_home()) / CONFIG_FILE


# --- loading -----------------------------------------------------------------------------------


class _Value(NamedTuple):
    value: Any
    origin: Origin
    source: str  # for messages: the file, the variable, "the command line"


@dataclass
class LoadedSettings:
    settings: Settings
    origins: dict[str, Origin]
    path: Path
    layers: dict[str, _Value] = field(default_factory=dict)  # file and environment, merged

    def origin(self, key: str) -> Origin:
        return self.origins.get(key, "default")

    def value(self, key: str) -> Any:
        section, _, name = key.partition(".")
        return getattr(getattr(self.settings, section), name)

    def source(self, key: str) -> str:
        """Where the value of `key` comes from, in words: the file, the variable, or
        "the default"."""
        layer = self.layers.get(key)
        return layer.source if layer is not None else "the default"

    def with_flags(self, overrides: Mapping[str, Any] | None) -> "LoadedSettings":
        """These settings with command-line flags (by dotted key; None = not given) on top,
        validated again; the file and the environment are not read again."""
        values = dict(self.layers)
        for key, value in (overrides or {}).items():
            if value is not None:
                values[key] = _Value(value, "flag", "the command line")
        if values == self.layers:
            return self
        return _validate(values, self.path)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> LoadedSettings:
    """Merge the layers and validate. `overrides` are command-line flags by dotted key."""
    path = config_path(home)
    environ = os.environ if environ is None else environ
    values: dict[str, _Value] = {}
    for key, value in _flatten(read_config_file(path)).items():
        if key in SECRET_KEYS:
            raise ConfigError(
                f"{path} holds {key}, a secret; etsysync never reads secrets from config.toml",
                hint=f"remove it from {path}, and set {env_name(key)} in the environment or "
                "let `etsysync auth login` (or `etsysync source medusa`) keep it in the keyring",
            )
        values[key] = _Value(value, "file", str(path))
    for info in setting_keys():
        if info.env in environ and environ[info.env] != "":
            values[info.key] = _Value(
                environ[info.env], "env", f"the environment variable {info.env}"
            )
    return _validate(values, path).with_flags(overrides)


def _validate(values: Mapping[str, _Value], path: Path) -> LoadedSettings:
    raw: dict[str, dict[str, Any]] = {}
    for key, layer in values.items():
        section, _, name = key.partition(".")
        raw.setdefault(section, {})[name] = layer.value
    try:
        settings = _settings(raw)
    except ValidationError as exc:
        sources = {key: layer.source for key, layer in values.items()}
        raise _config_error(exc, sources, path) from None
    origins = {key: layer.origin for key, layer in values.items()}
    return LoadedSettings(settings, origins, path, dict(values))


def _settings(raw: Mapping[str, Mapping[str, Any]]) -> Settings:
    """`Settings.model_validate(raw)`, building the validators of the sections given only.

    A section nothing sets is its defaults, made without a validator (pydantic never validates
    a default), which spares every command's start-up building the others (issue 17). A value
    that is refused is validated again by the whole model, whose error names the section too."""
    sections = _sections()
    if raw.keys() <= sections.keys():
        try:
            given = {name: sections[name].model_validate(values) for name, values in raw.items()}
        except ValidationError:
            pass
        else:
            values: dict[str, Any] = {
                name: given[name] if name in given else model.model_construct()
                for name, model in sections.items()
            }
            return Settings.model_construct(set(raw), **values)
    return Settings.model_validate(raw)


def read_config_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import tomllib  # only with a config.toml to read (start-up, issue 17)

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}", hint=f"fix or delete {path}"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not UTF-8 text", hint=f"save it as UTF-8, or delete {path}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, values in data.items():
        if isinstance(values, Mapping):
            for name, value in values.items():
                flat[f"{section}.{name}"] = value
        else:
            flat[section] = values
    return flat


def _config_error(exc: ValidationError, sources: Mapping[str, str], path: Path) -> ConfigError:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"][:2])
    where = sources.get(key, str(path))
    hint = "see `etsysync config show` for the settings and their values"
    if first["type"] == "extra_forbidden":
        message = f"unknown setting {key} in {where}"
        hint = _did_you_mean(key) or hint
    else:
        message = (
            f"invalid value for {key} in {where}: {first['msg'].removeprefix('Value error, ')}"
        )
    return ConfigError(message, hint=hint)


# --- editing config.toml -----------------------------------------------------------------------


def set_value(key: str, value: str, *, home: Path | None = None) -> Any:
    """Validate `value` for `key` and write it to config.toml. Returns the stored value."""
    _check_settable(key)
    path = config_path(home)
    data = read_config_file(path)
    section, _, name = key.partition(".")
    data.setdefault(section, {})[name] = value
    try:
        validated = Settings.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, {key: "the value given"}, path) from None
    stored = getattr(getattr(validated, section), name)
    data[section][name] = stored
    _write_toml(path, data)
    return stored


def unset_value(key: str, *, home: Path | None = None) -> bool:
    """Remove `key` from config.toml. Returns whether it was there."""
    _check_key(key)
    path = config_path(home)
    data = read_config_file(path)
    section, _, name = key.partition(".")
    if name not in data.get(section, {}):
        return False
    del data[section][name]
    if not data[section]:
        del data[section]
    _write_toml(path, data)
    return True


def _check_key(key: str) -> None:
    if key not in {info.key for info in setting_keys()}:
        raise ConfigError(
            f"unknown setting {key}",
            hint=_did_you_mean(key) or "see `etsysync config show` for the settings",
        )


def close_keys(key: str) -> list[str]:
    """The setting keys `key` was probably meant to be: a typo of a whole key
    (`listing.taxonmy_id`), or a key's last part given alone or under the wrong section
    (`taxonomy_id`, `etsy.redirect_port`)."""
    keys = [info.key for info in setting_keys()]
    found = difflib.get_close_matches(key.lower(), keys, n=3, cutoff=0.75)
    by_name = {k.partition(".")[2]: k for k in keys}
    name = key.lower().rpartition(".")[2]
    for near in difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.8):
        if by_name[near] not in found:
            found.append(by_name[near])
    return found[:3]


def _did_you_mean(key: str) -> str | None:
    found = close_keys(key)
    if not found:
        return None
    return (
        "did you mean "
        + " or ".join(f"`{k}`" for k in found)
        + "? (`etsysync config show` lists every setting)"
    )


def describe_setting(key: str) -> SettingInfo:
    """The key's environment variable and description; an unknown key is an error that names
    the keys it is close to."""
    _check_key(key)
    return next(info for info in setting_keys() if info.key == key)


def _check_settable(key: str) -> None:
    _check_key(key)
    if key in SECRET_KEYS:
        raise ConfigError(
            f"{key} is a secret and is never written to config.toml",
            hint=f"set {env_name(key)} in the environment, or let `etsysync auth login` or "
            "`etsysync source medusa` keep it in the keyring",
        )


def _write_toml(path: Path, data: Mapping[str, Any]) -> None:
    # Our config is sections of scalars, so a tiny writer is enough (tomllib only reads).
    lines: list[str] = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for name, value in values.items():
            if value is not None:
                lines.append(f"{name} = {_toml_scalar(value)}")
        lines.append("")
    private_folder(path.parent)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    os.replace(tmp, path)


def _toml_scalar(value: Any) -> str:
    if isinstance(value, list):  # listing.production_partner_ids: a TOML array
        return "[" + ", ".join(_toml_scalar(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return f'"{value}"'  # kept as a string so decimals stay exact
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def display_value(key: str, value: Any) -> Any:
    """What `config show` prints for a value: never a secret, nor a URL's credentials."""
    if key in SECRET_KEYS:
        return "(set)" if value is not None else None
    if key in URL_KEYS and isinstance(value, str):
        return redact_url(value, keep_path=key not in TOKEN_PATH_KEYS)
    if isinstance(value, Decimal):
        return str(value)
    return value


def iter_values(loaded: LoadedSettings) -> Iterator[tuple[str, Any, Origin]]:
    for info in setting_keys():
        section, _, name = info.key.partition(".")
        value = getattr(getattr(loaded.settings, section), name)
        yield info.key, display_value(info.key, value), loaded.origin(info.key)
