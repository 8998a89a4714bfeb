"""LED frame rendering: exact size, no clipping of stacked diacritics, 1-bit mono, paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from assets.led import (
    DEFAULT_FONT,
    LED_COLORS,
    SheetEntry,
    contact_sheet,
    layout,
    load_font,
    min_font_size,
    render_frames,
)
from assets.led.render import _fits_one, _Metrics
from assets.led.words import units


def pixels(image: Image.Image) -> list:
    getter = getattr(image, "get_flattened_data", None) or image.getdata
    return list(getter())


HEAVY = [
    "ỆỔỨỸ ẪẶỴ ỠỢỚ",
    "KHOA HỌC, CÔNG NGHỆ LÀ ĐỘT PHÁ HÀNG ĐẦU",
    "Phòng chống dịch sốt xuất huyết: diệt lăng quăng, bọ gậy",
    "Kỷ niệm ngày Quốc khánh nước Cộng hòa xã hội chủ nghĩa Việt Nam",
    "ỹ ỵ ặ ậ ệ ộ ợ ụ ự ỳ",
]
LONG = ("Thực hiện nghiêm Luật Trật tự, an toàn giao thông đường bộ năm 2024; không sử dụng "
        "rượu bia khi tham gia giao thông, đội mũ bảo hiểm đạt chuẩn khi đi xe máy, xe đạp "
        "điện. Nhường đường cho người đi bộ và xe ưu tiên.")
SIZES = [(192, 96), (384, 192), (256, 128), (96, 32)]


def lit(frame: Image.Image) -> Image.Image:
    """A mask of lit pixels, whatever the frame's mode."""
    return frame.convert("L").point(lambda v: 255 if v > 0 else 0)


def ink_rows(frame: Image.Image) -> tuple[int, int]:
    box = lit(frame).getbbox()
    assert box is not None, "frame is empty"
    return box[1], box[3]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("colors", ["mono", "full"])
@pytest.mark.parametrize("text", HEAVY + [LONG])
def test_frames_have_board_size_and_never_touch_the_edges(size: tuple[int, int], colors: str,
                                                          text: str) -> None:
    frames = render_frames(text, *size, colors=colors)
    assert frames
    for frame in frames:
        assert frame.size == size
        top, bottom = ink_rows(frame)
        # No ink on the top or the bottom row: stacked marks and descenders fit inside.
        assert top >= 1 and bottom <= size[1] - 1
        box = lit(frame).getbbox()
        assert box is not None and box[0] >= 1 and box[2] <= size[0] - 1


def test_the_marks_above_capitals_are_drawn_not_cut() -> None:
    # "Ệ" is taller than "E": the same text with marks must reach higher rows above the
    # capitals, proving the marks are there (and by the test above, inside the frame).
    plain = render_frames("E O U", 192, 96)[0]
    marked = render_frames("Ễ Ỗ Ữ", 192, 96)[0]
    assert ink_rows(marked)[1] - ink_rows(marked)[0] > ink_rows(plain)[1] - ink_rows(plain)[0]


def test_mono_is_one_bit_in_the_board_colour_without_anti_aliasing() -> None:
    for color, rgb in LED_COLORS.items():
        frame = render_frames("ĐOÀN KẾT", 192, 96, colors="mono", color=color)[0]
        assert frame.mode in ("1", "P")
        assert set(pixels(frame)) == {0, 1}
        assert set(pixels(frame.convert("RGB"))) == {(0, 0, 0), rgb}


def test_full_colour_is_anti_aliased_over_a_background() -> None:
    frame = render_frames("ĐOÀN KẾT", 192, 96, colors="full", color="yellow",
                          background="#002080")[0]
    assert frame.mode == "RGB"
    colours = set(pixels(frame))
    assert (0, 0x20, 0x80) in colours and LED_COLORS["yellow"] in colours
    assert len(colours) > 10  # edge pixels blend text and background


def test_full_colour_background_image(tmp_path: Path) -> None:
    picture = tmp_path / "nen.png"
    Image.new("RGB", (640, 480), (0, 120, 0)).save(picture)
    frame = render_frames("CHÀO MỪNG", 384, 192, colors="full", color="white",
                          background=str(picture))[0]
    assert frame.size == (384, 192)
    assert frame.getpixel((0, 0)) == (0, 120, 0)
    assert (255, 255, 255) in set(pixels(frame))


