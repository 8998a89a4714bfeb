"""Vietnamese speech for loudspeaker delivery: reading text, duration estimates, audio.

The planner calls :func:`estimate_seconds` to fit scripts into loudspeaker slot minutes, so its
signature is stable. Audio lives in :mod:`assets.speech.engines` and :mod:`assets.speech.audio`
(imported lazily: planning must not need ffmpeg).
"""

from __future__ import annotations

import re

from assets.speech.normalize import Dictionary, load_dictionary, reading_text, spell_letters

__all__ = [
    "Dictionary",
    "count_syllables",
    "estimate_seconds",
    "load_dictionary",
    "reading_text",
    "spell_letters",
]

SENTENCE_PAUSE = 0.4
"""Seconds added at each sentence end: readers breathe there, and the planner must not
overfill a slot."""

_SENTENCE_END = re.compile(r"[.!?;:…]+(?=\s|$)|\n\s*\n")
_WORD = re.compile(r"\w+", re.UNICODE)


def count_syllables(reading: str) -> int:
    """Syllables of an already normalised reading text: Vietnamese writes one per word."""
    return len(_WORD.findall(reading))


def estimate_seconds(text: str, syllables_per_second: float = 4.0) -> float:
    """Seconds needed to read ``text`` aloud at ``syllables_per_second``.

    The text is normalised first, because "57-NQ/TW ngày 22/12/2024" is two tokens on paper
    but about twenty syllables aloud.
    """
    if syllables_per_second <= 0:
        raise ValueError("syllables_per_second must be positive")
    reading = reading_text(text)
    pauses = len(_SENTENCE_END.findall(reading))
    return count_syllables(reading) / syllables_per_second + SENTENCE_PAUSE * pauses
