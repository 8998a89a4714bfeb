"""Loudspeaker audio: speech + optional jingles, loudness-normalised, mono, wav/mp3/ogg.

Ward loudspeakers play many sources one after another; listeners should not reach for the
volume knob between them, so every file we make sits at the same integrated loudness (EBU R128,
−16 LUFS by default, the usual target for speech on small speakers) with true peaks at or below
−1 dBTP, which leaves room for lossy encoders and cheap amplifiers.

espeak-ng's speech is peaky (true peak near 0 dBFS at −19 LUFS), so plain gain cannot reach the
target without clipping and ffmpeg's ``loudnorm`` then falls back to its dynamic mode and
undershoots. We compress gently, apply the measured gain and limit on a 4× oversampled signal
(an approximation of true-peak limiting), then measure again and correct once.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from assets.speech import reading_text
from assets.speech.engines import EspeakEngine, SpeechEngine, SpeechError, require_tool
from assets.speech.normalize import Dictionary
from assets.store import MediaStore, digest

__all__ = ["FORMATS", "AudioInfo", "measure", "synthesize", "synthesize_cached"]

FORMATS: dict[str, list[str]] = {
    ".wav": ["-c:a", "pcm_s16le"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "96k"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "4"],
}
SAMPLE_RATE = 48_000
RECIPE_VERSION = "speech-audio-2"
"""Bump when the processing chain changes, so stored files are made again."""


@dataclass(frozen=True)
class AudioInfo:
    """What a finished file is: its length and measured loudness."""

    duration_seconds: float
    lufs: float
    true_peak: float
    path: Path

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def _ffmpeg() -> str:
    return require_tool("ffmpeg")


def _run(args: list[str]) -> str:
    proc = subprocess.run([_ffmpeg(), "-hide_banner", "-nostdin", *args], capture_output=True,
                          text=True, check=False, timeout=600)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        raise SpeechError(f"ffmpeg báo lỗi khi xử lý âm thanh: {tail}")
    return proc.stderr


_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf) LUFS")
_TP = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf) dBFS")
_DURATION = re.compile(r"time=(\d+):(\d+):(\d+\.\d+)")


def measure(path: Path) -> AudioInfo:
    """Integrated loudness (LUFS), true peak (dBTP) and duration of an audio file (ffmpeg's
    ebur128 filter, which implements EBU R128 / ITU-R BS.1770)."""
    err = _run(["-i", str(path), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"])
    i_match, tp_match = _I.search(err), _TP.search(err)
    times = _DURATION.findall(err)
    if not (i_match and tp_match and times):
        raise SpeechError(f"Không đo được độ lớn âm thanh của tệp {path.name}.")
    h, m, s = times[-1]
    duration = int(h) * 3600 + int(m) * 60 + float(s)

    def num(text: str) -> float:
        return float("-inf") if text == "-inf" else float(text)

    return AudioInfo(round(duration, 3), num(i_match.group(1)), num(tp_match.group(1)), Path(path))


def _concat(parts: list[Path], out_wav: Path, gap: float) -> None:
    """Join jingle/speech/jingle as 48 kHz mono with a short silence between them."""
    args: list[str] = []
    for part in parts:
        args += ["-i", str(part)]
    chains = []
    labels = []
    for index in range(len(parts)):
        pad = f",apad=pad_dur={gap}" if index < len(parts) - 1 else ""
        chains.append(f"[{index}:a]aresample={SAMPLE_RATE},aformat=channel_layouts=mono{pad}[a{index}]")
        labels.append(f"[a{index}]")
    graph = ";".join(chains) + ";" + "".join(labels) + f"concat=n={len(parts)}:v=0:a=1[out]"
    _run([*args, "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le", "-y", str(out_wav)])


def _loudness_chain(gain_db: float, peak_db: float) -> str:
    limit = 10 ** (peak_db / 20)
    return (f"volume={gain_db:.2f}dB,aresample={SAMPLE_RATE * 4},"
            f"alimiter=limit={limit:.4f}:attack=1:release=60:level=false,aresample={SAMPLE_RATE}")


def _normalise(src: Path, out: Path, target_lufs: float, max_true_peak: float) -> AudioInfo:
    """Compress, gain to ``target_lufs``, limit below ``max_true_peak``; encode by suffix."""
    codec = FORMATS[out.suffix.lower()]
    with tempfile.TemporaryDirectory(prefix="speech-") as tmp:
        pre = Path(tmp) / "pre.wav"
        _run(["-i", str(src), "-af",
              f"aresample={SAMPLE_RATE},aformat=channel_layouts=mono,highpass=f=70,"
              "acompressor=threshold=-22dB:ratio=3:attack=5:release=80:makeup=2",
              "-c:a", "pcm_s16le", "-y", str(pre)])
        first = measure(pre)
        if first.lufs == float("-inf"):
            raise SpeechError("Âm thanh tạo ra hoàn toàn im lặng.")
        # limit 0.7 dB under the ceiling: oversampled limiting is close to, not exactly, true peak
        ceiling = max_true_peak - 0.7
        gain = target_lufs - first.lufs
        staged = Path(tmp) / "staged.wav"
        for _attempt in range(3):
            _run(["-i", str(pre), "-af", _loudness_chain(gain, ceiling),
                  "-c:a", "pcm_s16le", "-y", str(staged)])
            got = measure(staged)
            if abs(got.lufs - target_lufs) <= 0.5:
                break
            gain += target_lufs - got.lufs
        _run(["-i", str(staged), "-ac", "1", "-ar", str(SAMPLE_RATE), *codec, "-y", str(out)])
        info = measure(out)
        # lossy encoders shift loudness (lowpass) and peaks a little: correct once from the
        # staged PCM, never letting the correction push the true peak over the ceiling
        adjust = target_lufs - info.lufs
        adjust = min(adjust, max_true_peak - 0.15 - info.true_peak)
        if abs(adjust) > 0.3 or info.true_peak > max_true_peak:
            _run(["-i", str(staged), "-af", f"volume={adjust:.2f}dB", "-ac", "1",
                  "-ar", str(SAMPLE_RATE), *codec, "-y", str(out)])
            info = measure(out)
    return info


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in FORMATS:
        raise SpeechError(
            f"Định dạng '{path.suffix or '(không có)'}' không hỗ trợ. Dùng .wav, .mp3 hoặc .ogg."
        )


def synthesize(
    text: str,
    out_path: str | Path,
    *,
    engine: SpeechEngine | None = None,
    syllables_per_second: float = 4.0,
    dictionary: Mapping[str, str] | Dictionary | None = None,
    intro: str | Path | None = None,
    outro: str | Path | None = None,
    target_lufs: float = -16.0,
    max_true_peak: float = -1.0,
    is_reading: bool = False,
    gap_seconds: float = 0.4,
) -> AudioInfo:
    """Speak ``text`` into ``out_path`` (.wav, .mp3 or .ogg) and measure the result.

    ``text`` is normalised with :func:`reading_text` unless ``is_reading`` says it already is.
    ``intro``/``outro`` are jingle or announcement files in any format ffmpeg reads.
    """
    out_path = Path(out_path)
    _check_suffix(out_path)
    if syllables_per_second <= 0:
        raise SpeechError("Tốc độ đọc phải lớn hơn 0 âm tiết mỗi giây.")
    reading = text if is_reading else reading_text(text, dictionary)
    if not reading.strip():
        raise SpeechError("Nội dung cần đọc đang trống.")
    for extra in (intro, outro):
        if extra is not None and not Path(extra).is_file():
            raise SpeechError(f"Không tìm thấy tệp nhạc hiệu {extra}.")
    engine = engine or EspeakEngine()
    with tempfile.TemporaryDirectory(prefix="speech-") as tmp:
        speech = Path(tmp) / "speech.wav"
        engine.to_wav(reading, speech, syllables_per_second=syllables_per_second)
        parts = [p for p in (intro and Path(intro), speech, outro and Path(outro)) if p]
        joined = Path(tmp) / "joined.wav"
        _concat(parts, joined, gap_seconds)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        info = _normalise(joined, out_path, target_lufs, max_true_peak)
    return AudioInfo(info.duration_seconds, info.lufs, info.true_peak, out_path)


def _file_digest(path: str | Path | None) -> str:
    return "" if path is None else digest(Path(path).read_bytes())


def synthesize_cached(
    text: str,
    store: MediaStore,
    *,
    fmt: str = "mp3",
    engine: SpeechEngine | None = None,
    syllables_per_second: float = 4.0,
    dictionary: Mapping[str, str] | Dictionary | None = None,
    intro: str | Path | None = None,
    outro: str | Path | None = None,
    target_lufs: float = -16.0,
    max_true_peak: float = -1.0,
) -> AudioInfo:
    """Like :func:`synthesize`, but stored once in ``store`` under the hash of its recipe
    (reading text, voice, speed, jingles' bytes, loudness targets, format).

    The same script for 25 wards is synthesised once; the measured :class:`AudioInfo` is kept
    beside the audio as JSON so a hit costs no ffmpeg run.
    """
    suffix = "." + fmt.lower().lstrip(".")
    _check_suffix(Path("x" + suffix))
    engine = engine or EspeakEngine()
    reading = reading_text(text, dictionary)
    key = digest(RECIPE_VERSION, engine.identity(), reading, f"{syllables_per_second:.3f}",
                 _file_digest(intro), _file_digest(outro), f"{target_lufs:.2f}",
                 f"{max_true_peak:.2f}", suffix)
    audio = store.get_or_create(key, suffix, lambda tmp: synthesize(
        reading, tmp, engine=engine, syllables_per_second=syllables_per_second, intro=intro,
        outro=outro, target_lufs=target_lufs, max_true_peak=max_true_peak, is_reading=True))

    def write_meta(tmp: Path) -> None:
        info = measure(audio)
        tmp.write_text(json.dumps({"duration_seconds": info.duration_seconds, "lufs": info.lufs,
                                   "true_peak": info.true_peak}), encoding="utf-8")

    meta = json.loads(store.get_or_create(key, ".json", write_meta).read_text(encoding="utf-8"))
    return AudioInfo(meta["duration_seconds"], meta["lufs"], meta["true_peak"], audio)
