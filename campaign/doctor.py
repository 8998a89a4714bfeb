"""``campaign doctor``: everything a centre's machine needs, checked and explained with the fix.

Each check returns :class:`Finding` rows (ok / warn / fail) with a Vietnamese message and the
fix. Nothing is published: endpoints run their ``check()``, loudspeaker routes are tried
without playing, the bot answers getMe. The clock is compared with the ``Date`` header of a
configured platform, because a wrong system clock silently shifts every post; when no platform
answers the check says it could not verify instead of guessing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import yaml

from assets.systools import apt_line, find, package_for
from campaign.workspace import Workspace

OK, WARN, FAIL = "ok", "warn", "fail"
LABEL = {OK: "ỔN", WARN: "CHÚ Ý", FAIL: "LỖI"}
DISK_FAIL_BYTES = 500 * 1024**2
DISK_WARN_BYTES = 2 * 1024**3
CLOCK_WARN_SECONDS = 30
CLOCK_FAIL_SECONDS = 120
TIMEOUT = 5.0


@dataclass(frozen=True)
class Finding:
    check: str
    status: str
    message: str
    fix: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tools(ws: Workspace) -> Iterator[Finding]:
    channels = {e.channel for e in ws.directory.endpoints.values()}
    needed = ["espeak-ng", "ffmpeg"] if "loudspeaker" in channels or not channels else []
    if not ws.db_url.startswith("sqlite"):
        needed += ["pg_dump", "psql"]
    for tool in needed:
        path = find(tool)
        package = package_for(tool) or tool
        if path:
            yield Finding(f"tool:{tool}", OK, f"Có chương trình {tool} ({path}).")
        else:
            yield Finding(f"tool:{tool}", FAIL, f"Thiếu chương trình {tool} (gói {package}).",
                          apt_line(package))


def _fonts(_ws: Workspace) -> Iterator[Finding]:
    from PIL import ImageFont

    from assets.led.render import DEFAULT_FONT

    try:
        font = ImageFont.truetype(str(DEFAULT_FONT), 16)
        missing = [c for c in "ẰỆỮĐơư" if font.getmask(c).getbbox() is None]
    except OSError:
        missing = ["(không mở được tệp)"]
    if missing:
        yield Finding("font:led", FAIL, f"Phông chữ bảng LED {DEFAULT_FONT.name} thiếu chữ "
                      f"tiếng Việt: {' '.join(missing)}.",
                      "Cài lại phần mềm (pip install -e .) để có tệp phông chữ kèm theo.")
    else:
        yield Finding("font:led", OK, f"Phông chữ bảng LED {DEFAULT_FONT.name} đủ dấu tiếng Việt.")


def _ledger(ws: Workspace) -> Iterator[Finding]:
    from schedules.ledger import HEAD_REVISION, Ledger

    try:
        ledger = Ledger(ws.db_url, migrate=False)
        try:
            revision = ledger._revision()
        finally:
            ledger.dispose()
    except Exception as exc:  # noqa: BLE001 - any driver error is the finding
        yield Finding("ledger", FAIL, f"Không mở được sổ cái ({type(exc).__name__}).",
                      "Kiểm tra CAMPAIGN_DB trong .env và máy chủ cơ sở dữ liệu.")
        return
    if revision == HEAD_REVISION:
        yield Finding("ledger", OK, f"Sổ cái ở phiên bản cấu trúc mới nhất ({revision}).")
    elif revision is None:
        yield Finding("ledger", WARN, "Sổ cái chưa được tạo.",
                      "Chạy 'campaign plan' hoặc 'campaign run' để tạo.")
    else:
        yield Finding("ledger", WARN, f"Sổ cái ở cấu trúc {revision}, bản mới là "
                      f"{HEAD_REVISION}.", "Lần chạy tới sẽ tự sao lưu rồi nâng cấp; hoặc chạy "
                      "'campaign status' ngay bây giờ.")


def _env_refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _env_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _env_refs(value)
    elif isinstance(node, str) and node.startswith("env:"):
        yield node[4:]


def _secrets(ws: Workspace) -> Iterator[Finding]:
    from cryptography.fernet import Fernet

    from schedules.ledger import SECRET_KEY_ENV

    key = ws.secrets.setting(SECRET_KEY_ENV)
    try:
        valid = bool(key) and Fernet(str(key).encode()) is not None
    except ValueError:
        valid = False
    if valid:
        yield Finding("secret-key", OK, f"Có khoá mã hoá {SECRET_KEY_ENV}.")
    else:
        yield Finding("secret-key", FAIL, f"Khoá mã hoá {SECRET_KEY_ENV} "
                      f"{'không hợp lệ' if key else 'chưa đặt'}.",
                      f"Chạy 'campaign secret-key' rồi ghi {SECRET_KEY_ENV}=… vào .env "
                      "(giữ bản sao khoá ở nơi an toàn).")
    raw = yaml.safe_load((ws.root / "directory.yaml").read_text(encoding="utf-8")) or {}
    names = sorted(set(_env_refs(raw)))
    missing = [n for n in names if not ws.secrets.setting(n)]
    if missing:
        yield Finding("env", FAIL, f"Chưa có giá trị cho: {', '.join(missing)}.",
                      f"Thêm vào {ws.root / '.env'} các dòng TEN=giá-trị (xem .env.example).")
    elif names:
        yield Finding("env", OK, f"Đủ {len(names)} bí mật directory.yaml dùng.")


def _endpoints(ws: Workspace) -> Iterator[Finding]:
    from campaign.commands.endpoints import check_endpoint
    from campaign.runtime import token_store

    tokens = token_store(ws)
    for endpoint in ws.directory.endpoints.values():
        status, detail = check_endpoint(ws, endpoint, tokens)
        if status == "OK":
            yield Finding(f"endpoint:{endpoint.id}", OK, detail)
        else:
            yield Finding(f"endpoint:{endpoint.id}", FAIL, detail,
                          f"Sửa mục {endpoint.id} trong directory.yaml hoặc bí mật trong .env, "
                          f"rồi chạy: campaign endpoints check {endpoint.id}")


def _telegram(ws: Workspace) -> tuple[str, str] | None:
    telegram = ws.directory.data.telegram
    if telegram is None or not telegram.token:
        return None
    base = str(getattr(telegram, "api_base", None) or "https://api.telegram.org").rstrip("/")
    return base, str(telegram.token)


def _bot(ws: Workspace) -> Iterator[Finding]:
    settings = _telegram(ws)
    if settings is None:
        return
    base, ref = settings
    token = ws.secrets.setting(ref[4:]) if ref.startswith("env:") else None
    if not token:
        yield Finding("telegram-bot", FAIL, f"Chưa có mã bot Telegram ({ref}).",
                      "Tạo bot với @BotFather rồi ghi mã vào .env.")
        return
    try:
        answer = requests.get(f"{base}/bot{token}/getMe", timeout=TIMEOUT)
        body = answer.json()
    except (requests.RequestException, ValueError):
        yield Finding("telegram-bot", WARN, f"Không kết nối được Telegram ({base}).",
                      "Kiểm tra mạng Internet của máy chủ.")
        return
    if answer.status_code == 200 and body.get("ok"):
        name = body["result"].get("username") or body["result"].get("id")
        yield Finding("telegram-bot", OK, f"Mã bot hợp lệ: @{name}.")
    else:
        yield Finding("telegram-bot", FAIL, "Telegram từ chối mã bot (token) "
                      f"(HTTP {answer.status_code}).",
                      "Lấy lại mã bot với @BotFather (/token) và sửa trong .env.")


def _disk(ws: Workspace) -> Iterator[Finding]:
    free = shutil.disk_usage(ws.root).free
    text = f"Còn trống {free / 1024**3:.1f} GB trên ổ chứa {ws.root}."
    fix = "Xoá bớt bản sao lưu cũ trong backups/ hoặc chuyển sang ổ lớn hơn."
    if free < DISK_FAIL_BYTES:
        yield Finding("disk", FAIL, text, fix)
    elif free < DISK_WARN_BYTES:
        yield Finding("disk", WARN, text, fix)
    else:
        yield Finding("disk", OK, text)


def clock_sources(ws: Workspace) -> list[str]:
    """Base URLs of configured platforms whose answers carry an HTTP Date header."""
    urls: list[str] = []
    settings = _telegram(ws)
    if settings:
        urls.append(settings[0])
    for endpoint in ws.directory.endpoints.values():
        base = getattr(endpoint, "api_base", None)
        if isinstance(base, str) and base.startswith("http"):
            urls.append(base)
    return list(dict.fromkeys(urls))


def _clock(ws: Workspace, now: Callable[[], datetime] = lambda: datetime.now(UTC)
           ) -> Iterator[Finding]:
    for url in clock_sources(ws):
        try:
            answer = requests.head(url, timeout=TIMEOUT, allow_redirects=False)
            date = answer.headers.get("Date")
            if not date:
                continue
            theirs = parsedate_to_datetime(date)
        except (requests.RequestException, TypeError, ValueError):
            continue
        skew = (now() - theirs).total_seconds()
        text = f"Đồng hồ máy {'nhanh' if skew > 0 else 'chậm'} {abs(skew):.0f} giây so với {url}."
        fix = "Bật đồng bộ giờ: sudo timedatectl set-ntp true (gói systemd-timesyncd)."
        if abs(skew) > CLOCK_FAIL_SECONDS:
            yield Finding("clock", FAIL, text, fix)
        elif abs(skew) > CLOCK_WARN_SECONDS:
            yield Finding("clock", WARN, text, fix)
        else:
            yield Finding("clock", OK, f"Đồng hồ máy khớp với {url} (lệch {abs(skew):.0f} giây).")
        return
    yield Finding("clock", WARN, "Không kiểm tra được đồng hồ: không nền tảng nào trả lời.",
                  "Kiểm tra mạng, và bật đồng bộ giờ: sudo timedatectl set-ntp true.")


def _service_user(_ws: Workspace) -> Iterator[Finding]:
    if os.geteuid() == 0:
        yield Finding("user", WARN, "Đang chạy bằng tài khoản root.",
                      "Chạy dịch vụ bằng một tài khoản riêng (xem 'campaign service install').")


CHECKS: list[Callable[[Workspace], Iterator[Finding]]] = [
    _tools, _fonts, _ledger, _secrets, _endpoints, _bot, _disk, _clock, _service_user]


def run_checks(ws: Workspace) -> list[Finding]:
    """Every finding, in the order an operator should fix them."""
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings.extend(check(ws))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            findings.append(Finding(check.__name__.strip("_"), FAIL,
                                    f"Không kiểm tra được ({type(exc).__name__}).",
                                    "Báo lỗi này cho người hỗ trợ kỹ thuật."))
    return findings


def healthy(findings: list[Finding]) -> bool:
    return not any(f.status == FAIL for f in findings)

