"""Writes on a patient's network and consents. Each records one audit event about the
patient (category `network`), in the same transaction as the change."""

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stegvis.access.categories import EMPLOYER_NEVER, ROLE_CEILING, Action, Category
from stegvis.access.helpers import record_allowed, record_refused
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.accounts.roles import NETWORK_ROLES, Role, may_ask_to_join
from stegvis.audit import audit
from stegvis.cases.country import country_of
from stegvis.core.errors import NotAllowed
from stegvis.network.models import OPEN_STATUSES, Consent, MemberStatus, NetworkMember
from stegvis.network.purposes import purpose_set
from stegvis.network.signals import member_invited

INVITATION_DAYS = 14


class ConsentNotAllowed(Exception):
    """The role may never hold this category, or the purpose is not one for the role."""


def _record(
    *,
    actor: User | None,
    patient: User,
    action: str,
    basis: str,
    obj,
    role=Role.PATIENT,
    organisation_id=None,
) -> None:
    record_allowed(
        actor,
        patient.pk,
        category=Category.NETWORK,
        action=action,
        basis=basis,
        obj=obj,
        role=role,
        organisation_id=organisation_id,
    )


def hash_invitation_token(raw: str) -> str:
    # The token is 32 random bytes; a fast hash is enough and lets us look it up.
    return hashlib.sha256(raw.encode()).hexdigest()


def _open_member(patient: User, *, user=None, email="", organisation, role):
    members = NetworkMember.objects.filter(
        patient=patient, organisation=organisation, role=role, status__in=OPEN_STATUSES
    )
    if user is not None:
        return members.filter(user=user).first()
    return members.filter(invited_email__iexact=email).first()


@audit.atomic()
def _network_role(role: str) -> None:
    """A network holds the roles that work with one patient at a time, nothing else."""
    if role not in NETWORK_ROLES:
        raise NotAllowed(_("Not a role that can join a network."))


def member_add(*, actor: User, user: User, organisation: Organisation, role: str) -> NetworkMember:
    """The patient lets a staff member in, found by organisation and role. Idempotent."""
    _network_role(role)
    if not Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise ValueError("The person does not hold that role there.")
    existing = _open_member(actor, user=user, organisation=organisation, role=role)
    if existing is not None:
        if existing.status != MemberStatus.ACTIVE:
            existing.status = MemberStatus.ACTIVE
            existing.responded_at = timezone.now()
            existing.save(update_fields=["status", "responded_at"])
            _record(actor=actor, patient=actor, action=Action.UPDATE, basis="self", obj=existing)
        return existing
    member = NetworkMember.objects.create(
        patient=actor,
        user=user,
        organisation=organisation,
        role=role,
        status=MemberStatus.ACTIVE,
        created_by=actor,
        responded_at=timezone.now(),
    )
    _record(actor=actor, patient=actor, action=Action.CREATE, basis="self", obj=member)
    return member


@audit.atomic()
def member_invite_by_email(
    *, actor: User, email: str, name: str, organisation: Organisation, role: str
) -> NetworkMember:
    """An e-mail invitation; its link makes (or signs in) an account of that role. The
    e-mail leaves through the delivery pipeline after the commit (`member_invited`).

    Asking twice for the same person sends a fresh link and keeps one invitation.
    """
    _network_role(role)
    member = _open_member(actor, email=email, organisation=organisation, role=role)
    if member is None:
        member = NetworkMember(
            patient=actor,
            organisation=organisation,
            role=role,
            status=MemberStatus.INVITED,
            invited_email=email.lower(),
            invited_name=name,
            created_by=actor,
        )
    elif member.status == MemberStatus.ACTIVE:
        return member
    # A link asked for before this one stops working now; the e-mail brings a new one.
    member.token_hash = ""
    member.save()
    _record(actor=actor, patient=actor, action=Action.CREATE, basis="self", obj=member)
    member_invited.send(sender=NetworkMember, member=member)
    return member


