"""The coordination app's rules (stegvis.access.rules): who runs and who answers a meeting."""

from stegvis.access.categories import CARE_ROLES
from stegvis.access.rules import declare

RUNS_MEETING = declare(
    "coordination.runs_meeting",
    "The organiser and the care team run a meeting (minutes, the SIP plan, decisions).",
    lambda user, decision, meeting: meeting.organiser_id == user.pk or decision.role in CARE_ROLES,
    reason="not_running_meeting",
    forbidden=True,
)

INVITED_TO_MEETING = declare(
    "coordination.invited_to_meeting",
    "A professional invited to a meeting answers the invitation (a fastlege may decline "
    "dialogue meeting 1); its organiser does not, and the patient has their say in the meeting.",
    lambda user, decision, meeting: (
        decision.basis != "self"
        and meeting.organiser_id != user.pk
        and meeting.participants.filter(user=user).exists()
    ),
    reason="not_invited",
    forbidden=True,
)
