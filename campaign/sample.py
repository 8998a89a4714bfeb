"""The sample workspace ``campaign init`` writes: a city centre and its 25 wards/communes."""

from __future__ import annotations

import unicodedata
from pathlib import Path

WARDS = [
    "Phường An Bình", "Phường Bửu Hòa", "Phường Bửu Long", "Phường Hòa Bình", "Phường Hố Nai",
    "Phường Long Bình", "Phường Long Bình Tân", "Phường Quang Vinh", "Phường Quyết Thắng",
    "Phường Tam Hiệp", "Phường Tam Hòa", "Phường Tân Biên", "Phường Tân Hạnh",
    "Phường Tân Hiệp", "Phường Tân Hòa", "Phường Tân Mai", "Phường Tân Phong",
    "Phường Tân Tiến", "Phường Tân Vạn", "Phường Thống Nhất", "Phường Trảng Dài",
    "Phường Trung Dũng", "Phường An Hòa", "Phường Phước Tân", "Xã Hiệp Hòa",
]


def slugify(text: str) -> str:
    """ASCII id from Vietnamese text: 'Phường Tân Phong' → 'tan-phong' (prefix dropped)."""
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode()
    out = "".join(c.lower() if c.isalnum() else "-" for c in ascii_text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def directory_yaml(*, outbox: bool = False, wards: list[str] | None = None) -> str:
    """directory.yaml text with comments. ``outbox`` routes every endpoint to the outbox."""
    wards = wards or WARDS
    lines = [
        "# Danh bạ: các đơn vị (trung tâm, phường, xã), nhóm và điểm nhận của từng kênh.",
        "# Bí mật (token, mật khẩu) KHÔNG ghi ở đây: ghi env:TEN_BIEN và đặt giá trị trong .env",
        "timezone: Asia/Ho_Chi_Minh",
        "organisation:",
        "  name: Trung tâm Văn hóa - Thông tin - Thể thao thành phố Biên Hòa",
        "  parent: UBND thành phố Biên Hòa",
        "  place: Biên Hòa",
        "groups:",
        '  - {id: phuong-xa, name: "Các phường, xã"}',
        "units:",
        "  - {id: trung-tam, name: Trung tâm VH-TT-TT thành phố, kind: centre}",
    ]
    for ward in wards:
        kind = "commune" if ward.startswith("Xã") else "ward"
        lines.append(f"  - {{id: {slugify(ward)}, name: {ward}, kind: {kind}, groups: [phuong-xa]}}")
    lines += [
        "# Giờ yên lặng theo kênh (không đăng/phát trong khoảng này).",
        "quiet_hours:",
        '  facebook: ["22:00", "06:00"]',
        '  zalo: ["22:00", "06:00"]',
        '  loudspeaker: ["21:30", "05:00"]',
        "telegram:",
        "  token: env:TELEGRAM_BOT_TOKEN",
        "  api_base: https://api.telegram.org",
        "# Khổ ấn phẩm riêng của trung tâm (thêm vào bảng khổ có sẵn: băng rôn 5x0.8, 3x1;",
        "# phướn 0.8x2.5; pano 4x2; áp phích A3, A2, A1; tờ rơi A5, A4).",
        "print_sizes:",
        "  - {kind: pano, name: 3x1.5, width_mm: 3000, height_mm: 1500, distance_m: 20}",
        "endpoints:",
    ]
    if outbox:
        lines += [
            "  - {id: fb-trung-tam, channel: facebook, unit: trung-tam, deliver: {via: outbox}}",
            "  - {id: zalo-trung-tam, channel: zalo, unit: trung-tam, deliver: {via: outbox}}",
            "  - {id: web-trung-tam, channel: website, unit: trung-tam, "
            "category: Tin tức - Sự kiện, deliver: {via: outbox}}",
            "  - {id: ap-phich-trung-tam, channel: visual, unit: trung-tam, kind: ap-phich, "
            "size: A2, quantity: 50, where: Bảng tin các khu phố, deliver: {via: outbox}}",
        ]
    else:
        lines += [
            "  - id: fb-trung-tam",
            "    channel: facebook",
            "    unit: trung-tam",
            '    page_id: "000000000000000"       # mã Trang Facebook của trung tâm',
            "    token: env:FB_PAGE_TOKEN_TRUNG_TAM",
            "  - id: zalo-trung-tam",
            "    channel: zalo",
            "    unit: trung-tam",
            '    oa_id: "0000000000000000000"     # mã Zalo OA',
            '    app_id: "0000000000000000000"',
            "    secret_key: env:ZALO_SECRET_KEY",
            "    refresh_token: env:ZALO_REFRESH_TOKEN",
            "    # media_base_url: https://…/media   # nơi đăng thư mục media/ (ảnh bìa là tệp)",
            "  # Cổng thông tin không có API: gói bài viết cho biên tập viên (thêm chat_id và",
            "  # users để gửi gói qua Telegram; biên tập viên trả lời \"Đã đăng <đường dẫn>\").",
            "  # WordPress: deliver: {via: wordpress, url: https://…, user: …, password: env:…}",
            "  - id: web-trung-tam",
            "    channel: website",
            "    unit: trung-tam",
            "    category: Tin tức - Sự kiện",
            "    deliver: {via: package, path: var/website/trung-tam}",
            "  - id: ap-phich-trung-tam",
            "    channel: visual",
            "    unit: trung-tam",
            "    kind: ap-phich",
            "    size: A2",
            "    quantity: 50",
            "    where: Bảng tin các khu phố",
            "    deliver: {via: folder, path: var/in-an/trung-tam}",
        ]
    for ward in wards:
        ident = slugify(ward)
        if outbox:
            lines.append(f"  - {{id: led-{ident}, channel: led, unit: {ident}, size: 192x96, "
                         "colors: mono, color: red, deliver: {via: outbox}}")
            lines.append(f'  - {{id: loa-{ident}, channel: loudspeaker, unit: {ident}, '
                         'slots: ["05:30", "17:00"], slot_minutes: 15, deliver: {via: outbox}}')
            lines.append(f"  - {{id: bang-ron-{ident}, channel: visual, unit: {ident}, "
                         "kind: bang-ron, size: 5x0.8, quantity: 2, "
                         "where: Các tuyến đường chính, deliver: {via: outbox}}")
        else:
            lines.append(f"  - {{id: led-{ident}, channel: led, unit: {ident}, size: 192x96, "
                         f"colors: mono, color: red, deliver: {{via: folder, path: var/led/{ident}}}}}")
            lines.append(f'  - {{id: loa-{ident}, channel: loudspeaker, unit: {ident}, '
                         'slots: ["05:30", "17:00"], slot_minutes: 15, '
                         f'deliver: {{via: folder, path: var/loa/{ident}}}}}')
            # via: telegram, chat_id: "-100…", users: [...] sends the PDFs to the ward's group
            lines.append(f"  - {{id: bang-ron-{ident}, channel: visual, unit: {ident}, "
                         "kind: bang-ron, size: 5x0.8, quantity: 2, "
                         f"where: Các tuyến đường chính, deliver: {{via: folder, "
                         f"path: var/in-an/{ident}}}}}")
    return "\n".join(lines) + "\n"


ENV_EXAMPLE = """\
# Sao chép tệp này thành .env và điền giá trị thật. Không gửi tệp .env cho ai.
# Khoá mã hoá các token được phần mềm tự làm mới (tạo bằng: campaign secret-key)
CAMPAIGN_SECRET_KEY=
# Cơ sở dữ liệu: mặc định là tệp campaign.db trong thư mục này.
# Nhiều máy chạy chung: CAMPAIGN_DB=postgresql+psycopg://user:matkhau@may-chu/campaign
# CAMPAIGN_DB=
FB_PAGE_TOKEN_TRUNG_TAM=
ZALO_SECRET_KEY=
ZALO_REFRESH_TOKEN=
TELEGRAM_BOT_TOKEN=
"""


def write_workspace(root: Path, *, outbox: bool = False, campaign_text: str | None = None,
                    wards: list[str] | None = None) -> None:
    """Create a workspace folder (the caller decides whether overwriting is allowed)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "campaigns").mkdir(exist_ok=True)
    (root / "media").mkdir(exist_ok=True)
    (root / "directory.yaml").write_text(directory_yaml(outbox=outbox, wards=wards), encoding="utf-8")
    (root / ".env.example").write_text(ENV_EXAMPLE, encoding="utf-8")
    if campaign_text:
        (root / "campaigns" / "vi-du.yaml").write_text(campaign_text, encoding="utf-8")
