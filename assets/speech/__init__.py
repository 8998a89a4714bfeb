"""Vietnamese speech for loudspeaker delivery: reading text, duration estimates, audio.

The planner calls :func:`estimate_seconds` to fit scripts into loudspeaker slot minutes, so its
signature is stable; the implementation gets refined as the normaliser grows.
"""

from __future__ import annotations

import re

__all__ = ["estimate_seconds"]

_SENTENCE_END = re.compile(r"[.!?;:…]+")
_WORD = re.compile(r"\w+", re.UNICODE)


def estimate_seconds(text: str, syllables_per_second: float = 4.0) -> float:
    """Seconds needed to read ``text`` aloud at ``syllables_per_second``.

    Vietnamese is written one syllable per space-separated word, so counting words of the
    reading text counts syllables. Sentence ends add a short pause (0.4 s) because announcers
    breathe there and the planner must not overfill a slot.
    """
    if syllables_per_second <= 0:
        raise ValueError("syllables_per_second must be positive")
    syllables = len(_WORD.findall(text))
    pauses = len(_SENTENCE_END.findall(text))
    return syllables / syllables_per_second + 0.4 * pauses
