"""Reading a campaign file: parse, validate and check it against the workspace.

Every problem of a file is reported in one run: when the model does not validate as a whole,
the parts that do (targets, each message, each channel's schedule) are still checked against
the workspace, so an operator fixes everything in one pass instead of stage by stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assets.speech import estimate_seconds
from campaign import yamlsrc
from campaign.definition import Campaign, ChannelSchedule, Message, VisualSchedule
from campaign.directory import Directory
from campaign.errors import InputError, Problem
from channels.base import EndpointConfig, known_zone
from schedules import calendar

DEFAULT_SLOT_MINUTES = 15
MAX_NAME = 255
"""Longest media file name (most file systems refuse longer ones)."""
IMAGE_TYPES = {"png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",),
               "jpeg": (b"\xff\xd8\xff",), "gif": (b"GIF87a", b"GIF89a"), "webp": (b"RIFF",)}
DOC_TYPES = {"pdf": (b"%PDF",), "doc": (b"\xd0\xcf\x11\xe0",), "docx": (b"PK",),
             "xls": (b"\xd0\xcf\x11\xe0",), "xlsx": (b"PK",), "odt": (b"PK",),
             "zip": (b"PK",), "txt": (b"",), **IMAGE_TYPES}
"""Files a website article offers for download (the guidance and its annexes)."""
AUDIO_TYPES = {"mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), "wav": (b"RIFF",),
               "ogg": (b"OggS",)}

Estimate = Callable[[str, float], float]
Indexed = list[tuple[int, Message]]


def load_campaign(path: Path, directory: Directory, media_dir: Path | None = None,
                  *, estimate: Estimate = estimate_seconds) -> Campaign:
    """Parse, validate and cross-check a campaign file; InputError lists every problem."""
    source = yamlsrc.load(path)
    if not isinstance(source.data, dict):
        raise InputError.single(path, "Tệp chiến dịch phải là các cặp 'tên: giá trị'.", line=1,
                                fix="Xem mẫu trong thư mục campaigns/ của thư mục làm việc.")
    try:
        campaign = Campaign.model_validate(source.data)
    except ValidationError as exc:
        problems = [*source.problems,
                    *yamlsrc.problems_from_validation(source, exc, (), Campaign)]
        partial, messages = _partial(source.data)
        problems += cross_check(partial, directory, source, media_dir, estimate=estimate,
                                messages=messages)
        raise InputError(_sorted(problems)) from None
    problems = [*source.problems,
                *cross_check(campaign, directory, source, media_dir, estimate=estimate)]
    if problems:
        raise InputError(_sorted(problems))
    return campaign


def _sorted(problems: list[Problem]) -> list[Problem]:
    """By file then line, each problem once (the same mistake can be seen twice)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0))


def _partial(data: dict[str, Any]) -> tuple[Campaign, Indexed]:
    """The valid parts of an invalid campaign, for the checks that need the workspace."""
    def valid(tp: Any, value: Any) -> Any:
        try:
            return TypeAdapter(tp).validate_python(value)
        except ValidationError:
            return None

    targets = valid(list[str], data.get("targets")) or []
    messages: Indexed = []
    for idx, raw in enumerate(data.get("messages") or [] if isinstance(
            data.get("messages"), list) else []):
        message = valid(Message, raw)
        if message is not None:
            messages.append((idx, message))
    schedule: dict[str, ChannelSchedule] = {}
    if isinstance(data.get("schedule"), dict):
        for channel, raw in data["schedule"].items():
            sched = valid(ChannelSchedule, raw)
            if sched is not None and channel in ("facebook", "zalo", "led", "loudspeaker",
                                                 "website"):
                schedule[channel] = sched
    quiet = valid(Campaign.model_fields["quiet_hours"].annotation, data.get("quiet_hours", {}))
    timezone = data.get("timezone") if isinstance(data.get("timezone"), str) else None
    visual = valid(VisualSchedule, data.get("visual")) if data.get("visual") else None
    partial = Campaign.model_construct(
        targets=[t for t in targets if isinstance(t, str)], messages=[m for _, m in messages],
        schedule=schedule, quiet_hours=quiet or {}, timezone=timezone, visual=visual)
    return partial, messages


