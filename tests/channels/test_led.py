"""LED adapter: folder drops (atomic, idempotent, merged) and a round trip with an Anthias
player on 127.0.0.1, including the mapping of every HTTP failure to a typed error."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pydantic import ValidationError

from assets.led import PlaylistItem, active_at, item_caption, playlist_sheet
from channels.base import (
    AdapterContext,
    AuthError,
    ConfigError,
    Delivery,
    PermanentError,
    RateLimitError,
    TransientError,
    UnknownOutcomeError,
    adapter_class,
)
from channels.led import LedAdapter
from channels.secrets import SecretResolver
from tests.channels.fakes.anthias import FakeAnthias

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "mat-khau-Bi-Mat"
NOW = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)  # 08:00 in Việt Nam


@pytest.fixture
def context(tmp_path: Path) -> AdapterContext:
    clock = {"now": NOW}
    ctx = AdapterContext(secrets=SecretResolver({"LED_PASS": PASSWORD}, environ={}),
                         workspace=tmp_path, media_dir=tmp_path / "media",
                         var_dir=tmp_path / "var", timeout=0.5, now=lambda: clock["now"])
    ctx.clock = clock  # type: ignore[attr-defined]
    return ctx


@pytest.fixture
def player() -> Iterator[FakeAnthias]:
    with FakeAnthias(password=PASSWORD) as fake:
        yield fake


def make(context: AdapterContext, **extra: Any) -> LedAdapter:
    cls = adapter_class("led")
    config = cls.Config.model_validate({
        "id": "led-tan-phong", "channel": "led", "unit": "tan-phong", "size": "192x96",
        "deliver": {"via": "folder", "path": "var/led/tan-phong"}, **extra})
    return cls(config, context)  # type: ignore[return-value]


def anthias(context: AdapterContext, player: FakeAnthias | str, **extra: Any) -> LedAdapter:
    base = player if isinstance(player, str) else player.api_base
    return make(context, deliver={"via": "anthias"}, api_base=base, username="admin",
                password="env:LED_PASS", **extra)


def post(message: str = "khau-hieu", slogans: tuple[str, ...] = ("ĐOÀN KẾT XÂY DỰNG",),
         *, campaign: str = "nq57", priority: str = "normal", end: dt.date | None = None,
         **content: Any) -> Delivery:
    expires = (dt.datetime.combine((end or dt.date(2025, 3, 14)) + dt.timedelta(days=1),
                                   dt.time(), tzinfo=VN))
    return Delivery(post_id=1, post_key=f"{campaign}/{message}/led-tan-phong/2025-03-03",
                    campaign_id=campaign, campaign_title="Nghị quyết 57", message_id=message,
                    channel="led", priority=priority,
                    content={"title": "Khẩu hiệu", "slogans": list(slogans), "dwell": 8,
                             "day_parts": [{"from": "06:00", "to": "22:00"}], **content},
                    due_at=NOW, local_due=NOW.astimezone(VN), expires_at=expires,
                    unit_id="tan-phong", unit_name="Phường Tân Phong")


def playlist(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "playlist.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- config
def test_config_validates_size_colours_and_route(context: AdapterContext) -> None:
    adapter = make(context, size="384 x 192", colors="full", color="yellow")
    assert adapter.config.size == "384x192" and adapter.config.pixels == (384, 192)
    with pytest.raises(ValidationError, match="RỘNGxCAO"):
        make(context, size="384-192")
    with pytest.raises(ValidationError):
        make(context, color="blue")
    with pytest.raises(ValidationError, match="deliver.path"):
        make(context, deliver={"via": "folder"})
    with pytest.raises(ValidationError, match="api_base"):
        make(context, deliver={"via": "anthias"})
    with pytest.raises(ValidationError, match="folder hoặc anthias"):
        make(context, deliver={"via": "ftp"})


# ----------------------------------------------------------------------------- folder
def test_folder_delivery_writes_frames_playlist_and_m3u(context: AdapterContext,
                                                        tmp_path: Path) -> None:
    receipt = make(context).deliver(post(slogans=("ĐOÀN KẾT XÂY DỰNG", "ỨNG PHÓ BÃO LŨ")))
    folder = tmp_path / "var/led/tan-phong"
    assert receipt.evidence == "written"
    assert receipt.external_id == str(folder / "playlist.json")
    doc = playlist(folder)
    assert doc["board"] == "led-tan-phong" and doc["size"] == "192x96"
    items = [PlaylistItem.from_json(i) for i in doc["items"]]
    assert [i.id for i in items] == ["nq57/khau-hieu/1", "nq57/khau-hieu/2"]
    assert items[0].dwell == 8 and items[0].valid_from == dt.date(2025, 3, 3)
    assert items[0].valid_to == dt.date(2025, 3, 14)
    for item in items:
        for name in item.frames:
            with Image.open(folder / name) as frame:
                assert frame.size == (192, 96)
    m3u = (folder / "playlist.m3u").read_text(encoding="utf-8").splitlines()
    assert m3u[0] == "#EXTM3U" and m3u[1].startswith("#EXTINF:8,")
    assert m3u[2] == items[0].frames[0]
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp")]
    # the playlist answers "what is on now" through the one shared function
    assert [i.id for i in active_at(items, NOW).items] == ["nq57/khau-hieu/1",
                                                           "nq57/khau-hieu/2"]


def test_folder_delivery_is_idempotent(context: AdapterContext, tmp_path: Path) -> None:
    adapter = make(context)
    adapter.deliver(post())
    folder = tmp_path / "var/led/tan-phong"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    adapter.deliver(post())
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert after == before  # same files, not even rewritten


def test_folder_merges_boards_playlist_and_drops_expired(context: AdapterContext,
                                                         tmp_path: Path) -> None:
    adapter = make(context)
    folder = tmp_path / "var/led/tan-phong"
    adapter.deliver(post("cu", ("KHẨU HIỆU CŨ",), campaign="tet", end=dt.date(2025, 3, 5)))
    adapter.deliver(post("a", ("KHẨU HIỆU A",)))
    old_frames = [n for i in playlist(folder)["items"] if i["id"].startswith("tet/")
                  for n in i["frames"]]
    assert len(playlist(folder)["items"]) == 2
    # message "a" edited: its old slogan is replaced, not duplicated
    adapter.deliver(post("a", ("KHẨU HIỆU A SỬA",)))
    ids = [i["id"] for i in playlist(folder)["items"]]
    assert ids == ["nq57/a/1", "tet/cu/1"]
    assert [i["meta"]["text"] for i in playlist(folder)["items"] if i["id"] == "nq57/a/1"] == [
        "KHẨU HIỆU A SỬA"]
    # a week later the "tet" campaign has expired: dropped with its frames
    context.clock["now"] = NOW + dt.timedelta(days=7)  # type: ignore[attr-defined]
    adapter.deliver(post("b", ("KHẨU HIỆU B",)))
    ids = [i["id"] for i in playlist(folder)["items"]]
    assert ids == ["nq57/a/1", "nq57/b/1"]
    for name in old_frames:
        assert not (folder / name).exists()
    referenced = {n for i in playlist(folder)["items"] for n in i["frames"]}
    assert {p.name for p in folder.glob("*.png")} == referenced


def test_emergency_goes_first_and_interrupts(context: AdapterContext, tmp_path: Path) -> None:
    adapter = make(context)
    adapter.deliver(post("a", ("KHẨU HIỆU A",)))
    adapter.deliver(post("bao", ("KHẨN: BÃO SỐ 3 ĐỔ BỘ, KHÔNG RA KHƠI",), campaign="bao",
                         priority="emergency", day_parts=[]))
    doc = playlist(tmp_path / "var/led/tan-phong")
    assert doc["items"][0]["emergency"] is True
    items = [PlaylistItem.from_json(i) for i in doc["items"]]
    now = active_at(items, NOW)
    assert now.emergency and [i.id for i in now.items] == ["bao/bao/1"]


def test_long_slogan_pages_into_several_frames(context: AdapterContext,
                                               tmp_path: Path) -> None:
    text = ("Thực hiện nghiêm Luật Trật tự, an toàn giao thông đường bộ năm 2024; không sử "
            "dụng rượu bia khi tham gia giao thông, đội mũ bảo hiểm đạt chuẩn khi đi xe máy.")
    make(context).deliver(post(slogans=(text,)))
    item = playlist(tmp_path / "var/led/tan-phong")["items"][0]
    assert len(item["frames"]) >= 2
    assert [n.rsplit("-", 1)[1] for n in item["frames"]] == [
        f"{k}.png" for k in range(1, len(item["frames"]) + 1)]


def test_contact_sheet_of_the_boards_playlist(context: AdapterContext, tmp_path: Path) -> None:
    make(context).deliver(post(slogans=("ĐOÀN KẾT", "ỨNG PHÓ BÃO LŨ")))
    folder = tmp_path / "var/led/tan-phong"
    items = [PlaylistItem.from_json(i) for i in playlist(folder)["items"]]
    out = tmp_path / "duyet.png"
    sheet = playlist_sheet(items, folder, title="Bảng LED Phường Tân Phong", out=out)
    assert out.is_file() and sheet.width >= 2 * 2 * 192
    assert item_caption(items[0])[1:] == ("#1 · khung 1/1 · 8 giây", "Giờ phát: 06:00–22:00",
                                          "Hiệu lực: 03/03/2025 – 14/03/2025")


def test_corrupt_playlist_is_not_overwritten(context: AdapterContext, tmp_path: Path) -> None:
    folder = tmp_path / "var/led/tan-phong"
    folder.mkdir(parents=True)
    (folder / "playlist.json").write_text("{khong phai json", encoding="utf-8")
    with pytest.raises(ConfigError, match="bị hỏng"):
        make(context).deliver(post())
    assert (folder / "playlist.json").read_text(encoding="utf-8") == "{khong phai json"


def test_folder_on_a_file_is_a_typed_error(context: AdapterContext, tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "led").write_text("not a folder")
    with pytest.raises((TransientError, ConfigError)):
        make(context).deliver(post())


def test_missing_font_is_a_config_error(context: AdapterContext) -> None:
    with pytest.raises(ConfigError, match="phông"):
        make(context, font="fonts/khong-co.ttf").deliver(post())


def test_empty_slogans_are_permanent(context: AdapterContext) -> None:
    with pytest.raises(PermanentError):
        make(context).deliver(post(slogans=("  ",)))


# ----------------------------------------------------------------------------- anthias
def test_anthias_round_trip(context: AdapterContext, player: FakeAnthias) -> None:
    adapter = anthias(context, player)
    receipt = adapter.deliver(post(slogans=("ĐOÀN KẾT", "ỨNG PHÓ BÃO LŨ")))
    assert receipt.evidence == "pushed"
    assert player.count("POST", "/api/v2/file_asset") == 2
    assert player.count("POST", "/api/v2/assets") == 2
    assert len(player.assets) == 2
    assert sorted(receipt.external_id.split(",")) == sorted(player.assets)
    upload = next(c for c in player.calls if c.path == "/api/v2/file_asset")
    filename, ctype, data = upload.files["file_upload"]
    assert filename.endswith(".png") and ctype == "image/png"
    with Image.open(__import__("io").BytesIO(data)) as frame:
        assert frame.size == (192, 96)
    asset = next(iter(player.assets.values()))
    assert asset["mimetype"] == "image" and asset["duration"] == 8
    assert asset["is_enabled"] is True
    assert asset["start_date"] == "2025-03-02T17:00:00Z"  # 00:00 on 3 March in Việt Nam
    assert asset["end_date"] == "2025-03-14T17:00:00Z"  # 24:00 on 14 March
    assert asset["uri"] in player.files


def test_anthias_retry_does_not_duplicate(context: AdapterContext, player: FakeAnthias) -> None:
    adapter = anthias(context, player)
    first = adapter.deliver(post())
    second = adapter.deliver(post())
    assert first.external_id == second.external_id
    assert player.count("POST", "/api/v2/file_asset") == 1
    assert len(player.assets) == 1


def test_anthias_retry_after_lost_answer(context: AdapterContext, player: FakeAnthias) -> None:
    # the player creates the asset but its answer arrives after our timeout
    player.fail("/api/v2/assets", 201, method="POST", delay=1.0, apply=True)
    adapter = anthias(context, player)
    with pytest.raises(UnknownOutcomeError):
        adapter.deliver(post())
    assert len(player.assets) == 1
    # the retry finds the asset by its tag instead of creating a second one
    receipt = adapter.deliver(post())
    assert len(player.assets) == 1
    assert receipt.external_id == next(iter(player.assets))
    assert player.count("POST", "/api/v2/assets") == 1


def test_anthias_replaces_edited_and_removes_expired(context: AdapterContext,
                                                     player: FakeAnthias) -> None:
    adapter = anthias(context, player)
    adapter.deliver(post("a", ("KHẨU HIỆU A",)))
    adapter.deliver(post("cu", ("CŨ",), campaign="tet", end=dt.date(2025, 3, 4)))
    foreign = player.add_foreign("Lịch trực ban (thêm tay)", "2025-01-01T00:00:00Z")
    assert len(player.assets) == 3
    adapter.deliver(post("a", ("KHẨU HIỆU A ĐÃ SỬA",)))
    names = sorted(a["name"] for a in player.assets.values())
    assert len(names) == 3 and not any("KHẨU HIỆU A [" in n for n in names)
    context.clock["now"] = NOW + dt.timedelta(days=3)  # type: ignore[attr-defined]
    adapter.deliver(post("b", ("KHẨU HIỆU B",)))
    remaining = {a["name"].split(" [")[0] for a in player.assets.values()}
    assert "CŨ" not in " ".join(remaining) and foreign in player.assets
    assert player.count("DELETE", "/api/v2/assets/") == 2


def test_anthias_wrong_password_is_auth_error(context: AdapterContext) -> None:
    with FakeAnthias(password="khac-mat-khau") as other, pytest.raises(AuthError) as info:
        anthias(context, other).deliver(post())
    assert info.value.http_status == 401
    assert PASSWORD not in json.dumps(info.value.as_detail(), ensure_ascii=False)


def test_anthias_missing_secret_is_config_error(tmp_path: Path, player: FakeAnthias) -> None:
    ctx = AdapterContext(secrets=SecretResolver({}, environ={}), workspace=tmp_path,
                         media_dir=tmp_path, var_dir=tmp_path)
    with pytest.raises(ConfigError, match="LED_PASS"):
        anthias(ctx, player).deliver(post())


@pytest.mark.parametrize(("status", "headers", "error", "check"), [
    (403, {}, ConfigError, None),
    (429, {"Retry-After": "42"}, RateLimitError, lambda e: e.retry_after == 42.0),
    (503, {"Retry-After": "7"}, TransientError, lambda e: e.retry_after == 7.0),
    (500, {}, TransientError, lambda e: e.http_status == 500),
    (400, {}, PermanentError, lambda e: e.http_status == 400),
])
def test_anthias_http_errors_are_typed(context: AdapterContext, player: FakeAnthias,
                                       status: int, headers: dict[str, str], error: type,
                                       check: Any) -> None:
    player.fail("/api/v2/file_asset", status, headers=headers)
    with pytest.raises(error) as info:
        anthias(context, player).deliver(post())
    assert info.value.http_status == status
    if check is not None:
        assert check(info.value)
    assert not player.assets


def test_anthias_connection_refused_is_transient(context: AdapterContext) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError):
        anthias(context, f"http://127.0.0.1:{port}").deliver(post())


def test_anthias_check(context: AdapterContext, player: FakeAnthias) -> None:
    assert anthias(context, player).check() == {"ok": True, "assets": 0}


def test_anthias_changed_dwell_is_patched_in_place(context: AdapterContext,
                                                   player: FakeAnthias) -> None:
    adapter = anthias(context, player)
    adapter.deliver(post())
    adapter.deliver(post(dwell=12))
    assert player.count("POST", "/api/v2/file_asset") == 1
    assert player.count("PATCH", "/api/v2/assets/") == 1
    assert [a["duration"] for a in player.assets.values()] == [12]


class ResettingPlayer:
    """An Anthias player on 127.0.0.1 that answers reads and uploads but resets the connection
    after reading a request that creates an asset: the request arrived, the answer never will."""

    def __init__(self) -> None:
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.requests: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        import struct

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), b"0"))
                while len(body) < length:
                    body += conn.recv(65536)
                method, path = head.split(b" ")[:2]
                self.requests.append(f"{method.decode()} {path.decode()}")
                if (method, path) == (b"POST", b"/api/v2/assets"):
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    continue  # closing with linger 0 sends RST
                answer = b'{"uri": "/data/x.png", "ext": ".png"}' if b"file_asset" in path \
                    else b"[]"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Connection: close\r\nContent-Length: " +
                             str(len(answer)).encode() + b"\r\n\r\n" + answer)

    def close(self) -> None:
        self.sock.close()


def test_anthias_reset_after_sending_is_an_unknown_outcome(context: AdapterContext) -> None:
    """The player may have created the asset before the reset: not a plain transient fault."""
    player = ResettingPlayer()
    try:
        adapter = anthias(context, player.api_base)
        with pytest.raises(UnknownOutcomeError):
            adapter.deliver(post())
        assert player.requests == ["GET /api/v2/assets", "POST /api/v2/file_asset",
                                   "POST /api/v2/assets"]
        assert adapter.check() == {"ok": True, "assets": 0}  # reads still work
    finally:
        player.close()
