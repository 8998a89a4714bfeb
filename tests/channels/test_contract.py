"""One contract, every adapter and every route: the promises of ``channels.base`` checked alike.

Each adapter route is one :class:`Case` in :data:`CASES`, keyed by (kind, ``deliver.via``): how
to start its local platform fake, its documented ``directory.yaml`` entry, the content of a post,
how to make each typed error happen, what its destination looks like (for idempotency), which
fake calls would publish something and how to break it so ``check()`` must notice. Adding a
channel or a route (``Adapter.routes``) means adding one case;
:func:`test_every_registered_route_has_a_case` fails until it is there.

Promises checked through the public contract only (``registry``/``adapter_class``, ``Config``,
``at_most_once``, ``deliver``, ``check``, ``close``, the typed errors, :class:`Receipt`):

1. the registry knows every kind, and an unknown kind is a ConfigError in Vietnamese;
2. ``Config`` refuses an unknown field and a secret written in clear where ``env:NAME`` is
   required, and accepts the documented entry;
3. ``deliver()`` returns evidence from the documented vocabulary, never "played";
4. every error the adapter documents is raised with its type (rate limits with a positive
   ``retry_after``);
5. ``at_most_once`` is true exactly for public posting, and idempotent routes converge when the
   same post is delivered twice (the first delivery shows at the destination, the second adds
   nothing; a stream leaves no source connected and both deliveries stream the same bytes);
6. a recognisable secret placed in the environment never shows in a log line (DEBUG, including
   urllib3/httpx/httpcore), ``str(exc)``, ``exc.as_detail()`` or ``Receipt.detail``;
7. ``check()`` returns a dict and publishes nothing, and it notices a broken route (a wrong
   credential, an unwritable folder): a typed error or ``ok: False``.

Icecast is included: it reuses the real icecast2 started by the module-scoped ``icecast``
fixture of ``test_loudspeaker.py`` (re-bound below, started only when an icecast case runs). A
real server cannot be made to answer 429 or a platform refusal, so that route's documented
errors here are the two it can produce on demand: a refused source password (auth) and a server
that is not listening (transient).

"Unwritable destination" is a regular file standing where a folder of the path must be: the
tests may run as root, for whom permission bits do not stop a write.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from channels.base import (
    Adapter,
    AdapterContext,
    AuthError,
    ChannelError,
    ConfigError,
    Delivery,
    EndpointConfig,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    Receipt,
    TokenStore,
    TransientError,
    UnknownOutcomeError,
    adapter_class,
    adapter_kind,
    registry,
)
from channels.secrets import SecretResolver
from schedules.ledger import EncryptedTokenStore, Ledger, new_secret_key
from tests.channels import test_loudspeaker as loudspeaker_tests
from tests.channels.fakes.anthias import FakeAnthias
from tests.channels.fakes.graph_api import GraphAPI, graph_error
from tests.channels.fakes.nukeviet_api import NukevietAPI, nv_result
from tests.channels.fakes.telegram_api import TelegramAPI
from tests.channels.fakes.wordpress_api import WordpressAPI, wp_error
from tests.channels.fakes.zalo_api import ZaloAPI, zalo_error

icecast = loudspeaker_tests.icecast
"""The real icecast2 of the loudspeaker tests (module scope: started once, and only if used)."""

SECRET = "SECRET-CONTRACT-TOKEN-123"
REFRESH_SECRET = "SECRET-CONTRACT-REFRESH-456"
BOT_TOKEN = f"123456:{SECRET}"
ICE_PASSWORD = loudspeaker_tests.ICE_PASSWORD
"""The source password the shared icecast2 was configured with."""
EVIDENCE = frozenset({"posted", "pushed", "written", "sent", "streamed"})
PUBLIC_POSTING = frozenset({"facebook", "zalo", "website"})
TO_A_PERSON = frozenset({"loudspeaker-telegram", "visual-telegram"})
"""Routes that message a person: not idempotent, so never repeated by the engine either."""
FILE_ROUTES = frozenset({"website-package"})
"""Routes of a public-posting kind that only write files: idempotent."""
NO_SUCH_FIELD = "no_such_field_anywhere"
NOW = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 08:00 in Việt Nam
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CHAT = -100123
RECORDING = "ban-tin.mp3"
HTTP_LOGGERS = ("urllib3", "httpx", "httpcore", "telegram", "channels", "requests")


# =========================================================================== harness
@dataclass
class Run:
    """One case, started: its fake, workspace, endpoint entry and context, ready to script."""

    case: Case
    workspace: Path
    fake: Any
    address: str
    raw: dict[str, Any]
    context: AdapterContext
    monkeypatch: pytest.MonkeyPatch
    env_values: list[str] = field(default_factory=list)

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)
        self.env_values.append(value)

    def adapter(self) -> Adapter:
        cls = adapter_class(self.case.kind)
        return cls(cls.Config.model_validate(self.raw), self.context)

    def secrets(self) -> list[str]:
        """Every secret this run put in the environment or the platform handed out."""
        return [s for s in {*self.env_values, *self.case.issued(self)} if s]


@dataclass(frozen=True)
class Scenario:
    """How to make ``deliver()`` fail with ``error`` (applied before the adapter is built)."""

    name: str
    error: type[ChannelError]
    script: Callable[[Run], None]


def _nothing(_run: Run) -> list[Any]:
    return []


WRONG = "WRONG-CONTRACT-CREDENTIAL-789"
"""A credential the platform fakes do not know (for ``check()`` to notice)."""


def wrong_secret(name: str = "CONTRACT_TOKEN", value: str = WRONG) -> Callable[[Run], None]:
    """The environment names a credential the platform refuses."""
    return lambda run: run.setenv(name, value)


@dataclass(frozen=True)
class Case:
    """Everything the contract tests need to know about one adapter route."""

    id: str
    kind: str
    channel: str
    evidence: str
    content: Mapping[str, Any]
    config: Callable[[str], dict[str, Any]]
    """The documented endpoint entry, given the fake's address."""
    errors: tuple[Scenario, ...]
    state: Callable[[Run], Any]
    """What the destination holds now (files, posts, assets, messages)."""
    publishing: Callable[[Run], list[Any]] = _nothing
    """Calls the fake received that publish or change something visible."""
    start: Callable[[pytest.FixtureRequest], AbstractContextManager[tuple[Any, str]]] = (
        lambda _request: _no_fake())
    env: Mapping[str, str] = field(default_factory=lambda: {"CONTRACT_TOKEN": SECRET})
    literal_secret: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """The valid entry with a secret written in clear (None: the entry holds no secret)."""
    telegram: Callable[[str], dict[str, Any]] | None = None
    issued: Callable[[Run], list[str]] = _nothing
    """Secrets the platform issues at run time (rotated tokens)."""
    tokens: Callable[[Path], TokenStore] | None = None
    timeout: float = 0.5
    broken: Callable[[Run], None] | None = None
    """How to break the route so that ``check()`` must report it (required of every case)."""
    lasting: bool = True
    """A delivery leaves something at the destination (False: a live stream, which does not)."""

    @property
    def route(self) -> tuple[str, str | None]:
        """(adapter kind, ``deliver.via``) of the documented entry: the key of a case."""
        return self.kind, adapter_class(self.kind).Config.model_validate(self.config("")).via

    @property
    def at_most_once(self) -> bool:
        return (self.kind in PUBLIC_POSTING and self.id not in FILE_ROUTES) or \
            self.id in TO_A_PERSON


