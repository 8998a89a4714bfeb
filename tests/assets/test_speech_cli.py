"""``campaign render speech`` through click, with real espeak-ng and ffmpeg."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from campaign.commands.render import command as render


def test_reading_is_printed() -> None:
    result = CliRunner().invoke(render, ["speech", "Hạn chót 30/4, họp lúc 7h30.", "--reading"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Hạn chót ngày ba mươi tháng tư, họp lúc bảy giờ ba mươi phút."


def test_audio_is_written_and_reported_in_json(tmp_path: Path) -> None:
    out = tmp_path / "loa.ogg"
    result = CliRunner().invoke(render, ["speech", "UBND phường thông báo.", "--out", str(out),
                                         "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reading"] == "ủy ban nhân dân phường thông báo."
    assert out.is_file() and data["path"] == str(out)
    assert data["duration_seconds"] > 1.0
    assert -17.0 <= data["lufs"] <= -15.0 and data["true_peak"] <= -1.0


def test_human_report_is_vietnamese(tmp_path: Path) -> None:
    result = CliRunner().invoke(render, ["speech", "Xin chào bà con.", "--out",
                                         str(tmp_path / "a.wav")])
    assert result.exit_code == 0, result.output
    assert "Thời lượng:" in result.output and "LUFS" in result.output


def test_bad_input_exits_2_with_a_vietnamese_message(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_format = runner.invoke(render, ["speech", "xin chào", "--out", str(tmp_path / "a.flac")])
    assert bad_format.exit_code == 2 and "không hỗ trợ" in bad_format.output
    nothing = runner.invoke(render, ["speech", "xin chào"])
    assert nothing.exit_code == 2 and "--reading" in nothing.output
    empty = runner.invoke(render, ["speech", "  ", "--reading"])
    assert empty.exit_code == 2 and "trống" in empty.output
    speed = runner.invoke(render, ["speech", "xin chào", "--reading", "--speed", "0"])
    assert speed.exit_code == 2
    missing = runner.invoke(render, ["speech", "xin chào", "--out", str(tmp_path / "a.mp3"),
                                     "--intro", str(tmp_path / "none.mp3")])
    assert missing.exit_code == 2 and "nhạc hiệu" in missing.output
    bad_dict = tmp_path / "d.yaml"
    bad_dict.write_text("- chỉ là danh sách\n", encoding="utf-8")
    dictionary = runner.invoke(render, ["speech", "x", "--reading", "--dictionary", str(bad_dict)])
    assert dictionary.exit_code == 2 and "từ điển" in dictionary.output
