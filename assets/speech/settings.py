"""One place that turns a workspace's reading settings into what synthesis needs.

Both the loudspeaker adapter and the outbox read scripts aloud; they must agree on the
operator's abbreviation dictionary, the reading speed and the speech engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assets.speech.engines import SpeechEngine, engine_from_config
from assets.speech.normalize import Dictionary, load_dictionary
from assets.speech.voices import VoiceChoice, engine_config_for

Voice = str | VoiceChoice | Mapping[str, Any] | None


@dataclass(frozen=True)
class SpeechKit:
    engine: SpeechEngine
    dictionary: Dictionary
    syllables_per_second: float


@lru_cache(maxsize=16)
def _dictionary(path: str | None, mtime: float) -> Dictionary:
    return load_dictionary(path)


def speech_kit(settings: Mapping[str, Any], secrets: Callable[[str], str] | None = None, *,
               voice: Voice = None, campaign_voice: Voice = None,
               syllables_per_second: float | None = None) -> SpeechKit:
    """Engine, dictionary and speed from ``{"engine": {...}, "dictionary": path,
    "syllables_per_second": x}``; an endpoint's own voice/speed win when given, and a
    campaign's voice over the endpoint's (see :mod:`assets.speech.voices`)."""
    path = settings.get("dictionary")
    mtime = Path(path).stat().st_mtime if path and Path(path).exists() else 0.0
    engine_config = engine_config_for(dict(settings.get("engine") or {"engine": "espeak-ng"}),
                                      voice, campaign_voice)
    rate = syllables_per_second or float(settings.get("syllables_per_second") or 4.0)
    return SpeechKit(engine_from_config(engine_config, secrets),
                     _dictionary(str(path) if path else None, mtime), rate)
