"""The purposes a consent can name, read from data/purposes.toml with their legal basis."""

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_FILE = Path(__file__).parent / "data" / "purposes.toml"


class Purpose(models.TextChoices):
    COORDINATION = "coordination", _("Coordination (Act 2019:1297)")
    FK_INFORMATION = "fk_information", _("Information to Försäkringskassan")
    SIP = "sip", _("Coordinated individual plan (SIP)")
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
    # Norway's law where it differs; without it the Swedish reference holds in both.
    legal_reference_no: str = ""

    def legal_reference_for(self, country: str) -> str:
        """The law that applies in the patient's country, not the other country's."""
        return (self.legal_reference_no if country == "NO" else "") or self.legal_reference

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


def purposes_for_role(role: str) -> list[PurposeRule]:
    return [rule for rule in purpose_set().rules.values() if role in rule.roles]