def cross_check(campaign: Campaign, directory: Directory, source: yamlsrc.Source,
                media_dir: Path | None, *, estimate: Estimate = estimate_seconds,
                messages: Indexed | None = None) -> list[Problem]:
    """Checks that need the workspace: targets, endpoints, media files, quiet hours, capacity.

    ``messages`` are (index in the file, message) pairs when only some messages are valid.
    """
    problems: list[Problem] = []
    indexed = list(enumerate(campaign.messages)) if messages is None else messages

    def add(loc: list[str | int], message: str, fix: str | None = None) -> None:
        problems.append(Problem(source.path, source.line_of(loc), ".".join(map(str, loc)),
                                message, fix))

    for idx, target in enumerate(campaign.targets):
        if target in directory.unknown_targets([target]):
            known = ", ".join(sorted([*directory.groups, "tat-ca"]))
            add(["targets", idx], f"Không có đơn vị hay nhóm '{target}' trong danh bạ.",
                f"Dùng mã đơn vị trong directory.yaml hoặc một nhóm: {known}.")
    if campaign.timezone and not known_zone(campaign.timezone):
        add(["timezone"], f"Không biết múi giờ '{campaign.timezone}'.",
            "Dùng tên IANA, ví dụ Asia/Ho_Chi_Minh.")
    if media_dir is not None:
        for m_idx, message in indexed:
            for loc, name, kinds in _media_refs(message):
                found = media_problem(media_dir, name, kinds)
                if found:
                    add(["messages", m_idx, *loc], *found)
    units = directory.resolve_targets(campaign.targets)
    rate = directory.data.reading.syllables_per_second
    for channel, sched in campaign.schedule.items():
        endpoints = directory.endpoints_for(channel, units)
        quiet = campaign.quiet_hours.get(channel) or directory.quiet_hours(channel)
        for t_idx, hhmm in enumerate(sched.times or []):
            if quiet and calendar.in_window(hhmm, quiet):
                add(["schedule", channel, "times", t_idx],
                    f"Giờ {hhmm} nằm trong giờ yên lặng {quiet[0]}–{quiet[1]} của kênh {channel}.",
                    "Chọn giờ khác ngoài khoảng này.")
        if sched.times is None and channel in ("facebook", "zalo", "website"):
            add(["schedule", channel], f"Lịch kênh {channel} chưa có giờ đăng (times).",
                'Thêm ví dụ: times: ["08:00"].')
        if channel == "loudspeaker":
            problems.extend(_check_loudspeaker(indexed, sched, endpoints, quiet, source,
                                               directory, rate, estimate))
    if media_dir is not None:
        for s_idx, src in enumerate(campaign.source or []):
            if src.file:
                found = media_problem(media_dir, src.file, DOC_TYPES)
                if found and "website" in campaign.schedule:
                    add(["source", s_idx, "file"], *found)
    if "zalo" in campaign.schedule:
        _check_zalo_covers(indexed, directory.endpoints_for("zalo", units), add)
    if campaign.visual is not None:
        _check_visual(campaign, indexed, directory, units, add)
    return problems


def _check_zalo_covers(indexed: Indexed, endpoints: list[EndpointConfig],
                       add: Callable[..., None]) -> None:
    """A cover that is a file in media/ reaches Zalo only as a public address under the
    endpoint's ``media_base_url`` (the article API takes ``photo_url``, not an upload): refuse
    it here, naming the line, instead of at delivery time."""
    missing = [e.id for e in endpoints if not getattr(e, "media_base_url", None)]
    if not missing:
        return
    for m_idx, message in indexed:
        cover = message.zalo.cover if message.zalo else None
        if cover and not cover.startswith(("http://", "https://")):
            add(["messages", m_idx, "zalo", "cover"],
                f"Ảnh bìa Zalo '{cover[:60]}' là tệp trong media/, nhưng điểm nhận "
                f"{', '.join(missing)} chưa khai báo media_base_url: Zalo chỉ nhận ảnh bìa bằng "
                "địa chỉ công khai.",
                "Thêm media_base_url (địa chỉ https nơi thư mục media/ được đăng) vào điểm nhận "
                "Zalo trong directory.yaml, hoặc ghi cover bằng một địa chỉ https.")


