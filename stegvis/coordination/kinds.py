"""The kinds of meeting, loaded from data/meeting_kinds.toml."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).parent / "data" / "meeting_kinds.toml"


@dataclass(frozen=True)
class MeetingKind:
    code: str
    countries: tuple[str, ...]
    title_sv: str
    title_en: str
    requires_sip_plan: bool
    milestone: str
    legal_reference: str
    source: str
    valid_from: str
    reviewed: str

    @property
    def title(self) -> str:
        return self.title_sv if (get_language() or "sv").startswith("sv") else self.title_en


@cache
def meeting_kinds() -> dict[str, MeetingKind]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return {
        row["code"]: MeetingKind(**{**row, "countries": tuple(row["countries"])})
        for row in data["kinds"]
    }


def meeting_kind(code: str) -> MeetingKind:
    return meeting_kinds()[code]


def kinds_for_country(country: str) -> list[MeetingKind]:
    return [k for k in meeting_kinds().values() if country in k.countries]
