"""The deadline engine: milestones of a sick-leave case from its periods, by rule sets as data.

Pure functions over plain dataclasses, so the same code serves the case pages, the
stateless API and CLI calculator, and a benchmark of 100 000 cases. The rules themselves
(days, who is responsible, legal references) live in data/deadlines_<jurisdiction>.toml.

Counting: day 1 is the first day of reduced capacity. "Spell" rules count calendar days
from the start of the current unbroken run of periods; "chain" rules count, in Sweden, only
days of reduced capacity across linked periods, and in Norway calendar days from day 1.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from stegvis.core.lawdata import Bilingual, DataFile, Record, load

DATA_DIR = Path(__file__).parent / "data"
NO_NOTE = Bilingual()
JURISDICTIONS = ("SE", "NO")
EMPLOYMENTS = ("employed", "unemployed", "self_employed", "student", "parental_leave")


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    degree: int = 100

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class TimelineInput:
    jurisdiction: str
    employment: str
    periods: Sequence[Period]
    expected_days: int | None = None
    expectation_known: date | None = None
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class Milestone:
    code: str
    date: date
    title: Bilingual
    responsible: str
    legal_reference: str
    kind: str
    note: Bilingual = NO_NOTE
    # Days after `date` during which the responsible party can still act; None: until done.
    act_within_days: int | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "date": self.date.isoformat(),
            "title_sv": self.title.sv,
            "title_en": self.title.en,
            "responsible": self.responsible,
            "legal_reference": self.legal_reference,
            "kind": self.kind,
            "note_sv": self.note.sv or None,
            "note_en": self.note.en or None,
        }


class AgeNote(Record):
    """A note that replaces the rule's from an age on (e.g. Norway's 70-year rule)."""

    min_age: int
    text: Bilingual
    legal_reference: str


class DeadlineRule(Record):
    """One milestone of the chain: on which day, who acts, and the law that says so."""

    code: str
    day: int | None = None
    weeks: int | None = None
    counted_in: str
    kind: str
    responsible: str
    responsible_by_employment: dict[str, str] = {}
    applies_to: tuple[str, ...]
    title: Bilingual
    note: Bilingual | None = None
    notes_by_employment: dict[str, Bilingual] = {}
    age_note: AgeNote | None = None
    requires_expected_days: int | None = None
    due_when_expectation_known_later: bool = False
    # Days after the date during which the responsible party can still act; None: until done.
    act_within_days: int | None = None
    legal_reference: str
    source: str
    valid_from: date
    reviewed: date


class Linking(Record):
    max_gap_days: int
    legal_reference: str
    source: str


class Degrees(Record):
    text: Bilingual
    allowed: tuple[int, ...] = ()
    allowed_range: tuple[int, int] | None = None
    legal_reference: str
    source: str

    @property
    def values(self) -> frozenset[int]:
        if self.allowed_range is not None:
            low, high = self.allowed_range
            return frozenset(range(low, high + 1))
        return frozenset(self.allowed)


class DeadlineFile(DataFile):
    jurisdiction: str
    version: str
    valid_from: date
    # The agency that decides on sickness benefit in this country (the timeline's dates are
    # guidance; it has the last word).
    insurance_agency: str
    counting: str
    linking: Linking
    degrees: Degrees
    milestones: tuple[DeadlineRule, ...]


@dataclass(frozen=True)
class RuleSet:
    jurisdiction: str
    version: str
    valid_from: date
    reviewed: date
    insurance_agency: str
    counting: str
    max_gap_days: int
    degrees: frozenset[int]
    degrees_text: Bilingual
    milestones: tuple[DeadlineRule, ...]

    def degree_allowed(self, degree: int) -> bool:
        return degree in self.degrees


@cache
def rule_set(jurisdiction: str) -> RuleSet:
    """The rule set of a jurisdiction, read once from its data file."""
    if jurisdiction not in JURISDICTIONS:
        raise ValueError(f"Unknown jurisdiction {jurisdiction!r}")
    data = load(DATA_DIR / f"deadlines_{jurisdiction.lower()}.toml", DeadlineFile)
    return RuleSet(
        jurisdiction=data.jurisdiction,
        version=data.version,
        valid_from=data.valid_from,
        reviewed=data.reviewed,
        insurance_agency=data.insurance_agency,
        counting=data.counting,
        max_gap_days=data.linking.max_gap_days,
        degrees=data.degrees.values,
        degrees_text=data.degrees.text,
        milestones=data.milestones,
    )


def milestone_title(jurisdiction: str, code: str, language: str) -> str:
    rule = next((r for r in rule_set(jurisdiction).milestones if r.code == code), None)
    return code if rule is None else rule.title.in_language(language)


def merge_periods(periods: Iterable[Period]) -> list[Period]:
    """Periods in date order with overlaps joined (for periods gathered from several sources)."""
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: p.start):
        if merged and period.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Period(last.start, max(last.end, period.end), last.degree)
        else:
            merged.append(period)
    return merged


def _gap(earlier: Period, later: Period) -> int:
    """Days without reduced capacity between two periods."""
    return (later.start - earlier.end).days - 1


def current_chain(periods: Sequence[Period], max_gap_days: int) -> list[Period]:
    """The linked periods that end with the latest one (periods sorted, not overlapping)."""
    start = len(periods) - 1
    while start > 0 and _gap(periods[start - 1], periods[start]) <= max_gap_days:
        start -= 1
    return list(periods[start:])


def current_spell(chain: Sequence[Period]) -> list[Period]:
    """The unbroken run of periods (no day between them) that ends with the latest one."""
    start = len(chain) - 1
    while start > 0 and _gap(chain[start - 1], chain[start]) <= 0:
        start -= 1
    return list(chain[start:])


def capacity_day_date(chain: Sequence[Period], n: int) -> date:
    """The date of the n-th day of reduced capacity in a chain, continuing past its end."""
    remaining = n
    for period in chain:
        if remaining <= period.days:
            return period.start + timedelta(days=remaining - 1)
        remaining -= period.days
    return chain[-1].end + timedelta(days=remaining)


def capacity_days(chain: Sequence[Period]) -> int:
    return sum(period.days for period in chain)


def _age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _rule_date(rule: DeadlineRule, rules: RuleSet, chain: list[Period], spell) -> date:
    offset = rule.weeks * 7 if rule.weeks is not None else rule.day - 1
    if rule.counted_in == "spell":
        return spell[0].start + timedelta(days=offset)
    if rules.counting == "capacity_days":
        return capacity_day_date(chain, offset + 1)
    return chain[0].start + timedelta(days=offset)


def responsible_for(rule: DeadlineRule, employment: str) -> str:
    """Who is responsible for a rule's milestone, for this kind of employment."""
    return rule.responsible_by_employment.get(employment, rule.responsible)


