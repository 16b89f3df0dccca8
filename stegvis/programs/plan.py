"""A program's session plan: which sessions, in which week, with which profession.

The team writes it one session per line, "week, day, time, kind, profession, minutes,
topic" (e.g. "1, 2, 09:00, Gruppträff, Fysioterapeut, 90, Smärta och rörelse"), so the plan
can be read and refined like a document; each line is checked and a wrong one is named. The
kind and the profession are written as the reader's language names them (or by their code)."""

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stegvis.programs.models import Profession, SessionKind

FIELDS = 7


@dataclass(frozen=True)
class PlannedSession:
    week: int
    day: int  # 1 = Monday of the program's week
    time: str  # "HH:MM", local time
    kind: str
    profession: str
    minutes: int
    topic: str

    @property
    def kind_label(self) -> str:
        return str(SessionKind(self.kind).label)

    @property
    def profession_label(self) -> str:
        return str(Profession(self.profession).label)

    def as_line(self) -> str:
        parts = (
            self.week,
            self.day,
            self.time,
            self.kind_label,
            self.profession_label,
            self.minutes,
            self.topic,
        )
        return ", ".join(str(part) for part in parts)

    def starts_at(self, first_day: date) -> datetime:
        """When this session starts in a cohort whose first day is `first_day` (its week 1
        is the week that day falls in)."""
        monday = first_day - timedelta(days=first_day.weekday())
        day = monday + timedelta(weeks=self.week - 1, days=self.day - 1)
        hour, minute = (int(part) for part in self.time.split(":"))
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _codes(choices) -> dict[str, str]:
    """Each choice by its code and by its name in each language, in lower case."""
    found = {}
    for code, label in choices.choices:
        found[code] = code
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                found[str(label).lower()] = code
    return found


def _line(number: int, text: str, weeks: int) -> PlannedSession:
    parts = [p.strip() for p in text.split(",", FIELDS - 1)]
    if len(parts) != FIELDS:
        raise ValueError(_("Line %(n)s: write seven parts separated by commas.") % {"n": number})
    week, day, at, kind, profession, minutes, topic = parts
    try:
        week_n, day_n, minutes_n = int(week), int(day), int(minutes)
        hour, minute = (int(p) for p in at.split(":"))
        time(hour, minute)
    except ValueError:
        raise ValueError(
            _("Line %(n)s: week, day and minutes are numbers, the time is HH:MM.") % {"n": number}
        ) from None
    if not 1 <= week_n <= weeks:
        raise ValueError(_("Line %(n)s: the week is 1 to %(w)s.") % {"n": number, "w": weeks})
    if not 1 <= day_n <= 7 or not 15 <= minutes_n <= 480:
        raise ValueError(
            _("Line %(n)s: the day is 1 (Monday) to 7, a session 15 to 480 minutes.")
            % {"n": number}
        )
    kinds, professions = _codes(SessionKind), _codes(Profession)
    kind, profession = kinds.get(kind.lower()), professions.get(profession.lower())
    if kind is None or profession is None:
        raise ValueError(
            _("Line %(n)s: the kind is %(kinds)s; the profession one of %(professions)s.")
            % {
                "n": number,
                "kinds": " / ".join(str(label) for label in SessionKind.labels),
                "professions": ", ".join(str(label) for label in Profession.labels),
            }
        )
    if not topic or len(topic) > 200:
        raise ValueError(_("Line %(n)s: name the topic (at most 200 characters).") % {"n": number})
    return PlannedSession(
        week_n, day_n, f"{hour:02d}:{minute:02d}", kind, profession, minutes_n, topic
    )


def parse(text: str, weeks: int) -> list[PlannedSession]:
    """The sessions the text describes, in week and day order; ValueError naming every
    wrong line."""
    sessions, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            sessions.append(_line(number, line, weeks))
        except ValueError as error:
            errors.append(str(error))
    if errors:
        raise ValueError(" ".join(errors))
    if not sessions:
        raise ValueError(_("Plan at least one session."))
    return sorted(sessions, key=lambda s: (s.week, s.day, s.time))


def to_data(sessions: list[PlannedSession]) -> list[dict]:
    return [asdict(s) for s in sessions]


def from_data(data: list[dict]) -> list[PlannedSession]:
    return [PlannedSession(**row) for row in data]


def as_text(data: list[dict]) -> str:
    return "\n".join(s.as_line() for s in from_data(data))
