"""The ward-staff Telegram bot: button presses, reminders and the /lich and /trogiup commands.

The loudspeaker adapter (``channels.loudspeaker``, route ``telegram``) sends the ward officer
the script and audio with three buttons whose ``callback_data`` is ``p:<post_id>:<action>``.
This module is the other half:

* a listener (python-telegram-bot ``Application``, long polling ``getUpdates``) that turns an
  accepted press into evidence in the ledger with :func:`schedules.operations.record_confirmation`
  — the only way a broadcast is ever marked "played" — answers the press and redraws the buttons
  to show what was recorded;
* reminders, sent once each, when an officer has not confirmed receipt shortly before the session
  or has not confirmed the broadcast some time after it ended;
* ``/lich`` (today's schedule of the chat's stations) and ``/trogiup`` (the commands).

Who may press: the chat must be the ``chat_id`` of a loudspeaker endpoint routed ``via:
telegram`` and the user one of that endpoint's ``deliver.users``; the post must belong to that
endpoint. Everything else is answered with a Vietnamese refusal and logged as ``refused``. An
endpoint without ``users`` accepts nobody: we never guess who may testify to a broadcast.

The listener runs in the foreground (``campaign bot``) or in a background thread of the
``campaign run`` service (:func:`attach_to_service`). Database work runs in worker threads
(``asyncio.to_thread``) so a slow ledger never stalls polling.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from campaign.directory import Directory
from campaign.planner import DEFAULT_SLOT_MINUTES
from campaign.workspace import Workspace
from channels.base import ConfigError
from channels.loudspeaker import (
    ACTIONS,
    LoudspeakerConfig,
    TelegramRoute,
    callback_data,
    parse_callback,
)
from schedules.ledger import Ledger, log
from schedules.models import (
    CANCELLED,
    CLAIMED,
    SENT,
    STATE_LABEL,
    UNCONFIRMED,
    Content,
    LogEntry,
    Post,
    utcnow,
)
from schedules.models import Campaign as CampaignRow
from schedules.operations import record_confirmation

__all__ = [
    "BotRunner",
    "PressOutcome",
    "Reminder",
    "Roster",
    "Station",
    "TelegramAccess",
    "WardBot",
    "attach_to_service",
    "bot_configured",
    "run_bot",
    "send_reminders",
    "telegram_access",
]

logger = logging.getLogger("campaign.bot")

REMIND_BEFORE = timedelta(minutes=15)
"""Remind when a sent post is not "received" this long before its session starts."""
REMIND_AFTER = timedelta(minutes=30)
"""Remind when a post is neither "played" nor "not played" this long after its session ended."""
REMIND_STALE = timedelta(hours=12)
"""Do not chase sessions older than this (e.g. when the service starts after a long stop)."""
REMIND_EVERY = 300.0
"""Seconds between reminder passes."""

BUTTON_CONFIRMATION = {"received": "received", "played": "played", "failed": "not_played"}
"""Button action (``channels.loudspeaker.ACTIONS``) → confirmation recorded in the ledger."""
CONFIRMATION_LABEL = {"received": "Đã nhận", "played": "Đã phát", "not_played": "Không phát được"}
PRESSABLE_STATES = (SENT, UNCONFIRMED, CLAIMED)
"""A press proves the message reached the ward, so it counts even when the dispatcher has not
recorded "sent" yet (claimed: mid-delivery) or never learnt the outcome (unconfirmed)."""
STATUS_PREFIX = "s:"
"""``callback_data`` of the status button we draw after a press: ``s:<post_id>``."""
WEEKDAY = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]

HELP_TEXT = (
    "🤖 Bot loa truyền thanh phường — các lệnh:\n"
    "/lich — lịch phát thanh hôm nay của phường\n"
    "/trogiup — danh sách lệnh\n\n"
    "Khi nhận được kịch bản và âm thanh, bấm «Đã nhận». Sau buổi phát, bấm «Đã phát» "
    "hoặc «Không phát được». Mỗi lần bấm đều được ghi vào sổ theo dõi."
)

REFUSALS = {
    "unknown_chat": "Nhóm này chưa được đăng ký với hệ thống loa truyền thanh. "
                    "Liên hệ Trung tâm VH-TT-TT để được đăng ký.",
    "unknown_user": "Bạn chưa được đăng ký để xác nhận bài phát thanh của đài này. "
                    "Liên hệ Trung tâm VH-TT-TT để được thêm vào danh sách.",
    "malformed": "Nút này không hợp lệ, không ghi nhận.",
    "unknown_post": "Không tìm thấy bài phát thanh này (có thể đã được lập lịch lại).",
    "wrong_chat": "Bài phát thanh này không thuộc đài của nhóm này, không ghi nhận.",
    "not_sent": "Bài này chưa được gửi hoặc đã bị huỷ, chưa xác nhận được.",
}


# --------------------------------------------------------------------------- who is registered
def _chat_key(chat_id: int | str) -> str:
    """One spelling for chat ids: YAML may say "-100123" or -100123, Telegram says -100123."""
    text = str(chat_id).strip()
    try:
        return str(int(text))
    except ValueError:
        return text


@dataclass(frozen=True)
class Station:
    """A loudspeaker endpoint whose officer gets posts on Telegram."""

    endpoint_id: str
    unit_id: str
    unit_name: str
    chat_id: str
    users: frozenset[int]
    slot_minutes: int


class Roster:
    """Registered chats and users, read from the directory (the only source of who may press)."""

    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations = list(stations)
        self._by_endpoint = {s.endpoint_id: s for s in self.stations}
        self._by_chat: dict[str, list[Station]] = {}
        for station in self.stations:
            self._by_chat.setdefault(station.chat_id, []).append(station)

    @classmethod
    def from_directory(cls, directory: Directory) -> Roster:
        stations = []
        for endpoint in directory.endpoints.values():
            if not isinstance(endpoint, LoudspeakerConfig):
                continue
            route = endpoint.route_options()
            if not isinstance(route, TelegramRoute):
                continue
            unit = directory.units.get(endpoint.unit)
            stations.append(Station(
                endpoint_id=endpoint.id, unit_id=endpoint.unit,
                unit_name=unit.name if unit else endpoint.unit,
                chat_id=_chat_key(route.chat_id), users=frozenset(route.users),
                slot_minutes=endpoint.slot_minutes or DEFAULT_SLOT_MINUTES))
        return cls(stations)

    def __bool__(self) -> bool:
        return bool(self.stations)

    def chat(self, chat_id: int | str) -> list[Station]:
        """The stations served by a chat (empty: the chat is not registered)."""
        return self._by_chat.get(_chat_key(chat_id), [])

    def station(self, endpoint_id: str) -> Station | None:
        return self._by_endpoint.get(endpoint_id)


@dataclass(frozen=True)
class TelegramAccess:
    """Where the Bot API is and the bot's token (resolved: never log this object's token)."""

    api_base: str
    token: str = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"{self.api_base}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_base}/file/bot"


def bot_configured(ws: Workspace) -> bool:
    """True when the workspace names a bot token and routes at least one station via Telegram.

    Does not resolve the token, so the service can decide cheaply whether to start the bot.
    """
    settings = ws.directory.data.telegram
    return bool(settings and settings.token and Roster.from_directory(ws.directory))


def telegram_access(ws: Workspace) -> TelegramAccess:
    """The Bot API base and token; ConfigError (Vietnamese) when something is missing."""
    settings = ws.directory.data.telegram
    if settings is None or not settings.token:
        raise ConfigError("Chưa khai báo telegram.token (dạng env:TEN_BIEN) trong directory.yaml.")
    if not Roster.from_directory(ws.directory):
        raise ConfigError("Chưa có loa truyền thanh nào gửi qua Telegram (deliver: {via: telegram, "
                          "chat_id: ..., users: [...]}) trong directory.yaml.")
    return TelegramAccess(api_base=settings.api_base.rstrip("/"), token=ws.secrets(settings.token))


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


# --------------------------------------------------------------------------- presses
@dataclass(frozen=True)
class Press:
    """A button press as Telegram reported it."""

    chat_id: int | str
    user_id: int
    user_name: str
    message_id: int | None
    data: str

    @property
    def actor(self) -> str:
        return f"telegram:{self.user_id} {self.user_name}".strip()


Keyboard = list[list[tuple[str, str]]]
"""Inline keyboard rows of (label, callback_data); turned into Telegram objects at the edge."""


@dataclass(frozen=True)
class PressOutcome:
    """What to tell the presser and how to redraw the buttons (None: leave them)."""

    accepted: bool
    answer: str
    keyboard: Keyboard | None = None
    reason: str | None = None


def confirmation_keyboard(post_id: int, confirmation: str, when: str) -> Keyboard:
    """Buttons after a press: the recorded state on top, then the presses that still matter.

    A "played" post keeps "Không phát được" (and vice versa) so a mistaken tap can be corrected;
    the correction is logged like any press.
    """
    icon = "⚠️" if confirmation == "not_played" else "✅"
    rows: Keyboard = [[(f"{icon} {CONFIRMATION_LABEL[confirmation]} lúc {when}",
                        f"{STATUS_PREFIX}{post_id}")]]
    remaining = {"received": ["played", "failed"], "played": ["failed"],
                 "not_played": ["played"]}[confirmation]
    rows.append([(ACTIONS[a], callback_data(post_id, a)) for a in remaining])
    return rows


def _short_time(at: datetime, zone: ZoneInfo, slot_day: date) -> str:
    local = at.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == slot_day else f"{local:%H:%M %d/%m}"


# --------------------------------------------------------------------------- the bot
class WardBot:
    """The listener's logic, independent of how it is run (foreground or service thread)."""

    def __init__(self, ws: Workspace, ledger: Ledger, *, clock: Callable[[], datetime] = utcnow,
                 poll_timeout: float = 30.0, request_timeout: float = 15.0,
                 remind_every: float | None = None, retry_delay: float = 2.0) -> None:
        self.ws = ws
        self.ledger = ledger
        self.clock = clock
        self.roster = Roster.from_directory(ws.directory)
        self.zone = ws.directory.zone
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.remind_every = remind_every
        self.retry_delay = retry_delay
        """First wait after Telegram was unreachable at start; doubles up to 5 minutes."""

    # ------------------------------------------------------------------ refusals
    def _refuse(self, reason: str, press: Press, *, post: Post | None = None,
                extra: dict[str, Any] | None = None) -> PressOutcome:
        detail: dict[str, Any] = {"reason": reason, "chat_id": _chat_key(press.chat_id),
                                  "user_id": press.user_id, "message_id": press.message_id,
                                  "data": press.data[:64], **(extra or {})}
        with self.ledger.session() as session:
            log(session, "refused", actor=press.actor, at=self.clock(), detail=detail,
                post_id=post.id if post else None,
                campaign_id=post.campaign_id if post else None,
                endpoint_id=post.endpoint_id if post else None)
        logger.warning("refused telegram press: %s", detail)
        return PressOutcome(False, REFUSALS[reason], reason=reason)

    # ------------------------------------------------------------------ presses
    def handle_press(self, press: Press) -> PressOutcome:
        """Check who pressed what, record accepted presses, refuse and log the rest."""
        stations = self.roster.chat(press.chat_id)
        if not stations:
            return self._refuse("unknown_chat", press)
        if press.user_id not in set().union(*(s.users for s in stations)):
            return self._refuse("unknown_user", press)
        if press.data.startswith(STATUS_PREFIX):
            return self._status(press)
        parsed = parse_callback(press.data)
        if parsed is None:
            return self._refuse("malformed", press)
        post_id, action = parsed
        with self.ledger.session() as session:
            post = session.get(Post, post_id)
        if post is None:
            return self._refuse("unknown_post", press, extra={"post_id": post_id})
        station = self.roster.station(post.endpoint_id)
        if station is None or station.chat_id != _chat_key(press.chat_id):
            return self._refuse("wrong_chat", press, post=post)
        if press.user_id not in station.users:
            return self._refuse("unknown_user", press, post=post)
        if post.state not in PRESSABLE_STATES:
            return self._refuse("not_sent", press, post=post, extra={"state": post.state})
        confirmation = BUTTON_CONFIRMATION[action]
        now = self.clock()
        record_confirmation(self.ledger, post_id, confirmation, press.actor, now=now, detail={
            "via": "telegram", "chat_id": _chat_key(press.chat_id),
            "message_id": press.message_id, "button": action})
        current, at = self._current(post_id)
        answer = f"Đã ghi nhận: {CONFIRMATION_LABEL[confirmation]}"
        if current != confirmation:
            answer += f". Bài này đã được xác nhận «{CONFIRMATION_LABEL[current]}» trước đó."
        slot_day = post.slot_at.astimezone(self.zone).date()
        keyboard = confirmation_keyboard(post_id, current, _short_time(at, self.zone, slot_day))
        return PressOutcome(True, answer, keyboard)

    def _current(self, post_id: int) -> tuple[str, datetime]:
        """The post's standing confirmation and when it was last pressed."""
        with self.ledger.session() as session:
            post = session.get(Post, post_id)
            assert post is not None and post.confirmation is not None
            at = session.scalars(
                select(LogEntry.at).where(LogEntry.post_id == post_id,
                                          LogEntry.event == post.confirmation)
                .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(1)).first()
            return post.confirmation, at or post.updated_at

    def _status(self, press: Press) -> PressOutcome:
        """The status button only reports; pressing it records nothing."""
        text = press.data[len(STATUS_PREFIX):]
        if not text.isdigit():
            return self._refuse("malformed", press)
        with self.ledger.session() as session:
            post = session.get(Post, int(text))
        if post is None:
            return self._refuse("unknown_post", press, extra={"post_id": int(text)})
        station = self.roster.station(post.endpoint_id)
        if station is None or station.chat_id != _chat_key(press.chat_id):
            return self._refuse("wrong_chat", press, post=post)
        if post.confirmation is None:
            return PressOutcome(True, "Bài này chưa được xác nhận.")
        current, at = self._current(post.id)
        slot_day = post.slot_at.astimezone(self.zone).date()
        return PressOutcome(True, f"Trạng thái: {CONFIRMATION_LABEL[current]} lúc "
                                  f"{_short_time(at, self.zone, slot_day)}.")

    # ------------------------------------------------------------------ commands
    def refuse_command(self, chat_id: int | str, user_id: int, user_name: str,
                       command: str) -> str:
        """Commands from an unregistered chat: logged, and the chat id is shown for onboarding."""
        with self.ledger.session() as session:
            log(session, "refused", actor=f"telegram:{user_id} {user_name}".strip(),
                at=self.clock(), detail={"reason": "unknown_chat", "chat_id": _chat_key(chat_id),
                                         "user_id": user_id, "command": command[:32]})
        return (f"{REFUSALS['unknown_chat']} Mã nhóm (chat_id) để đăng ký: {_chat_key(chat_id)}")

    def schedule_text(self, chat_id: int | str, now: datetime | None = None) -> str:
        """Today's posts (local day) of the chat's stations: time, title, state, confirmation."""
        stations = self.roster.chat(chat_id)
        now = now or self.clock()
        today = now.astimezone(self.zone).date()
        start = datetime.combine(today, time(0), tzinfo=self.zone)
        end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=self.zone)
        with self.ledger.session() as session:
            rows = session.execute(
                select(Post.endpoint_id, Post.slot_at, Post.state, Post.confirmation,
                       Content.body, CampaignRow.title)
                .join(Content, Content.hash == Post.content_hash)
                .join(CampaignRow, CampaignRow.id == Post.campaign_id)
                .where(Post.endpoint_id.in_([s.endpoint_id for s in stations]),
                       Post.slot_at >= start, Post.slot_at < end, Post.state != CANCELLED)
                .order_by(Post.slot_at, Post.id)).all()
        lines = [f"📅 Lịch phát thanh hôm nay, {WEEKDAY[today.weekday()]} {today:%d/%m/%Y}"]
        for station in stations:
            mine = [r for r in rows if r.endpoint_id == station.endpoint_id]
            lines.append("")
            lines.append(f"📻 {station.unit_name}")
            if not mine:
                lines.append("Không có bài phát thanh nào.")
            for row in mine:
                title = str((row.body or {}).get("title") or row.title)
                state = STATE_LABEL.get(row.state, row.state)
                if row.confirmation:
                    icon = "⚠️" if row.confirmation == "not_played" else "✅"
                    state += f" · {icon} {CONFIRMATION_LABEL[row.confirmation]}"
                elif row.state == SENT:
                    state += " · chưa xác nhận"
                lines.append(f"• {row.slot_at.astimezone(self.zone):%H:%M} — {title} — {state}")
        text = "\n".join(lines)
        return text if len(text) <= 4000 else text[:3990] + "\n…"

    # ------------------------------------------------------------------ telegram glue
    def build(self, access: TelegramAccess) -> Any:
        """A python-telegram-bot Application pointed at the workspace's Bot API base."""
        from telegram.ext import Application, CallbackQueryHandler, CommandHandler
        from telegram.request import HTTPXRequest

        timeout = self.request_timeout
        app = (Application.builder().token(access.token)
               .base_url(access.base_url).base_file_url(access.base_file_url)
               .request(HTTPXRequest(connect_timeout=timeout, read_timeout=timeout,
                                     write_timeout=timeout))
               .get_updates_request(HTTPXRequest(connect_timeout=timeout, read_timeout=timeout,
                                                 write_timeout=timeout))
               .job_queue(None).build())
        app.add_handler(CallbackQueryHandler(self._on_press))
        app.add_handler(CommandHandler("lich", self._on_schedule))
        app.add_handler(CommandHandler(["trogiup", "start", "help"], self._on_help))
        app.add_error_handler(self._on_error)
        return app

    async def _on_press(self, update: Any, _context: Any) -> None:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup
        from telegram.error import TelegramError

        query = update.callback_query
        message = query.message
        chat_id = message.chat.id if message is not None else 0
        user = query.from_user
        press = Press(chat_id=chat_id, user_id=user.id, user_name=user.full_name,
                      message_id=message.message_id if message is not None else None,
                      data=query.data or "")
        try:
            outcome = await asyncio.to_thread(self.handle_press, press)
        except Exception:  # noqa: BLE001 - answer the officer rather than leave a spinner
            logger.exception("could not record press %s", press.data[:64])
            outcome = PressOutcome(False, "Chưa ghi nhận được do lỗi hệ thống. "
                                          "Xin bấm lại sau ít phút.", reason="error")
        try:
            await query.answer(outcome.answer, show_alert=not outcome.accepted)
        except TelegramError as exc:  # e.g. "query is too old": the record stands anyway
            logger.warning("could not answer callback query: %s", exc)
        if outcome.keyboard is not None and message is not None:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                            for label, data in row] for row in outcome.keyboard])
            try:
                await query.edit_message_reply_markup(reply_markup=markup)
            except TelegramError as exc:  # "message is not modified" after a repeated press
                logger.info("buttons not redrawn: %s", exc)

    async def _on_schedule(self, update: Any, _context: Any) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if not self.roster.chat(chat.id):
            text = await asyncio.to_thread(self.refuse_command, chat.id, user.id if user else 0,
                                           user.full_name if user else "", "/lich")
        else:
            text = await asyncio.to_thread(self.schedule_text, chat.id)
        await message.reply_text(text)

    async def _on_help(self, update: Any, _context: Any) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if not self.roster.chat(chat.id):
            text = await asyncio.to_thread(self.refuse_command, chat.id, user.id if user else 0,
                                           user.full_name if user else "",
                                           (message.text or "").split()[0])
        else:
            text = HELP_TEXT
        await message.reply_text(text)

    async def _on_error(self, _update: object, context: Any) -> None:
        logger.error("telegram handler failed: %s", context.error,
                     exc_info=(type(context.error), context.error, context.error.__traceback__))

    async def serve(self, stop: threading.Event, ready: threading.Event | None = None,
                    failed: list[BaseException] | None = None) -> None:
        """Poll until ``stop`` is set. Network trouble at start is retried; a bad token is not."""
        from telegram.error import InvalidToken, NetworkError

        quiet_http_logs()
        try:
            access = telegram_access(self.ws)
        except ConfigError as exc:
            if failed is not None:
                failed.append(exc)
            if ready is not None:
                ready.set()
            raise
        delay = self.retry_delay
        while not stop.is_set():
            app = self.build(access)
            try:
                with warnings.catch_warnings():  # PTB 22.2+ RetryAfter deprecation chatter
                    warnings.simplefilter("ignore", DeprecationWarning)
                    await app.initialize()
                    await app.start()
                    await app.updater.start_polling(
                        timeout=int(self.poll_timeout), poll_interval=0.0,
                        allowed_updates=["message", "callback_query"],
                        error_callback=self._polling_error)
            except InvalidToken as exc:
                await _close(app)
                error = ConfigError("Telegram từ chối mã bot (token). Hãy kiểm tra telegram.token.")
                if failed is not None:
                    failed.append(error)
                if ready is not None:
                    ready.set()
                raise error from exc
            except NetworkError as exc:  # the ward office's internet: try again, never give up
                await _close(app)
                logger.warning("telegram unreachable (%s); retrying in %.1f s",
                               type(exc).__name__, delay)
                await _sleep_until(stop, delay)
                delay = min(delay * 2, 300.0)
                continue
            logger.info("telegram bot listening for %d station(s)", len(self.roster.stations))
            if ready is not None:
                ready.set()
            reminders = asyncio.create_task(self._remind_loop(stop)) if self.remind_every else None
            try:
                await _sleep_until(stop, None)
            finally:
                if reminders is not None:
                    reminders.cancel()
                await _close(app)
            return

    @staticmethod
    def _polling_error(exc: Exception) -> None:
        """Polling errors are retried by python-telegram-bot; say plainly what a conflict means."""
        from telegram.error import Conflict

        if isinstance(exc, Conflict):
            logger.error("another process is polling with this bot token (is 'campaign bot' "
                         "running beside 'campaign run'?): %s", exc)
        else:
            logger.warning("polling telegram failed (%s): %s", type(exc).__name__, exc)

    async def _remind_loop(self, stop: threading.Event) -> None:
        """Reminders for the foreground bot (the service runs them as an APScheduler job)."""
        assert self.remind_every
        while not stop.is_set():
            try:
                await asyncio.to_thread(send_reminders, self.ws, self.ledger, now=self.clock(),
                                        roster=self.roster)
            except Exception:  # noqa: BLE001 - a failed pass is retried on the next one
                logger.exception("reminder pass failed")
            await _sleep_until(stop, self.remind_every)


