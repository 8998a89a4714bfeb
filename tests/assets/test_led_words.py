"""Line and frame breaks fall between Vietnamese words, never inside a word or a name.

The slogans below are annotated by hand, independently of the segmenter: ``_`` joins the
syllables of one word (no break may fall there), ``~`` joins a protected phrase (a name with
its title or unit, a number with its unit, a document with its number: no break while the
phrase fits on one line of the board). The renderer sees the text without the marks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from assets.led import layout, render_frames
from assets.led.render import _Metrics
from assets.led.words import PHRASE, WORD, breaks, units

SEEDS = Path(__file__).parents[3] / "shared" / "seeds"
BOARDS = [(192, 96), (384, 192), (128, 64), (96, 32)]

SLOGANS = [
    "TỔNG_BÍ_THƯ~TÔ_LÂM KÝ NGHỊ_QUYẾT~57-NQ/TW",
    "THÀNH_PHỐ~BIÊN_HÒA ĐẨY_MẠNH CHUYỂN_ĐỔI_SỐ",
    "TĂNG_CƯỜNG SỰ LÃNH_ĐẠO, CHỈ_ĐẠO CỦA TRUNG_ƯƠNG",
    "Tổng_Bí_thư~Tô_Lâm ký ban_hành Nghị_quyết~57-NQ/TW",
    "Thành_phố~Biên_Hòa chung_sức xây_dựng đô_thị văn_minh",
    "KHOA_HỌC, CÔNG_NGHỆ LÀ ĐỘT_PHÁ QUAN_TRỌNG HÀNG_ĐẦU",
    "ĐỔI_MỚI SÁNG_TẠO VÀ CHUYỂN_ĐỔI_SỐ VÌ SỰ PHÁT_TRIỂN",
    "NGƯỜI_DÂN VÀ DOANH_NGHIỆP LÀ TRUNG_TÂM CỦA CHUYỂN_ĐỔI_SỐ",
    "KHÔNG CHIA_SẺ MÃ OTP, MẬT_KHẨU CHO BẤT_KỲ AI",
    "NHIỆT_LIỆT CHÀO_MỪNG ĐẠI_HỘI ĐẢNG_BỘ~PHƯỜNG~TÂN_PHONG LẦN~THỨ~XIV",
    "Nhiệt_liệt chào_mừng Đại_hội Đảng_bộ phường~Tân_Phong lần~thứ~XIV",
    "ĐẢNG_CỘNG_SẢN_VIỆT_NAM QUANG_VINH MUÔN_NĂM",
    "CHỦ_TỊCH~HỒ_CHÍ_MINH VĨ_ĐẠI SỐNG_MÃI TRONG SỰ_NGHIỆP CỦA CHÚNG_TA",
    "Sống, chiến_đấu, lao_động và học_tập theo gương Bác~Hồ vĩ_đại",
    "TOÀN_DÂN ĐOÀN_KẾT XÂY_DỰNG ĐỜI_SỐNG VĂN_HÓA Ở KHU_DÂN_CƯ",
    "Giữ_gìn vệ_sinh môi_trường là trách_nhiệm của mỗi người_dân",
    "Tiết_kiệm điện là góp_phần bảo_vệ tài_nguyên quốc_gia",
    "HÃY NÓI KHÔNG VỚI MA_TÚY",
    "Phòng_chống dịch sốt_xuất_huyết: diệt lăng_quăng, bọ_gậy",
    "Chủ_động ứng_phó với bão_lũ, bảo_đảm an_toàn tính_mạng",
    "Ưu_tiên người_cao_tuổi, phụ_nữ mang_thai và trẻ_em",
    "ĐƯỜNG_PHỐ VĂN_MINH, SẠCH_ĐẸP, TRẬT_TỰ, AN_TOÀN",
    "Thực_hiện nghiêm Luật Trật_tự, an_toàn giao_thông đường_bộ năm~2024",
    "ĐÃ UỐNG RƯỢU_BIA THÌ KHÔNG LÁI XE",
    "ĐỘI MŨ_BẢO_HIỂM ĐẠT_CHUẨN KHI ĐI XE_MÁY",
    "NGHIÊM_CẤM ĐỐT PHÁO, THẢ ĐÈN_TRỜI DỊP LỄ_HỘI",
    "Uống nước nhớ nguồn, ăn quả nhớ người trồng cây",
    "TUỔI_TRẺ XUNG_KÍCH, SÁNG_TẠO, TÌNH_NGUYỆN VÌ CỘNG_ĐỒNG",
    "KỶ_NIỆM 80~NĂM CÁCH_MẠNG_THÁNG_TÁM VÀ QUỐC_KHÁNH 2/9",
    "Mừng Đảng, mừng Xuân, mừng đất_nước đổi_mới",
    "CẢNH_GIÁC VỚI CÁC THỦ_ĐOẠN LỪA_ĐẢO QUA MẠNG",
    "THÀNH_PHỐ~BIÊN_HÒA NÓI KHÔNG VỚI RÁC_THẢI NHỰA",
    "PHƯỜNG~TÂN_PHONG THI_ĐUA XÂY_DỰNG ĐÔ_THỊ VĂN_MINH",
    "TỈNH_ỦY~ĐỒNG_NAI LÃNH_ĐẠO THỰC_HIỆN THẮNG_LỢI NHIỆM_VỤ NĂM~2025",
    "ỦY_BAN_NHÂN_DÂN~TỈNH~ĐỒNG_NAI KÊU_GỌI NGƯỜI_DÂN PHÒNG_CHỐNG THIÊN_TAI",
    "NHIỆT_ĐỘ 35~°C, ĐỀ_PHÒNG SỐC_NHIỆT KHI LÀM_VIỆC NGOÀI_TRỜI",
    "Lượng_mưa 150~mm, người_dân không qua ngầm, tràn",
    "Mỗi người_dân là một chiến_sĩ phòng_cháy, chữa_cháy",
    "Gia_đình hạnh_phúc, xã_hội phát_triển",
    "CỘNG_HÒA XÃ_HỘI_CHỦ_NGHĨA VIỆT_NAM MUÔN_NĂM",
    "Bảo_vệ chủ_quyền biển, đảo là trách_nhiệm của toàn_dân",
    "TRƯỜNG_SA, HOÀNG_SA LÀ CỦA VIỆT_NAM",
    "Học_tập và làm_theo tư_tưởng, đạo_đức, phong_cách Hồ_Chí_Minh",
    "DÂN BIẾT, DÂN BÀN, DÂN LÀM, DÂN KIỂM_TRA, DÂN GIÁM_SÁT, DÂN THỤ_HƯỞNG",
    "XÃ~TÂN_AN XÂY_DỰNG NÔNG_THÔN_MỚI NÂNG_CAO",
    "Cả nước chung_tay vì người nghèo, không để ai bị bỏ lại phía sau",
    "TIÊM_CHỦNG ĐẦY_ĐỦ, ĐÚNG LỊCH ĐỂ BẢO_VỆ TRẺ_EM",
    "Phòng_chống đuối_nước cho trẻ_em trong dịp hè",
    "NÓI KHÔNG VỚI BẠO_LỰC GIA_ĐÌNH",
    "Bình_đẳng giới vì sự phát_triển bền_vững",
    "Cài_đặt và sử_dụng ứng_dụng VNeID để làm thủ_tục hành_chính trực_tuyến",
    "Đồng_chí~Nguyễn_Văn_An, Bí_thư Đảng_ủy phường, phát_biểu",
    "HUYỆN~LONG_THÀNH ĐÓN CHÀO SÂN_BAY QUỐC_TẾ",
    "Hưởng_ứng Giờ Trái_Đất~2025: tắt đèn 60~phút",
    "Thông_báo: tạm ngừng cấp điện từ 7~giờ đến 17~giờ",
    "BẦU_CỬ LÀ QUYỀN VÀ NGHĨA_VỤ CỦA CÔNG_DÂN",
]


def _gold(annotated: str) -> tuple[str, dict[int, int]]:
    """Plain text and, for each token gap index, its gold glue (WORD or PHRASE)."""
    text = annotated.replace("_", " ").replace("~", " ")
    gold: dict[int, int] = {}
    gap = 0
    for ch in annotated:
        if ch in " _~":
            if ch == "_":
                gold[gap] = WORD
            elif ch == "~":
                gold[gap] = PHRASE
            gap += 1
    return text, gold


def _break_gaps(pages: tuple[tuple[str, ...], ...]) -> list[int]:
    """Token-gap indices where a line or a frame ends."""
    gaps, count = [], 0
    lines = [line for page in pages for line in page]
    for line in lines[:-1]:
        count += len(line.split())
        gaps.append(count - 1)
    return gaps


def _span(gold: dict[int, int], gap: int, level: int) -> tuple[int, int]:
    """First and last token of the run glued at ≥ ``level`` around ``gap``."""
    start = gap
    while start - 1 in gold and gold[start - 1] >= level:
        start -= 1
    end = gap + 1
    while end in gold and gold[end] >= level:
        end += 1
    return start, end + 1


def test_there_are_many_annotated_slogans() -> None:
    assert len(SLOGANS) >= 50
    assert sum(1 for s in SLOGANS if _gold(s)[1]) >= 50


@pytest.mark.parametrize("board", BOARDS)
def test_no_break_falls_inside_a_word_or_a_protected_phrase(board: tuple[int, int]) -> None:
    width, height = board
    violations = []
    for annotated in SLOGANS:
        text, gold = _gold(annotated)
        tokens = text.split()
        plan = layout(text, width, height)
        charset = "".join(sorted(set(text.replace(" ", ""))))
        m = _Metrics(plan.font_path, plan.size, charset, width, height, True)
        joined = [line for page in plan.pages for line in page]
        assert " ".join(joined).split() == tokens  # nothing lost, nothing hyphenated
        for gap in _break_gaps(plan.pages):
            level = gold.get(gap)
            if level is None:
                continue
            start, end = _span(gold, gap, level)
            if m.word(" ".join(tokens[start:end])) <= m.avail_w:
                violations.append((annotated, " ".join(tokens[:gap + 1]) + " |"))
    assert violations == []


def test_the_reported_splits_are_gone() -> None:
    cases = {
        "TỔNG BÍ THƯ TÔ LÂM KÝ": ["TỔNG BÍ THƯ TÔ LÂM", "KÝ"],
        "THÀNH PHỐ BIÊN HÒA": ["THÀNH PHỐ BIÊN HÒA"],
        "CHỈ ĐẠO CỦA TRUNG ƯƠNG": ["CHỈ ĐẠO", "CỦA", "TRUNG ƯƠNG"],
        "Thực hiện Nghị quyết 57-NQ/TW": ["Thực hiện", "Nghị quyết 57-NQ/TW"],
    }
    for text, expected in cases.items():
        assert units(text) == expected
    for board in BOARDS:
        for page in layout("TĂNG CƯỜNG SỰ LÃNH ĐẠO, CHỈ ĐẠO CỦA TRUNG ƯƠNG", *board).pages:
            assert not page[-1].endswith("TRUNG") and not page[0].startswith("ƯƠNG")


def test_keywords_inside_longer_words_are_not_units() -> None:
    # "xã hội" is society, not a commune named Hội; "tổ quốc" is the fatherland
    b = breaks("XÃ HỘI PHÁT TRIỂN")
    assert b.glue[0] == WORD and b.glue[1] < WORD


def test_a_word_longer_than_a_line_is_hyphenated_not_lost() -> None:
    word = "Đ" + "A" * 199
    for board in BOARDS:
        plan = layout(f"CẢNH BÁO {word} NGAY", *board)
        lines = [line for page in plan.pages for line in page]
        rebuilt = " ".join(lines).replace("- ", "").replace("-", "")
        assert rebuilt == f"CẢNH BÁO {word} NGAY"
        pieces = [line for line in lines if "AA" in line]
        assert len(pieces) >= 2 and all(p.endswith("-") for p in pieces[:-1])
        frames = render_frames(f"CẢNH BÁO {word} NGAY", *board)
        assert len(frames) == plan.frame_count


def _seed_slogans() -> list[str]:
    """Headings and short sentences of the seed documents, upper-cased as the importer's
    draft slogans are."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^[\s\dIVX.\-–•*)]+", "", line).strip(" .;:")
            if 4 <= len(line.split()) <= 18 and not re.search(r"[/@]|\d{3}", line):
                out.append(line.upper())
    return out


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents are outside the repository")
def test_seed_slogans_never_break_inside_a_segmented_word() -> None:
    from underthesea import word_tokenize

    slogans = _seed_slogans()
    assert len(slogans) >= 20
    broken = []
    for text in slogans:
        words = [f" {w} " for w in word_tokenize(text.lower()) if " " in w]
        plan = layout(text, 192, 96)
        charset = "".join(sorted(set(text.replace(" ", ""))))
        m = _Metrics(plan.font_path, plan.size, charset, 192, 96, True)
        # a "word" wider than a line (the model reads whole names as one) must break somewhere
        words = [w for w in words if m.word(w.strip().upper()) <= m.avail_w]
        lines = [line.lower() for page in plan.pages for line in page]
        for a, b in zip(lines, lines[1:], strict=False):
            pair = f" {a.split()[-1]} {b.split()[0]} "
            broken += [(text, a, b) for w in words if pair in w]
    assert broken == []


