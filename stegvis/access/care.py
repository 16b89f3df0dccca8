"""Establishing a care relationship: the colleague covering a visit states why, for a
limited time, and in an emergency may pass the patient's refusal (PDL 4 kap. 1 §, 6 kap.).

The patient sees each one, with its reason, on "who has seen my data"; the unit's manager
is told, and every one has a place in the unit's log-review sample.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from stegvis.access.categories import CARE_ROLES, Action, Category
from stegvis.access.helpers import record_allowed
from stegvis.access.models import PASSES_REFUSAL, CareReason, CareRefusal, CareRelationship
from stegvis.access.signals import care_relationship_established
from stegvis.accounts import national_id
from stegvis.accounts.models import Membership, Organisation, User
from stegvis.audit import audit
from stegvis.cases.models import Case
from stegvis.core.errors import NotAllowed

# How long a stated relationship lasts before it must be stated again.
HOURS = (4, 8, 24, 72)
EMERGENCY_HOURS = (1, 4, 8)
EVENT_OBJECT = "care_relationship"
# The reasons a person states. `program` is granted by the system when the patient is
# referred to a team, never stated: claimed on the form it would pass a colleague off as
# a member of the patient's rehabilitation team.
STATED_REASONS = tuple(reason for reason in CareReason if reason != CareReason.PROGRAM)


def care_units(user: User) -> list[Membership]:
    """Where the user may establish a care relationship: their care roles' units."""
    return [m for m in user.memberships_cached() if m.role in CARE_ROLES]


def patients_at(organisation: Organisation, login: str) -> User | None:
    """The patient with a case at the unit, found by e-mail or identity number."""
    login = login.strip()
    found = User.objects.filter(cases__organisation=organisation).distinct()
    if "@" in login:
        return found.filter(email__iexact=login).first()
    for country in ("SE", "NO"):
        try:
            parsed = national_id.parse(login, country)
        except ValidationError:
            continue
        match = found.filter(national_id_hash=national_id.lookup_hash(parsed)).first()
        if match is not None:
            return match
    return None


def refuses(patient: User) -> bool:
    return CareRefusal.objects.filter(patient=patient, withdrawn_at__isnull=True).exists()


def establish(
    *,
    actor: User,
    membership: Membership,
    patient: User,
    reason: str,
    reason_text: str,
    hours: int,
    emergency: bool = False,
) -> CareRelationship:
    """A care relationship from now for `hours`, recorded as a prominent audit event."""
    if membership.user_id != actor.pk or membership.role not in CARE_ROLES:
        raise NotAllowed(_("Only care staff at the unit can take part in a patient's care."))
    if reason not in STATED_REASONS:
        raise NotAllowed(_("Choose one of the offered reasons."))
    if not Case.objects.filter(
        patient=patient, organisation_id=membership.organisation_id
    ).exists():
        raise NotAllowed(_("The unit holds no case of this patient."))
    if emergency != (reason == CareReason.EMERGENCY):
        raise NotAllowed(_("Emergency access needs the emergency reason, and only it."))
    if emergency and hours not in EMERGENCY_HOURS:
        raise NotAllowed(
            _("Emergency access lasts at most {most} hours: choose {choices} hours.").format(
                most=max(EMERGENCY_HOURS), choices=", ".join(map(str, EMERGENCY_HOURS))
            )
        )
    if not emergency and hours not in HOURS:
        raise NotAllowed(_("Choose one of the offered time limits."))
    if not emergency and refuses(patient):
        refused = _("The patient has refused access outside their named care team.")
        only = _("Only an emergency, when life or health is at risk, opens the records.")
        raise NotAllowed(f"{refused} {only}")
    now = timezone.now()
    with audit.atomic():
        relationship = CareRelationship.objects.create(
            patient=patient,
            user=actor,
            organisation_id=membership.organisation_id,
            role=membership.role,
            reason=reason,
            reason_text=reason_text.strip(),
            emergency=emergency,
            started_at=now,
            ends_at=now + timedelta(hours=hours),
        )
        record_allowed(
            actor,
            patient.pk,
            category=Category.IDENTITY,
            action=Action.CREATE,
            basis="care:emergency" if emergency else "care:established",
            object_type=EVENT_OBJECT,
            object_id=relationship.pk,
            role=membership.role,
            organisation_id=membership.organisation_id,
        )
    care_relationship_established.send(sender=CareRelationship, relationship=relationship)
    return relationship


