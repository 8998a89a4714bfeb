"""Who is registered: the stations whose officers get posts on Telegram, and the bot's access.

The directory is the only source of who may press: a chat must be the ``chat_id`` of a
loudspeaker endpoint routed ``via: telegram`` and the user one of that endpoint's
``deliver.users``. An endpoint without ``users`` accepts nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from campaign.directory import Directory
from campaign.planner import DEFAULT_SLOT_MINUTES
from campaign.workspace import Workspace
from channels.base import ConfigError
from channels.loudspeaker import LoudspeakerConfig, TelegramRoute

__all__ = ["Roster", "Station", "TelegramAccess", "bot_configured", "chat_key",
           "quiet_http_logs", "telegram_access"]


def chat_key(chat_id: int | str) -> str:
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
                chat_id=chat_key(route.chat_id), users=frozenset(route.users),
                slot_minutes=endpoint.slot_minutes or DEFAULT_SLOT_MINUTES))
        return cls(stations)

    def __bool__(self) -> bool:
        return bool(self.stations)

    def chat(self, chat_id: int | str) -> list[Station]:
        """The stations served by a chat (empty: the chat is not registered)."""
        return self._by_chat.get(chat_key(chat_id), [])

    def station(self, endpoint_id: str) -> Station | None:
        return self._by_endpoint.get(endpoint_id)

    def endpoint_ids(self, stations: Sequence[Station] | None = None) -> list[str]:
        """Endpoint ids of ``stations`` (all stations when None), for ledger queries."""
        return [s.endpoint_id for s in (self.stations if stations is None else stations)]


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
    return bool(settings and settings.token and _anyone(ws.directory))


def _anyone(directory: Directory) -> bool:
    """A loudspeaker station, a ward receiving prints, an editor receiving articles or a
    leader approving by Telegram: someone the bot listens to."""
    from campaign.bot.evidence import EvidenceRoster

    telegram = directory.data.telegram
    return (bool(Roster.from_directory(directory)) or bool(EvidenceRoster.from_directory(directory))
            or bool(telegram is not None and telegram.approvers))


def telegram_access(ws: Workspace) -> TelegramAccess:
    """The Bot API base and token; ConfigError (Vietnamese) when something is missing."""
    settings = ws.directory.data.telegram
    if settings is None or not settings.token:
        raise ConfigError("Chưa khai báo telegram.token (dạng env:TEN_BIEN) trong directory.yaml.")
    if not _anyone(ws.directory):
        raise ConfigError("Chưa có loa truyền thanh (hay ấn phẩm, bài viết) nào gửi qua "
                          "Telegram (deliver: {via: telegram, chat_id: ..., users: [...]}), "
                          "cũng chưa có lãnh đạo duyệt qua Telegram (telegram: approvers) "
                          "trong directory.yaml.")
    return TelegramAccess(api_base=settings.api_base.rstrip("/"), token=ws.secrets(settings.token))


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
