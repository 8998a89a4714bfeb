"""Contract every channel adapter fulfils.

Adapters are pure I/O: they take a :class:`Delivery`, talk to one platform and return a
:class:`Receipt` or raise one of the typed errors below. They never touch the database or the
scheduler; the dispatcher (``schedules``) decides what an error means for the post and writes the
delivery log. Each adapter maps its platform's answers to these errors in exactly one place.

Error messages are Vietnamese (people read them in the log and the dashboard) and must never
contain a secret: use :func:`channels.secrets.redact` on anything that echoes a request.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

ChannelName = Literal["facebook", "zalo", "led", "loudspeaker", "website", "visual"]
CHANNELS: tuple[str, ...] = ("facebook", "zalo", "led", "loudspeaker")


# --------------------------------------------------------------------------- errors
class ChannelError(Exception):
    """Base of every typed adapter error.

    ``code``/``subcode`` are the platform's own error codes, ``http_status`` the HTTP status
    (if any), ``platform_message`` the platform's message text (redacted), ``trace_id`` a
    platform trace id (fbtrace_id …). ``detail`` carries anything else worth logging.
    """

    kind: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        code: int | str | None = None,
        subcode: int | str | None = None,
        http_status: int | None = None,
        platform_message: str | None = None,
        trace_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.subcode = subcode
        self.http_status = http_status
        self.platform_message = platform_message
        self.trace_id = trace_id
        self.detail = dict(detail or {})

    def as_detail(self) -> dict[str, Any]:
        """JSON-able description for the delivery log."""
        out: dict[str, Any] = {"error": self.kind, "message": self.message}
        for key in ("code", "subcode", "http_status", "platform_message", "trace_id"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out.update(self.detail)
        return out


class ConfigError(ChannelError):
    """The endpoint's configuration is wrong or incomplete; an operator must fix it."""

    kind = "config"