@contextmanager
def _no_fake() -> Iterator[tuple[Any, str]]:
    yield None, ""


@contextmanager
def running(case: Case, request: pytest.FixtureRequest, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch, recording: Path) -> Iterator[Run]:
    """Start the case's fake and give a workspace, context and endpoint entry for it."""
    media = tmp_path / "media"
    media.mkdir()
    shutil.copy(recording, media / RECORDING)
    with case.start(request) as (fake, address):
        context = AdapterContext(
            secrets=SecretResolver({}), workspace=tmp_path, media_dir=media,
            var_dir=tmp_path / "var", timeout=case.timeout, now=lambda: NOW,
            telegram=case.telegram(address) if case.telegram else {})
        if case.tokens is not None:
            context.tokens = case.tokens(tmp_path)
        run = Run(case, tmp_path, fake, address, case.config(address), context, monkeypatch)
        for name, value in case.env.items():
            run.setenv(name, value)
        yield run


def delivery(case: Case, post_id: int = 7) -> Delivery:
    return Delivery(
        post_id=post_id, post_key=f"nq57:m1:{case.id}:2025-03-03", campaign_id="nq57",
        campaign_title="Nghị quyết 57", message_id="m1", channel=case.channel,
        priority="normal", content=dict(case.content), due_at=NOW, local_due=NOW.astimezone(VN),
        expires_at=NOW + timedelta(days=7), unit_id="tan-phong", unit_name="Phường Tân Phong")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def files_under(rel: str) -> Callable[[Run], dict[str, bytes]]:
    def state(run: Run) -> dict[str, bytes]:
        root = run.workspace / rel
        if not root.is_dir():
            return {}
        return {str(p.relative_to(root)): p.read_bytes()
                for p in sorted(root.rglob("*")) if p.is_file()}

    return state


def blocked(rel: str) -> Callable[[Run], None]:
    """A regular file where a folder of the destination path must be."""

    def script(run: Run) -> None:
        path = run.workspace / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not a folder", encoding="utf-8")

    return script


def unwritable(rel: str) -> Scenario:
    return Scenario("unwritable", TransientError, blocked(rel))


# =========================================================================== cases
# ---------------------------------------------------------------- outbox
OUTBOX = Case(
    id="outbox", kind="outbox", channel="facebook", evidence="written",
    content={"title": "Nghị quyết 57", "text": "Nội dung tuyên truyền."},
    config=lambda _address: {"id": "outbox-tan-phong", "channel": "facebook",
                             "unit": "tan-phong", "deliver": {"via": "outbox",
                                                              "path": "outbox"}},
    errors=(unwritable("outbox"),),
    state=files_under("outbox"),
    broken=blocked("outbox"),
)


# ---------------------------------------------------------------- facebook
@contextmanager
def graph_api(_request: pytest.FixtureRequest) -> Iterator[tuple[GraphAPI, str]]:
    with GraphAPI(page_token=SECRET) as fake:
        yield fake, fake.api_base


