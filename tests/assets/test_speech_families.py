"""Number families of public announcements that are not quantities (issue #19).

Phone numbers, hotlines, temperatures and units, roads, house numbers, times, decimals and
ordinals: one table per family, each case an exact reading, plus guards that a family's rule
does not swallow text of another family.
"""

from __future__ import annotations

import re

import pytest

from assets.speech import reading_text

G = "hai nghìn không trăm hai mươi lăm"  # 2025


def _no_digits_or_english(out: str) -> None:
    assert not re.search(r"[0-9°%/+]", out), out
    # English letter or unit names never appear
    assert not re.search(r"\b(?:kay|dee|double|zed|ess|kilo|meter|metre|degree|celsius|"
                         r"hotline|road|street)\b", out, re.I), out


PHONES = [
    ("Gọi 0251 3822 123", "Gọi không hai năm một, ba tám hai hai, một hai ba"),
    ("SĐT: 0251.3822.123", "số điện thoại: không hai năm một, ba tám hai hai, một hai ba"),
    ("ĐT: 0251 3822 123", "điện thoại: không hai năm một, ba tám hai hai, một hai ba"),
    ("(0251) 3.822.123", "không hai năm một, ba tám hai hai, một hai ba"),
    ("liên hệ 028 3829 1234", "liên hệ không hai tám, ba tám hai chín, một hai ba bốn"),
    ("0912.345.678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912 345 678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("0912-345-678", "không chín một hai, ba bốn năm, sáu bảy tám"),
    ("gọi 0912345678", "gọi không chín một hai ba bốn năm sáu bảy tám"),
    ("+84 912 345 678", "cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám"),
    ("tổng đài 1900 1234", "tổng đài một chín không không, một hai ba bốn"),
    ("1800.599.920", "một tám không không, năm chín chín, chín hai không"),
    ("gọi 0912345678 20 lần", "gọi không chín một hai ba bốn năm sáu bảy tám hai mươi lần"),
    ("Đường dây nóng: 0251 3822 123 (24/24)",
     "Đường dây nóng: không hai năm một, ba tám hai hai, một hai ba, hai mươi bốn hai mươi bốn"),
]

HOTLINES = [
    ("đường dây nóng 1022", "đường dây nóng một không hai hai"),
    ("Tổng đài 1022 tiếp nhận phản ánh", "Tổng đài một không hai hai tiếp nhận phản ánh"),
    ("gọi 113", "gọi một một ba"),
    ("gọi ngay 114", "gọi ngay một một bốn"),
    ("Cấp cứu 115", "Cấp cứu một một năm"),
    ("gọi Công an 113, Cứu hỏa 114 hoặc Cấp cứu 115",
     "gọi Công an một một ba, Cứu hỏa một một bốn hoặc Cấp cứu một một năm"),
    ("quay số 111 để báo tin xâm hại trẻ em", "quay số một một một để báo tin xâm hại trẻ em"),
    ("gọi tổng đài 1022 hoặc 0251 3822 123",
     "gọi tổng đài một không hai hai hoặc không hai năm một, ba tám hai hai, một hai ba"),
    ("trình báo 113", "trình báo một một ba"),
]

NOT_HOTLINES = [
    ("có 113 hộ", "có một trăm mười ba hộ"),
    ("kêu gọi 113 hộ tham gia", "kêu gọi một trăm mười ba hộ tham gia"),
    ("gọi điện cho 115 người", "gọi điện cho một trăm mười lăm người"),
    ("1022 người dự", "một nghìn không trăm hai mươi hai người dự"),
    ("liên hệ từ năm 1022", "liên hệ từ năm một nghìn không trăm hai mươi hai"),
    ("ngày 01-05-2025", f"ngày một tháng năm năm {G}"),
    ("01.05.2025", f"ngày một tháng năm năm {G}"),
]


@pytest.mark.parametrize(("text", "reading"), PHONES + HOTLINES + NOT_HOTLINES)
def test_phone_numbers_and_hotlines(text: str, reading: str) -> None:
    out = reading_text(text)
    assert out == reading
    _no_digits_or_english(out)


UNITS = [
    ("nhiệt độ 35°C", "nhiệt độ ba mươi lăm độ xê"),
    ("35 °C", "ba mươi lăm độ xê"),
    ("35 độ C", "ba mươi lăm độ xê"),
    ("nhiệt độ 35oC", "nhiệt độ ba mươi lăm độ xê"),
    ("36,5 oC", "ba mươi sáu phẩy năm độ xê"),
    ("35-37°C", "ba mươi lăm đến ba mươi bảy độ xê"),
    ("-5°C", "âm năm độ xê"),
    ("góc 30°", "góc ba mươi độ"),
    ("dài 12 km", "dài mười hai ki lô mét"),
    ("dài 12km", "dài mười hai ki lô mét"),
    ("mưa 150 mm", "mưa một trăm năm mươi mi li mét"),
    ("lượng mưa 100-200mm", "lượng mưa một trăm đến hai trăm mi li mét"),
    ("cao 20 cm", "cao hai mươi xen ti mét"),
    ("dài 500 m", "dài năm trăm mét"),
    ("50 ha lúa", "năm mươi héc ta lúa"),
    ("0,5 ha", "không phẩy năm héc ta"),
    ("100 kg", "một trăm ki lô gam"),
    ("250 g muối", "hai trăm năm mươi gam muối"),
    ("20 m²", "hai mươi mét vuông"),
    ("20 m2", "hai mươi mét vuông"),
    ("5 m³ nước", "năm mét khối nước"),
    ("60 km/h", "sáu mươi ki lô mét một giờ"),
    ("gió giật 90-100 km/giờ", "gió giật chín mươi đến một trăm ki lô mét một giờ"),
    ("2 lít", "hai lít"),
    ("500 ml", "năm trăm mi li lít"),
    ("tiết kiệm 10 kWh", "tiết kiệm mười ki lô oát giờ"),
    ("đạt 95%", "đạt chín mươi lăm phần trăm"),
    ("giảm 2,5 %", "giảm hai phẩy năm phần trăm"),
    ("12,5 tấn", "mười hai phẩy năm tấn"),
]


@pytest.mark.parametrize(("text", "reading"), UNITS)
def test_temperatures_and_units(text: str, reading: str) -> None:
    out = reading_text(text)
    assert out == reading
    _no_digits_or_english(out)


def test_units_need_a_number_before_them() -> None:
    assert reading_text("ông m đến") == "ông m đến"
    assert reading_text("ha ha") == "héc ta héc ta"  # the shipped dictionary's own entry
    assert "gam" not in reading_text("lúc 7g30")


ROADS = [
    ("QL1A", "quốc lộ một a"),
    ("tuyến QL1A qua tỉnh", "tuyến quốc lộ một a qua tỉnh"),
    ("QL 51", "quốc lộ năm mươi mốt"),
    ("QL.1K", "quốc lộ một ca"),
    ("QL20", "quốc lộ hai mươi"),
    ("QL13", "quốc lộ mười ba"),
    ("ĐT768", "đường tỉnh bảy trăm sáu mươi tám"),
    ("ĐT 768", "đường tỉnh bảy trăm sáu mươi tám"),
    ("TL15", "tỉnh lộ mười lăm"),
    ("HL2", "hương lộ hai"),
    ("Quốc lộ 51", "Quốc lộ năm mươi mốt"),
    ("quốc lộ 1A", "quốc lộ một a"),
    ("Quốc lộ 1K", "Quốc lộ một ca"),
    ("Đường tỉnh 768", "Đường tỉnh bảy trăm sáu mươi tám"),
    ("tỉnh lộ 10", "tỉnh lộ mười"),
    ("cấm xe trên QL1A và ĐT768", "cấm xe trên quốc lộ một a và đường tỉnh bảy trăm sáu mươi tám"),
]


@pytest.mark.parametrize(("text", "reading"), ROADS)
def test_road_names(text: str, reading: str) -> None:
    out = reading_text(text)
    assert out == reading
    _no_digits_or_english(out)
    assert "quy e lờ" not in out and "đê tê" not in out


ADDRESSES = [
    ("số 12/3 đường Nguyễn Ái Quốc", "số mười hai trên ba đường Nguyễn Ái Quốc"),
    ("số nhà 45/12 đường Phạm Văn Thuận", "số nhà bốn mươi lăm trên mười hai đường Phạm Văn Thuận"),
    ("hẻm 45/12/7", "hẻm bốn mươi lăm trên mười hai trên bảy"),
    ("ngõ 8/2 phố Hàng Bông", "ngõ tám trên hai phố Hàng Bông"),
    ("kiệt 27/5", "kiệt hai mươi bảy trên năm"),
    ("12A/3 đường Phạm Văn Thuận", "mười hai a trên ba đường Phạm Văn Thuận"),
    ("số 105/2B khu phố 3", "số một trăm lẻ năm trên hai bê khu phố ba"),
    ("tại số 7 đường 30/4", "tại số bảy đường ba mươi tháng tư"),
    ("Tổ 3, khu phố 2, phường Tân Phong", "Tổ ba, khu phố hai, phường Tân Phong"),
]


@pytest.mark.parametrize(("text", "reading"), ADDRESSES)
def test_house_numbers_and_addresses(text: str, reading: str) -> None:
    out = reading_text(text)
    assert out == reading
    _no_digits_or_english(out)


def test_a_date_is_not_an_address() -> None:
    assert reading_text("ngày 12/3") == "ngày mười hai tháng ba"
    assert reading_text("trước 30/4") == "trước ngày ba mươi tháng tư"


TIMES = [
    ("7 giờ 30", "bảy giờ ba mươi phút"),
    ("lúc 7 giờ 30 phút", "lúc bảy giờ ba mươi phút"),
    ("07 giờ 00", "bảy giờ"),
    ("7 giờ 05", "bảy giờ năm phút"),
    ("17 giờ 45", "mười bảy giờ bốn mươi lăm phút"),
    ("7h30", "bảy giờ ba mươi phút"),
    ("7h30 sáng", "bảy giờ ba mươi phút sáng"),
    ("lúc 7h30'", "lúc bảy giờ ba mươi phút"),
    ("7g30", "bảy giờ ba mươi phút"),
    ("21h", "hai mươi mốt giờ"),
    ("0h", "không giờ"),
    ("từ 7h-11h", "từ bảy giờ đến mười một giờ"),
    ("từ 7 giờ - 9 giờ", "từ bảy giờ đến chín giờ"),
    ("từ 7 giờ đến 11 giờ 30", "từ bảy giờ đến mười một giờ ba mươi phút"),
    ("19 giờ 30 phút ngày 2/9", "mười chín giờ ba mươi phút ngày hai tháng chín"),
    ("7h00 ngày 2/9/2025", f"bảy giờ ngày hai tháng chín năm {G}"),
]


@pytest.mark.parametrize(("text", "reading"), TIMES)
def test_times_with_gio(text: str, reading: str) -> None:
    out = reading_text(text)
    assert out == reading
    _no_digits_or_english(out)


DECIMALS = [
    ("2,5", "hai phẩy năm"),
    ("tăng 2,5 lần", "tăng hai phẩy năm lần"),
    ("0,5", "không phẩy năm"),
    ("0,05", "không phẩy không năm"),
    ("3,14", "ba phẩy mười bốn"),
    ("12,75", "mười hai phẩy bảy mươi lăm"),
    ("2,50", "hai phẩy năm mươi"),
    ("1,125", "một phẩy một hai năm"),
    ("1.234,5 tấn", "một nghìn hai trăm ba mươi bốn phẩy năm tấn"),
    ("1,5 triệu", "một phẩy năm triệu"),
]


@pytest.mark.parametrize(("text", "reading"), DECIMALS)
def test_decimals_with_commas(text: str, reading: str) -> None:
    assert reading_text(text) == reading


ORDINALS = [
    ("thứ 2", "thứ hai"),
    ("Thứ 3", "Thứ ba"),
    ("thứ 4", "thứ tư"),
    ("lần thứ 4", "lần thứ tư"),
    ("lần thứ 14", "lần thứ mười bốn"),
    ("thứ 7, chủ nhật", "thứ bảy, chủ nhật"),
    ("thứ 2 đến thứ 6", "thứ hai đến thứ sáu"),
    ("ngày thứ 1", "ngày thứ nhất"),
    ("thứ 21", "thứ hai mươi mốt"),
    ("Đại hội lần thứ 14", "Đại hội lần thứ mười bốn"),
]


@pytest.mark.parametrize(("text", "reading"), ORDINALS)
def test_ordinals(text: str, reading: str) -> None:
    assert reading_text(text) == reading


def test_an_announcement_with_every_family() -> None:
    text = ("Thông báo: từ 7h30 thứ 2 ngày 15/9/2025, cấm xe trên QL1A đoạn qua số 12/3 đường "
            "Phạm Văn Thuận; nhiệt độ 35°C, gió 60 km/h. Mọi phản ánh gọi 1022 hoặc "
            "0251 3822 123.")
    out = reading_text(text)
    _no_digits_or_english(out)
    for part in ("bảy giờ ba mươi phút thứ hai", "quốc lộ một a", "số mười hai trên ba",
                 "ba mươi lăm độ xê", "sáu mươi ki lô mét một giờ", "gọi một không hai hai",
                 "không hai năm một, ba tám hai hai, một hai ba"):
        assert part in out, (part, out)
