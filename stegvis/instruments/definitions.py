"""Validated instruments as versioned data (one TOML file per instrument in data/).

Each file carries the items in Swedish and English, the answer options or numeric scale,
the scoring rule, the bands, the flags, its source, review date and licence note.
"""

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

from stegvis.core.language import in_reader_language

DATA_DIR = Path(__file__).parent / "data" / "instruments"


class Licence(models.TextChoices):
    FREE = "free", _("Free to use")
    UNCLEAR = "unclear", _("Licence unclear")
    PERMISSION = "permission", _("Permission required")


class Scoring(models.TextChoices):
    SUM = "sum", _("Sum of the items")
    MEAN = "mean", _("Mean of the answered items")


BAND_LABELS = {
    "minimal": _("Minimal"),
    "mild": _("Mild"),
    "moderate": _("Moderate"),
    "moderately_severe": _("Moderately severe"),
    "severe": _("Severe"),
    "low_risk": _("Low risk"),
    "high_risk": _("High risk"),
    "poor": _("Poor"),
    "good": _("Good"),
}


@dataclass(frozen=True)
class Option:
    value: int
    sv: str
    en: str

    @property
    def label(self) -> str:
        return in_reader_language(self.sv, self.en)


@dataclass(frozen=True)
class Item:
    number: int
    sv: str
    en: str
    minimum: int
    maximum: int
    options: tuple[Option, ...]
    low_sv: str = ""
    low_en: str = ""
    high_sv: str = ""
    high_en: str = ""
    reverse: bool = False

    @property
    def key(self) -> str:
        return str(self.number)

    @property
    def text(self) -> str:
        return in_reader_language(self.sv, self.en)

    @property
    def low(self) -> str:
        return in_reader_language(self.low_sv, self.low_en)

    @property
    def high(self) -> str:
        return in_reader_language(self.high_sv, self.high_en)

    def scored(self, value: int) -> int:
        # A reversed item counts from the other end of its own scale (10 - value on 0–10).
        return self.minimum + self.maximum - value if self.reverse else value


@dataclass(frozen=True)
class Band:
    code: str
    minimum: float
    maximum: float

    @property
    def label(self) -> str:
        return str(BAND_LABELS.get(self.code, self.code))


@dataclass(frozen=True)
class Flag:
    code: str
    item: int
    above: int


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    name: str
    title_sv: str
    title_en: str
    intro_sv: str
    intro_en: str
    source: str
    valid_from: date
    reviewed: date
    licence: str
    licence_note_sv: str
    licence_note_en: str
    scoring: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    flags: tuple[Flag, ...]
    required_items: int
    named_activities: bool = False
    cut_off: int | None = None

    @property
    def title(self) -> str:
        return in_reader_language(self.title_sv, self.title_en)

    @property
    def intro(self) -> str:
        return in_reader_language(self.intro_sv, self.intro_en)

    @property
    def licence_note(self) -> str:
        return in_reader_language(self.licence_note_sv, self.licence_note_en)

    @property
    def licence_label(self) -> str:
        return str(Licence(self.licence).label)

    @property
    def enabled_by_default(self) -> bool:
        """Only instruments known to be free run without an administrator's decision."""
        return self.licence == Licence.FREE

    @property
    def score_range(self) -> tuple[float, float]:
        if self.scoring == Scoring.MEAN:
            return (min(i.minimum for i in self.items), max(i.maximum for i in self.items))
        low = sum(min(i.scored(i.minimum), i.scored(i.maximum)) for i in self.items)
        high = sum(max(i.scored(i.minimum), i.scored(i.maximum)) for i in self.items)
        return (low, high)

    def band_for(self, total: float) -> Band | None:
        for band in self.bands:
            if band.minimum <= total <= band.maximum:
                return band
        return None


def _item(number: int, raw: dict, scale: dict) -> Item:
    options = tuple(Option(o["value"], o["sv"], o["en"]) for o in raw.get("options", ()))
    if not options:
        options = tuple(Option(o["value"], o["sv"], o["en"]) for o in scale.get("options", ()))
    if options:
        minimum, maximum = min(o.value for o in options), max(o.value for o in options)
    else:
        minimum, maximum = scale["min"], scale["max"]
    return Item(
        number=number,
        sv=raw["sv"],
        en=raw["en"],
        minimum=minimum,
        maximum=maximum,
        options=options,
        low_sv=raw.get("low_sv", ""),
        low_en=raw.get("low_en", ""),
        high_sv=raw.get("high_sv", ""),
        high_en=raw.get("high_en", ""),
        reverse=raw.get("reverse", False),
    )


def _load(path: Path) -> Instrument:
    data = tomllib.loads(path.read_text())
    scale = data.get("scale", {})
    items = tuple(_item(n, raw, scale) for n, raw in enumerate(data["item"], start=1))
    return Instrument(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        title_sv=data["title_sv"],
        title_en=data["title_en"],
        intro_sv=data["intro_sv"],
        intro_en=data["intro_en"],
        source=data["source"],
        valid_from=data["valid_from"],
        reviewed=data["reviewed"],
        licence=Licence(data["licence"]),
        licence_note_sv=data["licence_note_sv"],
        licence_note_en=data["licence_note_en"],
        scoring=Scoring(data["scoring"]),
        items=items,
        bands=tuple(Band(b["code"], b["min"], b["max"]) for b in data.get("band", ())),
        flags=tuple(Flag(f["code"], f["item"], f["above"]) for f in data.get("flag", ())),
        required_items=data.get("required_items", len(items)),
        named_activities=data.get("named_activities", False),
        cut_off=data.get("cut_off"),
    )


@cache
def instruments() -> dict[str, Instrument]:
    """Every instrument, by code, in a stable order."""
    loaded = (_load(path) for path in sorted(DATA_DIR.glob("*.toml")))
    return {instrument.code: instrument for instrument in loaded}


def instrument(code: str) -> Instrument | None:
    return instruments().get(code)
