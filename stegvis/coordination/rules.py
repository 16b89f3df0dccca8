"""The coordination app's rules and records (stegvis.access.rules): who runs and who
answers a meeting, and how threads, meetings and tasks are read."""

from django.db.models import Q

from stegvis.access.categories import CARE_ROLES, Category
from stegvis.access.helpers import readable_cases
from stegvis.access.policy import care_cases
from stegvis.access.rules import STAFF_ONLY, declare, declare_record
from stegvis.accounts.models import User
from stegvis.coordination.models import Meeting, SickLeaveRequest, Task, Thread
from stegvis.coordination.selectors import attachments_for
from stegvis.core.crisis import held_subquery

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


def may_answer(user: User, meeting: Meeting) -> bool:
    """For a meeting already resolved: whether its page offers the invitation's answer."""
    return INVITED_TO_MEETING.passes(user, meeting.access_decision, meeting)


def may_run(user: User, meeting: Meeting) -> bool:
    """For a meeting already resolved: whether its page offers the running controls."""
    return RUNS_MEETING.passes(user, meeting.access_decision, meeting)


def _threads_of(user: User):
    # A thread begun with the patient's words of crisis waits for a person responsible.
    held = Q(held_subquery("thread")) & ~Q(created_by=user)
    return Thread.objects.filter(participants__user=user).exclude(held)


THREAD = declare_record(
    "coordination.thread",
    "A message thread, to those who take part in it while the policy lets them reach the "
    "patient's messages; one begun with words of crisis waits for a person responsible.",
    _threads_of,
    category=Category.MESSAGES,
    object_type="message_thread",
    patient_field="patient",
)


def visible_meetings(user: User):
    """Meetings the user takes part in, or of the cases in their care."""
    return Meeting.objects.filter(
        Q(pk__in=Meeting.objects.filter(participants__user=user).values("pk"))
        | Q(case__in=care_cases(user, Category.MEETINGS))
    )


MEETING = declare_record(
    "coordination.meeting",
    "A meeting, to those who take part in it or have the case in their care, while the "
    "policy lets them reach the patient's meetings.",
    visible_meetings,
    category=Category.MEETINGS,
    object_type="meeting",
)

RUNNING_MEETING = declare_record(
    "coordination.running_meeting",
    "A meeting as its organiser and the care team run it (minutes, the SIP plan, decisions).",
    visible_meetings,
    category=Category.MEETINGS,
    object_type="meeting",
    checks=[RUNS_MEETING],
)

INVITATION = declare_record(
    "coordination.invitation",
    "A meeting as an invited professional answers its invitation.",
    visible_meetings,
    category=Category.MEETINGS,
    object_type="meeting",
    checks=[INVITED_TO_MEETING],
)

STAFF_CASE = declare_record(
    "coordination.staff_case",
    "A case a professional calls a meeting on (read as meetings) or sets a task on (read as "
    "the plan); the patient does neither.",
    lambda user: readable_cases(),
    category=Category.MEETINGS,
    also_as=[Category.PLAN],
    object_type="case",
    patient_field="patient",
    checks=[STAFF_ONLY],
)

TASK = declare_record(
    "coordination.task",
    "A task, to the one it is set for, while the policy lets them reach the patient's plan.",
    lambda user: Task.objects.filter(assignee=user),
    category=Category.PLAN,
    object_type="task",
)

ATTACHMENT = declare_record(
    "coordination.attachment",
    "A message's attachment, to those who take part in its thread while the policy lets "
    "them reach the patient's messages.",
    attachments_for,
    category=Category.MESSAGES,
    object_type="attachment",
    patient_field="message__thread__patient",
)


SICK_LEAVE_REQUEST = declare_record(
    "coordination.sick_leave_request",
    "A patient's request to extend or shorten her sick leave, and the answer, to whoever may "
    "read her sick leave (never an employer); only a physician answers.",
    lambda user: SickLeaveRequest.objects.select_related("case", "patient", "draft", "relayed_by"),
    category=Category.SICK_LEAVE,
    object_type="sick_leave_request",
    patient_field="patient",
)
