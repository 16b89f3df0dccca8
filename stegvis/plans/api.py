"""The plan, capacity note and employer's plan under /api/v1/. Writes need `If-Match`
with the ETag last read: a missing one is 428, a stale one 412, so no edit is lost."""

import uuid
from datetime import date, datetime

from django.http import HttpResponse
from ninja import Header, Router, Schema, Status
from pydantic import ValidationError as SchemaError

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_case_for, get_record_for
from stegvis.access.rules import PATIENT_ONLY
from stegvis.core.crisis_api import CRISIS_NOTE, CrisisLinesOut
from stegvis.core.errors import ApiError, FieldErrors, NotAllowed, Text
from stegvis.network.selectors import member_of
from stegvis.plans import content, selectors, services
from stegvis.plans.content import PlanContent
from stegvis.plans.employer_points import employer_plan_rules
from stegvis.plans.rules import (
    CAPACITY_NOTE,
    EMPLOYER_ONLY,
    NOTE_EDITORS,
    PLAN_VERSION,
    PROPOSAL_TO_ANSWER,
)

router = Router(tags=["plans"])


class PlanOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    version: int
    updated_at: datetime
    content: PlanContent


class PlanSavedOut(PlanOut, CrisisLinesOut):
    """The plan as saved: what the patient just wrote in it may hold words of crisis."""


class VersionOut(Schema):
    number: int
    created_at: datetime
    author_id: uuid.UUID | None
    note: str


class VersionContentOut(VersionOut):
    content: PlanContent


class ProposalIn(Schema):
    section: str
    value: object
    comment: Text(2000) = ""


class ProposalOut(Schema):
    id: uuid.UUID
    section: str
    value: object
    comment: str
    author_id: uuid.UUID
    base_version: int
    status: str
    created_at: datetime


class ProposalAnswerIn(Schema):
    accept: bool


class CommentIn(Schema):
    text: Text(2000, 1)


class CommentOut(CrisisLinesOut):
    id: int
    author_id: uuid.UUID
    text: str
    created_at: datetime


class NoteIn(Schema):
    work_situation: str = ""
    limitations: str = ""
    adjustments: str = ""


class NoteOut(NoteIn):
    id: uuid.UUID
    case_id: uuid.UUID
    revision: int
    updated_at: datetime
    shared_with_member_id: uuid.UUID | None
    shared_at: datetime | None


class NoteSavedOut(NoteOut, CrisisLinesOut):
    pass


class ShareIn(Schema):
    member_id: uuid.UUID


class PointOut(Schema):
    code: str
    text_sv: str
    text_en: str
    answer: str


class EmployerPlanIn(Schema):
    answers: dict[str, str]
    follow_up_on: date | None = None


class EmployerPlanOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    revision: int
    legal_reference: str
    milestone: str
    points: list[PointOut]
    follow_up_on: date | None
    completed_at: datetime | None
    capacity_note: NoteIn | None
    adjustments: content.Adjustments
    schedule: list[content.ScheduleStep]


# Declared on each write that needs it, so that the OpenAPI document names it (and its 412/428).
IfMatch = Header(default=None, alias="If-Match", description="The ETag of the version you read")


def _require_match(sent: str | None, etag: str) -> None:
    if not sent:
        raise ApiError(428, "precondition_required", "Send If-Match with the ETag you read.")
    if sent.strip() not in (etag, "*"):
        raise ApiError(412, "precondition_failed", "Someone saved a newer version; read it again.")


def _case(request, case_id, category, action=Action.VIEW, roles=None):
    return get_case_for(request.user, case_id, category=category, action=action, roles=roles)


def _schema_errors(error: SchemaError, prefix: str = "") -> FieldErrors:
    errors: dict[str, list[str]] = {}
    for item in error.errors():
        loc = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        errors.setdefault(loc or "body", []).append(item["msg"])
    return FieldErrors(errors)


def _plan_out(plan, response: HttpResponse, content: dict | None = None):
    response["ETag"] = plan.etag
    return {**plan.__dict__, "content": plan.content if content is None else content}


@router.get("/cases/{case_id}/plan", response=PlanOut, summary="The patient's plan (with ETag)")
def get_plan(request, case_id: str, response: HttpResponse):
    case = _case(request, case_id, Category.PLAN)
    plan = selectors.plan_of(case)
    shown = selectors.content_shown(plan, patient_reads=request.user.pk == case.patient_id)
    return _plan_out(plan, response, shown)


