"""Law and guidance kept as data (each app's data/*.toml): one loader and one set of types.

Every data file has a pydantic model of its own kind, derived from `DataFile`, so every
file must say where its law or guidance comes from (`source`) and when a person last
checked it against that source (`reviewed`, a date). Texts in both languages are one
`Bilingual` value: a file writes `title_sv` and `title_en`, the model reads `title`.
"""

import tomllib
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from stegvis.core.language import in_reader_language

# A file not checked against its source for this long is named by the tests.
REVIEW_AT_LEAST_EVERY = timedelta(days=730)


class Bilingual(BaseModel):
    """A text in Swedish and English (and bokmål, where written), shown in the reader's
    language."""

    model_config = ConfigDict(frozen=True)

    sv: str = ""
    en: str = ""
    nb: str = ""

    def __str__(self) -> str:
        return in_reader_language(self.sv, self.en, self.nb)

    def __bool__(self) -> bool:
        return bool(self.sv or self.en)

    def in_language(self, language: str) -> str:
        if language == "nb":
            return self.nb or self.en
        return self.en if language == "en" else self.sv


class Record(BaseModel):
    """One record of a data file. `<name>_sv`, `<name>_en` (and `<name>_nb`) become the
    Bilingual field `<name>`; anything the model does not know is refused, so a typo fails
    loudly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _pair_languages(cls, data):
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, field in cls.model_fields.items():
            if field.annotation is Bilingual and f"{name}_sv" in data:
                data[name] = {
                    language: data.pop(f"{name}_{language}", "") for language in ("sv", "en", "nb")
                }
        # A record that is mostly its text may write it inline as `sv`, `en` and `nb`.
        if "text" in cls.model_fields and "sv" in data and "text" not in data:
            data["text"] = {language: data.pop(language, "") for language in ("sv", "en", "nb")}
        return data


class DataFile(Record):
    """What every data file carries: its source and when it was last reviewed."""

    source: str
    reviewed: date


class AnyDataFile(DataFile):
    """Only the part every file shares, for checks over all files."""

    model_config = ConfigDict(extra="allow")


def load(path: Path, model: type[DataFile]):
    """The file at `path`, validated as `model`."""
    return model.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


def data_files(root: Path) -> list[Path]:
    return sorted(root.rglob("data/**/*.toml"))


def due_for_review(root: Path, today: date) -> list[str]:
    """The data files whose last review is older than REVIEW_AT_LEAST_EVERY."""
    stale = []
    for path in data_files(root):
        header = load(path, AnyDataFile)
        if today - header.reviewed > REVIEW_AT_LEAST_EVERY:
            stale.append(f"{path.relative_to(root)} (reviewed {header.reviewed})")
    return stale