def _check_visual(campaign: Campaign, indexed: Indexed, directory: Directory, units: list[str],
                  add: Callable[..., None]) -> None:
    """The hanging date lies in the campaign, the chosen messages have slogans, and each
    product the campaign asks for exists at some ward in a size the directory knows."""
    from assets.print import find_size

    sched = campaign.visual
    assert sched is not None
    period = getattr(campaign, "period", None)
    if period is not None and not period.start <= sched.hang_on <= period.end:
        add(["visual", "hang_on"], f"Ngày treo {sched.hang_on:%d/%m/%Y} nằm ngoài thời gian "
            f"chiến dịch ({period.start:%d/%m/%Y}–{period.end:%d/%m/%Y}).",
            "Chọn ngày treo trong khoảng period.")
    by_id = {m.id: m for _, m in indexed}
    for i_idx, ident in enumerate(sched.messages):
        if ident not in by_id:
            add(["visual", "messages", i_idx], f"Không có tin '{ident}' trong messages.",
                "Dùng id của một tin trong chiến dịch.")
        elif by_id[ident].visual is None:
            add(["visual", "messages", i_idx], f"Tin '{ident}' được chọn in nhưng chưa có mục "
                "'visual:' (khẩu hiệu in).", "Thêm visual: {slogans: […]} vào tin đó.")

    endpoints = directory.endpoints_for("visual", units)
    kinds = {getattr(e, "kind", None) for e in endpoints}
    table = getattr(directory, "print_sizes", None)
    for p_idx, product in enumerate(sched.products):
        if product.kind not in kinds:
            add(["visual", "products", p_idx, "kind"],
                f"Không đơn vị nào được chọn có điểm nhận ấn phẩm loại {product.kind}.",
                "Thêm điểm nhận channel: visual với kind này trong directory.yaml, hoặc bỏ "
                "loại này khỏi visual.products.")
        if product.size:
            try:
                find_size(product.kind, product.size, table)
            except ValueError as exc:
                add(["visual", "products", p_idx, "size"], str(exc))


def _media_refs(message: Message) -> Iterable[tuple[list[str | int], str, dict[str, Any]]]:
    if message.facebook:
        for i, name in enumerate(message.facebook.images):
            if not name.startswith(("http://", "https://")):
                yield ["facebook", "images", i], name, IMAGE_TYPES
    if message.zalo and message.zalo.cover and not message.zalo.cover.startswith("http"):
        yield ["zalo", "cover"], message.zalo.cover, IMAGE_TYPES
    if message.loudspeaker and message.loudspeaker.audio:
        yield ["loudspeaker", "audio"], message.loudspeaker.audio, AUDIO_TYPES
    if message.website:
        if message.website.cover:
            yield ["website", "cover"], message.website.cover, IMAGE_TYPES
        for i, name in enumerate(message.website.attachments):
            yield ["website", "attachments", i], name, DOC_TYPES


def media_problem(media_dir: Path, name: str,
                  kinds: dict[str, tuple[bytes, ...]]) -> tuple[str, str] | None:
    """(message, fix) when ``name`` is not a file of an accepted type inside media/."""
    kind = {id(IMAGE_TYPES): "ảnh", id(DOC_TYPES): "tài liệu"}.get(id(kinds), "âm thanh")
    accepted = ", ".join(f".{k}" for k in kinds)
    if "\x00" in name or any(ord(c) < 32 for c in name):
        return (f"Tên tệp {kind} có ký tự điều khiển, không dùng được trong media/.",
                "Gõ lại tên tệp (chỉ chữ, số, dấu gạch).")
    if len(name) > MAX_NAME or any(len(part) > MAX_NAME for part in Path(name).parts):
        return (f"Tên tệp {kind} quá dài ({len(name)} ký tự).",
                f"Đổi tên tệp ngắn hơn {MAX_NAME} ký tự.")
    root = media_dir.resolve()
    try:
        path = (media_dir / name).resolve()
        inside = path.is_relative_to(root) and not Path(name).is_absolute()
        exists = path.is_file()
    except (OSError, ValueError):
        return (f"Không đọc được tệp '{name[:60]}' trong media/.", "Kiểm tra lại tên tệp.")
    if not inside:
        return (f"Tệp '{name[:60]}' nằm ngoài thư mục media/ của thư mục làm việc.",
                "Chép tệp vào media/ và chỉ ghi tên tệp (không dùng '..' hay đường dẫn tuyệt đối).")
    if not exists:
        return (f"Không tìm thấy tệp '{name[:60]}' trong media/.",
                f"Chép tệp vào {media_dir} hoặc sửa lại tên tệp.")
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in kinds:
        return (f"Tệp '{name[:60]}' không phải tệp {kind} được hỗ trợ.",
                f"Dùng tệp {kind} {accepted}.")
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return (f"Không đọc được tệp '{name[:60]}' trong media/.", "Kiểm tra quyền đọc tệp.")
    if not head.startswith(kinds[suffix]) or (suffix == "webp" and head[8:12] != b"WEBP") or \
            (suffix == "wav" and head[8:12] != b"WAVE"):
        return (f"Tệp '{name[:60]}' có đuôi .{suffix} nhưng nội dung không phải {kind} .{suffix}.",
                f"Xuất lại tệp đúng định dạng {kind} ({accepted}).")
    return None


