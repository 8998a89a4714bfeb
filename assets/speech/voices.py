"""Choosing a voice by region and gender, whatever engine the workspace uses.

A station in the south wants a southern voice, a campaign may want a male one; neither should
have to know whether the centre reads with espeak-ng, FPT.AI, Viettel AI or Zalo AI. A choice
is ``{region: bac|trung|nam, gender: nu|nam}`` (either may be left out); it is laid over the
workspace's own engine settings, then the endpoint's, then the campaign's, field by field, and
turned into the engine's own voice at the end (:func:`engine_config_for`).

An endpoint may still name a voice directly (``voice: vi-vn-x-south`` for espeak-ng, ``voice:
banmai`` for FPT.AI); when the configured engine is another one, a name any engine knows is
translated through its region and gender, so switching the engine keeps the station's accent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from assets.speech.engines import GENDERS, PRESETS, REGIONS, SpeechError

__all__ = ["VoiceChoice", "engine_config_for", "voice_traits"]

ESPEAK_VOICES = {"north": "vi", "central": "vi-vn-x-central", "south": "vi-vn-x-south"}
ESPEAK_FEMALE = "+f3"
"""espeak-ng's Vietnamese voices are male; the f3 variant is its clearest female timbre."""
_ESPEAK = ("espeak-ng", "espeak")


class VoiceChoice(BaseModel):
    """``{region, gender}`` as written in directory.yaml or a campaign file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str | None = None
    gender: str | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() not in REGIONS:
            raise ValueError(f"Không hiểu vùng giọng '{value}'. Dùng bac, trung hoặc nam.")
        return value

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() not in GENDERS:
            raise ValueError(f"Không hiểu giới tính giọng '{value}'. Dùng nu hoặc nam.")
        return value

    def traits(self) -> tuple[str | None, str | None]:
        """(north|central|south, female|male), None where not chosen."""
        return (REGIONS[self.region.strip().lower()] if self.region else None,
                GENDERS[self.gender.strip().lower()] if self.gender else None)


def voice_traits(name: str) -> tuple[str | None, str | None]:
    """Region and gender of a voice any known engine names (espeak-ng or a preset's id)."""
    base, _, variant = name.strip().lower().partition("+")
    for region, espeak in ESPEAK_VOICES.items():
        if base == espeak:
            # espeak-ng's plain voices are male by necessity, not by choice: only a female
            # variant says something about gender.
            return region, "female" if variant.startswith("f") else None
    for preset in PRESETS.values():
        for traits, voice in preset.VOICES.items():
            if voice == name.strip():
                return traits
    return None, None


def _as_choice(value: VoiceChoice | Mapping[str, Any] | None) -> VoiceChoice | None:
    if value is None or isinstance(value, VoiceChoice):
        return value
    return VoiceChoice.model_validate(dict(value))


def engine_config_for(config: Mapping[str, Any], *layers: str | VoiceChoice |
                      Mapping[str, Any] | None) -> dict[str, Any]:
    """The workspace's ``speech.engine`` block with each voice layer (endpoint, then campaign;
    later wins) applied, in the engine's own terms. A string layer names a voice outright; a
    choice overrides region and gender only where it says them."""
    out = dict(config)
    kind = str(out.get("engine", "espeak-ng"))
    region: str | None
    gender: str | None
    if kind in _ESPEAK:
        region, gender = voice_traits(str(out.get("voice", "vi")))
    elif kind in PRESETS:
        region, gender = VoiceChoice(region=out.get("region", "bac"),
                                     gender=out.get("gender", "nu")).traits()
        if out.get("voice"):
            named_region, named_gender = voice_traits(str(out["voice"]))
            region, gender = named_region or region, named_gender or gender
    else:
        region = gender = None
    named: str | None = str(out["voice"]) if out.get("voice") else None
    touched = False
    for layer in layers:
        if layer is None:
            continue
        touched = True
        if isinstance(layer, str):
            named = layer
            named_region, named_gender = voice_traits(layer)
            region, gender = named_region or region, named_gender or gender
            continue
        choice = _as_choice(layer)
        assert choice is not None
        new_region, new_gender = choice.traits()
        if new_region or new_gender:
            named = None
        region, gender = new_region or region, new_gender or gender
    if not touched:
        return out
    if kind in _ESPEAK:
        if named is not None and not _preset_voice(named):
            out["voice"] = named  # an espeak-ng voice (or variant) named outright
        else:
            out["voice"] = ESPEAK_VOICES[region or "north"] + (
                ESPEAK_FEMALE if gender == "female" else "")
        return out
    if kind in PRESETS:
        preset = PRESETS[kind]
        if named is not None and named in preset.VOICES.values():
            out["voice"] = named
            return out
        if region is None or gender is None:
            raise SpeechError(f"Không đổi được giọng '{named}' sang {preset.label}. Cách sửa: "
                              "ghi voice: {region: bac|trung|nam, gender: nu|nam}.")
        out.pop("voice", None)
        out["region"], out["gender"] = _written(region, gender)
        return out
    # A generic HTTP service: only a name it knows can be passed on.
    if named is None:
        raise SpeechError("Bộ đọc http không có bảng giọng theo vùng và giới tính. Cách sửa: "
                          "ghi tên giọng của dịch vụ, ví dụ voice: ten-giong.")
    out["voice"] = named
    return out


def _preset_voice(name: str) -> bool:
    return any(name in preset.VOICES.values() for preset in PRESETS.values())


def _written(region: str, gender: str) -> tuple[str, str]:
    """Back to the words the presets take (bac/trung/nam, nu/nam)."""
    regions = {"north": "bac", "central": "trung", "south": "nam"}
    return regions[region], "nu" if gender == "female" else "nam"
