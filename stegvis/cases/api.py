"""Cases, certificates and timelines under /api/v1/."""

from datetime import date

from django.http import HttpResponse
from ninja import Router, Schema

from stegvis.cases.deadlines import milestones, rule_set
from stegvis.cases.timeline_input import TimelineIn

router = Router(tags=["cases"])


class MilestoneOut(Schema):
    code: str
    date: date
    title_sv: str
    title_en: str
    responsible: str
    legal_reference: str
    kind: str
    note_sv: str | None
    note_en: str | None


@router.post(
    "/timeline",
    response=list[MilestoneOut],
    summary="Calculate a sick-leave timeline (stores nothing)",
    description="Milestones in date order for the given periods, by the jurisdiction's rule "
    "set; its version is in the `X-Rule-Set-Version` header. Any signed-in caller.",
)
def calculate_timeline(request, response: HttpResponse, payload: TimelineIn):
    response["X-Rule-Set-Version"] = rule_set(payload.jurisdiction).version
    return [m.as_dict() for m in milestones(payload.to_input())]
