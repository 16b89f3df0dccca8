"""Diagnosis code lists shipped as data: ICD-10 (chapters F, M, R; ICD-10-SE additions) and
an ICPC-2 subset for Norway. A certificate may only carry a code found here.

Titles: English from WHO (ICD-10) and WONCA (ICPC-2); Swedish from Socialstyrelsen's ICD-10-SE
for the codes most used in sick leave (icd10_se_supplement.tsv); Norwegian from
Helsedirektoratet (icd10_nb.tsv, icpc2_nb.tsv). Each file's header names its source."""

import csv
from dataclasses import dataclass
from functools import cache

from stegvis.cases.deadlines import DATA_DIR

FILES = {"icd10": "icd10.tsv", "icpc2": "icpc2.tsv"}
# A query word this long also matches by its stem, the word less its last three letters:
# "depresjon" finds "Depressiv lidelse", "depression" finds "Depressive episode".
STEM_FROM = 7


@dataclass(frozen=True, slots=True)
class Code:
    system: str
    code: str
    title_sv: str
    title_en: str
    title_nb: str = ""

    def own_title(self, language: str) -> str:
        """The title in `language` itself, "" where none is kept (English is always kept)."""
        return {"sv": self.title_sv, "nb": self.title_nb, "en": self.title_en}.get(language, "")

    def title(self, language: str) -> str:
        return self.own_title(language) or self.title_en

    def title_is_english(self, language: str) -> bool:
        """Whether the title shown in `language` is the English one where the reader reads
        another language (no title in theirs is kept for this code)."""
        return language != "en" and not self.own_title(language)


def _rows(name: str) -> list[list[str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return list(
            csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")
        )


@cache
def code_list(system: str) -> dict[str, Code]:
    norwegian = dict(_rows(f"{system}_nb.tsv"))
    return {
        code: Code(system, code, title_sv, title_en, norwegian.get(code, ""))
        for code, title_sv, title_en in _rows(FILES[system])
    }


def normalise(code: str) -> str:
    """'f43.8a', ' F438A ' and 'F43.8A' are the same code."""
    code = code.strip().upper().replace(" ", "")
    if len(code) > 3 and code[3] != ".":
        code = f"{code[:3]}.{code[3:]}"
    return code


def lookup(system: str, code: str) -> Code | None:
    return code_list(system).get(normalise(code) if system == "icd10" else code.strip().upper())


def is_common(code: Code) -> bool:
    """Whether the code is one of those most used in sick-leave certificates: the whole ICPC-2
    subset shipped, and the ICD-10 codes ICD-10-SE's supplement gives a Swedish title."""
    return code.system == "icpc2" or bool(code.title_sv)


def common_codes(system: str, language: str) -> list[Code]:
    """The codes offered before anything is typed. A Norwegian reader is offered those of the
    common ones that have a Norwegian title."""
    found = [c for c in code_list(system).values() if is_common(c)]
    return [c for c in found if c.title_nb] if language == "nb" else found


def search(system: str, text: str, limit: int = 20) -> list[Code]:
    """Codes whose code starts with `text` (with or without the dot), then codes whose title in
    Swedish, Norwegian or English holds every word of `text`, each word or its stem (see
    STEM_FROM): the common codes first, each group in code order."""
    needle = text.strip().lower()
    if not needle:
        return []
    stems = [w[:-3] if len(w) >= STEM_FROM else w for w in needle.split()]

    def rank(code: Code) -> int | None:
        if code.code.lower().replace(".", "").startswith(needle.replace(".", "")):
            return 0
        titles = [t.lower() for t in (code.title_sv, code.title_nb, code.title_en) if t]
        if any(all(stem in title for stem in stems) for title in titles):
            return 1 if is_common(code) else 2
        return None

    ranked = [(order, c) for c in code_list(system).values() if (order := rank(c)) is not None]
    return [c for _, c in sorted(ranked, key=lambda pair: pair[0])][:limit]
