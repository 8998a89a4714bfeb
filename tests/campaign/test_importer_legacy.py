"""TCVN3 (ABC) and VNI Windows text converted to Unicode: every vowel with every tone, đ, the
capitals, whole documents in .txt bytes and in .docx, and Unicode text left alone."""

from __future__ import annotations

from pathlib import Path

import docx

from campaign.importer import import_file
from campaign.importer.legacy import from_tcvn3, from_vni, to_unicode

# Written out by hand from the published TCVN3 code chart, in the order plain, acute, grave,
# hook, tilde, dot (the converter's table uses another order, so a swap would show).
TCVN3_CHART = {
    "aáàảãạ": "a\xb8\xb5\xb6\xb7\xb9", "ăắằẳẵặ": "\xa8\xbe\xbb\xbc\xbd\xc6",
    "âấầẩẫậ": "\xa9\xca\xc7\xc8\xc9\xcb", "eéèẻẽẹ": "e\xd0\xcc\xce\xcf\xd1",
    "êếềểễệ": "\xaa\xd5\xd2\xd3\xd4\xd6", "iíìỉĩị": "i\xdd\xd7\xd8\xdc\xde",
    "oóòỏõọ": "o\xe3\xdf\xe1\xe2\xe4", "ôốồổỗộ": "\xab\xe8\xe5\xe6\xe7\xe9",
    "ơớờởỡợ": "\xac\xed\xea\xeb\xec\xee", "uúùủũụ": "u\xf3\xef\xf1\xf2\xf4",
    "ưứừửữự": "\xad\xf8\xf5\xf6\xf7\xf9", "yýỳỷỹỵ": "y\xfd\xfa\xfb\xfc\xfe",
}
# VNI Windows: base letter + mark character; same order.
VNI_CHART = {
    "aáàảãạ": ["a", "aù", "aø", "aû", "aõ", "aï"], "ăắằẳẵặ": ["aê", "aé", "aè", "aú", "aü", "aë"],
    "âấầẩẫậ": ["aâ", "aá", "aà", "aå", "aã", "aä"], "eéèẻẽẹ": ["e", "eù", "eø", "eû", "eõ", "eï"],
    "êếềểễệ": ["eâ", "eá", "eà", "eå", "eã", "eä"], "iíìỉĩị": ["i", "í", "ì", "æ", "ó", "ò"],
    "oóòỏõọ": ["o", "où", "oø", "oû", "oõ", "oï"], "ôốồổỗộ": ["oâ", "oá", "oà", "oå", "oã", "oä"],
    "ơớờởỡợ": ["ô", "ôù", "ôø", "ôû", "ôõ", "ôï"], "uúùủũụ": ["u", "uù", "uø", "uû", "uõ", "uï"],
    "ưứừửữự": ["ö", "öù", "öø", "öû", "öõ", "öï"], "yýỳỷỹỵ": ["y", "yù", "yø", "yû", "yõ", "î"],
}


def test_tcvn3_every_vowel_every_tone_in_lower_and_capitals_font() -> None:
    for letters, codes in TCVN3_CHART.items():
        for letter, code in zip(letters, codes, strict=True):
            assert from_tcvn3(f"x{code}x") == f"x{letter}x", (letter, hex(ord(code)))
            # .VnTimeH draws capitals from the same codes: a capital word stays capital.
            if not code.isascii():
                assert from_tcvn3(f"X{code}X") == f"X{letter.upper()}X", letter
    assert from_tcvn3("\xae\xa7\xa1\xa2\xa3\xa4\xa5\xa6") == "đĐĂÂÊÔƠƯ"
    assert from_tcvn3("Th\xabng b\xb8o") == "Thông báo"
    assert from_tcvn3("C\xe9NG HO\xb5 X\xb7 H\xe9I CH\xf1 NGH\xdcA VI\xd6T NAM") == \
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def test_vni_every_vowel_every_tone_both_cases() -> None:
    for letters, codes in VNI_CHART.items():
        for letter, code in zip(letters, codes, strict=True):
            assert from_vni(f"x{code}x") == f"x{letter}x", (letter, code)
            assert from_vni(f"X{code.upper()}X") == f"X{letter.upper()}X", (letter, code)
    assert from_vni("ñ Ñ") == "đ Đ"
    assert from_vni("Thoâng baùo Ñoàng Nai") == "Thông báo Đồng Nai"


def test_unicode_text_is_left_alone() -> None:
    text = "Ủy ban nhân dân thành phố Biên Hòa thông báo về việc tuyên truyền."
    assert to_unicode(text) == (text, None)
    assert to_unicode("An English memo, café and naïve.") == ("An English memo, café and naïve.",
                                                              None)


PLAN = ("ỦY BAN NHÂN DÂN PHƯỜNG TÂN MAI\nSố: 31/KH-UBND\nTân Mai, ngày 14 tháng 4 năm 2025\n\n"
        "KẾ HOẠCH\nTuyên truyền phòng, chống sốt xuất huyết năm 2025\n\n"
        "Thực hiện Kế hoạch số 120/KH-UBND ngày 01/4/2025 của UBND thành phố, Ủy ban nhân dân "
        "phường xây dựng kế hoạch tuyên truyền trên hệ thống loa truyền thanh như sau.\n"
        "Các khu phố báo cáo kết quả trước ngày 30/5/2025.\n")


def _encode_tcvn3(text: str) -> str:
    reverse: dict[str, str] = {}
    for letters, codes in TCVN3_CHART.items():
        for letter, code in zip(letters, codes, strict=True):
            if not code.isascii():
                reverse.setdefault(letter, code)
                reverse.setdefault(letter.upper(), code)
    reverse.update({"đ": "\xae", "Đ": "\xa7", "Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4",
                    "Ơ": "\xa5", "Ư": "\xa6"})
    return "".join(reverse.get(c, c) for c in text)


def _encode_vni(text: str) -> str:
    reverse = {letter: code for letters, codes in VNI_CHART.items()
               for letter, code in zip(letters, codes, strict=True)}
    reverse.update({k.upper(): v.upper() for k, v in reverse.items()})
    reverse.update({"đ": "ñ", "Đ": "Ñ"})
    return "".join(reverse.get(c, c) for c in text)


def _check(path: Path, legacy: str) -> None:
    result = import_file(path)
    doc = result.documents[0]
    assert (doc.kind, doc.number, doc.place) == ("Kế hoạch", "31/KH-UBND", "Tân Mai")
    assert doc.issuer == "Ủy ban nhân dân phường Tân Mai"
    assert doc.subject == "Tuyên truyền phòng, chống sốt xuất huyết năm 2025"
    assert [r.number for r in doc.references] == ["120/KH-UBND"]
    assert doc.channels == ["loudspeaker"]
    assert any(legacy in w for w in result.draft.warnings)
    assert f"phông {legacy}" in result.draft.text


def test_tcvn3_and_vni_documents_as_bytes_and_docx(tmp_path: Path) -> None:
    for legacy, encode in (("TCVN3", _encode_tcvn3), ("VNI", _encode_vni)):
        text = encode(PLAN)
        assert text != PLAN
        raw = tmp_path / f"{legacy}.txt"
        raw.write_bytes(text.encode("latin-1"))
        _check(raw, legacy)
        document = docx.Document()
        for line in text.split("\n"):
            document.add_paragraph(line)
        document.save(str(tmp_path / f"{legacy}.docx"))
        _check(tmp_path / f"{legacy}.docx", legacy)