def graph_fault(code: int, status: int = 400) -> Callable[[Run], None]:
    """Graph's error body, echoing the token the way a careless platform message might."""
    return lambda run: run.fake.script(
        "/feed", status=status, body=graph_error(code, f"(#{code}) failure for token {SECRET}"))


FACEBOOK = Case(
    id="facebook", kind="facebook", channel="facebook", evidence="posted",
    content={"title": "Nghị quyết 57", "text": "Nội dung tuyên truyền."},
    config=lambda address: {"id": "fb-tan-phong", "channel": "facebook", "unit": "tan-phong",
                            "page_id": "1029384756", "token": "env:CONTRACT_TOKEN",
                            "api_base": address or "https://graph.facebook.com/v25.0"},
    literal_secret=lambda raw: {**raw, "token": SECRET},
    start=graph_api,
    errors=(
        Scenario("auth", AuthError, graph_fault(190)),
        Scenario("rate_limit", RateLimitError, graph_fault(4)),
        Scenario("transient", TransientError, graph_fault(2, status=500)),
        Scenario("permanent", PermanentError, graph_fault(506)),
        Scenario("permission", PermissionDeniedError, graph_fault(10)),
        Scenario("unknown", UnknownOutcomeError, lambda run: run.fake.script("/feed", drop=True)),
    ),
    state=lambda run: (dict(run.fake.posts), dict(run.fake.photos)),
    publishing=lambda run: [(r.method, r.path) for r in run.fake.requests if r.method != "GET"],
    broken=wrong_secret(),
)


# ---------------------------------------------------------------- zalo
@contextmanager
def zalo_api(_request: pytest.FixtureRequest) -> Iterator[tuple[ZaloAPI, str]]:
    with ZaloAPI(secret_key=SECRET, refresh_token=REFRESH_SECRET) as fake:
        yield fake, fake.base


def zalo_fault(code: int) -> Callable[[Run], None]:
    return lambda run: run.fake.script(
        "/article/create", status=200, body=zalo_error(code, f"Lỗi {code} secret_key {SECRET}"))


def durable_tokens(tmp_path: Path) -> TokenStore:
    """The ledger's encrypted store: with it, Zalo's check() really talks to the platform."""
    return EncryptedTokenStore(Ledger(f"sqlite:///{tmp_path / 'ledger.db'}"),
                               key=new_secret_key())


ZALO_PUBLISHING = ("/article/create", "/article/verify", "/oa/upload/image", "/oa/message",
                   "/message/promotion")

ZALO = Case(
    id="zalo", kind="zalo", channel="zalo", evidence="posted",
    content={"title": "Nghị quyết 57", "text": "Đoạn một.\n\nĐoạn hai."},
    config=lambda address: {"id": "zalo-tan-phong", "channel": "zalo", "unit": "tan-phong",
                            "oa_id": "579745863508352884", "app_id": "4433221100",
                            "secret_key": "env:CONTRACT_TOKEN",
                            "refresh_token": "env:CONTRACT_REFRESH",
                            **({"api_base": address, "oauth_base": address} if address else {})},
    literal_secret=lambda raw: {**raw, "secret_key": SECRET},
    start=zalo_api,
    env={"CONTRACT_TOKEN": SECRET, "CONTRACT_REFRESH": REFRESH_SECRET},
    tokens=durable_tokens,
    issued=lambda run: [run.fake.refresh_token, *run.fake.access_tokens],
    errors=(
        Scenario("auth", AuthError, zalo_fault(-216)),
        Scenario("rate_limit", RateLimitError, zalo_fault(-32)),
        Scenario("transient", TransientError, lambda run: run.fake.script(
            "/v4/oa/access_token", status=503, raw=b"<html>Service Unavailable</html>")),
        Scenario("permanent", PermanentError, zalo_fault(-201)),
        Scenario("unknown", UnknownOutcomeError,
                 lambda run: run.fake.script("/article/create", drop=True)),
    ),
    state=lambda run: dict(run.fake.articles),
    publishing=lambda run: [r.path for r in run.fake.requests
                            if r.path.endswith(ZALO_PUBLISHING)],
    broken=wrong_secret(),
)


# ---------------------------------------------------------------- led
LED_CONTENT = {"title": "Khẩu hiệu", "slogans": ["ĐOÀN KẾT XÂY DỰNG"], "dwell": 8}

LED_FOLDER = Case(
    id="led-folder", kind="led", channel="led", evidence="written", content=LED_CONTENT,
    config=lambda _address: {"id": "led-tan-phong", "channel": "led", "unit": "tan-phong",
                             "size": "192x96",
                             "deliver": {"via": "folder", "path": "var/led/tan-phong"}},
    errors=(unwritable("var/led"),),
    state=files_under("var/led/tan-phong"),
    broken=blocked("var/led"),
)


@contextmanager
def anthias_player(_request: pytest.FixtureRequest) -> Iterator[tuple[FakeAnthias, str]]:
    with FakeAnthias(password=SECRET) as fake:
        yield fake, fake.api_base


def anthias_fault(status: int, **kw: Any) -> Callable[[Run], None]:
    return lambda run: run.fake.fail("/api/v2/file_asset", status, **kw)


