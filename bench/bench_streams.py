"""One worker holding many real-time Icecast streams at once (issue 12).

A real icecast2 on loopback with room for every mount; ``STREAMS`` wards whose sessions start
at the same second, each streaming a 16 kbps bulletin of ``SECONDS`` s in real time through
the lane engine as ``campaign run`` runs it (``LaneRunner.serve``, one lane per stream).
Measured: start lateness p50/p99 (start of the source PUT − session time), the worker's CPU
seconds per stream and its resident memory per stream (peak during the streams − before), and
how much longer than its audio a PUT ran (``put_beyond_audio_s_max``).
No floor exists for this row (nothing else here streams); the target is in the row.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

STREAMS = int(os.environ.get("BENCH_STREAMS", "200"))
SECONDS = 20


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def run() -> list[dict]:
    if not shutil.which("icecast2") or not shutil.which("ffmpeg"):
        print("  (bỏ qua: cần icecast2 và ffmpeg — make test cài chúng)")
        return []
    from campaign.runtime import make_dispatcher
    from campaign.workspace import Workspace
    from schedules.lanes import LaneRunner
    from tests.icecastserver import icecast_server
    from tests.schedules.wards import (
        plan_morning,
        stories,
        stream_start,
        ward_workspace,
    )

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with icecast_server(tmp / "icecast", sources=STREAMS + 8) as port:
            root = ward_workspace(tmp / "ws", port, wards=STREAMS, seconds=SECONDS)
            ledger, session = plan_morning(root, starts_in=25.0)
            dispatcher = make_dispatcher(Workspace.open(root), ledger, lanes=STREAMS + 8)
            runner = LaneRunner(dispatcher)
            peak, base = [0.0], _rss_mb()
            stop, watching = threading.Event(), threading.Event()

            def watch() -> None:
                while not watching.is_set():
                    peak[0] = max(peak[0], _rss_mb())
                    time.sleep(0.2)

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            cpu = _cpu()
            thread = threading.Thread(target=runner.serve, args=(stop,), daemon=True)
            thread.start()
            deadline = time.monotonic() + 25 + SECONDS + 90
            while (runner.summary.counts.get("sent", 0) < STREAMS
                   and time.monotonic() < deadline):
                time.sleep(0.5)
            cpu = _cpu() - cpu
            stop.set()
            thread.join(timeout=60)
            watching.set()
            lateness, streamed = [], []
            for story in stories(ledger).values():
                for event, at, detail in story:
                    if event == "sent":
                        # the source PUT began stream_seconds before its log row (connect
                        # included); how much longer than the audio the PUT ran is kept too
                        lateness.append((stream_start(at, detail) - session).total_seconds())
                        streamed.append(float(detail["stream_seconds"])
                                        - float(detail["duration_seconds"]))
            dispatcher.close()
            ledger.dispose()
    sent = len(lateness)
    q = statistics.quantiles(lateness, n=100) if sent >= 2 else [float("nan")] * 99
    extra = {"streams": STREAMS, "sent": sent, "stream_seconds": SECONDS, "bitrate_kbps": 16,
             "put_beyond_audio_s_max": round(max(streamed, default=0.0), 1)}
    return [
        {"name": "streams_start_lateness_p99", "value": round(q[98], 3), "unit": "s",
         "floor": 2.0, "ratio": round(q[98] / 2.0, 3), **extra,
         "p50": round(q[49], 3), "target": f"p99 <= 2 s with {STREAMS} concurrent streams"},
        {"name": "streams_cpu_per_stream", "value": round(cpu / max(sent, 1), 3),
         "unit": "cpu s", "floor": None, "ratio": None, **extra,
         "note": "worker process CPU over the whole run / streams sent"},
        {"name": "streams_rss_per_stream", "value": round((peak[0] - base) / max(sent, 1), 3),
         "unit": "MB", "floor": None, "ratio": None, **extra,
         "rss_before_mb": round(base, 1), "rss_peak_mb": round(peak[0], 1)},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
