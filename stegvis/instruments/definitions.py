"""Validated instruments as versioned data (one TOML file per instrument in data/).

Each file carries the items in Swedish and English, the answer options or numeric scale,
the scoring rule, the bands, the flags, its source, review date and licence note.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_DIR = Path(__file__).parent / "data" / "instruments"
METADATA_ONLY = Path(__file__).parent / "data" / "metadata_only.toml"


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


class Option(Record):
    value: int
    text: Bilingual

    @property
    def label(self) -> str:
        return str(self.text)


class Scale(Record):
    """The answer scale items share: a numeric range, or the same options for each."""

    min: int | None = None
    max: int | None = None
    options: tuple[Option, ...] = ()


class ItemEntry(Record):
    """An item as the file writes it; `Item` adds what it takes from the scale."""

    text: Bilingual
    options: tuple[Option, ...] = ()
    low: Bilingual = Bilingual()
    high: Bilingual = Bilingual()
    reverse: bool = False


@dataclass(frozen=True)
class Item:
    number: int
    text: Bilingual
    minimum: int
    maximum: int
    options: tuple[Option, ...]
    low: Bilingual
    high: Bilingual
    reverse: bool = False

    @property
    def key(self) -> str:
        return str(self.number)

    def scored(self, value: int) -> int:
        # A reversed item counts from the other end of its own scale (10 - value on 0–10).
        return self.minimum + self.maximum - value if self.reverse else value


class Band(Record):
    code: str
    minimum: float = Field(alias="min")
    maximum: float = Field(alias="max")

    @property
    def label(self) -> str:
        return str(BAND_LABELS.get(self.code, self.code))


class Flag(Record):
    code: str
    item: int
    above: int


class Instrument(DataFile):
    code: str
    version: str
    name: str
    title: Bilingual
    intro: Bilingual
    valid_from: date
    licence: Licence
    licence_note: Bilingual
    scoring: Scoring
    scale: Scale = Scale()
    entries: tuple[ItemEntry, ...] = Field(alias="item")
    bands: tuple[Band, ...] = Field((), alias="band")
    flags: tuple[Flag, ...] = Field((), alias="flag")
    required: int | None = Field(None, alias="required_items")
    named_activities: bool = False
    cut_off: int | None = None

    @cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(self._item(n, entry) for n, entry in enumerate(self.entries, start=1))

    def _item(self, number: int, entry: ItemEntry) -> Item:
        options = entry.options or self.scale.options
        if options:
            minimum, maximum = min(o.value for o in options), max(o.value for o in options)
        else:
            minimum, maximum = self.scale.min, self.scale.max
        return Item(
            number, entry.text, minimum, maximum, options, entry.low, entry.high, entry.reverse
        )

    @property
    def required_items(self) -> int:
        return self.required if self.required is not None else len(self.entries)

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


class MetadataOnlyEntry(Record):
    """An instrument described without its items: their text is under a licence."""

    code: str
    name: str
    title: Bilingual
    domain: str
    items: int
    licence: Licence
    licence_note: Bilingual
    reference: str


class MetadataOnlyFile(DataFile):
    version: str
    instrument: tuple[MetadataOnlyEntry, ...]


@cache
def metadata_only() -> dict[str, MetadataOnlyEntry]:
    """Instruments known by description only, unless this installation holds their licence."""
    entries = load(METADATA_ONLY, MetadataOnlyFile).instrument
    return {entry.code: entry for entry in entries if entry.code not in _licensed()}


def _licensed() -> dict[str, Instrument]:
    """Full definitions an installation holding the licence keeps outside the repository;
    only for instruments the metadata file names."""
    folder = settings.STEGVIS_LICENSED_INSTRUMENTS_DIR
    if not folder:
        return {}
    known = {entry.code for entry in load(METADATA_ONLY, MetadataOnlyFile).instrument}
    loaded = (load(path, Instrument) for path in sorted(Path(folder).glob("*.toml")))
    return {i.code: i for i in loaded if i.code in known}


@cache
def instruments() -> dict[str, Instrument]:
    """Every instrument, by code, in a stable order: the repository's free ones and those
    a licensed installation adds."""
    loaded = (load(path, Instrument) for path in sorted(DATA_DIR.glob("*.toml")))
    return {instrument.code: instrument for instrument in loaded} | _licensed()


def instrument(code: str) -> Instrument | None:
    return instruments().get(code)