LED_ANTHIAS = Case(
    id="led-anthias", kind="led", channel="led", evidence="pushed", content=LED_CONTENT,
    config=lambda address: {"id": "led-tan-phong", "channel": "led", "unit": "tan-phong",
                            "size": "192x96", "deliver": {"via": "anthias"},
                            "api_base": address or "http://10.0.0.5", "username": "admin",
                            "password": "env:CONTRACT_TOKEN"},
    literal_secret=lambda raw: {**raw, "password": SECRET},
    start=anthias_player,
    errors=(
        Scenario("auth", AuthError, anthias_fault(401)),
        Scenario("rate_limit", RateLimitError, anthias_fault(429, headers={"Retry-After": "42"})),
        Scenario("transient", TransientError, anthias_fault(503)),
        Scenario("permanent", PermanentError, anthias_fault(400)),
        # the player creates the asset but answers after the client's timeout
        Scenario("unknown", UnknownOutcomeError, lambda run: run.fake.fail(
            "/api/v2/assets", 201, method="POST", delay=0.8, apply=True)),
    ),
    state=lambda run: (sorted((a["name"], a["uri"], a["duration"], a["start_date"],
                               a["end_date"]) for a in run.fake.assets.values()),
                       sorted(run.fake.files)),
    publishing=lambda run: [(c.method, c.path) for c in run.fake.calls if c.method != "GET"],
    broken=wrong_secret(),
)


# ---------------------------------------------------------------- loudspeaker
SPEAKER_CONTENT = {"title": "Tổng vệ sinh", "audio": RECORDING,
                   "script": "Kính thưa bà con, sáng mai phường tổ chức tổng vệ sinh."}


def speaker_config(deliver: dict[str, Any]) -> dict[str, Any]:
    return {"id": "loa-tan-phong", "channel": "loudspeaker", "unit": "tan-phong",
            "slots": ["05:30", "17:00"], "slot_minutes": 15, "deliver": deliver}


SPEAKER_FOLDER = Case(
    id="loudspeaker-folder", kind="loudspeaker", channel="loudspeaker", evidence="written",
    content=SPEAKER_CONTENT,
    config=lambda _address: speaker_config({"via": "folder", "path": "var/loa/tan-phong"}),
    errors=(unwritable("var/loa"),),
    state=files_under("var/loa/tan-phong"),
    broken=blocked("var/loa"),
)


@contextmanager
def icecast_server(request: pytest.FixtureRequest) -> Iterator[tuple[int, str]]:
    port = request.getfixturevalue("icecast")
    yield port, f"http://127.0.0.1:{port}/contract.mp3"


def icecast_sources(run: Run) -> list[str]:
    """Mounts that still have a source once the server has noticed finished streams.

    A stream leaves nothing behind, so after a delivery this settles to no source at all: the
    idempotency check can only show that nothing lingers (a repeat is still heard twice)."""
    deadline = time.monotonic() + 5.0
    while True:
        sources = loudspeaker_tests.icecast_status(run.fake).get("source") or []
        mounts = sorted(s["listenurl"] for s in (
            sources if isinstance(sources, list) else [sources]))
        if not mounts or time.monotonic() > deadline:
            return mounts
        time.sleep(0.05)


SPEAKER_ICECAST = Case(
    id="loudspeaker-icecast", kind="loudspeaker", channel="loudspeaker", evidence="streamed",
    content=SPEAKER_CONTENT,
    config=lambda address: speaker_config({
        "via": "icecast", "url": address or "http://10.0.0.9:8000/loa.mp3",
        "password": "env:CONTRACT_TOKEN"}),
    literal_secret=lambda raw: {**raw, "deliver": {**raw["deliver"], "password": SECRET}},
    start=icecast_server,
    env={"CONTRACT_TOKEN": ICE_PASSWORD},
    timeout=5.0,
    errors=(
        # the environment now holds the recognisable secret, which is the wrong password
        Scenario("auth", AuthError, lambda run: run.setenv("CONTRACT_TOKEN", SECRET)),
        Scenario("transient", TransientError, lambda run: run.raw.update(deliver={
            **run.raw["deliver"], "url": f"http://127.0.0.1:{closed_port()}/contract.mp3"})),
    ),
    state=icecast_sources,
    broken=wrong_secret(),
    lasting=False,
)


@contextmanager
def bot_api(_request: pytest.FixtureRequest) -> Iterator[tuple[TelegramAPI, str]]:
    with TelegramAPI(BOT_TOKEN, chats={CHAT: "Loa phường Tân Phong"}) as fake:
        yield fake, fake.base


def telegram_fault(status: int, description: str, method: str = "sendAudio",
                   **kw: Any) -> Callable[[Run], None]:
    return lambda run: run.fake.fail(method, status, f"{description} ({SECRET})", **kw)


def telegram_elsewhere(run: Run) -> None:
    run.context.telegram = {"api_base": f"http://127.0.0.1:{closed_port()}",
                            "token": "env:CONTRACT_TOKEN"}