async def _close(app: Any) -> None:
    """Stop whatever part of the application got started, then release its HTTP clients."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def _sleep_until(stop: threading.Event, seconds: float | None) -> None:
    """Sleep ``seconds`` (forever if None) or until ``stop`` is set, whichever comes first."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    while not stop.is_set() and (deadline is None or loop.time() < deadline):
        await asyncio.sleep(0.05)


def run_bot(bot: WardBot, stop: threading.Event) -> None:
    """Run the listener in this thread until ``stop`` is set (``campaign bot``)."""
    asyncio.run(bot.serve(stop))


class BotRunner:
    """The listener on its own event loop in a background thread (``campaign run``, tests)."""

    def __init__(self, bot: WardBot) -> None:
        self.bot = bot
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._main, name="telegram-bot", daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(self.bot.serve(self._stop, self._ready, self._failed))
        except Exception as exc:  # noqa: BLE001 - reported to start() and the log
            if not self._failed:
                self._failed.append(exc)
            self._ready.set()
            logger.error("telegram bot stopped: %s", exc)

    def start(self, wait: float = 15.0) -> bool:
        """Start polling; True once listening (False if not within ``wait`` s — still retrying).

        Raises the ConfigError when the bot cannot work at all (no token, token refused).
        """
        self._thread.start()
        self._ready.wait(wait)
        if self._failed:
            raise self._failed[0]
        return self._ready.is_set()

    def stop(self, wait: float = 15.0) -> None:
        self._stop.set()
        self._thread.join(wait)