def milestones(data: TimelineInput) -> list[Milestone]:
    """The case's milestones in date order (input already validated)."""
    rules = rule_set(data.jurisdiction)
    periods = merge_periods(data.periods)
    if not periods:
        return []
    chain = current_chain(periods, rules.max_gap_days)
    spell = current_spell(chain)
    found: list[Milestone] = []
    for rule in rules.milestones:
        if data.employment not in rule.applies_to:
            continue
        due = _rule_date(rule, rules, chain, spell)
        minimum_expected = rule.requires_expected_days
        if minimum_expected is not None:
            if data.expected_days is None or data.expected_days < minimum_expected:
                continue
            known = data.expectation_known
            if rule.due_when_expectation_known_later and known and known > due:
                due = known
        note = rule.notes_by_employment.get(data.employment) or rule.note or NO_NOTE
        age_note = rule.age_note
        if age_note and data.birth_date and _age_on(data.birth_date, due) >= age_note.min_age:
            note = age_note.text
        found.append(
            Milestone(
                code=rule.code,
                date=due,
                title=rule.title,
                responsible=responsible_for(rule, data.employment),
                legal_reference=rule.legal_reference,
                kind=rule.kind,
                note=note,
                act_within_days=rule.act_within_days,
            )
        )
    # Stable: milestones on the same day keep the rule set's order.
    found.sort(key=lambda milestone: milestone.date)
    return found