SPEAKER_TELEGRAM = Case(
    id="loudspeaker-telegram", kind="loudspeaker", channel="loudspeaker", evidence="sent",
    content=SPEAKER_CONTENT,
    config=lambda _address: speaker_config({"via": "telegram", "chat_id": CHAT,
                                            "users": [5001]}),
    telegram=lambda address: {"api_base": address, "token": "env:CONTRACT_TOKEN"},
    start=bot_api,
    env={"CONTRACT_TOKEN": BOT_TOKEN},
    timeout=5.0,
    errors=(
        Scenario("auth", AuthError, telegram_fault(401, "Unauthorized")),
        Scenario("rate_limit", RateLimitError,
                 telegram_fault(429, "Too Many Requests: retry after 17", retry_after=17)),
        Scenario("transient", TransientError, telegram_elsewhere),
        Scenario("permanent", PermanentError,
                 telegram_fault(400, "Bad Request: wrong file identifier")),
        Scenario("permission", PermissionDeniedError,
                 telegram_fault(403, "Forbidden: bot was blocked by the user")),
        Scenario("unknown", UnknownOutcomeError, telegram_fault(502, "Bad Gateway")),
    ),
    state=lambda run: [(c.method, c.fields.get("text") or c.fields.get("caption"))
                       for c in run.fake.calls if c.method.startswith("send")],
    publishing=lambda run: [c.method for c in run.fake.calls if c.method.startswith("send")],
    broken=wrong_secret(value=f"123456:{WRONG}"),
)


# ---------------------------------------------------------------- website
WEB_CONTENT = {"title": "Nghị quyết 57", "text": "Đoạn một.\n\nĐoạn hai.",
               "category": "Tin tức - Sự kiện",
               "sources": [{"kind": "Công văn", "number": "1587/UBND-KGVX",
                            "date": "2025-02-20", "issuer": "UBND tỉnh Đồng Nai"}]}


def web_config(deliver: dict[str, Any]) -> dict[str, Any]:
    return {"id": "web-tan-phong", "channel": "website", "unit": "tan-phong", "deliver": deliver}


@contextmanager
def wordpress_site(_request: pytest.FixtureRequest) -> Iterator[tuple[WordpressAPI, str]]:
    with WordpressAPI(user="bientap", app_password=SECRET) as fake:
        yield fake, fake.url


def wp_fault(path: str, status: int, code: str | None = None, method: str = "POST",
             **kw: Any) -> Callable[[Run], None]:
    body = wp_error(code, f"{code}: refused for {SECRET}", status) if code else None
    return lambda run: run.fake.script(path, method=method, status=status, body=body,
                                       raw=None if body else b"<html>busy</html>", **kw)


WEBSITE_WORDPRESS = Case(
    id="website-wordpress", kind="website", channel="website", evidence="posted",
    content=WEB_CONTENT,
    config=lambda address: web_config({"via": "wordpress",
                                       "url": address or "https://tanphong.gov.vn",
                                       "user": "bientap", "password": "env:CONTRACT_TOKEN"}),
    literal_secret=lambda raw: {**raw, "deliver": {**raw["deliver"], "password": SECRET}},
    start=wordpress_site,
    errors=(
        Scenario("auth", AuthError, wp_fault("/posts", 401, "rest_cannot_create")),
        Scenario("rate_limit", RateLimitError, wp_fault("/posts", 429,
                                                        headers={"Retry-After": "90"})),
        Scenario("transient", TransientError, wp_fault("/categories", 500, method="GET")),
        Scenario("permanent", PermanentError, wp_fault("/posts", 400, "rest_invalid_param")),
        Scenario("permission", PermissionDeniedError,
                 wp_fault("/posts", 403, "rest_cannot_publish")),
        Scenario("unknown", UnknownOutcomeError,
                 lambda run: run.fake.script("/posts", method="POST", drop=True)),
    ),
    state=lambda run: (dict(run.fake.posts), sorted(run.fake.media)),
    publishing=lambda run: [(r.method, r.path) for r in run.fake.requests if r.method != "GET"],
    broken=wrong_secret(),
)


@contextmanager
def nukeviet_portal(_request: pytest.FixtureRequest) -> Iterator[tuple[NukevietAPI, str]]:
    with NukevietAPI(apisecret=SECRET) as fake:
        yield fake, fake.url


def nv_fault(code: str, **kw: Any) -> Callable[[Run], None]:
    return lambda run: run.fake.script("/api.php", status=200,
                                       body=nv_result(code, f"refused {SECRET}"), **kw)


WEBSITE_NUKEVIET = Case(
    id="website-nukeviet", kind="website", channel="website", evidence="posted",
    content=WEB_CONTENT,
    config=lambda address: web_config({"via": "nukeviet",
                                       "url": address or "https://tanphong.gov.vn/api.php",
                                       "apikey": "nv-campaign",
                                       "apisecret": "env:CONTRACT_TOKEN", "catid": 3}),
    literal_secret=lambda raw: {**raw, "deliver": {**raw["deliver"], "apisecret": SECRET}},
    start=nukeviet_portal,
    errors=(
        Scenario("auth", AuthError, nv_fault("0014")),
        Scenario("rate_limit", RateLimitError, lambda run: run.fake.script(
            "/api.php", status=429, raw=b"<html>Too Many Requests</html>",
            headers={"Retry-After": "45"})),
        Scenario("transient", TransientError, nv_fault("0012")),
        Scenario("permanent", PermanentError, nv_fault("0000")),
        Scenario("permission", PermissionDeniedError, nv_fault("0004")),
        Scenario("unknown", UnknownOutcomeError,
                 lambda run: run.fake.script("/api.php", drop=True)),
    ),
    state=lambda run: dict(run.fake.articles),
    publishing=lambda run: [r.form.get("action") for r in run.fake.requests
                            if r.form.get("action")],
    broken=wrong_secret(),
)