# --------------------------------------------------------------------------- reminders
@dataclass(frozen=True)
class Reminder:
    """One reminder that went out (and was logged as ``reminded``)."""

    post_id: int
    endpoint_id: str
    kind: str
    chat_id: str
    message_id: int
    text: str


@dataclass(frozen=True)
class _Due:
    post_id: int
    campaign_id: str
    endpoint_id: str
    kind: str
    slot_at: datetime
    title: str
    reply_to: int | None


def due_reminders(ledger: Ledger, roster: Roster, now: datetime, *,
                  before: timedelta = REMIND_BEFORE, after: timedelta = REMIND_AFTER,
                  stale: timedelta = REMIND_STALE) -> list[_Due]:
    """Posts sent to an officer that need a reminder now and have not had this one yet.

    before: sent, nothing confirmed, and ``slot − before ≤ now < session end``.
    after:  sent, neither played nor not played, and ``session end + after ≤ now`` (within
            ``stale`` of that moment).
    """
    ids = [s.endpoint_id for s in roster.stations]
    if not ids:
        return []
    longest = timedelta(minutes=max(s.slot_minutes for s in roster.stations))
    with ledger.session() as session:
        rows = session.execute(
            select(Post.id, Post.campaign_id, Post.endpoint_id, Post.slot_at, Post.expires_at,
                   Post.confirmation, Post.external_id, Content.body, CampaignRow.title)
            .join(Content, Content.hash == Post.content_hash)
            .join(CampaignRow, CampaignRow.id == Post.campaign_id)
            .where(Post.endpoint_id.in_(ids), Post.state == SENT,
                   Post.slot_at <= now + before,
                   Post.slot_at >= now - longest - after - stale)
            .order_by(Post.slot_at, Post.id)).all()
        done = {(r.post_id, (r.detail or {}).get("kind")) for r in session.execute(
            select(LogEntry.post_id, LogEntry.detail)
            .where(LogEntry.event == "reminded",
                   LogEntry.post_id.in_([r.id for r in rows]))).all()} if rows else set()
    out: list[_Due] = []
    for row in rows:
        station = roster.station(row.endpoint_id)
        assert station is not None
        end = row.expires_at or row.slot_at + timedelta(minutes=station.slot_minutes)
        kind = None
        if row.confirmation is None and row.slot_at - before <= now < end:
            kind = "before"
        elif (row.confirmation not in ("played", "not_played")
              and end + after <= now < end + after + stale):
            kind = "after"
        if kind is None or (row.id, kind) in done:
            continue
        title = str((row.body or {}).get("title") or row.title)
        reply_to = int(row.external_id) if (row.external_id or "").isdigit() else None
        out.append(_Due(row.id, row.campaign_id, row.endpoint_id, kind, row.slot_at, title,
                        reply_to))
    return out


