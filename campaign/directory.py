"""``directory.yaml``: the units (wards, communes, the centre), groups and endpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assets.print import size_table
from assets.speech import load_dictionary
from assets.speech.engines import SpeechError, engine_from_config
from campaign import yamlsrc
from campaign.errors import InputError, Problem
from channels.base import (
    HHMM,
    ConfigError,
    EndpointConfig,
    adapter_class,
    adapter_kind,
    zone_name,
)

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_QUIET_HOURS: dict[str, tuple[str, str]] = {
    "facebook": ("22:00", "06:00"),
    "zalo": ("22:00", "06:00"),
    "loudspeaker": ("21:30", "05:00"),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Signer(Strict):
    """Who signs the results report (Nghị định 30/2020: quyền hạn, chức vụ, họ tên)."""

    authority: str | None = Field(default=None, max_length=60)
    """Quyền hạn when signing for the head: "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN"…"""
    title: str = Field(min_length=1, max_length=60)
    """Chức vụ: "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"…"""
    name: str = Field(min_length=1, max_length=80)


class Organisation(Strict):
    name: str = "Trung tâm Văn hóa - Thông tin - Thể thao"
    parent: str | None = None
    """Cơ quan chủ quản, printed above the name in reports."""
    place: str | None = None
    short_name: str | None = None
    signer: Signer | None = None


ID = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class Unit(Strict):
    id: ID
    name: str = Field(min_length=1)
    kind: Literal["centre", "ward", "commune", "other"] = "ward"
    groups: list[ID] = Field(default_factory=list)


class Group(Strict):
    id: ID
    name: str


class TelegramApprover(Strict):
    """A leader who approves campaigns from Telegram (their numeric Telegram user id)."""

    telegram_id: int
    name: str = Field(min_length=1)


class TelegramSettings(Strict):
    token: str | None = None
    api_base: str = "https://api.telegram.org"
    approvers: list[TelegramApprover] = Field(default_factory=list)
    dashboard_url: str | None = None
    """The dashboard's address as leaders reach it (links in Telegram approval requests)."""