WEBSITE_PACKAGE = Case(
    id="website-package", kind="website", channel="website", evidence="written",
    content=WEB_CONTENT,
    config=lambda _address: web_config({"via": "package", "path": "var/website/tan-phong"}),
    errors=(unwritable("var/website"),),
    state=files_under("var/website/tan-phong"),
    broken=blocked("var/website"),
)

# ---------------------------------------------------------------- visual
VISUAL_FOLDER = Case(
    id="visual-folder", kind="visual", channel="visual", evidence="written",
    content={"title": "Khẩu hiệu", "slogans": ["ĐOÀN KẾT XÂY DỰNG"]},
    config=lambda _address: {"id": "bang-ron-tan-phong", "channel": "visual",
                             "unit": "tan-phong", "kind": "ap-phich", "size": "A3",
                             "deliver": {"via": "folder", "path": "var/in-an/tan-phong"}},
    errors=(unwritable("var/in-an"),),
    state=files_under("var/in-an/tan-phong"),
    broken=blocked("var/in-an"),
)

VISUAL_TELEGRAM = Case(
    id="visual-telegram", kind="visual", channel="visual", evidence="sent",
    content={"title": "Khẩu hiệu", "slogans": ["ĐOÀN KẾT XÂY DỰNG"]},
    config=lambda _address: {"id": "bang-ron-tan-phong", "channel": "visual",
                             "unit": "tan-phong", "kind": "ap-phich", "size": "A3",
                             "deliver": {"via": "telegram", "chat_id": CHAT, "users": [5001]}},
    telegram=lambda address: {"api_base": address, "token": "env:CONTRACT_TOKEN"},
    start=bot_api,
    env={"CONTRACT_TOKEN": BOT_TOKEN},
    timeout=5.0,
    errors=(
        Scenario("auth", AuthError, telegram_fault(401, "Unauthorized", "sendDocument")),
        Scenario("rate_limit", RateLimitError,
                 telegram_fault(429, "Too Many Requests: retry after 17", "sendDocument",
                                retry_after=17)),
        Scenario("transient", TransientError, telegram_elsewhere),
        Scenario("permission", PermissionDeniedError,
                 telegram_fault(403, "Forbidden: bot was kicked from the group chat",
                                "sendDocument")),
        Scenario("unknown", UnknownOutcomeError, telegram_fault(502, "Bad Gateway", "sendDocument")),
    ),
    state=lambda run: [(c.method, c.fields.get("text") or c.fields.get("caption"))
                       for c in run.fake.calls if c.method.startswith("send")],
    publishing=lambda run: [c.method for c in run.fake.calls if c.method.startswith("send")],
    broken=wrong_secret(value=f"123456:{WRONG}"),
)


CASES: tuple[Case, ...] = (OUTBOX, FACEBOOK, ZALO, LED_FOLDER, LED_ANTHIAS, SPEAKER_FOLDER,
                           SPEAKER_ICECAST, SPEAKER_TELEGRAM, WEBSITE_WORDPRESS,
                           WEBSITE_NUKEVIET, WEBSITE_PACKAGE, VISUAL_FOLDER,
                           VISUAL_TELEGRAM)
IDS = [case.id for case in CASES]
ERROR_CASES = [pytest.param(case, scenario, id=f"{case.id}-{scenario.name}")
               for case in CASES for scenario in case.errors]
IDEMPOTENT = [pytest.param(case, id=case.id) for case in CASES if not case.at_most_once]


# =========================================================================== helpers
@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-second recorded bulletin: loudspeaker cases skip speech synthesis with it."""
    path = tmp_path_factory.mktemp("media") / RECORDING
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "libmp3lame", str(path)], check=True)
    return path


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture everything at DEBUG, including HTTP client loggers someone may have quietened."""
    caplog.set_level(logging.DEBUG)
    for name in HTTP_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def start(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          recording: Path) -> Callable[[Case], AbstractContextManager[Run]]:
    return lambda case: running(case, request, tmp_path, monkeypatch, recording)


def leaks(run: Run, texts: Mapping[str, str]) -> list[str]:
    """Where (which text) each secret of the run shows up."""
    return [f"{where}: …{text[max(0, text.find(secret) - 80):text.find(secret) + 40]}…"
            for secret in run.secrets() for where, text in texts.items() if secret in text]


