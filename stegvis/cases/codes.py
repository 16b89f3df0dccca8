"""Diagnosis code lists shipped as data: ICD-10 (chapters F, M, R; ICD-10-SE additions) and
an ICPC-2 subset for Norway. A certificate may only carry a code found here."""

import csv
from dataclasses import dataclass
from functools import cache

from stegvis.cases.deadlines import DATA_DIR

FILES = {"icd10": "icd10.tsv", "icpc2": "icpc2.tsv"}


@dataclass(frozen=True, slots=True)
class Code:
    system: str
    code: str
    title_sv: str
    title_en: str

    def title(self, language: str) -> str:
        return (self.title_sv if language == "sv" else "") or self.title_en

    def title_is_english(self, language: str) -> bool:
        """Whether the title shown in `language` is WHO's English one where the reader reads
        another language (no Swedish kept; no Norwegian title list is held)."""
        return language != "en" and not (language == "sv" and self.title_sv)


@cache
def code_list(system: str) -> dict[str, Code]:
    with (DATA_DIR / FILES[system]).open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")
        return {row[0]: Code(system, row[0], row[1], row[2]) for row in rows}


def normalise(code: str) -> str:
    """'f43.8a', ' F438A ' and 'F43.8A' are the same code."""
    code = code.strip().upper().replace(" ", "")
    if len(code) > 3 and code[3] != ".":
        code = f"{code[:3]}.{code[3:]}"
    return code


def lookup(system: str, code: str) -> Code | None:
    return code_list(system).get(normalise(code) if system == "icd10" else code.strip().upper())


def with_swedish_titles(system: str) -> list[Code]:
    """The codes that have a Swedish title: the ones most used in sick-leave certificates."""
    return [c for c in code_list(system).values() if c.title_sv]


def search(system: str, text: str, limit: int = 20) -> list[Code]:
    """Codes whose code starts with, or whose title contains, `text`."""
    needle = text.strip().lower()
    if not needle:
        return []
    found = [
        c
        for c in code_list(system).values()
        if c.code.lower().startswith(needle)
        or needle in c.title_en.lower()
        or needle in c.title_sv.lower()
    ]
    return found[:limit]
