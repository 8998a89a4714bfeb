"""``campaign render speech``: hear (or read) a loudspeaker script before it goes into a campaign.

It uses the same normaliser, engine and loudness chain as the planner and the loudspeaker
adapter, so the operator hears exactly what the ward will play.
"""

from __future__ import annotations

import math
from pathlib import Path

import click

from assets.speech import estimate_seconds, load_dictionary, reading_text
from assets.speech.audio import FORMATS, synthesize
from assets.speech.engines import EspeakEngine, SpeechError
from campaign.commands._common import SafePath, echo_json, user_errors
from campaign.errors import InputError, shown_path
from campaign.yamlsrc import os_problem


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60} phút {whole % 60:02d} giây" if whole >= 60 else f"{seconds:.1f} giây"


@click.command("speech", help="Chuẩn hóa kịch bản loa truyền thanh để đọc, hoặc tạo tệp âm thanh.")
@click.argument("text")
@click.option("--reading", is_flag=True, help="In văn bản như cách đọc thành tiếng.")
@click.option("--out", "out", type=SafePath(dir_okay=False, path_type=Path), default=None,
              help="Tệp âm thanh kết quả: .wav, .mp3 hoặc .ogg.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--speed", type=float, default=4.0, show_default=True,
              help="Tốc độ đọc, số âm tiết mỗi giây.")
@click.option("--voice", default="vi", show_default=True,
              help="Giọng espeak-ng: vi (Bắc), vi-vn-x-central (Trung), vi-vn-x-south (Nam).")
@click.option("--dictionary", "dictionary_path", type=SafePath(dir_okay=False, path_type=Path),
              default=None, help="Tệp YAML từ điển viết tắt bổ sung của đơn vị.")
@click.option("--intro", type=SafePath(dir_okay=False, path_type=Path), default=None,
              help="Tệp nhạc hiệu hoặc lời giới thiệu phát trước.")
@click.option("--outro", type=SafePath(dir_okay=False, path_type=Path), default=None,
              help="Tệp nhạc hiệu hoặc lời kết phát sau.")
@user_errors
def subcommand(text: str, reading: bool, out: Path | None, as_json: bool, speed: float,
               voice: str, dictionary_path: Path | None, intro: Path | None,
               outro: Path | None) -> None:
    """Print the reading text and/or write audio, reporting duration and loudness."""
    if not text.strip():
        raise InputError.single("TEXT", "Kịch bản trống.", fix="nhập nội dung cần đọc.")
    if not reading and out is None:
        raise InputError.single("speech", "Chưa chọn việc cần làm.",
                                fix="thêm --reading để xem cách đọc, hoặc --out TỆP.mp3 để tạo âm thanh.")
    if not math.isfinite(speed) or speed <= 0 or speed > 10:
        raise InputError.single("--speed", f"Tốc độ {speed} không hợp lệ.", field="speed",
                                fix="dùng số âm tiết mỗi giây trong khoảng 2 đến 6, ví dụ 4.")
    if out is not None and out.suffix.lower() not in FORMATS:
        raise InputError.single("--out", f"Định dạng '{out.suffix or '(không có)'}' không hỗ trợ.",
                                field="out", fix="đặt tên tệp kết thúc bằng .wav, .mp3 hoặc .ogg.")
    for name, path in (("--intro", intro), ("--outro", outro)):
        if path is not None and not path.is_file():
            raise InputError.single(name, f"Không tìm thấy tệp '{path}'.",
                                    fix="kiểm tra lại đường dẫn tệp nhạc hiệu.")
    if dictionary_path is not None:
        try:
            found = dictionary_path.is_file()
        except (OSError, ValueError):
            found = False
        if not found:
            raise InputError.single(shown_path(str(dictionary_path)), "Không tìm thấy tệp từ điển.",
                                    fix="kiểm tra lại đường dẫn sau --dictionary.")
    try:
        dictionary = load_dictionary(dictionary_path)
    except (ValueError, OSError):
        raise InputError.single(shown_path(str(dictionary_path)), "Tệp từ điển không đúng dạng.",
                                fix="mỗi dòng ghi 'VIẾT_TẮT: cách đọc', lưu bảng mã UTF-8.") from None
    spoken = reading_text(text, dictionary)
    estimate = estimate_seconds(spoken, speed)
    result: dict[str, object] = {"reading": spoken, "estimate_seconds": round(estimate, 1)}
    if out is not None:
        try:
            info = synthesize(spoken, out, engine=EspeakEngine(voice=voice), is_reading=True,
                              syllables_per_second=speed, intro=intro, outro=outro)
        except SpeechError as exc:
            raise InputError.single(str(out), str(exc)) from None
        except OSError as exc:
            raise InputError.single(shown_path(str(out)),
                                    f"Không ghi được tệp kết quả ({os_problem(exc)}).",
                                    fix="chọn --out trong một thư mục có quyền ghi.") from None
        result.update({"path": str(info.path), "duration_seconds": info.duration_seconds,
                       "lufs": info.lufs, "true_peak": info.true_peak})
    if as_json:
        echo_json(result)
        return
    if reading:
        click.echo(spoken)
    if out is not None:
        click.echo(f"Đã ghi {result['path']}")
        click.echo(f"Thời lượng: {_minutes(float(result['duration_seconds']))} "  # type: ignore[arg-type]
                   f"(ước tính {_minutes(estimate)})")
        click.echo(f"Độ lớn: {result['lufs']} LUFS, đỉnh thực {result['true_peak']} dBTP")