class AuthError(ChannelError):
    """Credentials were refused or expired. The dispatcher refreshes once, then retries once.

    ``reconnect`` is true when only a person can fix it (e.g. a revoked Facebook page token):
    the endpoint is flagged for the operator.
    """

    kind = "auth"

    def __init__(self, message: str, *, reconnect: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.reconnect = reconnect


class RateLimitError(ChannelError):
    """The platform asked us to slow down; ``retry_after`` seconds is its hint."""

    kind = "rate_limit"

    def __init__(self, message: str, *, retry_after: float = 60.0, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = float(retry_after)


class TransientError(ChannelError):
    """A passing fault (5xx, connection refused before sending). Safe to retry with backoff.

    Raise it only when the platform certainly did *not* act on the request; when that is
    unknown, raise :class:`UnknownOutcomeError`.
    """

    kind = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UnknownOutcomeError(ChannelError):
    """The request may or may not have been acted on (timeout after sending, connection reset).

    For at-most-once channels the post becomes ``unconfirmed`` and waits for an operator; for
    idempotent channels the dispatcher treats it like a transient error.
    """

    kind = "unknown"


class PermanentError(ChannelError):
    """The platform refused this content for good (duplicate, invalid, forbidden)."""

    kind = "permanent"


class CancelledError(ChannelError):
    """The engine asked the adapter to stop (an emergency cut in, the lease was lost, the
    service is stopping) and it did. ``partial`` is true when some of the delivery already
    reached the platform (part of a stream was played)."""

    kind = "cancelled"

    def __init__(self, message: str, *, partial: bool = False, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.partial = partial


class PermissionDeniedError(PermanentError):
    """The token works but lacks a permission; an operator must grant it."""

    kind = "permission"


# --------------------------------------------------------------------------- config
def hhmm(value: Any) -> str:
    """Normalise a local clock time to ``HH:MM``.

    YAML 1.1 reads an unquoted ``05:30`` as the base-60 integer 330; accept that too, so
    operators need not remember to quote times.
    """
    if isinstance(value, bool):
        raise ValueError("Giờ phải ghi dạng HH:MM, ví dụ \"05:30\".")
    if isinstance(value, int):
        if not 0 <= value < 24 * 60:
            raise ValueError("Giờ phải ghi dạng HH:MM, ví dụ \"05:30\".")
        return f"{value // 60:02d}:{value % 60:02d}"
    text = str(value).strip().lower().replace("h", ":")
    if text.endswith(":"):
        text += "00"
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"Giờ '{value}' không đúng dạng HH:MM, ví dụ \"05:30\".")
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 24 and 0 <= minute < 60) or (hour == 24 and minute):
        raise ValueError(f"Giờ '{value}' không tồn tại.")
    return f"{hour:02d}:{minute:02d}"


HHMM = Annotated[str, BeforeValidator(hhmm)]


def known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (``Asia/Ho_Chi_Minh``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return False
    return True


def zone_name(value: str) -> str:
    """Validator for every ``timezone:`` field (directory, boards, Zalo): a known IANA name."""
    if not known_zone(value):
        raise ValueError(f"Không biết múi giờ '{value}'. Dùng tên IANA, ví dụ "
                         "Asia/Ho_Chi_Minh.")
    return value


def check_folder(folder: Path) -> None:
    """For ``check()`` of a folder route: the folder exists or can be made, and takes a file.

    Raises :class:`ConfigError` in Vietnamese naming the folder and the fix. Nothing is left
    behind (the probe file is removed at once).
    """
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".kiem-tra-"):
            pass
    except OSError as exc:
        raise ConfigError(f"Không ghi được vào thư mục {folder} ({exc.strerror or exc}). Cấp "
                          "quyền ghi cho người dùng chạy dịch vụ hoặc sửa deliver.path.") from None


def digits_text(value: Any) -> Any:
    """Validator (``mode="before"``) for numeric platform ids: YAML reads an unquoted id as an
    int; accept it as text rather than force quoting."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def minutes_of(value: str) -> int:
    """Minutes since midnight of an ``HH:MM`` string."""
    hour, minute = value.split(":")
    return int(hour) * 60 + int(minute)


class DeliverSpec(BaseModel):
    """How an endpoint's posts physically leave: ``via`` names the route, the rest its options."""

    model_config = ConfigDict(extra="allow")
    via: str


class EndpointConfig(BaseModel):
    """Fields every endpoint in ``directory.yaml`` has. Adapters subclass it with their own."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    channel: ChannelName
    unit: str
    name: str | None = None
    slots: list[HHMM] = Field(default_factory=list, description="Local HH:MM session times")
    slot_minutes: int | None = Field(default=None, gt=0, le=24 * 60)
    quiet_hours: tuple[HHMM, HHMM] | None = None
    rate_per_minute: float | None = Field(default=None, gt=0)
    """Our own pacing for this endpoint (None: only the platform's limits apply)."""
    deliver: DeliverSpec | None = None

    @property
    def via(self) -> str | None:
        return self.deliver.via if self.deliver else None

    def option(self, name: str, default: Any = None) -> Any:
        """A ``deliver`` option (``deliver: {via: folder, path: …}``)."""
        if self.deliver is None:
            return default
        extra = self.deliver.model_extra or {}
        return extra.get(name, default)


def adapter_kind(channel: str, via: str | None) -> str:
    """Which adapter serves an endpoint: ``outbox`` when routed there, otherwise its channel."""
    return "outbox" if via == "outbox" else channel


# --------------------------------------------------------------------------- context
class TokenStore(abc.ABC):
    """Where adapters keep credentials that the platform rotates (Zalo refresh tokens).

    Implemented by the ledger (encrypted at rest). ``put`` must be durable before it returns:
    a rotated refresh token that is lost cannot be recovered.
    """

    @abc.abstractmethod
    def get(self, endpoint_id: str, name: str) -> str | None: ...

    @abc.abstractmethod
    def put(self, endpoint_id: str, name: str, value: str) -> None: ...


class MemoryTokenStore(TokenStore):
    """A token store that lives in memory: for `render` commands and tests of pure I/O."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], str] = {}

    def get(self, endpoint_id: str, name: str) -> str | None:
        return self._data.get((endpoint_id, name))

    def put(self, endpoint_id: str, name: str, value: str) -> None:
        self._data[(endpoint_id, name)] = value


@dataclass
class AdapterContext:
    """What an adapter may use besides its own configuration."""

    secrets: Callable[[str], str]
    """Resolves a value such as ``env:FB_TOKEN`` to the secret (raises ConfigError if missing)."""
    workspace: Path
    media_dir: Path
    var_dir: Path
    tokens: TokenStore = field(default_factory=MemoryTokenStore)
    timeout: float = 20.0
    now: Callable[[], datetime] | None = None
    telegram: Mapping[str, Any] = field(default_factory=dict)
    """Workspace-wide Telegram settings (``api_base``, ``token``) for ward-staff delivery."""
    speech: Mapping[str, Any] = field(default_factory=dict)
    """Workspace reading settings: ``dictionary`` (absolute path), ``syllables_per_second``,
    ``engine`` (a speech-engine block, espeak-ng when absent)."""


# --------------------------------------------------------------------------- delivery
@dataclass(frozen=True)
class Delivery:
    """One post, ready to leave: what, where, when and for whom."""

    post_id: int
    post_key: str
    campaign_id: str
    campaign_title: str
    message_id: str
    channel: str
    priority: str
    content: Mapping[str, Any]
    """The channel variant of the message (see campaign.definition): text/link/image for
    facebook, title/text/cover for zalo, slogans/dwell for led, script for loudspeaker."""
    due_at: datetime
    """Aware UTC instant."""
    local_due: datetime
    """The same instant in the campaign's time zone, for people and file names."""
    expires_at: datetime | None
    unit_id: str
    unit_name: str
    attempt: int = 1
    cancel: threading.Event = field(default_factory=threading.Event, compare=False,
                                    repr=False)
    """Set by the engine to stop a long delivery: adapters that stream check it between
    chunks (and wait on it instead of sleeping) and raise :class:`CancelledError`."""


@dataclass
class Receipt:
    """What the platform answered when it accepted a delivery."""

    evidence: str
    """What we know happened: ``posted`` (public), ``pushed`` (player accepted), ``written``
    (file dropped), ``sent`` (message to a person), ``streamed`` (audio played to a mount)."""
    external_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


ConfigT = TypeVar("ConfigT", bound=EndpointConfig)
"""An adapter's own configuration class (a subclass of :class:`EndpointConfig`)."""


class Adapter(abc.ABC, Generic[ConfigT]):
    """One channel's I/O. Subclasses set ``kind``, ``Config`` and implement :meth:`deliver`.

    ``Adapter[FacebookConfig]`` types ``self.config`` (and ``self.endpoint``, the same object)
    as the adapter's own configuration, so its fields are checked where they are used.
    """

    kind: ClassVar[str]
    Config: ClassVar[type[EndpointConfig]] = EndpointConfig
    routes: ClassVar[tuple[str | None, ...]] = (None,)
    """The ``deliver.via`` values this adapter serves (None: an entry without ``deliver``).
    The contract test (tests/channels/test_contract.py) needs one case per (kind, route)."""
    at_most_once: ClassVar[bool] = False
    """True for public posting without an idempotency key (Facebook, Zalo): an unknown
    outcome must never be retried automatically."""

    def __init__(self, endpoint: ConfigT, context: AdapterContext) -> None:
        self.endpoint: ConfigT = endpoint
        self.config: ConfigT = endpoint
        self.context = context

    @classmethod
    def is_at_most_once(cls, endpoint: EndpointConfig) -> bool:
        """Whether this endpoint's deliveries must never be repeated by the engine itself.

        Defaults to the class flag; an adapter with several routes can decide per route
        (a message to a person is not idempotent, a folder drop is).
        """
        return cls.at_most_once

    @classmethod
    def ahead_seconds(cls, endpoint: EndpointConfig) -> float:
        """How long before ``due_at`` the engine may hand over a delivery. An adapter that
        returns more than 0 prepares (transcodes, connects) and then waits for ``due_at``
        itself (on ``Delivery.cancel``), so a live stream starts on the second."""
        return 0.0

    @abc.abstractmethod
    def deliver(self, delivery: Delivery) -> Receipt:
        """Send one post. Returns a receipt or raises a :class:`ChannelError` subclass."""

    def refresh(self) -> None:  # noqa: B027 - optional hook
        """Renew credentials after an :class:`AuthError`. Default: nothing to renew."""

    def prepare(self, content: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Render what delivering ``content`` needs (speech, transcodes) into the caches
        :meth:`deliver` reads, ahead of time: an emergency issued for 25 wards must not
        synthesise its speech 25 times at the moment it is due. Default: nothing to render."""

    def check(self) -> dict[str, Any]:
        """Verify configuration and credentials without posting anything."""
        return {"ok": True}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release sockets and files."""


# --------------------------------------------------------------------------- registry
AnyAdapter = Adapter[Any]
_REGISTRY: dict[str, type[AnyAdapter]] = {}
_A = TypeVar("_A", bound=type[AnyAdapter])


def register(kind: str) -> Callable[[_A], _A]:
    """Class decorator: make an adapter available under ``kind``."""

    def deco(cls: _A) -> _A:
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return deco


def registry() -> dict[str, type[AnyAdapter]]:
    """All adapters, importing every module of the ``channels`` package once."""
    if not _REGISTRY or not _loaded[0]:
        import importlib
        import pkgutil

        import channels

        for info in pkgutil.iter_modules(channels.__path__):
            if info.name not in {"base", "secrets", "http"} and not info.name.startswith("_"):
                importlib.import_module(f"channels.{info.name}")
        _loaded[0] = True
    return dict(_REGISTRY)


_loaded = [False]


def adapter_class(kind: str) -> type[AnyAdapter]:
    """The adapter registered under ``kind``; ConfigError with the known kinds otherwise."""
    known = registry()
    try:
        return known[kind]
    except KeyError:
        raise ConfigError(
            f"Không có kênh gửi '{kind}'. Các kênh có sẵn: {', '.join(sorted(known))}."
        ) from None
