"""The kinds of meeting, loaded from data/meeting_kinds.toml."""

from datetime import date
from functools import cache
from pathlib import Path

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA = Path(__file__).parent / "data" / "meeting_kinds.toml"


class MeetingKind(Record):
    code: str
    countries: tuple[str, ...]
    title: Bilingual
    requires_sip_plan: bool
    milestone: str
    legal_reference: str
    source: str
    valid_from: date
    reviewed: date


class MeetingKindFile(DataFile):
    version: str
    kinds: tuple[MeetingKind, ...]


@cache
def meeting_kinds() -> dict[str, MeetingKind]:
    return {kind.code: kind for kind in load(DATA, MeetingKindFile).kinds}


def meeting_kind(code: str) -> MeetingKind:
    return meeting_kinds()[code]


def kinds_for_country(country: str) -> list[MeetingKind]:
    return [k for k in meeting_kinds().values() if country in k.countries]
