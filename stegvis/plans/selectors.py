"""Reads for the plan pages: what each reader sees, shaped for the templates and PDFs."""

import difflib
import json
import uuid

from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from stegvis.accounts.models import User
from stegvis.cases.models import WorkMeasure
from stegvis.cases.rules import NOTE_SHARED_WITH_READER
from stegvis.core.crisis import held_ids
from stegvis.network.models import MemberStatus, NetworkMember
from stegvis.plans import content
from stegvis.plans.employer_points import employer_plan_rules
from stegvis.plans.extensions import extra_sections
from stegvis.plans.models import (
    CapacityNote,
    EmployerPlan,
    PlanVersion,
    ProposalStatus,
    RtwPlan,
)
from stegvis.plans.services import employer_plan_missing


def _stored_or_new(model, case):
    """The case's row, or an unsaved one with the defaults: a read creates nothing; the
    first write stores it (the services' `_locked`)."""
    return model.objects.filter(case=case).first() or model(case=case)


def plan_of(case) -> RtwPlan:
    return _stored_or_new(RtwPlan, case)


def capacity_note_of(case) -> CapacityNote:
    return _stored_or_new(CapacityNote, case)


def employer_plan_of(case) -> EmployerPlan:
    return _stored_or_new(EmployerPlan, case)


def action_owner_choices(patient: User) -> list[tuple[str, str]]:
    """The network members an action can be given to, as (id, "name, role")."""
    members = NetworkMember.objects.filter(
        patient=patient, status=MemberStatus.ACTIVE
    ).select_related("user", "organisation")
    return [(str(m.pk), f"{m.display_name}, {m.role_title}") for m in members]


def plan_context(case, plan: RtwPlan, is_owner: bool) -> dict:
    owners = dict(action_owner_choices(case.patient))
    pending = list(plan.proposals.filter(status=ProposalStatus.PENDING).select_related("author"))
    return {
        "case": case,
        "plan": plan,
        "sections": content.SECTIONS,
        "c": content_shown(plan, patient_reads=is_owner),
        "owner_names": owners,
        "barrier_kinds": content.BARRIER_KINDS,
        "statuses": content.ACTION_STATUSES,
        "measure_labels": _measure_labels(),
        "proposals": pending,
        # The patient reads all; others not what is held back (words of crisis).
        "comments": list(
            plan.comments.select_related("author").exclude(
                pk__in=[] if is_owner else held_ids("plancomment")
            )
        ),
        "is_owner": is_owner,
        "today": timezone.localdate(),
        "extra_sections": extra_sections(case),
    }


def _measure_labels() -> dict[str, str]:
    return {m: WorkMeasure(m).label for m in content.MEASURES}


def _first_held(plan: RtwPlan) -> int | None:
    """The number of the plan's first version held back (the patient's words of crisis,
    until a person responsible has seen them), or None."""
    held = held_ids("planversion")
    if not held:
        return None
    return plan.versions.filter(pk__in=held).aggregate(first=Min("number"))["first"]


def versions_shown(plan: RtwPlan, *, patient_reads: bool):
    """The plan's versions as a reader sees them: the patient all of them; anyone else
    those before the first held back (later ones still carry the held words)."""
    first = None if patient_reads else _first_held(plan)
    return plan.versions.all() if first is None else plan.versions.filter(number__lt=first)


def content_shown(plan: RtwPlan, *, patient_reads: bool) -> dict:
    """The plan as a reader sees it: the patient their newest; anyone else the newest
    version before any held back."""
    first = None if patient_reads else _first_held(plan)
    if first is None:
        return plan.content
    earlier = plan.versions.filter(number__lt=first).order_by("-number").first()
    return earlier.content if earlier else content.empty()


def compare(versions, a, b) -> list[dict] | None:
    """Section by section, what changed between two of `versions` (line diff of each)."""
    try:
        numbers = sorted({int(a), int(b)})
    except (TypeError, ValueError):
        return None
    versions = {v.number: v.content for v in versions.filter(number__in=numbers)}
    if len(versions) != 2:
        return None
    old, new = (versions[n] for n in numbers)
    rows = []
    for section, label in content.SECTIONS.items():
        before = _as_lines(old.get(section))
        after = _as_lines(new.get(section))
        if before == after:
            continue
        diff = [line for line in difflib.ndiff(before, after) if line[:1] in "+-"]
        rows.append(
            {
                "label": label,
                "removed": [d[2:] for d in diff if d[0] == "-"],
                "added": [d[2:] for d in diff if d[0] == "+"],
            }
        )
    return rows


def _as_lines(value) -> list[str]:
    if isinstance(value, list):
        return [json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in value]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items() if v]
    return [] if value is None else [str(value)]


def employer_plan_context(user: User, case, plan: EmployerPlan) -> dict:
    """What the employer's plan shows: the note if shared, the adjustments and schedule
    from the patient's plan, and the points. Nothing else of the case."""
    note = capacity_note_of(case)
    rtw = content_shown(plan_of(case), patient_reads=False)
    rules = employer_plan_rules(case.jurisdiction)
    return {
        "case": case,
        "employer_plan": plan,
        "rules": rules,
        "answers": [(p, plan.answers.get(p.code, "")) for p in rules.points],
        "missing": employer_plan_missing(plan),
        "note": note
        if NOTE_SHARED_WITH_READER.passes(user, case.access_decision, case) and not note.is_empty
        else None,
        "adjustments": rtw["adjustments"],
        "schedule": rtw["schedule"],
        "measure_labels": _measure_labels(),
    }


def version_id(case_id, number: int) -> int | None:
    """The id of the plan version `number` of the case, None when there is none; read
    before any decision, so it tells nothing but an id to decide on."""
    try:
        case_uuid = uuid.UUID(str(case_id))
    except ValueError:
        return None
    versions = PlanVersion.objects.filter(plan__case_id=case_uuid, number=number)
    return versions.values_list("pk", flat=True).first()


def versions_marked_held():
    """Plan versions, each marked `held_back` when it or an earlier version of its plan is
    held back (the patient's words of crisis, until a person responsible has seen them)."""
    held = PlanVersion.objects.filter(
        plan=OuterRef("plan"), number__lte=OuterRef("number"), pk__in=held_ids("planversion")
    )
    return PlanVersion.objects.annotate(held_back=Exists(held))
