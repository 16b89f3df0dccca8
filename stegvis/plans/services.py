"""Writes on the plan, the capacity note and the employer's plan. The caller resolved the
case through the access helpers (which audit the access); these keep the data's rules:
no lost edits (a stale base is refused), every plan version kept, proposals decided by
the patient alone."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from stegvis.access.categories import Category
from stegvis.accounts.models import User
from stegvis.accounts.roles import Role
from stegvis.audit import audit
from stegvis.cases.services import milestone_complete, milestone_reopen
from stegvis.core.crisis import patient_wrote, revision_id
from stegvis.core.errors import NotAllowed, StaleEdit
from stegvis.network import services as network_services
from stegvis.network.models import MemberStatus, NetworkMember
from stegvis.network.purposes import Purpose
from stegvis.plans import content
from stegvis.plans.employer_points import employer_plan_rules
from stegvis.plans.models import (
    CapacityNote,
    EmployerPlan,
    PlanComment,
    PlanProposal,
    PlanVersion,
    ProposalStatus,
    RtwPlan,
)


def _locked(model, obj):
    """The row to write, locked. A read left an unsaved default (selectors create
    nothing), so the first write stores it, keeping the id the reader was shown."""
    locked, _created = model.objects.select_for_update().get_or_create(
        case_id=obj.case_id, defaults={"id": obj.pk}
    )
    return locked


@audit.atomic()
def plan_save(
    *, actor: User, plan: RtwPlan, new_content: dict, base_version: int, note: str = ""
) -> RtwPlan:
    """A new version, if `base_version` is still the newest. A save that changes nothing
    (a retried submission) succeeds and makes no version, whatever its base."""
    locked = _locked(RtwPlan, plan)
    locked.crisis = None
    new_content = content.validated(new_content)
    if new_content == locked.content:
        return locked
    if locked.version != base_version:
        raise StaleEdit
    written = _new_in(new_content, locked.content)
    saved = _new_version(locked, actor, new_content, note)
    # The patient's own words in their plan pass the same crisis rules as anywhere else.
    saved.crisis = patient_wrote(
        author=actor,
        patient_id=saved.case.patient_id,
        text="\n".join(written),
        source_type="planversion",
        source_id=saved.version_id,
        # The plan is shared with the patient's network: held back from it until seen.
        meant_for_others=True,
    )
    return saved


def _new_in(new_content: dict, old_content: dict) -> list[str]:
    """The texts of `new_content` that `old_content` did not hold (what was just written)."""
    return sorted(content.texts_in(new_content) - content.texts_in(old_content))


def _new_version(locked: RtwPlan, actor: User, new_content: dict, note: str) -> RtwPlan:
    locked.version += 1
    locked.content = new_content
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    locked.save()
    locked.version_id = PlanVersion.objects.create(
        plan=locked, number=locked.version, content=new_content, author=actor, note=note[:200]
    ).pk
    return locked


def plan_save_section(
    *, actor: User, plan: RtwPlan, section: str, value, base_version: int
) -> RtwPlan:
    return plan_save(
        actor=actor,
        plan=plan,
        new_content={**plan.content, section: value},
        base_version=base_version,
    )


@audit.atomic()
def proposal_create(
    *, actor: User, role: str, plan: RtwPlan, section: str, value, comment: str = ""
) -> PlanProposal:
    value = content.validated_section(section, value)
    plan = _locked(RtwPlan, plan)
    existing = PlanProposal.objects.filter(
        plan=plan, author=actor, section=section, status=ProposalStatus.PENDING
    ).first()
    if existing is not None and existing.value == value and existing.comment == comment:
        return existing
    return PlanProposal.objects.create(
        plan=plan,
        author=actor,
        author_role=role,
        section=section,
        value=value,
        comment=comment,
        base_version=plan.version,
    )


@audit.atomic()
def proposal_decide(*, actor: User, proposal: PlanProposal, accept: bool) -> PlanProposal:
    """Accepting replaces that one section in the newest version; other sections changed
    since the proposal was made are kept."""
    proposal = PlanProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        return proposal
    if accept:
        locked = RtwPlan.objects.select_for_update().get(pk=proposal.plan_id)
        note = _("Accepted a proposal from {name}").format(name=proposal.author)
        _new_version(locked, actor, {**locked.content, proposal.section: proposal.value}, note)
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    return proposal


@audit.atomic()
def comment_add(*, actor: User, role: str, plan: RtwPlan, text: str) -> PlanComment:
    plan = _locked(RtwPlan, plan)
    comment = PlanComment.objects.create(plan=plan, author=actor, author_role=role, text=text)
    # Held back from the rest of the network until a person responsible has seen it.
    comment.crisis = patient_wrote(
        author=actor,
        patient_id=plan.case.patient_id,
        text=text,
        source_type=comment._meta.model_name,
        source_id=comment.pk,
        meant_for_others=True,
    )
    return comment


@audit.atomic()
def capacity_note_save(
    *, actor: User, note: CapacityNote, data: dict, base_revision: int
) -> CapacityNote:
    locked = _locked(CapacityNote, note)
    if locked.revision != base_revision:
        raise StaleEdit
    changed = [f for f in CapacityNote.TEXT_FIELDS if getattr(locked, f) != data.get(f, "")]
    locked.crisis = None
    if not changed:
        return locked
    for name in CapacityNote.TEXT_FIELDS:
        setattr(locked, name, data.get(name, ""))
    locked.revision += 1
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    locked.save()
    # Meant for the employer it is shared with: words of crisis wait for the care team.
    locked.crisis = patient_wrote(
        author=actor,
        patient_id=note.case.patient_id,
        text=" … ".join(getattr(locked, name) for name in changed),
        source_type=locked._meta.model_name,
        source_id=revision_id(locked),
        meant_for_others=True,
    )
    return locked


def employer_members(patient: User) -> list[NetworkMember]:
    return list(
        NetworkMember.objects.filter(
            patient=patient, role=Role.EMPLOYER_MANAGER, status=MemberStatus.ACTIVE
        ).select_related("user", "organisation")
    )


@audit.atomic()
def capacity_note_share(*, actor: User, note: CapacityNote, member: NetworkMember) -> CapacityNote:
    """The patient gives the note to their manager: one click shares the note, the work
    capacity data it belongs to and whose it is (consents for dialogue with the employer)."""
    if actor.pk != note.case.patient_id or member.patient_id != actor.pk:
        raise NotAllowed(_("Only you can share your capacity note."))
    if member.role != Role.EMPLOYER_MANAGER or member.status != MemberStatus.ACTIVE:
        raise NotAllowed(_("Choose your manager from your network."))
    if note.is_empty:
        raise NotAllowed(_("Write something in the note before you share it."))
    for category in (Category.IDENTITY, Category.CAPACITY):
        network_services.consent_grant(
            actor=actor, member=member, category=category, purpose=Purpose.EMPLOYER_DIALOGUE
        )
    note = _locked(CapacityNote, note)
    note.shared_with = member
    note.shared_at = timezone.now()
    note.save(update_fields=["shared_with", "shared_at"])
    return note


@audit.atomic()
def capacity_note_unshare(*, actor: User, note: CapacityNote) -> CapacityNote:
    if actor.pk != note.case.patient_id:
        raise NotAllowed(_("Only you can stop sharing your capacity note."))
    note = _locked(CapacityNote, note)
    note.shared_with = None
    note.shared_at = None
    note.save(update_fields=["shared_with", "shared_at"])
    return note


@audit.atomic()
def employer_plan_save(
    *, actor: User, plan: EmployerPlan, answers: dict, follow_up_on: date | None, base_revision: int
) -> EmployerPlan:
    locked = _locked(EmployerPlan, plan)
    if locked.revision != base_revision:
        raise StaleEdit
    codes = {p.code for p in employer_plan_rules(locked.case.jurisdiction).points}
    answers = {code: str(text).strip() for code, text in answers.items() if code in codes}
    if answers == locked.answers and follow_up_on == locked.follow_up_on:
        return locked
    locked.answers = answers
    locked.follow_up_on = follow_up_on
    locked.revision += 1
    locked.updated_at = timezone.now()
    locked.updated_by = actor
    locked.save()
    return locked


def employer_plan_missing(plan: EmployerPlan) -> list[str]:
    points = employer_plan_rules(plan.case.jurisdiction).points
    return [p.code for p in points if not plan.answers.get(p.code, "").strip()]


@audit.atomic()
def employer_plan_complete(*, actor: User, plan: EmployerPlan) -> EmployerPlan:
    """Every point answered marks the plan complete and its milestone done."""
    missing = employer_plan_missing(plan)
    if missing:
        raise NotAllowed(_("Answer every point before you complete the plan."))
    plan = _locked(EmployerPlan, plan)
    if plan.completed_at is None:
        plan.completed_at = timezone.now()
        plan.completed_by = actor
        plan.save(update_fields=["completed_at", "completed_by"])
    rules = employer_plan_rules(plan.case.jurisdiction)
    milestone_complete(actor=actor, case=plan.case, code=rules.milestone)
    return plan


@audit.atomic()
def employer_plan_reopen(*, actor: User, plan: EmployerPlan) -> EmployerPlan:
    plan = _locked(EmployerPlan, plan)
    plan.completed_at = None
    plan.completed_by = None
    plan.save(update_fields=["completed_at", "completed_by"])
    milestone_reopen(
        actor=actor, case=plan.case, code=employer_plan_rules(plan.case.jurisdiction).milestone
    )
    return plan
