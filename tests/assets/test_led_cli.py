"""``campaign render led``: frames on disk with the board's size, Vietnamese errors, exit 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from PIL import Image

from campaign.cli import main


def test_render_led_writes_one_frame(tmp_path: Path) -> None:
    out = tmp_path / "bang.png"
    result = CliRunner().invoke(main, ["render", "led", "ĐOÀN KẾT", "--size", "192x96",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output.splitlines()
    with Image.open(out) as frame:
        assert frame.size == (192, 96)


def test_render_led_pages_into_numbered_files(tmp_path: Path) -> None:
    out = tmp_path / "bang.png"
    text = ("Thực hiện nghiêm Luật Trật tự, an toàn giao thông đường bộ năm 2024; không sử "
            "dụng rượu bia khi tham gia giao thông, đội mũ bảo hiểm đạt chuẩn khi đi xe máy.")
    result = CliRunner().invoke(main, ["render", "led", text, "--size", "192x96", "--out",
                                       str(out), "--colors", "full", "--color", "yellow"])
    assert result.exit_code == 0, result.output
    printed = [line for line in result.output.splitlines() if line.endswith(".png")]
    assert printed[:2] == [str(out), str(tmp_path / "bang-2.png")]
    for path in printed:
        with Image.open(path) as frame:
            assert frame.size == (192, 96) and frame.mode == "RGB"
    assert "khung hình" in result.output


def test_render_led_bad_size_is_a_vietnamese_error(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    result = CliRunner().invoke(main, ["render", "led", "A", "--size", "to-qua", "--out",
                                       str(out)])
    assert result.exit_code == 2
    assert "RỘNGxCAO" in result.output and not out.exists()


def test_render_led_missing_font(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", "led", "A", "--size", "192x96", "--out",
                                       str(tmp_path / "x.png"), "--font", "khong-co.ttf"])
    assert result.exit_code == 2 and "phông chữ" in result.output
