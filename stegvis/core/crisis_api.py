"""The crisis lines in an API answer: what `crisis_page` is to the pages.

After a patient's words of crisis (stegvis/core/crisis.py) the pages send them to the crisis
lines at once and alone. An app has no redirect to follow, so every API write that takes a
patient's own words answers with the lines in its body, for the app to show the same way.
One schema and one conversion, here at the bottom, so that every app answers alike.
"""

from ninja import Schema
from pydantic import Field

CRISIS_LINES_DESCRIPTION = (
    "The crisis lines of the patient's country, filled only when what the patient wrote "
    "or answered in this request is of concern (words of crisis; in a questionnaire, an "
    "answer of self-harm): for the app to show at once and alone, as the pages do at "
    "/help/?after=1. The urgent flag has gone to the patient's care team, and what was "
    "written for others is held back until a person responsible has seen it. Empty "
    "otherwise, and in every read. A retry with the same Idempotency-Key answers the same."
)

# The sentence each such operation's OpenAPI description ends with.
CRISIS_NOTE = (
    "When the patient's own words hold words of crisis, `crisis_lines` names the crisis "
    "lines to show at once and alone; otherwise it is empty."
)


class CrisisLineOut(Schema):
    number: str
    name: str


def crisis_lines(screen) -> list[dict]:
    """The lines of a crisis screen (what `patient_wrote` answered), or none for None."""
    if screen is None:
        return []
    return [{"number": contact.number, "name": str(contact.name)} for contact in screen.contacts]


class CrisisLinesOut(Schema):
    """Mixed into the answer of a write that takes a patient's own words. The service sets
    the crisis screen on what it returns as `crisis` (an attribute, or a key of the dict the
    operation builds), so no operation converts it by hand."""

    crisis_lines: list[CrisisLineOut] = Field(default=[], description=CRISIS_LINES_DESCRIPTION)

    @staticmethod
    def resolve_crisis_lines(obj) -> list[dict]:
        screen = obj.get("crisis") if isinstance(obj, dict) else getattr(obj, "crisis", None)
        return crisis_lines(screen)
