"""A patient's network and consents under /api/v1/. Only the patient reads or changes
their network; every call goes through the policy and is audited."""

import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Router, Schema, Status

from stegvis.access.categories import Action, Category
from stegvis.access.helpers import get_patient_for, get_record_for
from stegvis.access.rules import PATIENT_ONLY
from stegvis.accounts.models import Membership, Organisation
from stegvis.accounts.roles import NETWORK_ROLES
from stegvis.core.errors import FieldErrors
from stegvis.network import selectors, services
from stegvis.network.models import NetworkMember
from stegvis.network.purposes import Purpose
from stegvis.network.rules import CONSENT, NETWORK_MEMBER

router = Router(tags=["network"])


class ConsentOut(Schema):
    id: uuid.UUID
    member_id: uuid.UUID
    category: str
    purpose: str
    granted_at: datetime
    ends_on: date | None
    withdrawn_at: datetime | None


class MemberOut(Schema):
    id: uuid.UUID
    name: str
    user_id: uuid.UUID | None
    role: str
    organisation_id: int
    organisation: str
    status: str
    consents: list[ConsentOut]


class MemberIn(Schema):
    """Either an existing staff member (user_id), or an e-mail invitation (email, name)."""

    organisation_id: int
    role: str
    user_id: uuid.UUID | None = None
    email: str | None = None
    name: str = ""


class AnswerIn(Schema):
    accept: bool


class ConsentIn(Schema):
    category: Category
    purpose: Purpose
    ends_on: date | None = None


def _member_out(member: NetworkMember) -> dict:
    return {
        "id": member.pk,
        "name": member.display_name,
        "user_id": member.user_id,
        "role": member.role,
        "organisation_id": member.organisation_id,
        "organisation": member.organisation.name,
        "status": member.status,
        "consents": selectors.active_consents(member),
    }


def _member(request, member_id, action):
    return get_record_for(
        request.user, NETWORK_MEMBER, member_id, action=action, roles=PATIENT_ONLY
    )


@router.get(
    "/patients/{patient_id}/network",
    response=list[MemberOut],
    summary="The patient's network with each member's active consents (the patient only)",
)
def list_network(request, patient_id: str):
    patient = get_patient_for(request.user, patient_id, category=Category.NETWORK)
    return [_member_out(m) for m in selectors.network_of(patient)]


@router.post(
    "/patients/{patient_id}/network",
    response={201: MemberOut},
    summary="Add a staff member, or invite someone by e-mail",
)
def add_member(request, patient_id: str, payload: MemberIn):
    patient = get_patient_for(
        request.user, patient_id, category=Category.NETWORK, action=Action.CREATE
    )
    if patient.pk != request.user.pk:
        raise FieldErrors({"patient_id": ["Only the patient changes their network."]})
    organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
    if organisation is None:
        raise FieldErrors({"organisation_id": ["No such organisation."]})
    if payload.role not in NETWORK_ROLES:
        raise FieldErrors({"role": ["Not a role that can join a network."]})
    if payload.user_id:
        membership = Membership.objects.filter(
            user_id=payload.user_id, organisation=organisation, role=payload.role
        ).first()
        if membership is None:
            raise FieldErrors({"user_id": ["Nobody with that role there."]})
        member = services.member_add(
            actor=patient, user=membership.user, organisation=organisation, role=payload.role
        )
    elif payload.email:
        try:
            validate_email(payload.email)
        except ValidationError:
            raise FieldErrors({"email": ["Not a valid e-mail address."]}) from None
        member = services.member_invite_by_email(
            actor=patient,
            email=payload.email,
            name=payload.name,
            organisation=organisation,
            role=payload.role,
        )
    else:
        raise FieldErrors({"user_id": ["Give user_id, or email to invite someone."]})
    return Status(201, _member_out(member))


@router.post(
    "/network-members/{member_id}/answer",
    response=MemberOut,
    summary="Accept or decline a request to join",
)
def answer_member(request, member_id: str, payload: AnswerIn):
    member = _member(request, member_id, Action.UPDATE)
    return _member_out(
        services.member_respond(actor=request.user, member=member, accept=payload.accept)
    )


@router.delete(
    "/network-members/{member_id}",
    response=MemberOut,
    summary="Remove a member; every consent they held ends",
)
def remove_member(request, member_id: str):
    member = _member(request, member_id, Action.DELETE)
    return _member_out(services.member_remove(actor=request.user, member=member))


@router.post(
    "/network-members/{member_id}/consents",
    response={201: ConsentOut},
    summary="Grant a consent (category and purpose, optional end date)",
)
def grant_consent(request, member_id: str, payload: ConsentIn):
    member = _member(request, member_id, Action.UPDATE)
    if payload.ends_on and payload.ends_on < timezone.localdate():
        raise FieldErrors({"ends_on": ["Choose today or a later date."]})
    try:
        consent = services.consent_grant(
            actor=request.user,
            member=member,
            category=payload.category,
            purpose=payload.purpose,
            ends_on=payload.ends_on,
        )
    except services.ConsentNotAllowed as refusal:
        raise FieldErrors({"category": [str(refusal)]}) from None
    return Status(201, consent)


@router.delete("/consents/{consent_id}", response=ConsentOut, summary="Withdraw a consent")
def withdraw_consent(request, consent_id: str):
    consent = get_record_for(
        request.user, CONSENT, consent_id, action=Action.DELETE, roles=PATIENT_ONLY
    )
    return services.consent_withdraw(actor=request.user, consent=consent)