def assert_no_secret(run: Run, logs: pytest.LogCaptureFixture, *,
                     exc: ChannelError | None = None, receipt: Receipt | None = None,
                     result: Any = None) -> None:
    texts: dict[str, str] = {f"log {r.name}": r.getMessage() for r in logs.records}
    texts["log text (with tracebacks)"] = logs.text
    if exc is not None:
        texts.update({
            "str(exc)": str(exc), "repr(exc)": repr(exc),
            "exc.as_detail()": json.dumps(exc.as_detail(), ensure_ascii=False, default=str),
            "exc.platform_message": str(exc.platform_message or "")})
    if receipt is not None:
        texts["receipt.detail"] = json.dumps(receipt.detail, ensure_ascii=False, default=str)
        texts["receipt.external_id"] = str(receipt.external_id or "")
    if result is not None:
        texts["check()"] = json.dumps(result, ensure_ascii=False, default=str)
    found = leaks(run, texts)
    assert not found, f"{run.case.id}: a secret leaked:\n" + "\n".join(found)


def deliver_error(adapter: Adapter, post: Delivery) -> ChannelError:
    try:
        receipt = adapter.deliver(post)
    except ChannelError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - reported as a contract violation below
        pytest.fail(f"deliver() raised an untyped {type(exc).__name__}: {exc}")
    finally:
        adapter.close()
    pytest.fail(f"deliver() succeeded ({receipt}) where a typed error was expected")


def shown_to_operator(exc: ValidationError) -> str:
    """The messages campaign.yamlsrc turns a ValidationError into (not pydantic's own repr,
    which quotes the input value)."""
    return "\n".join(str((err.get("ctx") or {}).get("error") or err["msg"])
                     for err in exc.errors(include_url=False))