class Reading(Strict):
    syllables_per_second: float = Field(default=4.0, gt=0.5, le=10)
    dictionary: str | None = None
    """Extra abbreviations for reading aloud (YAML file in the workspace)."""
    engine: dict[str, Any] | None = None
    """Speech engine: espeak-ng by default; ``{engine: http, url: …, api_key: env:NAME,
    voice: …}`` for a commercial Vietnamese TTS service."""

    @field_validator("engine")
    @classmethod
    def _engine(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            try:
                engine_from_config(value)  # shape only: secrets are resolved at delivery
            except SpeechError as exc:
                raise ValueError(str(exc)) from None
        return value


class EndpointPacing(Strict):
    per_minute: float | None = Field(default=None, gt=0)
    """Our own pacing for this endpoint (overrides the endpoint's ``rate_per_minute``)."""
    in_flight: int = Field(default=1, ge=1, le=64)
    """Deliveries in flight at once on this endpoint (1: a mount plays one stream)."""


class Pacing(Strict):
    """``pacing:`` — how fast we publish, before a platform has to tell us to slow down.

    ``platforms`` are posts per minute across every endpoint of a platform from this
    installation (0 turns our pacing off); defaults are in schedules.ratelimit.
    """

    platforms: dict[str, float] = Field(default_factory=dict)
    endpoints: dict[str, EndpointPacing] = Field(default_factory=dict)

    @field_validator("platforms")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for name, rate in value.items():
            if rate < 0:
                raise ValueError(f"Tốc độ của {name} phải ≥ 0 bài/phút (0: không giới hạn).")
        return value


class PrintSizeEntry(Strict):
    """One line of ``print_sizes:`` (see assets.print.sizes.size_table)."""

    kind: Literal["bang-ron", "phuon", "pano", "ap-phich", "to-roi"]
    name: str = Field(min_length=1, max_length=40)
    width_mm: float = Field(gt=0, le=50000)
    height_mm: float = Field(gt=0, le=50000)
    bleed_mm: float | None = Field(default=None, ge=0, le=100)
    distance_m: float | None = Field(default=None, gt=0, le=500)
    sides: Literal[1, 2] = 1


class Reminders(Strict):
    """``reminders:`` — when the bot chases wards that have not reported their results."""

    report_days_before: int = Field(default=3, ge=0, le=60)
    """From this many days before a campaign's ``report_due`` until that day, wards that have
    reported nothing get one Telegram message a day (0: no such reminders)."""


class DirectoryFile(Strict):
    timezone: str = DEFAULT_TIMEZONE
    organisation: Organisation = Field(default_factory=Organisation)
    units: list[Unit] = Field(min_length=1)
    groups: list[Group] = Field(default_factory=list)
    endpoints: list[dict[str, Any]] = Field(default_factory=list)
    quiet_hours: dict[Literal["facebook", "zalo", "led", "loudspeaker"],
                      tuple[HHMM, HHMM]] = Field(default_factory=dict)
    telegram: TelegramSettings | None = None
    reading: Reading = Field(default_factory=Reading)
    pacing: Pacing = Field(default_factory=Pacing)
    print_sizes: list[PrintSizeEntry] = Field(default_factory=list)
    """The centre's own sizes of printed materials, added to (or replacing) the built-in
    table of assets.print.sizes."""
    reminders: Reminders = Field(default_factory=Reminders)
    retention_days: int = Field(default=180, ge=0)
    """Outbox previews and cached speech older than this are pruned (0: keep forever). The
    ledger and its delivery log are never pruned: reports are made from them."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return zone_name(value)


class Directory:
    """Validated directory with lookups used by the planner and the dispatcher."""

    def __init__(self, data: DirectoryFile, endpoints: list[EndpointConfig], path: str,
                 source: yamlsrc.Source | None = None) -> None:
        self.data = data
        self.path = path
        self.source = source
        """The parsed file, so that problems found later (slots) can name its lines."""
        self.endpoint_index: dict[str, int] = {}
        self.timezone = data.timezone
        self.units = {u.id: u for u in data.units}
        self.groups = {g.id: g for g in data.groups}
        for unit in data.units:
            for gid in unit.groups:
                self.groups.setdefault(gid, Group(id=gid, name=gid))
        self.endpoints = {e.id: e for e in endpoints}
        self.print_sizes = size_table(
            p.model_dump(exclude_none=True) for p in data.print_sizes)
        """Printed-material sizes: built-in plus the directory's ``print_sizes``."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def platform_rates(self) -> dict[str, float]:
        """Posts per minute per platform: the documented defaults, overridden by ``pacing``."""
        from schedules.ratelimit import PLATFORM_RATES_PER_MINUTE

        rates = {**PLATFORM_RATES_PER_MINUTE, **self.data.pacing.platforms}
        return {name: rate for name, rate in rates.items() if rate > 0}

    def endpoint_rates(self) -> dict[str, float]:
        return {eid: p.per_minute for eid, p in self.data.pacing.endpoints.items()
                if p.per_minute}

    def in_flight(self) -> dict[str, int]:
        return {eid: p.in_flight for eid, p in self.data.pacing.endpoints.items()}

    def quiet_hours(self, channel: str) -> tuple[str, str] | None:
        by_channel = cast("dict[str, tuple[str, str]]", self.data.quiet_hours)
        return by_channel.get(channel, DEFAULT_QUIET_HOURS.get(channel))

    def resolve_targets(self, targets: list[str]) -> list[str]:
        """Unit ids named by a campaign's targets (units, groups or ``tat-ca``), in file order."""
        chosen: set[str] = set()
        for target in targets:
            if target == "tat-ca":
                chosen.update(self.units)
            elif target in self.units:
                chosen.add(target)
            elif target in self.groups:
                chosen.update(u.id for u in self.data.units if target in u.groups)
        return [u.id for u in self.data.units if u.id in chosen]

    def unknown_targets(self, targets: list[str]) -> list[str]:
        return [t for t in targets
                if t != "tat-ca" and t not in self.units and t not in self.groups]

    def endpoints_for(self, channel: str, unit_ids: list[str]) -> list[EndpointConfig]:
        wanted = set(unit_ids)
        return [e for e in self.endpoints.values() if e.channel == channel and e.unit in wanted]


def load_directory(path: Path) -> Directory:
    """Read and validate ``directory.yaml``; every problem names its line."""
    source = yamlsrc.load(path)
    if not isinstance(source.data, dict):
        raise InputError.single(path, "Tệp danh bạ phải là các cặp 'tên: giá trị'.", line=1,
                                fix="Xem mẫu bằng lệnh: campaign init THU_MUC")
    data: DirectoryFile = yamlsrc.validate(source, DirectoryFile)
    problems: list[Problem] = _reading_problems(source, data.reading, path.parent)
    seen: dict[str, int] = {}
    for group, items in (("units", [u.id for u in data.units]),
                         ("groups", [g.id for g in data.groups])):
        for idx, ident in enumerate(items):
            if ident in seen:
                problems.append(Problem(source.path, source.line_of([group, idx, "id"]), "id",
                                        f"Mã '{ident}' bị trùng.", "Đặt mã khác cho đơn vị/nhóm này."))
            seen[ident] = idx
    unit_ids = {u.id for u in data.units}
    sizes = size_table(p.model_dump(exclude_none=True) for p in data.print_sizes)
    endpoints: list[EndpointConfig] = []
    endpoint_ids: set[str] = set()
    for idx, raw in enumerate(data.endpoints):
        loc: list[str | int] = ["endpoints", idx]
        model: type[BaseModel] = EndpointConfig
        try:
            common = EndpointConfig.model_validate(
                {k: v for k, v in raw.items() if k in EndpointConfig.model_fields})
            model = adapter_class(adapter_kind(common.channel, common.via)).Config
            endpoint = model.model_validate(raw, context={"print_sizes": sizes})
        except ValidationError as exc:
            problems.extend(yamlsrc.problems_from_validation(source, exc, loc, model))
            continue
        except ConfigError as exc:
            problems.append(Problem(source.path, source.line_of([*loc, "deliver", "via"]),
                                    "deliver.via", exc.message))
            continue
        if endpoint.id in endpoint_ids:
            problems.append(Problem(source.path, source.line_of([*loc, "id"]), "id",
                                    f"Mã điểm nhận '{endpoint.id}' bị trùng.",
                                    "Đặt mã khác cho điểm nhận này."))
        if endpoint.unit not in unit_ids:
            problems.append(Problem(source.path, source.line_of([*loc, "unit"]), "unit",
                                    f"Không có đơn vị '{endpoint.unit}' trong danh sách units.",
                                    "Sửa mã đơn vị hoặc thêm đơn vị vào mục units."))
        problems.extend(_endpoint_problems(source, loc, raw, endpoint))
        endpoint_ids.add(endpoint.id)
        endpoints.append(endpoint)
    for eid in data.pacing.endpoints:
        if eid not in endpoint_ids:
            problems.append(Problem(source.path, source.line_of(["pacing", "endpoints", eid]),
                                    "pacing.endpoints", f"Không có điểm nhận '{eid}'.",
                                    "Sửa mã cho đúng với mục endpoints."))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0))
    directory = Directory(data, endpoints, source.path, source)
    directory.endpoint_index = {str(raw.get("id")): idx for idx, raw in enumerate(data.endpoints)}
    return directory


