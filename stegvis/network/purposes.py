"""The purposes a consent can name, read from data/purposes.toml with their legal basis."""

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _
from pydantic import model_validator

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_FILE = Path(__file__).parent / "data" / "purposes.toml"


class Purpose(models.TextChoices):
    COORDINATION = "coordination", _("Coordination of your care")
    FK_INFORMATION = "fk_information", _("Information to Försäkringskassan")
    NAV_INFORMATION = "nav_information", _("Information to Nav")
    SIP = "sip", _("Coordinated individual plan (SIP)")
    INDIVIDUAL_PLAN = "individual_plan", _("Individual plan (individuell plan)")
    EMPLOYER_DIALOGUE = "employer_dialogue", _("Dialogue with the employer")
    MMR_PROGRAM = "mmr_program", _("Multimodal rehabilitation program")


class PurposeRule(Record):
    code: str
    legal_reference: str
    source: str
    valid_from: date
    text: Bilingual
    roles: frozenset[str]
    categories: tuple[str, ...]
    countries: frozenset[str]
    # Norway's law, for a purpose both countries know (then both are required).
    legal_reference_no: str = ""
    source_no: str = ""

    @model_validator(mode="after")
    def _each_country_its_law(self):
        if "NO" in self.countries and "SE" in self.countries:
            if not (self.legal_reference_no and self.source_no):
                raise ValueError(f"{self.code}: a purpose of both countries names Norway's law")
        elif self.legal_reference_no or self.source_no:
            raise ValueError(f"{self.code}: `_no` law belongs to a purpose of both countries")
        return self

    def legal_reference_for(self, country: str) -> str:
        """The law that applies in the patient's country, not the other country's."""
        return (
            self.legal_reference_no
            if country == "NO" and self.legal_reference_no
            else (self.legal_reference)
        )

    def source_for(self, country: str) -> str:
        return self.source_no if country == "NO" and self.source_no else self.source

    @property
    def label(self) -> str:
        return Purpose(self.code).label


class PurposeFile(DataFile):
    version: str
    purpose: tuple[PurposeRule, ...]


@dataclass(frozen=True)
class PurposeSet:
    version: str
    reviewed: date
    rules: dict[str, PurposeRule]


@cache
def purpose_set() -> PurposeSet:
    data = load(DATA_FILE, PurposeFile)
    rules = {rule.code: rule for rule in data.purpose}
    return PurposeSet(version=data.version, reviewed=data.reviewed, rules=rules)


def purposes_for(role: str, country: str) -> list[PurposeRule]:
    """The purposes a patient in `country` can give a member of `role`."""
    return [
        rule
        for rule in purpose_set().rules.values()
        if role in rule.roles and country in rule.countries
    ]