def reminder_text(due: _Due, station: Station, zone: ZoneInfo) -> str:
    when = f"{due.slot_at.astimezone(zone):%H:%M ngày %d/%m}"
    if due.kind == "before":
        return (f"⏰ Nhắc nhở: bài «{due.title}» phát lúc {when} tại {station.unit_name} "
                "chưa được xác nhận đã nhận. Xin kiểm tra kịch bản, âm thanh và bấm «Đã nhận».")
    return (f"⏰ Nhắc nhở: buổi phát {when} tại {station.unit_name} đã kết thúc nhưng bài "
            f"«{due.title}» chưa được xác nhận. Xin bấm «Đã phát» hoặc «Không phát được».")


def send_reminders(ws: Workspace, ledger: Ledger, *, now: datetime | None = None,
                   before: timedelta = REMIND_BEFORE, after: timedelta = REMIND_AFTER,
                   roster: Roster | None = None) -> list[Reminder]:
    """Send the reminders due at ``now`` and log each as ``reminded``; returns what was sent.

    A reminder is logged only after Telegram accepted it, so one that failed is tried again on
    the next pass; one that was logged is never sent again.
    """
    now = now or utcnow()
    roster = roster or Roster.from_directory(ws.directory)
    due = due_reminders(ledger, roster, now, before=before, after=after)
    if not due:
        return []
    access = telegram_access(ws)
    quiet_http_logs()
    zone = ws.directory.zone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sent = asyncio.run(_send(access, roster, zone, due))
    with ledger.session() as session:
        for reminder, item in sent:
            log(session, "reminded", campaign_id=item.campaign_id, post_id=item.post_id,
                endpoint_id=item.endpoint_id, actor="bot", at=now,
                detail={"kind": item.kind, "chat_id": reminder.chat_id,
                        "message_id": reminder.message_id})
    return [r for r, _ in sent]