URL_KEYS = ("url", "api_base", "base_url")


def _endpoint_problems(source: yamlsrc.Source, loc: list[str | int], raw: dict[str, Any],
                       endpoint: EndpointConfig) -> list[Problem]:
    """Slots that are the same instant (\"06:00\" and \"6h\") and malformed addresses."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for idx, slot in enumerate(endpoint.slots):
        if slot in seen:
            problems.append(Problem(
                source.path, source.line_of([*loc, "slots", idx]), "slots",
                f"Giờ phát {slot} của đài {endpoint.id} bị ghi hai lần (có thể dưới hai cách "
                "viết như \"06:00\" và \"6h\").", "Xoá giờ trùng trong slots."))
        seen.setdefault(slot, idx)
    places: list[tuple[list[str | int], Any]] = [([*loc, k], raw.get(k)) for k in URL_KEYS]
    deliver = raw.get("deliver")
    if isinstance(deliver, dict):
        places += [([*loc, "deliver", k], deliver.get(k)) for k in URL_KEYS]
    for where, value in places:
        if value is None or (isinstance(value, str) and value.startswith("env:")):
            continue
        if not _good_url(value):
            problems.append(Problem(
                source.path, source.line_of(where), str(where[-1]),
                f"Địa chỉ '{str(value)[:60]}' không hợp lệ.",
                "Ghi địa chỉ đầy đủ, ví dụ http://192.168.1.20 hoặc https://may-chu.vn/api."))
    return problems


def _good_url(value: Any) -> bool:
    if not isinstance(value, str) or any(c.isspace() or ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _reading_problems(source: yamlsrc.Source, reading: Reading, root: Path) -> list[Problem]:
    """The reading dictionary must exist in the workspace and load."""
    if not reading.dictionary:
        return []
    line = source.line_of(["reading", "dictionary"])
    path = root / reading.dictionary
    try:
        found = path.is_file()
    except (OSError, ValueError):
        found = False
    if not found:
        return [Problem(source.path, line, "reading.dictionary",
                        f"Không tìm thấy tệp từ điển đọc '{reading.dictionary[:80]}'.",
                        "Tạo tệp này trong thư mục làm việc (mỗi dòng 'VIẾT_TẮT: cách đọc') "
                        "hoặc xoá dòng dictionary.")]
    try:
        load_dictionary(path)
    except (ValueError, OSError):
        return [Problem(source.path, line, "reading.dictionary",
                        f"Tệp từ điển đọc '{reading.dictionary[:80]}' không đúng dạng.",
                        "Mỗi dòng ghi 'VIẾT_TẮT: cách đọc', lưu bảng mã UTF-8.")]
    return []
