"""The agencies' code lists and identifiers, as data (data/codes.toml)."""

from functools import cache
from pathlib import Path

from stegvis.core.lawdata import DataFile, Record, load


class LisjpCodes(Record):
    source: str
    type_code: str
    type_code_system: str
    type_display: str
    employer_type_code: str
    employer_type_display: str
    version: str
    personnummer: str
    samordningsnummer: str
    hsa_id: str
    workplace_code: str
    icd10_se: str
    relation_code_system: str
    replaces: str
    basis: dict[str, str]
    occupation: dict[str, str]
    degree: dict[str, str]
    prognosis_days: dict[str, str]
    measures: dict[str, str]


class Sm2013Codes(Record):
    source: str
    rule_set_version: str
    system_name: str
    fnr: str
    her: str
    enh: str
    icpc2: str
    icd10: str
    hpr: str
    employer: dict[str, tuple[str, str]]
    employer_read: dict[str, str]


class Receiver(Record):
    name: str
    her_id: str
    duplicate_text: str
    duplicate_source: str


class CodesFile(DataFile):
    lisjp: LisjpCodes
    sm2013: Sm2013Codes
    nav: Receiver


@cache
def codes() -> CodesFile:
    return load(Path(__file__).resolve().parent / "data" / "codes.toml", CodesFile)