def program_relationships_set(
    *,
    patient: User,
    memberships: list[Membership],
    reference: str,
    reason_text: str,
    until,
    professions: dict | None = None,
) -> None:
    """Keep a team's care relationships with a patient in step with the team: one for each
    member (by their care role at the team's unit, with their profession in the team from
    `professions`, by user id) until `until`, when the program's follow-up ends; a member
    who left, or an `until` already past, ends theirs now.

    Each person given a relationship has it recorded as shared with them, on the patient's
    log, with the team's reason."""
    now = timezone.now()
    running = CareRelationship.objects.active(now).filter(patient=patient, reference=reference)
    keep = {m.user_id: m for m in memberships if m.role in CARE_ROLES} if until > now else {}
    professions = professions or {}
    with audit.atomic():
        running.exclude(user_id__in=keep).update(ended_at=now)
        running.filter(user_id__in=keep).update(ends_at=until, reason_text=reason_text)
        held = set(running.filter(user_id__in=keep).values_list("user_id", flat=True))
        for user_id, membership in keep.items():
            if user_id in held:
                running.filter(user_id=user_id).update(profession=professions.get(user_id, ""))
                continue
            relationship = CareRelationship.objects.create(
                patient=patient,
                user_id=user_id,
                organisation_id=membership.organisation_id,
                role=membership.role,
                profession=professions.get(user_id, ""),
                reason=CareReason.PROGRAM,
                reason_text=reason_text,
                started_at=now,
                ends_at=until,
                reference=reference,
            )
            record_allowed(
                membership.user,
                patient.pk,
                category=Category.IDENTITY,
                action=Action.SHARE,
                basis="care:program",
                object_type=EVENT_OBJECT,
                object_id=relationship.pk,
                role=membership.role,
                organisation_id=membership.organisation_id,
            )


def program_team_of(patient: User) -> list[CareRelationship]:
    """The people in the patient's rehabilitation teams now, for their network page."""
    return list(
        CareRelationship.objects.active()
        .filter(patient=patient, reason=CareReason.PROGRAM)
        .select_related("user", "organisation")
        .order_by("reason_text", "user__family_name")
    )


def attach_relationships(patient: User, events) -> None:
    """Give each event on a page of the patient's log that established a care relationship
    its `relationship`, so the log shows the reason (one query for the page)."""
    ids = [e.object_id for e in events if e.object_type == EVENT_OBJECT]
    found = {
        str(r.pk): r
        for r in CareRelationship.objects.filter(patient=patient, pk__in=ids).select_related(
            "user"
        )
    } if ids else {}  # fmt: skip
    for event in events:
        event.relationship = found.get(event.object_id) if (
            event.object_type == EVENT_OBJECT
        ) else None  # fmt: skip


def refusal_set(*, patient: User, refuse: bool) -> None:
    """The patient turns their refusal on or off; each change is on their log. Turned on,
    it ends at once every relationship it refuses (`_end_refused`)."""
    active = CareRefusal.objects.filter(patient=patient, withdrawn_at__isnull=True)
    if refuse == active.exists():
        return
    with audit.atomic():
        if refuse:
            refusal = CareRefusal.objects.create(patient=patient)
        else:
            refusal = active.get()
            active.update(withdrawn_at=timezone.now())
        record_allowed(
            patient,
            patient.pk,
            category=Category.NETWORK,
            action=Action.CREATE if refuse else Action.DELETE,
            basis="self",
            object_type="care_refusal",
            object_id=refusal.pk,
        )
        if refuse:
            _end_refused(patient)


def _end_refused(patient: User) -> None:
    """End now, each on the patient's log, the running relationships a refusal closes
    (all but PASSES_REFUSAL): ended, not paused, so withdrawing the refusal later opens
    nothing again."""
    now = timezone.now()
    running = CareRelationship.objects.active(now).filter(patient=patient)
    ending = list(running.exclude(PASSES_REFUSAL).values_list("pk", flat=True))
    CareRelationship.objects.filter(pk__in=ending).update(ended_at=now)
    for relationship_id in ending:
        record_allowed(
            patient,
            patient.pk,
            category=Category.NETWORK,
            action=Action.DELETE,
            basis="self",
            object_type=EVENT_OBJECT,
            object_id=relationship_id,
        )


def active_for(user: User) -> list[CareRelationship]:
    """The user's own relationships still running (and not closed by a refusal), newest
    first."""
    return list(
        CareRelationship.objects.active()
        .honoured()
        .filter(user=user)
        .select_related("patient", "organisation")
        .order_by("-started_at")
    )