def mentions(value: Any, word: str) -> bool:
    """True if ``word`` is a key or a string value anywhere in ``value``."""
    if isinstance(value, Mapping):
        return any(k == word or mentions(v, word) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return any(mentions(v, word) for v in value)
    return value == word


# =========================================================================== 1. registry
def registered_routes() -> list[tuple[str, str | None]]:
    """Every (kind, route) the registry serves, from each adapter's ``routes``."""
    return sorted(((kind, via) for kind, cls in registry().items() for via in cls.routes),
                  key=str)


def test_every_registered_route_has_a_case() -> None:
    cases = sorted((case.route for case in CASES), key=str)
    assert cases == registered_routes(), (
        "every registered (adapter kind, deliver.via) needs exactly one Case in "
        "test_contract.CASES, and every Case a registered route")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_an_undeclared_route_is_refused(case: Case) -> None:
    """``Adapter.routes`` is the whole list: a route the adapter's Config accepts but does not
    declare would have no contract case."""
    if case.route[1] in (None, "outbox"):
        return  # no deliver block to swap; ``via: outbox`` is the outbox adapter by definition
    declared = set(adapter_class(case.kind).routes)
    others = {via for _kind, via in registered_routes()} - declared - {None, "outbox"}
    assert others, "no route of another adapter to try"
    for via in sorted(others | {"no-such-route"}):
        raw = case.config("")
        raw = {**raw, "deliver": {**raw["deliver"], "via": via}}
        with pytest.raises(ValidationError) as info:
            adapter_class(case.kind).Config.model_validate(raw)
        assert "không gửi được qua" in shown_to_operator(info.value), (case.id, via)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_registry_resolves_the_kind(case: Case) -> None:
    cls = adapter_class(case.kind)
    assert cls is registry()[case.kind]
    assert issubclass(cls, Adapter) and cls.kind == case.kind
    assert issubclass(cls.Config, EndpointConfig)


def test_unknown_kind_is_a_config_error_in_vietnamese() -> None:
    with pytest.raises(ConfigError) as info:
        adapter_class("fax")
    message = str(info.value)
    assert "Không có kênh gửi 'fax'" in message and "Các kênh có sẵn" in message
    for kind in registry():
        assert kind in message


# =========================================================================== 2. config
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_accepts_the_documented_entry(case: Case, tmp_path: Path) -> None:
    cls = adapter_class(case.kind)
    config = cls.Config.model_validate(case.config(""))
    assert adapter_kind(config.channel, config.via) == case.kind, (
        "the dispatcher would route this entry to another adapter")
    context = AdapterContext(secrets=SecretResolver({}, environ={}), workspace=tmp_path,
                             media_dir=tmp_path, var_dir=tmp_path)
    cls(config, context).close()  # building and closing an adapter touches no secret


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_refuses_an_unknown_field(case: Case) -> None:
    cls = adapter_class(case.kind)
    raw = {**case.config(""), NO_SUCH_FIELD: "x"}
    try:
        cls.Config.model_validate(raw)
    except ValidationError as exc:
        assert NO_SUCH_FIELD in str(exc)
    else:
        pytest.fail(f"{case.id}: {cls.Config.__name__} accepted the field '{NO_SUCH_FIELD}', "
                    "which no adapter knows; a typo in directory.yaml would pass unnoticed")


@pytest.mark.parametrize("case", [c for c in CASES if c.literal_secret], ids=lambda c: c.id)
def test_config_refuses_a_secret_written_in_clear(case: Case) -> None:
    cls = adapter_class(case.kind)
    assert case.literal_secret is not None
    raw = case.literal_secret(case.config(""))
    try:
        cls.Config.model_validate(raw)
    except ValidationError as exc:
        shown = shown_to_operator(exc)  # what `campaign` prints for a directory.yaml problem
        assert "env:" in shown, f"the refusal should say how to write the reference: {shown}"
        assert SECRET not in shown, "the refusal repeats the secret it refused"
    else:
        pytest.fail(f"{case.id}: {cls.Config.__name__} accepted a secret written in clear "
                    "instead of an env:NAME reference (it would only fail at delivery time)")


# =========================================================================== 3. success
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_deliver_returns_documented_evidence(case: Case, start: Any,
                                            logs: pytest.LogCaptureFixture) -> None:
    with start(case) as run:
        adapter = run.adapter()
        try:
            receipt = adapter.deliver(delivery(case))
        finally:
            adapter.close()
        assert isinstance(receipt, Receipt)
        assert receipt.evidence in EVIDENCE, f"evidence {receipt.evidence!r} is not documented"
        assert receipt.evidence == case.evidence
        assert receipt.evidence != "played" and not mentions(receipt.detail, "played"), (
            "only a player's own report may claim 'played'")
        assert_no_secret(run, logs, receipt=receipt)


# =========================================================================== 4 + 6. errors
@pytest.mark.parametrize(("case", "scenario"), ERROR_CASES)
def test_deliver_raises_the_documented_error(case: Case, scenario: Scenario, start: Any,
                                             logs: pytest.LogCaptureFixture) -> None:
    with start(case) as run:
        scenario.script(run)
        exc = deliver_error(run.adapter(), delivery(case))
        assert type(exc) is scenario.error, (
            f"{case.id} {scenario.name}: expected {scenario.error.__name__}, got "
            f"{type(exc).__name__}: {exc}")
        assert exc.message.strip()
        if isinstance(exc, RateLimitError):
            assert exc.retry_after > 0
        assert_no_secret(run, logs, exc=exc)


# =========================================================================== 5. idempotency
def test_at_most_once_exactly_for_public_posting() -> None:
    flagged = {kind for kind, cls in registry().items() if cls.at_most_once}
    assert flagged == set(PUBLIC_POSTING)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_at_most_once_flag(case: Case) -> None:
    cls = adapter_class(case.kind)
    endpoint = cls.Config.model_validate(case.config(""))
    assert cls.is_at_most_once(endpoint) is case.at_most_once


@pytest.mark.parametrize("case", IDEMPOTENT)
def test_delivering_twice_leaves_the_same_state(case: Case, start: Any,
                                                logs: pytest.LogCaptureFixture) -> None:
    with start(case) as run:
        before = case.state(run)
        first = run.adapter()
        try:
            receipt_1 = first.deliver(delivery(case))
        finally:
            first.close()
        once = case.state(run)
        second = run.adapter()  # a retry may come from a new process: no memory shared
        try:
            receipt_2 = second.deliver(delivery(case))
        finally:
            second.close()
        twice = case.state(run)
        if case.lasting:
            assert once != before, f"{case.id}: the first delivery left nothing to compare"
        else:  # a live stream: nothing may linger, and the repeat streams the same bulletin
            assert once == before == twice == [], f"{case.id}: a source is still connected"
            assert receipt_1.detail["bytes"] > 0
            assert receipt_2.detail["bytes"] == receipt_1.detail["bytes"]
        assert twice == once, (
            f"{case.id} is not at-most-once, so the engine retries it, but delivering the same "
            f"post twice changed the destination:\nonce:  {once!r:.600}\ntwice: {twice!r:.600}")
        assert (receipt_2.evidence, receipt_2.external_id) == \
            (receipt_1.evidence, receipt_1.external_id)
        assert_no_secret(run, logs, receipt=receipt_2)


# =========================================================================== 7. check
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_publishes_nothing(case: Case, start: Any,
                                 logs: pytest.LogCaptureFixture) -> None:
    with start(case) as run:
        before = case.state(run)
        adapter = run.adapter()
        try:
            result = adapter.check()
        finally:
            adapter.close()
        assert isinstance(result, dict) and "ok" in result
        assert case.publishing(run) == [], f"check() published: {case.publishing(run)}"
        assert case.state(run) == before, "check() changed the destination"
        assert_no_secret(run, logs, result=result)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_check_notices_a_broken_route(case: Case, start: Any,
                                      logs: pytest.LogCaptureFixture) -> None:
    assert case.broken is not None, f"{case.id}: say how to break it (Case.broken)"
    with start(case) as run:
        case.broken(run)
        adapter = run.adapter()
        error: ChannelError | None = None
        result: dict[str, Any] | None = None
        try:
            result = adapter.check()
        except ChannelError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - reported as a contract violation below
            pytest.fail(f"check() raised an untyped {type(exc).__name__}: {exc}")
        finally:
            adapter.close()
        if error is None:
            assert isinstance(result, dict) and result.get("ok") is False, (
                f"{case.id}: check() did not notice the broken route: {result}")
        else:
            assert error.message.strip()
        assert case.publishing(run) == []
        assert_no_secret(run, logs, exc=error, result=result)


def test_cases_are_consistent() -> None:
    """The harness itself: unique ids, documented evidence, every error a typed one."""
    assert len(set(IDS)) == len(IDS)
    for case in CASES:
        assert case.evidence in EVIDENCE
        assert case.errors, f"{case.id} documents no error"
        assert all(issubclass(s.error, ChannelError) for s in case.errors)