async def _send(access: TelegramAccess, roster: Roster, zone: ZoneInfo,
                due: list[_Due]) -> list[tuple[Reminder, _Due]]:
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
    from telegram.error import RetryAfter, TelegramError

    out: list[tuple[Reminder, _Due]] = []
    async with Bot(access.token, base_url=access.base_url,
                   base_file_url=access.base_file_url) as bot:
        for item in due:
            station = roster.station(item.endpoint_id)
            assert station is not None
            actions = ["received", "played", "failed"] if item.kind == "before" \
                else ["played", "failed"]
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                ACTIONS[a], callback_data=callback_data(item.post_id, a)) for a in actions]])
            text = reminder_text(item, station, zone)
            reply = ReplyParameters(item.reply_to, allow_sending_without_reply=True) \
                if item.reply_to else None
            try:
                message = await bot.send_message(chat_id=station.chat_id, text=text,
                                                 reply_markup=markup, reply_parameters=reply)
            except RetryAfter:
                logger.warning("telegram asked to slow down; remaining reminders wait")
                break
            except TelegramError as exc:
                logger.warning("reminder for post %s not sent: %s", item.post_id, exc)
                continue
            out.append((Reminder(item.post_id, item.endpoint_id, item.kind, station.chat_id,
                                 message.message_id, text), item))
    return out