@audit.atomic()
def invitation_email(member_id) -> EmailMessage | None:
    """The invitation's e-mail with a fresh link (valid INVITATION_DAYS from now), written
    when it is sent: the link's token is stored only as its hash, so it cannot wait in a
    queue. None when the invitation is no longer open (accepted or withdrawn meanwhile).

    The invitee's language is unknown; the patient's is the best guess. The e-mail names
    the person and the role, and nothing about their health."""
    member = (
        NetworkMember.objects.select_for_update().select_related("patient").filter(pk=member_id)
    ).first()
    if member is None or member.status != MemberStatus.INVITED:
        return None
    raw = secrets.token_urlsafe(32)
    member.token_hash = hash_invitation_token(raw)
    member.token_expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    member.save(update_fields=["token_hash", "token_expires_at"])
    patient = member.patient
    link = settings.BASE_URL.rstrip("/") + reverse("invitation_accept", args=[raw])
    with override(patient.preferred_language):
        context = {"patient": patient, "member": member, "link": link, "days": INVITATION_DAYS}
        return EmailMessage(
            subject=_("{name} invites you to Stegvis").format(name=patient.full_name or patient),
            body=render_to_string("network/invitation_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[member.invited_email],
        )


def same_address(email: str, invited: str) -> bool:
    """Whether `email` is the address an invitation was sent to: an invitation belongs to
    that address, not to whoever holds its link."""
    return bool(invited) and email.strip().casefold() == invited.strip().casefold()


class InvitationUsed(Exception):
    """The invitation was accepted already (a second click, or a request running beside
    the first), withdrawn, or has expired."""


def invitation_for_token(raw: str) -> NetworkMember | None:
    """The open invitation behind a link, if it has not expired. Who may open it is the
    caller's to settle, and to record (`invitation_opened`, `invitation_refused`)."""
    member = (
        NetworkMember.objects.select_related("patient", "organisation")
        .filter(token_hash=hash_invitation_token(raw), status=MemberStatus.INVITED)
        .first()
    )
    if member is None or member.token_expires_at < timezone.now():
        return None
    return member


def invitation_opened(*, member: NetworkMember, reader: User | None) -> None:
    """Opening the link shows the patient's name: audited, with whoever opened it (before
    signing in, nobody yet) as the reader."""
    _record(actor=reader, patient=member.patient, action=Action.VIEW, basis="invitation",
            obj=member, role=member.role, organisation_id=member.organisation_id)  # fmt: skip


def invitation_refused(*, member: NetworkMember, reader: User) -> None:
    """Someone signed in with another address opened the link: refused, and on the
    patient's log, in the role they hold (if any), so the patient sees the attempt."""
    membership = next(iter(reader.memberships_cached()), None)
    record_refused(
        reader,
        member.patient_id,
        category=Category.NETWORK,
        action=Action.VIEW,
        basis="invitation_not_theirs",
        obj=member,
        role=membership.role if membership else "",
        organisation_id=membership.organisation_id if membership else None,
    )


@audit.atomic()
def invitation_accept(*, member: NetworkMember, user: User) -> NetworkMember:
    """The invitee, signed in (or just registered) with the invited address, joins in the
    invited role. The invitation is used up by the first acceptance: a conditional UPDATE,
    so of two requests at once only one finds it open (InvitationUsed for the other)."""
    if not same_address(user.email, member.invited_email):
        raise NotAllowed(_("This invitation was sent to someone else."))
    # Accepting makes the invitee a member of the organisation in the role: never one that
    # works with no patient of its own (a manager, an analyst, a region's system).
    _network_role(member.role)
    now = timezone.now()
    taken = NetworkMember.objects.filter(
        pk=member.pk,
        status=MemberStatus.INVITED,
        token_hash=member.token_hash,
        token_expires_at__gte=now,
    ).update(user=user, status=MemberStatus.ACTIVE, responded_at=now, token_hash="")
    if not taken:
        raise InvitationUsed
    member.user, member.status, member.responded_at = user, MemberStatus.ACTIVE, now
    member.token_hash = ""
    Membership.objects.get_or_create(user=user, organisation=member.organisation, role=member.role)
    _record(
        actor=user,
        patient=member.patient,
        action=Action.UPDATE,
        basis="invitation",
        obj=member,
        role=member.role,
        organisation_id=member.organisation_id,
    )
    return member


@audit.atomic()
def member_request_join(
    *, actor: User, membership: Membership, patient: User, message: str = ""
) -> NetworkMember:
    """A staff member asks to join. The patient sees it and answers; nothing is shared yet."""
    if not may_ask_to_join(membership):
        raise NotAllowed(_("This role is brought into a network by the patient, not by asking."))
    existing = _open_member(
        patient, user=actor, organisation=membership.organisation, role=membership.role
    )
    if existing is not None:
        return existing
    member = NetworkMember.objects.create(
        patient=patient,
        user=actor,
        organisation=membership.organisation,
        role=membership.role,
        status=MemberStatus.REQUESTED,
        message=message,
        created_by=actor,
    )
    _record(
        actor=actor,
        patient=patient,
        action=Action.CREATE,
        basis="join_request",
        obj=member,
        role=membership.role,
        organisation_id=membership.organisation_id,
    )
    return member


@audit.atomic()
def member_respond(*, actor: User, member: NetworkMember, accept: bool) -> NetworkMember:
    if member.status == MemberStatus.REQUESTED:
        member.status = MemberStatus.ACTIVE if accept else MemberStatus.DECLINED
        member.responded_at = timezone.now()
        member.save(update_fields=["status", "responded_at"])
        _record(actor=actor, patient=actor, action=Action.UPDATE, basis="self", obj=member)
    return member


@audit.atomic()
def member_remove(*, actor: User, member: NetworkMember) -> NetworkMember:
    """Out of the network; every consent the member held ends now."""
    now = timezone.now()
    for consent in member.consents.filter(withdrawn_at__isnull=True):
        consent_withdraw(actor=actor, consent=consent, now=now)
    if member.status in OPEN_STATUSES:
        member.status = MemberStatus.REMOVED
        member.responded_at = now
        member.token_hash = ""
        member.save(update_fields=["status", "responded_at", "token_hash"])
        _record(actor=actor, patient=actor, action=Action.DELETE, basis="self", obj=member)
    return member


def check_consent_allowed(role: str, category: str, purpose: str, country: str) -> None:
    if role == Role.EMPLOYER_MANAGER and category in EMPLOYER_NEVER:
        raise ConsentNotAllowed(_("An employer can never see this."))
    if category not in ROLE_CEILING.get(role, ()):
        raise ConsentNotAllowed(_("This role cannot be given these data."))
    rule = purpose_set().rules.get(purpose)
    if rule is None or role not in rule.roles:
        raise ConsentNotAllowed(_("This purpose does not apply to this role."))
    if country not in rule.countries:
        raise ConsentNotAllowed(_("This purpose belongs to another country's law."))


@audit.atomic()
def consent_grant(
    *, actor: User, member: NetworkMember, category: str, purpose: str, ends_on: date | None = None
) -> Consent:
    """One click: the member may now see `category` for `purpose`. A repeat changes nothing
    but the end date."""
    check_consent_allowed(member.role, category, purpose, country_of(member.patient_id))
    if member.status != MemberStatus.ACTIVE:
        raise ConsentNotAllowed(_("Only people in your network can be given access."))
    consent = (
        Consent.objects.select_for_update()
        .filter(member=member, category=category, purpose=purpose, withdrawn_at__isnull=True)
        .first()
    )
    if consent is not None:
        if consent.ends_on != ends_on:
            consent.ends_on = ends_on
            consent.save(update_fields=["ends_on"])
            _record(actor=actor, patient=actor, action=Action.UPDATE, basis="self", obj=consent)
        return consent
    consent = Consent.objects.create(
        member=member,
        patient=member.patient,
        role=member.role,
        category=category,
        purpose=purpose,
        granted_by=actor,
        ends_on=ends_on,
    )
    _record(actor=actor, patient=actor, action=Action.CREATE, basis="self", obj=consent)
    return consent


@audit.atomic()
def consent_withdraw(*, actor: User, consent: Consent, now=None) -> Consent:
    """One click; the next request of the member is refused. Withdrawing twice is harmless."""
    if consent.withdrawn_at is None:
        consent.withdrawn_at = now or timezone.now()
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        _record(
            actor=actor, patient=consent.patient, action=Action.DELETE, basis="self", obj=consent
        )
    return consent
