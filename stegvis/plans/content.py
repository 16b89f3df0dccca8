"""What a return-to-work plan holds, as one validated document.

The plan is stored whole in each version, so any two versions compare section by section
and a proposal can replace one section without touching the others.
"""

import uuid
from datetime import date
from typing import Annotated, Literal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from stegvis.cases.models import WorkMeasure

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
BarrierKind = Literal["medical", "work", "social", "financial"]
ActionStatus = Literal["open", "done", "dropped"]
MEASURES = tuple(m for m in WorkMeasure.values if m != WorkMeasure.NOT_RELEVANT)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Barrier(Strict):
    kind: BarrierKind
    text: Text


class PlanAction(Strict):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    text: Text
    # "patient", or the id of a member of the patient's network.
    owner: str = "patient"
    due_on: date | None = None
    status: ActionStatus = "open"


class Adjustments(Strict):
    measures: list[Literal[MEASURES]] = []  # type: ignore[valid-type]
    other: OptionalText = ""


class ScheduleStep(Strict):
    weeks: int = Field(ge=1, le=52)
    percent: int | None = Field(default=None, ge=0, le=100)
    hours: float | None = Field(default=None, ge=0, le=60)
    note: OptionalText = ""

    @model_validator(mode="after")
    def percent_or_hours(self):
        if (self.percent is None) == (self.hours is None):
            raise ValueError("give either percent or hours per week")
        return self


class SupportContact(Strict):
    name: Text
    role: OptionalText = ""
    how_to_reach: OptionalText = ""


class HardTimes(Strict):
    warning_signs: OptionalText = ""
    what_helps: OptionalText = ""
    whom_to_call: OptionalText = ""


class PlanContent(Strict):
    goals: list[Text] = []
    strengths: list[Text] = []
    barriers: list[Barrier] = []
    actions: list[PlanAction] = []
    adjustments: Adjustments = Adjustments()
    schedule: list[ScheduleStep] = []
    support_contacts: list[SupportContact] = []
    hard_times: HardTimes = HardTimes()


SECTIONS = {
    "goals": _("My goals"),
    "strengths": _("My strengths and resources"),
    "barriers": _("What stands in the way"),
    "actions": _("Actions"),
    "adjustments": _("Adjustments at work"),
    "schedule": _("Graded return"),
    "support_contacts": _("Support contacts"),
    "hard_times": _("When it gets hard"),
}
BARRIER_KINDS = {
    "medical": _("Health"),
    "work": pgettext_lazy("kind of barrier to work", "Work"),
    "social": _("Social"),
    "financial": _("Money"),
}
ACTION_STATUSES = {"open": _("To do"), "done": _("Done"), "dropped": _("Dropped")}


def empty() -> dict:
    return PlanContent().model_dump(mode="json")


def validated(data: dict) -> dict:
    """The plan as stored: validated, with defaults filled in (raises pydantic's error)."""
    return PlanContent.model_validate(data).model_dump(mode="json")


def validated_section(section: str, value) -> object:
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    return PlanContent.model_validate({section: value}).model_dump(mode="json")[section]


def texts_in(value) -> set[str]:
    """Every text in a plan's content (its sections hold texts, lists and rows)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return {text for item in value for text in texts_in(item)}
    return set()
