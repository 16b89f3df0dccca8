"""A patient's request to extend or shorten her sick leave, and her physician's answer.

The request becomes a task in the responsible physician's inbox (or, with none named, in
each physician's who has the case in care and may read its sick leave). The physician
answers in words, and for more days may make a new certificate draft from the request,
which they go on to check and sign like any other: nothing here signs or sends a
certificate.
"""

import uuid
from datetime import date

from django.urls import reverse
from django.utils import timezone

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import record_decision
from stegvis.accounts.models import User
from stegvis.audit import audit
from stegvis.cases import services as cases
from stegvis.cases.forms import NORWAY_FIELDS, SWEDEN_FIELDS
from stegvis.cases.models import Case, CaseStatus, Certificate, CertificateStatus
from stegvis.cases.timelines import Period
from stegvis.coordination.models import (
    RequestKind,
    RequestStatus,
    SickLeaveRequest,
    TaskSource,
)
from stegvis.coordination.tasks.services import task_made, tasks_close_for_request
from stegvis.core.crisis import patient_said, patient_wrote
from stegvis.core.errors import StaleEdit, replayed
from stegvis.notifications.models import NotificationKind
from stegvis.notifications.outbox import Notice, notify

# The sick leave a patient may ask about.
OPEN = (CaseStatus.ACTIVE, CaseStatus.PARTIAL_RETURN)
# A new certificate rests on a new examination or contact: its basis is not copied.
NOT_COPIED = frozenset({"examined_on", "telephone_on", "records_on"})
# The draft's id from the request's: made twice, it is the same draft.
DRAFT_NAMESPACE = uuid.UUID("5b1f6a7e-3c55-4b8e-9a51-0c2f4d1e7a10")


@audit.atomic()
def request_make(
    *,
    actor: User,
    case: Case,
    kind: str,
    starts_on: date,
    ends_on: date | None,
    degree: int | None,
    words: str,
    submission_id: uuid.UUID,
) -> SickLeaveRequest:
    """The request, once per form: the patient's own, or hers as her manager (the actor)
    passes it on from the employer's view. A task for each physician to answer it; a
    request passed on tells her it was sent for her."""
    relayed_by = None if actor.pk == case.patient_id else actor
    request, created = SickLeaveRequest.objects.get_or_create(
        patient_id=case.patient_id,
        submission_id=submission_id,
        defaults={"case": case, "kind": kind, "starts_on": starts_on, "ends_on": ends_on,
                  "degree": degree, "words": words.strip(), "relayed_by": relayed_by},
    )  # fmt: skip
    if not created:
        return replayed(
            request, author_id=case.patient_id, relayed_by=relayed_by, words=words.strip()
        )
    for physician in who_answers(case):
        task_made(
            assignee=physician,
            case=case,
            title="",
            due_on=starts_on,
            source=TaskSource.REQUEST,
            key=f"sick_leave_request:{request.pk}:{physician.pk}",
            sick_leave_request=request,
        )
    if relayed_by is None:
        request.crisis = patient_wrote(
            author=actor,
            patient_id=case.patient_id,
            text=request.words,
            source_type="sick_leave_request",
            source_id=request.pk,
        )
        return request
    # Her words, though her manager typed them: words of crisis reach her care team (the
    # manager is not shown the crisis lines meant for her).
    patient_said(
        patient=case.patient, text=request.words, source_type="sick_leave_request",
        source_id=request.pk,
    )  # fmt: skip
    record_decision(actor, case.patient, category=Category.CAPACITY, action=Action.CREATE,
                    obj=request)  # fmt: skip
    _tell_patient(request, NotificationKind.REQUEST_RELAYED)
    return request