def _slot_line(directory: Directory, endpoint: EndpointConfig, index: int | None) -> \
        tuple[str, int | None]:
    """directory.yaml and the line of an endpoint's slot (its slots key if ``index`` is None)."""
    source = getattr(directory, "source", None)
    position = getattr(directory, "endpoint_index", {}).get(endpoint.id)
    if source is None or position is None:
        return directory.path, None
    loc: list[str | int] = ["endpoints", position, "slots"]
    return source.path, source.line_of(loc if index is None else [*loc, index])


def _check_loudspeaker(messages: Indexed, sched: ChannelSchedule,
                       endpoints: list[EndpointConfig], quiet: tuple[str, str] | None,
                       source: yamlsrc.Source, directory: Directory, rate: float,
                       estimate: Estimate) -> list[Problem]:
    problems: list[Problem] = []
    loc_sched = ["schedule", "loudspeaker"]
    for endpoint in endpoints:
        own = sched.times is None
        times = sched.times if not own else endpoint.slots
        if not times:
            problems.append(Problem(
                source.path, source.line_of(loc_sched), "schedule.loudspeaker",
                f"Đài {endpoint.id} chưa khai báo giờ phát (slots) và lịch không có times.",
                "Thêm slots cho điểm nhận trong directory.yaml hoặc times vào lịch loa."))
            continue
        for s_idx, hhmm in enumerate(times):
            if quiet and calendar.in_window(hhmm, quiet):
                if own:  # the station's own slot: the fix is in directory.yaml
                    path, line = _slot_line(directory, endpoint, s_idx)
                    problems.append(Problem(
                        path, line, f"endpoints.{endpoint.id}.slots",
                        f"Giờ phát {hhmm} của đài {endpoint.id} nằm trong giờ yên lặng "
                        f"{quiet[0]}–{quiet[1]}.",
                        "Sửa slots của đài trong directory.yaml, hoặc ghi times riêng cho "
                        "lịch loa của chiến dịch."))
                else:
                    problems.append(Problem(
                        source.path, source.line_of([*loc_sched, "times", s_idx]),
                        "schedule.loudspeaker.times",
                        f"Giờ phát {hhmm} nằm trong giờ yên lặng {quiet[0]}–{quiet[1]}.",
                        "Chọn giờ phát khác."))
    capacities = {e.id: (e.slot_minutes or DEFAULT_SLOT_MINUTES) * 60 for e in endpoints}
    if not capacities:
        return problems
    smallest = min(capacities.values())
    spoken = [(i, m) for i, m in messages if m.loudspeaker is not None]
    durations = {m.id: estimate(m.loudspeaker.script, rate) for _, m in spoken}  # type: ignore[union-attr]
    for m_idx, message in spoken:
        if durations[message.id] > smallest:
            problems.append(Problem(
                source.path, source.line_of(["messages", m_idx, "loudspeaker", "script"]),
                f"messages.{m_idx}.loudspeaker.script",
                f"Bài đọc '{message.id}' dài khoảng {durations[message.id] / 60:.1f} phút, "
                f"vượt thời lượng một buổi phát ({smallest // 60} phút).",
                "Rút gọn bài đọc hoặc chia thành nhiều tin."))
    if sched.overflow == "error" and spoken:
        group_of = [m for _, m in spoken]
        per_slot = min(sched.per_slot or 1, len(group_of))
        for start in range(len(group_of)):
            group = [group_of[(start + j) % len(group_of)] for j in range(per_slot)]
            total = sum(durations[m.id] for m in group)
            if total > smallest:
                problems.append(Problem(
                    source.path, source.line_of(loc_sched), "schedule.loudspeaker.per_slot",
                    f"{per_slot} bài đọc trong một buổi dài khoảng {total / 60:.1f} phút, vượt "
                    f"thời lượng buổi phát ({smallest // 60} phút).",
                    "Giảm per_slot, rút gọn bài đọc, hoặc đặt overflow: spill để chuyển bài "
                    "thừa sang buổi sau."))
                break
    return problems
