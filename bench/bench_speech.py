"""Reading-text normalisation throughput, in characters per second.

The text is a loudspeaker script dense in what the normaliser rewrites (document symbols,
dates, times, money, ranges, Roman numerals, abbreviations). The floor is g2p-hamster's own
rule-based front-end (``t0.normalize``) on the same text in the same run: a peer doing
comparable work, so ratio = value/floor shows whether our extra rules cost more than it does.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from assets.speech import reading_text

SCRIPT = (
    "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị và Kế hoạch số "
    "433-KH/TU ngày 28/2/2025 của Ban Thường vụ Tỉnh ủy, UBND phường phối hợp MTTQ tổ chức "
    "tuyên truyền từ 7h30 đến 11h00 ngày 30/4. Kinh phí hỗ trợ 1.500.000 đồng/người, đạt 95% "
    "kế hoạch giai đoạn 2021-2025. Đại hội XIII, khóa XV; Sở KH&CN, CNTT, ĐHQG-HCM và Trung "
    "tâm VH-TT-TT thành phố báo cáo trước ngày 15/3/2025 theo văn bản 1587/UBND-KGVX, "
    "thời gian dự kiến 03 ngày, lúc 17:00.\n"
)
SECONDS = 1.5


def _rate(step: Callable[[str], object], seconds: float = SECONDS) -> float:
    """Characters per second of ``step(SCRIPT)``."""
    step(SCRIPT)  # warm caches (dictionary, compiled patterns): not what we measure
    chars, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        step(SCRIPT)
        chars += len(SCRIPT)
    return chars / elapsed


def run() -> list[dict]:
    from g2p_hamster.t0 import normalize as hamster_normalize

    floor = _rate(hamster_normalize)
    value = _rate(reading_text)
    return [{"name": "speech_reading_text", "value": round(value, 1), "unit": "chars/s",
             "floor": round(floor, 1), "ratio": round(value / floor, 3)}]


if __name__ == "__main__":
    for row in run():
        print(row)