def test_slogan_chunks_cut_between_words_and_hyphenate_overlong_tokens() -> None:
    from assets.led.words import slogan_chunks

    text = "TĂNG CƯỜNG SỰ LÃNH ĐẠO, CHỈ ĐẠO CỦA TRUNG ƯƠNG"
    for limit in (12, 16, 20, 30):
        chunks = slogan_chunks(text, limit)
        assert all(len(c) <= limit for c in chunks)
        assert " ".join(chunks) == text
        assert not any(c.endswith("TRUNG") for c in chunks)
    word = "A" * 200
    chunks = slogan_chunks(f"CẢNH BÁO {word}", 120)
    assert all(len(c) <= 120 for c in chunks) and any(c.endswith("-") for c in chunks)
    assert "".join(chunks).replace("-", "").replace(" ", "") == "CẢNHBÁO" + word
    with pytest.raises(ValueError):
        slogan_chunks("A", 1)


def test_first_use_from_many_lanes_at_once_is_safe() -> None:
    """Delivery lanes render LED frames in threads; underthesea loads its model lazily and
    crashed ('featurizer' None) when several threads used it first at the same time. A fresh
    interpreter, so the model is not yet loaded."""
    script = (
        "import threading\n"
        "from assets.led.words import breaks\n"
        "errors = []\n"
        "def go(i):\n"
        "    try:\n"
        "        breaks(f'TỔNG BÍ THƯ TÔ LÂM KÝ QUYẾT ĐỊNH SỐ {i} VỀ CHUYỂN ĐỔI SỐ')\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=go, args=(i,)) for i in range(16)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(len(errors), errors[:1])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.startswith("0 "), done.stdout
