"""Reading text for Vietnamese loudspeakers: one test family per rule, many cases each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assets.speech import count_syllables, estimate_seconds, load_dictionary, reading_text
from assets.speech.numbers import cardinal, roman_value

SEEDS = Path(__file__).parents[3] / "shared" / "seeds"


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"), (1, "một"), (5, "năm"), (10, "mười"), (11, "mười một"), (14, "mười bốn"),
        (15, "mười lăm"), (20, "hai mươi"), (21, "hai mươi mốt"), (24, "hai mươi bốn"),
        (25, "hai mươi lăm"), (55, "năm mươi lăm"), (100, "một trăm"), (101, "một trăm lẻ một"),
        (105, "một trăm lẻ năm"), (110, "một trăm mười"), (115, "một trăm mười lăm"),
        (121, "một trăm hai mươi mốt"), (1000, "một nghìn"),
        (1001, "một nghìn không trăm lẻ một"), (2024, "hai nghìn không trăm hai mươi bốn"),
        (2025, "hai nghìn không trăm hai mươi lăm"), (10_000, "mười nghìn"),
        (1_500_000, "một triệu năm trăm nghìn"), (1_000_050, "một triệu không trăm năm mươi"),
        (2_000_000_000, "hai tỷ"), (3_000_000_000_000, "ba nghìn tỷ"),
    ],
)
def test_cardinals(n: int, words: str) -> None:
    assert cardinal(n) == words


def test_linh_is_available_for_northern_readers() -> None:
    assert cardinal(105, odd="linh") == "một trăm linh năm"
    assert reading_text("có 105 hộ", odd="linh") == "có một trăm linh năm hộ"


def test_cardinals_agree_with_g2p_hamster() -> None:
    """Cross-check our reader against an independent implementation on 0..20000."""
    from g2p_hamster.t0.numbers import vi_cardinal

    diffs = [n for n in range(20_001) if cardinal(n) != vi_cardinal(n)]
    assert diffs == []


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("ngày 22/12/2024", "ngày hai mươi hai tháng mười hai năm hai nghìn không trăm hai mươi bốn"),
        ("trước ngày 15/3/2025", "trước ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi lăm"),
        ("trước 30/4", "trước ngày ba mươi tháng tư"),
        ("ngày 30/4", "ngày ba mươi tháng tư"),
        ("ngày 30/04/2025", "ngày ba mươi tháng tư năm hai nghìn không trăm hai mươi lăm"),
        ("ngày 13/01/2025", "ngày mười ba tháng một năm hai nghìn không trăm hai mươi lăm"),
        ("ngày 01-05-2025", "ngày một tháng năm năm hai nghìn không trăm hai mươi lăm"),
        ("Đồng Nai, ngày 20 tháng 02 năm 2025",
         "Đồng Nai, ngày hai mươi tháng hai năm hai nghìn không trăm hai mươi lăm"),
        ("trong tháng 4", "trong tháng tư"),
        ("tháng 3/2025", "tháng ba năm hai nghìn không trăm hai mươi lăm"),
        ("từ 04/2025", "từ tháng tư năm hai nghìn không trăm hai mươi lăm"),
        ("ngày 2/9", "ngày hai tháng chín"),
    ],
)
def test_dates(text: str, reading: str) -> None:
    assert reading_text(text) == reading


def test_april_is_never_thang_bon() -> None:
    for text in ("30/4", "1/4/2025", "tháng 4", "tháng 04", "04/2025"):
        out = reading_text(text)
        assert "tháng tư" in out and "tháng bốn" not in out, (text, out)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("lúc 7h30", "lúc bảy giờ ba mươi phút"),
        ("lúc 17:00", "lúc mười bảy giờ"),
        ("lúc 05:30", "lúc năm giờ ba mươi phút"),
        ("lúc 7h", "lúc bảy giờ"),
        ("lúc 14h05", "lúc mười bốn giờ năm phút"),
        ("từ 7h30-11h00", "từ bảy giờ ba mươi phút đến mười một giờ"),
        ("08:15:20", "tám giờ mười lăm phút hai mươi giây"),
    ],
)
def test_times(text: str, reading: str) -> None:
    assert reading_text(text) == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("03 ngày", "ba ngày"),
        ("01 buổi", "một buổi"),
        ("02 ngày cuối tuần", "hai ngày cuối tuần"),
        ("25 phường", "hai mươi lăm phường"),
        ("21 người", "hai mươi mốt người"),
        ("7 nhóm", "bảy nhóm"),
        ("gọi 0912345678", "gọi không chín một hai ba bốn năm sáu bảy tám"),
        ("lần thứ 4", "lần thứ tư"),
        ("thứ 1", "thứ nhất"),
        ("Cách mạng Công nghiệp 4.0", "Cách mạng Công nghiệp bốn chấm không"),
        ("tăng 2,5 lần", "tăng hai phẩy năm lần"),
        ("đạt 3,05 điểm", "đạt ba phẩy không năm điểm"),
    ],
)
def test_cardinals_in_text(text: str, reading: str) -> None:
    assert reading_text(text) == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("15%", "mười lăm phần trăm"),
        ("đạt 100 %", "đạt một trăm phần trăm"),
        ("2,5%", "hai phẩy năm phần trăm"),
        ("20-30%", "hai mươi đến ba mươi phần trăm"),
        ("1.500.000 đồng", "một triệu năm trăm nghìn đồng"),
        ("500.000đ", "năm trăm nghìn đồng"),
        ("2.000.000 VNĐ", "hai triệu đồng"),
        ("1,5 tỷ đồng", "một phẩy năm tỷ đồng"),
        ("50k", "năm mươi nghìn"),
        ("1.500.000 đồng/người/tháng", "một triệu năm trăm nghìn đồng một người một tháng"),
    ],
)
def test_percent_and_money(text: str, reading: str) -> None:
    assert reading_text(text) == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("2021-2025", "hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm"),
        ("thời kỳ 2021 - 2030", "thời kỳ hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm ba mươi"),
        ("từ 5–7 ngày", "từ năm đến bảy ngày"),
        ("kinh tế - xã hội", "kinh tế xã hội"),
    ],
)
def test_ranges(text: str, reading: str) -> None:
    assert reading_text(text) == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("Đại hội XIII", "Đại hội mười ba"),
        ("khóa XV", "khóa mười lăm"),
        ("(khóa XII)", "khóa mười hai"),
        ("thế kỷ XXI", "thế kỷ hai mươi mốt"),
        ("Phụ lục IV", "Phụ lục bốn"),
        ("Chương IX", "Chương chín"),
        ("I. MỤC ĐÍCH, YÊU CẦU", "một. mục đích, yêu cầu"),
        ("III. TỔ CHỨC THỰC HIỆN", "ba. tổ chức thực hiện"),
    ],
)
def test_roman_numerals_in_context(text: str, reading: str) -> None:
    assert reading_text(text) == reading


def test_roman_letters_outside_context_are_not_numbers() -> None:
    assert roman_value("IIII") is None and roman_value("XIII") == 13
    assert "một" not in reading_text("ông Vi đến")
    assert reading_text("Hội nghị lần thứ XIV").endswith("mười bốn")


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị",
         "Nghị quyết số năm mươi bảy ngày hai mươi hai tháng mười hai năm hai nghìn không trăm "
         "hai mươi bốn của Bộ Chính trị"),
        ("Kế hoạch số 433-KH/TU ngày 28/2/2025",
         "Kế hoạch số bốn trăm ba mươi ba của tỉnh ủy ngày hai mươi tám tháng hai năm hai nghìn "
         "không trăm hai mươi lăm"),
        ("Số: 1587/UBND-KGVX",
         "Số: một nghìn năm trăm tám mươi bảy của ủy ban nhân dân khối khoa giáo văn xã"),
        ("Số: **1587** /UBND-KGVX",
         "Số: một nghìn năm trăm tám mươi bảy của ủy ban nhân dân khối khoa giáo văn xã"),
        ("theo 57-NQ/TW.", "theo nghị quyết số năm mươi bảy của trung ương."),
        ("Nghị quyết 03/NQ-CP", "Nghị quyết ba của chính phủ"),
        ("Nghị quyết 57-\n\nNQ/TW", "Nghị quyết năm mươi bảy của trung ương"),
        ("Nghị định 72/2015/NĐ-CP",
         "Nghị định bảy mươi hai năm hai nghìn không trăm mười lăm của chính phủ"),
        ("Thông tư 39/2020/TT-BTTTT",
         "Thông tư ba mươi chín năm hai nghìn không trăm hai mươi của bộ thông tin và truyền thông"),
        ("Hướng dẫn số 186-HD/BTGTW", "Hướng dẫn số một trăm tám mươi sáu của ban tuyên giáo trung ương"),
        ("văn bản số 7522-CV/TU", "văn bản số bảy nghìn năm trăm hai mươi hai của tỉnh ủy"),
        ("Chương trình số 04/CTr-UBND ngày 14/4/2025 của UBND tỉnh",
         "Chương trình số bốn ngày mười bốn tháng tư năm hai nghìn không trăm hai mươi lăm của "
         "ủy ban nhân dân tỉnh"),
        ("Số: /PVHTT", "Số: phòng văn hóa và thông tin"),
    ],
)
def test_document_symbols(text: str, reading: str) -> None:
    assert reading_text(text) == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("UBND", "ủy ban nhân dân"), ("HĐND", "hội đồng nhân dân"),
        ("MTTQ", "mặt trận tổ quốc"), ("KH&CN", "khoa học và công nghệ"),
        ("CNTT", "công nghệ thông tin"),
        ("ĐHQG-HCM", "Đại học Quốc gia thành phố Hồ Chí Minh"),
        ("ĐHQG - HCM", "Đại học Quốc gia thành phố Hồ Chí Minh"),
        ("Trung tâm VH-TT-TT", "Trung tâm văn hóa, thông tin và thể thao"),
        ("Trung tâm VH-TT-TT/TP", "Trung tâm văn hóa, thông tin và thể thao thành phố"),
        ("các tổ chức CT-XH", "các tổ chức chính trị xã hội"),
        ("doanh nghiệp trong KCN", "doanh nghiệp trong khu công nghiệp"),
        ("V/v tuyên truyền", "về việc tuyên truyền"),
        ("Ứng dụng AI học online", "Ứng dụng trí tuệ nhân tạo học trực tuyến"),
        ("Độc lập – Tự do – Hạnh phúc", "Độc lập, Tự do, Hạnh phúc"),
        ("Sở GD&ĐT", "Sở giáo dục và đào tạo"),
    ],
)
def test_abbreviations(text: str, reading: str) -> None:
    assert reading_text(text) == reading


def test_unknown_acronyms_are_spelled_with_vietnamese_letter_names() -> None:
    out = reading_text("Phòng QXZ")
    assert out == "Phòng quy ích dét"
    # English letter names never appear
    assert not re.search(r"\b(?:kay|dee|double|ex|zed|ess)\b", out)


def test_operator_dictionary_overrides_and_extends(tmp_path: Path) -> None:
    assert reading_text("BCĐ 35", {"BCĐ": "ban chỉ đạo"}) == "ban chỉ đạo ba mươi lăm"
    assert reading_text("QXZ", {"QXZ": "quỹ xã"}) == "quỹ xã"
    f = tmp_path / "tu-dien.yaml"
    f.write_text("abbreviations:\n  PVHTT: phòng văn hóa thông tin\nissuers:\n  XYZ: xã yên"
                 " zang\n", encoding="utf-8")
    d = load_dictionary(f)
    assert reading_text("PVHTT", d) == "phòng văn hóa thông tin"
    assert reading_text("Kế hoạch số 5-KH/XYZ", d) == "Kế hoạch số năm của xã yên zang"
    flat = tmp_path / "flat.yaml"
    flat.write_text("ĐVT: đơn vị tính\n", encoding="utf-8")
    assert reading_text("ĐVT", load_dictionary(flat)) == "đơn vị tính"
    bad = tmp_path / "bad.yaml"
    bad.write_text("lung_tung:\n  A: b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lung_tung"):
        load_dictionary(bad)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents are outside the repository")
def test_seed_documents_read_without_digits_symbols_or_unknown_capitals() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        out = reading_text(path.read_text(encoding="utf-8"))
        assert not re.search(r"[0-9%&/*]", out), path.name
        acronyms = re.findall(r"\b[A-ZĐ]{2,}\b", out)
        assert acronyms == [], (path.name, acronyms)
        assert "tháng bốn" not in out


def test_estimate_counts_syllables_of_the_reading() -> None:
    text = "Nghị quyết số 57-NQ/TW ngày 22/12/2024."
    reading = reading_text(text)
    syllables = count_syllables(reading)
    assert syllables == 24
    assert estimate_seconds(text) == pytest.approx(syllables / 4.0 + 0.4)
    assert estimate_seconds(text, 6.0) == pytest.approx(syllables / 6.0 + 0.4)
    with pytest.raises(ValueError):
        estimate_seconds(text, 0)
