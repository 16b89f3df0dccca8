"""Scoring as pure functions: answers in, {instrument, total, band, flags} out.

Answers map item numbers as strings ("1"…"n") to the value the respondent chose, as
printed on the form. Anything missing, unknown, non-integer or out of range is refused
with the item named, so a wrong score is never stored.
"""

from dataclasses import dataclass, field

from stegvis.instruments.definitions import Instrument, Scoring


class AnswerErrors(ValueError):
    """The answers cannot be scored; `errors` maps each offending item to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"item {item}: {why}" for item, why in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Score:
    instrument: str
    total: float
    band: str | None
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "instrument": self.instrument,
            "total": self.total,
            "band": self.band,
            "flags": list(self.flags),
        }


def _is_integer(value) -> bool:
    # JSON true/false are ints in Python; on a form they are not answers.
    return isinstance(value, int) and not isinstance(value, bool)


def validated_answers(instrument: Instrument, answers: dict) -> dict[int, int]:
    """The answers by item number; AnswerErrors naming every item that is wrong."""
    if not isinstance(answers, dict):
        raise AnswerErrors({"*": "answers must be an object of item number to value"})
    errors: dict[str, str] = {}
    known = {item.key: item for item in instrument.items}
    for key in answers:
        if key not in known:
            errors[str(key)] = f"no such item (items are 1–{len(instrument.items)})"
    values: dict[int, int] = {}
    for item in instrument.items:
        value = answers.get(item.key)
        if value is None:
            if item.number <= instrument.required_items:
                errors[item.key] = "answer missing"
            continue
        if not _is_integer(value):
            errors[item.key] = "answer must be a whole number"
        elif item.options and value not in {o.value for o in item.options}:
            allowed = ", ".join(str(o.value) for o in item.options)
            errors[item.key] = f"{value} is not one of the options ({allowed})"
        elif not item.minimum <= value <= item.maximum:
            errors[item.key] = f"{value} is out of range ({item.minimum}–{item.maximum})"
        else:
            values[item.number] = value
    if errors:
        raise AnswerErrors(errors)
    return values


def score(instrument: Instrument, answers: dict) -> Score:
    values = validated_answers(instrument, answers)
    items = {item.number: item for item in instrument.items}
    scored = [items[number].scored(value) for number, value in sorted(values.items())]
    if instrument.scoring == Scoring.MEAN:
        total: float = sum(scored) / len(scored)
    else:
        total = sum(scored)
    band = instrument.band_for(total)
    flags = [f.code for f in instrument.flags if values.get(f.item, 0) > f.above]
    return Score(instrument.code, total, band.code if band else None, flags)