# --------------------------------------------------------------------------- the service
def attach_to_service(scheduler: Any, ws: Workspace, ledger: Ledger, *,
                      remind_every: float = REMIND_EVERY) -> Callable[[], None] | None:
    """Start the bot in a thread and add the reminder job to the service's scheduler.

    Does nothing (returns None) when the workspace has no bot token or no Telegram-routed
    station. Returns the function that stops the bot.
    """
    if not bot_configured(ws):
        return None
    runner = BotRunner(WardBot(ws, ledger))
    try:
        if not runner.start(wait=5.0):
            logger.warning("telegram bot not listening yet; it keeps retrying in the background")
    except ConfigError as exc:
        logger.error("telegram bot not started: %s", exc.message)
        runner.stop()
        return None
    lock = threading.Lock()

    def remind() -> None:
        if not lock.acquire(blocking=False):
            return
        try:
            sent = send_reminders(ws, ledger, roster=runner.bot.roster)
            if sent:
                logger.info("sent %d reminder(s)", len(sent))
        except Exception:  # noqa: BLE001 - the service must survive a bad pass
            logger.exception("reminder pass failed")
        finally:
            lock.release()

    scheduler.add_job(remind, "interval", seconds=remind_every, id="reminders", max_instances=1,
                      coalesce=True)
    return runner.stop