@router.put(
    "/cases/{case_id}/plan",
    response=PlanSavedOut,
    summary="Replace the plan (the patient only; If-Match required)",
    description="Only the texts that are new in this version are read for words of crisis. "
    + CRISIS_NOTE,
)
def put_plan(
    request,
    case_id: str,
    payload: PlanContent,
    response: HttpResponse,
    if_match: str | None = IfMatch,
):
    case = _case(request, case_id, Category.PLAN, Action.UPDATE, roles=PATIENT_ONLY)
    plan = selectors.plan_of(case)
    new_content = payload.model_dump(mode="json")
    if new_content != plan.content:
        _require_match(if_match, plan.etag)
    plan = services.plan_save(
        actor=request.user, plan=plan, new_content=new_content, base_version=plan.version
    )
    # The saved plan carries its `crisis` screen into the dict, and so into `crisis_lines`.
    return _plan_out(plan, response)


@router.get("/cases/{case_id}/plan/versions", response=list[VersionOut], summary="Plan history")
def list_versions(request, case_id: str):
    case = _case(request, case_id, Category.PLAN)
    patient_reads = request.user.pk == case.patient_id
    return list(selectors.versions_shown(selectors.plan_of(case), patient_reads=patient_reads))


@router.get(
    "/cases/{case_id}/plan/versions/{number}",
    response=VersionContentOut,
    summary="One earlier version",
)
def get_version(request, case_id: str, number: int):
    # One decision, on the version found within the case: not the case allowed and then
    # its missing version refused.
    return get_record_for(request.user, PLAN_VERSION, selectors.version_id(case_id, number))


@router.get(
    "/cases/{case_id}/plan/proposals", response=list[ProposalOut], summary="Proposed changes"
)
def list_proposals(request, case_id: str):
    case = _case(request, case_id, Category.PLAN)
    return list(selectors.plan_of(case).proposals.all())


@router.post(
    "/cases/{case_id}/plan/proposals",
    response={201: ProposalOut},
    summary="Propose a new text for one section; the patient decides",
)
def create_proposal(request, case_id: str, payload: ProposalIn):
    case = _case(request, case_id, Category.PLAN, Action.CREATE)
    if payload.section not in content.SECTIONS:
        raise FieldErrors({"section": [f"One of: {', '.join(content.SECTIONS)}"]})
    try:
        proposal = services.proposal_create(
            actor=request.user,
            role=case.access_decision.role,
            plan=selectors.plan_of(case),
            section=payload.section,
            value=payload.value,
            comment=payload.comment,
        )
    except SchemaError as error:
        raise _schema_errors(error, "value") from None
    return Status(201, proposal)


@router.post(
    "/plan-proposals/{proposal_id}/decision",
    response=ProposalOut,
    summary="Accept or decline a proposal (the patient only)",
)
def decide_proposal(request, proposal_id: str, payload: ProposalAnswerIn):
    proposal = get_record_for(request.user, PROPOSAL_TO_ANSWER, proposal_id, action=Action.UPDATE)
    return services.proposal_decide(actor=request.user, proposal=proposal, accept=payload.accept)


@router.post(
    "/cases/{case_id}/plan/comments",
    response={201: CommentOut},
    summary="Comment on the plan",
    description=CRISIS_NOTE,
)
def create_comment(request, case_id: str, payload: CommentIn):
    case = _case(request, case_id, Category.PLAN, Action.CREATE)
    text = payload.text.strip()
    if not text or len(text) > 2000:
        raise FieldErrors({"text": ["Write 1 to 2000 characters."]})
    plan = selectors.plan_of(case)
    comment = services.comment_add(
        actor=request.user, role=case.access_decision.role, plan=plan, text=text
    )
    return Status(201, comment)


def _note_out(note, response: HttpResponse):
    response["ETag"] = note.etag
    return {**note.__dict__, "shared_with_member_id": note.shared_with_id}


@router.get("/cases/{case_id}/capacity-note", response=NoteOut, summary="The capacity note")
def get_note(request, case_id: str, response: HttpResponse):
    case = get_record_for(request.user, CAPACITY_NOTE, case_id)
    note = selectors.capacity_note_of(case)
    return _note_out(note, response)


@router.put(
    "/cases/{case_id}/capacity-note",
    response=NoteSavedOut,
    summary="Write the note (patient or physician; If-Match required)",
    description=CRISIS_NOTE,
)
def put_note(
    request, case_id: str, payload: NoteIn, response: HttpResponse, if_match: str | None = IfMatch
):
    case = get_record_for(
        request.user, CAPACITY_NOTE, case_id, action=Action.UPDATE, roles=NOTE_EDITORS
    )
    note = selectors.capacity_note_of(case)
    _require_match(if_match, note.etag)
    too_long = [n for n, v in payload.dict().items() if len(v) > 4000]
    if too_long:
        raise FieldErrors({name: ["At most 4000 characters."] for name in too_long})
    note = services.capacity_note_save(
        actor=request.user, note=note, data=payload.dict(), base_revision=note.revision
    )
    return _note_out(note, response)


