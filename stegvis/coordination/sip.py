"""A SIP's mandatory content (Socialstyrelsen): which measures are needed; which of them the
municipality, the region and others provide; which authority holds overall responsibility.
A SIP plan is validated whole before it is saved."""

from typing import Annotated, Literal

from django.utils.translation import gettext_lazy as _
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Provider = Literal["municipality", "region", "other"]

PROVIDERS = {
    "municipality": _("The municipality"),
    "region": _("The region"),
    "other": _("Someone else"),
}


class SipMeasure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text
    provider: Provider
    # Who provides it, by name; required for "other" (Försäkringskassan, the employer...).
    provider_name: Name = ""

    @model_validator(mode="after")
    def other_is_named(self):
        if self.provider == "other" and not self.provider_name:
            raise PydanticCustomError("provider_unnamed", "name who else provides the measure")
        return self


class SipPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measures: list[SipMeasure] = Field(min_length=1)
    overall_responsibility: Literal["municipality", "region"]
    # The authority by name, for example "Socialtjänsten i Solna".
    responsible_authority: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]

    # A field validator, not a model one: it runs (and reports) even when another field
    # is wrong too, so the form can name everything that is missing at once.
    @field_validator("measures")
    @classmethod
    def both_principals_take_part(cls, measures):
        # A SIP exists because both social services and health care are needed.
        providers = {m.provider for m in measures}
        missing = [p for p in ("municipality", "region") if p not in providers]
        if missing:
            raise PydanticCustomError(
                "principal_missing",
                "no measure provided by: {names}",
                {"names": ", ".join(missing), "missing": missing},
            )
        return measures


def validated(data: dict) -> dict:
    """The plan as stored; raises pydantic's ValidationError naming what is missing."""
    return SipPlan.model_validate(data).model_dump(mode="json")