@audit.atomic()
def request_answer(*, actor: User, request: SickLeaveRequest, answer: str) -> SickLeaveRequest:
    """The physician's answer, once: a second answer to an answered request is refused, so
    two physicians never overwrite each other."""
    answered = SickLeaveRequest.objects.filter(pk=request.pk, status=RequestStatus.OPEN).update(
        status=RequestStatus.ANSWERED,
        answer=answer.strip(),
        answered_by=actor,
        answered_at=timezone.now(),
    )
    if not answered:
        raise StaleEdit
    tasks_close_for_request(actor=actor, request=request)
    _tell_patient(request, NotificationKind.REQUEST_ANSWERED)
    request.refresh_from_db()
    return request


def _tell_patient(request: SickLeaveRequest, kind: str) -> None:
    """Tell her that something happened to her request (what, she reads on its page)."""
    notify(
        Notice(
            kind=kind,
            key=f"{kind}:{request.pk}",
            link=reverse("sick_leave_request", args=[request.pk]),
            patient_id=request.patient_id,
        ),
        [(request.patient, None)],
    )


def draft_content(request: SickLeaveRequest) -> cases.CertificateContent:
    """A new certificate as the last signed one said it, for the days asked for."""
    last = _last_signed(request.case)
    fields = {}
    diagnoses = []
    degree = request.degree or 100
    if last is not None:
        names = [n for n in (*SWEDEN_FIELDS, *NORWAY_FIELDS) if n not in NOT_COPIED]
        fields = {name: getattr(last, name) for name in dict.fromkeys(names)}
        diagnoses = [(d.system, d.code, d.text) for d in last.diagnoses.all()]
    period = (degree, request.starts_on, request.ends_on or request.starts_on)
    return cases.CertificateContent(fields=fields, diagnoses=diagnoses, periods=[period])


def request_draft(*, actor: User, request: SickLeaveRequest) -> Certificate:
    """A certificate draft for the days asked for, made by the physician; made twice, the
    same draft. The physician checks, completes and signs it on the certificate's page."""
    draft = cases.certificate_create(
        actor=actor,
        case=request.case,
        content=draft_content(request),
        client_token=uuid.uuid5(DRAFT_NAMESPACE, f"{request.pk}:{actor.pk}"),
    )
    SickLeaveRequest.objects.filter(pk=request.pk).update(draft=draft)
    request.draft = draft
    return draft


def who_answers(case: Case) -> list[User]:
    """The responsible physician; with none named, the coordinator, who finds one."""
    person = case.responsible_physician or case.responsible_coordinator
    return [person] if person else []


def open_case_of(patient: User) -> Case | None:
    """The sick leave she may ask about: her newest open case."""
    return Case.objects.filter(patient=patient, status__in=OPEN).order_by("-sick_from").first()


def requests_of(patient: User):
    return (
        SickLeaveRequest.objects.filter(patient=patient)
        .select_related("relayed_by")
        .order_by("-created_at")
    )


def requests_relayed_by(manager: User, case: Case):
    """What a manager passed on for the employee: its days and whether it was answered."""
    return SickLeaveRequest.objects.filter(relayed_by=manager, case=case).order_by("-created_at")


def _last_signed(case: Case) -> Certificate | None:
    return (
        Certificate.objects.filter(case=case, status=CertificateStatus.SIGNED)
        .order_by("-signed_at")
        .first()
    )


def guidance_for(case: Case, asked: SickLeaveRequest):
    """Sweden's FMB (or Norway's) for the days asked for, as the certificate form shows it."""
    if asked.kind != RequestKind.EXTEND or asked.ends_on is None:
        return None
    last = _last_signed(case)
    diagnoses = list(last.diagnoses.all()) if last else []
    return cases.assessment_for(
        case,
        [Period(asked.starts_on, asked.ends_on, asked.degree or 100)],
        diagnosis_codes=[d.code for d in diagnoses],
        diagnosis_texts=[d.text for d in diagnoses],
        typical_case_id=last.fmb_typical_case if last else "",
        functional_impairment=last.functional_impairment if last else "",
        activity_limitation=last.activity_limitation if last else "",
    )