@router.post(
    "/cases/{case_id}/capacity-note/share",
    response=NoteOut,
    summary="Share the note with a manager in the network (the patient only)",
)
def share_note(request, case_id: str, payload: ShareIn, response: HttpResponse):
    case = get_record_for(
        request.user, CAPACITY_NOTE, case_id, action=Action.UPDATE, roles=PATIENT_ONLY
    )
    note = selectors.capacity_note_of(case)
    member = member_of(case.patient, payload.member_id)
    if member is None:
        raise FieldErrors({"member_id": ["Not a member of your network."]})
    try:
        note = services.capacity_note_share(actor=request.user, note=note, member=member)
    except NotAllowed as refusal:
        raise FieldErrors({"member_id": [str(refusal)]}) from None
    return _note_out(note, response)


@router.delete(
    "/cases/{case_id}/capacity-note/share",
    response=NoteOut,
    summary="Stop sharing the note (the patient only)",
)
def unshare_note(request, case_id: str, response: HttpResponse):
    case = get_record_for(
        request.user, CAPACITY_NOTE, case_id, action=Action.UPDATE, roles=PATIENT_ONLY
    )
    note = selectors.capacity_note_of(case)
    return _note_out(services.capacity_note_unshare(actor=request.user, note=note), response)


def _employer_plan_out(request, case, plan, response: HttpResponse):
    response["ETag"] = plan.etag
    context = selectors.employer_plan_context(request.user, case, plan)
    note = context["note"]
    return {
        "id": plan.pk,
        "case_id": case.pk,
        "revision": plan.revision,
        "legal_reference": context["rules"].legal_reference,
        "milestone": context["rules"].milestone,
        "points": [
            {"code": p.code, "text_sv": p.text.sv, "text_en": p.text.en, "answer": answer}
            for p, answer in context["answers"]
        ],
        "follow_up_on": plan.follow_up_on,
        "completed_at": plan.completed_at,
        "capacity_note": note.__dict__ if note else None,
        "adjustments": context["adjustments"],
        "schedule": context["schedule"],
    }


@router.get(
    "/cases/{case_id}/employer-plan",
    response=EmployerPlanOut,
    summary="The employer's plan, with only what the employer may see beside it",
)
def get_employer_plan(request, case_id: str, response: HttpResponse):
    case = _case(request, case_id, Category.CAPACITY)
    return _employer_plan_out(request, case, selectors.employer_plan_of(case), response)


@router.put(
    "/cases/{case_id}/employer-plan",
    response=EmployerPlanOut,
    summary="Write the employer's plan (the employer manager; If-Match required)",
)
def put_employer_plan(
    request,
    case_id: str,
    payload: EmployerPlanIn,
    response: HttpResponse,
    if_match: str | None = IfMatch,
):
    case = _case(request, case_id, Category.CAPACITY, Action.UPDATE, EMPLOYER_ONLY)
    plan = selectors.employer_plan_of(case)
    _require_match(if_match, plan.etag)
    codes = {p.code for p in employer_plan_rules(case.jurisdiction).points}
    unknown = sorted(set(payload.answers) - codes)
    if unknown:
        raise FieldErrors({f"answers.{code}": ["Not a point of this plan."] for code in unknown})
    plan = services.employer_plan_save(
        actor=request.user,
        plan=plan,
        answers=payload.answers,
        follow_up_on=payload.follow_up_on,
        base_revision=plan.revision,
    )
    return _employer_plan_out(request, case, plan, response)


@router.post(
    "/cases/{case_id}/employer-plan/complete",
    response=EmployerPlanOut,
    summary="Mark the employer's plan complete (all points answered); marks the milestone done",
)
def complete_employer_plan(request, case_id: str, response: HttpResponse):
    case = _case(request, case_id, Category.CAPACITY, Action.UPDATE, EMPLOYER_ONLY)
    plan = selectors.employer_plan_of(case)
    missing = services.employer_plan_missing(plan)
    if missing:
        raise FieldErrors({f"answers.{code}": ["Answer this point."] for code in missing})
    plan = services.employer_plan_complete(actor=request.user, plan=plan)
    return _employer_plan_out(request, case, plan, response)