def test_largest_size_that_fits() -> None:
    short = layout("ĐẸP", 192, 96)
    long = layout("Giữ gìn vệ sinh môi trường là trách nhiệm của mỗi người dân", 192, 96)
    assert short.size > 40 and len(short.pages[0]) == 1
    assert long.size < short.size and long.frame_count == 1
    # one size larger would not fit: the chosen size is the largest
    text = "Giữ gìn vệ sinh môi trường là trách nhiệm của mỗi người dân"
    charset = "".join(sorted(set(text.replace(" ", ""))))
    words = units(text)  # the renderer's unbreakable pieces (whole words, names)
    assert _fits_one(words, _Metrics(str(DEFAULT_FONT), long.size, charset, 192, 96, True))
    assert not _fits_one(words, _Metrics(str(DEFAULT_FONT), long.size + 1, charset, 192, 96,
                                         True))


def test_balanced_wrap_keeps_lines_of_similar_length() -> None:
    # lines break between whole words: five two-syllable words cannot make three even lines,
    # so the slogan here is one whose words can
    plan = layout("Giữ gìn vệ sinh môi trường là trách nhiệm của mỗi người dân", 384, 192)
    font = load_font(plan.font_path, plan.size)
    widths = [font.getlength(line) for line in plan.pages[0]]
    assert len(widths) >= 2
    assert max(widths) - min(widths) < 0.4 * max(widths)


def test_long_text_pages_at_one_legible_size() -> None:
    plan = layout(LONG, 192, 96)
    assert plan.frame_count >= 2
    assert plan.size >= min_font_size(96)
    words = " ".join(" ".join(lines) for lines in plan.pages).split()
    assert words == LONG.split()  # nothing lost, nothing reordered
    frames = render_frames(LONG, 192, 96)
    assert len(frames) == plan.frame_count


def test_min_size_grows_with_board_height() -> None:
    assert min_font_size(96) < min_font_size(192) < min_font_size(384)
    assert min_font_size(32) >= 12


def test_words_wider_than_the_board_are_split_not_clipped() -> None:
    frames = render_frames("https://tuyentruyen.bienhoa.dongnai.gov.vn/nghi-quyet-57", 96, 32)
    for frame in frames:
        box = lit(frame).getbbox()
        assert box is not None and box[0] >= 1 and box[2] <= 95


def test_fonts_are_cached() -> None:
    assert load_font(str(DEFAULT_FONT), 20) is load_font(str(DEFAULT_FONT), 20)


def test_bad_input_is_refused_in_vietnamese() -> None:
    with pytest.raises(ValueError, match="trống"):
        render_frames("   ", 192, 96)
    with pytest.raises(ValueError, match="mono hoặc full"):
        render_frames("A", 192, 96, colors="rgb")
    with pytest.raises(ValueError, match="Màu bảng"):
        render_frames("A", 192, 96, color="blue")
    with pytest.raises(ValueError, match="phông"):
        render_frames("A", 192, 96, font_path="/khong/co.ttf")


def test_bundled_font_and_licence_ship_in_the_package() -> None:
    assert DEFAULT_FONT.is_file()
    licence = DEFAULT_FONT.with_name("DejaVu.LICENSE").read_text(encoding="utf-8")
    assert "Bitstream" in licence and "Permission is hereby granted" in licence


def test_contact_sheet_shows_every_frame_with_its_caption(tmp_path: Path) -> None:
    frames = render_frames(LONG, 192, 96)
    entries = [SheetEntry(f, (f"khung {i}", "06:00–22:00")) for i, f in enumerate(frames, 1)]
    out = tmp_path / "duyet.png"
    sheet = contact_sheet(entries, title="Bảng LED Tân Phong", scale=2, out=out)
    assert out.is_file() and Image.open(out).size == sheet.size
    assert sheet.width >= 2 * 192 and sheet.height >= 2 * 96
    # the red LED pixels of every frame appear on the sheet
    red = sum(1 for p in pixels(sheet) if p == (255, 0, 0))
    assert red >= 4 * sum(sum(1 for v in pixels(f) if v) for f in frames) * 0.99
